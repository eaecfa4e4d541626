"""Background jobs: results, errors, cancel and progress reach the GUI thread; it keeps ticking."""

import gc
import logging
import threading
import time
from itertools import pairwise

from PySide6.QtCore import QTimer

from desktop.worker import Job, run_job
from engine.errors import Cancelled, EnclaveError


def record(job: Job) -> dict:
    """Collect every signal of `job`, with the thread each one arrived on."""
    seen = {
        "progress": [],
        "result": [],
        "error": [],
        "cancelled": [],
        "finished": [],
        "threads": set(),
    }

    def on(name):
        def slot(*args):
            seen[name].append(args[0] if len(args) == 1 else args)
            seen["threads"].add(threading.get_ident())

        return slot

    job.progress.connect(on("progress"))
    job.result.connect(on("result"))
    job.error.connect(on("error"))
    job.cancelled.connect(lambda: on("cancelled")(None))
    job.finished.connect(lambda: on("finished")(None))
    return seen


def finish(qtbot, job: Job, timeout_ms: int = 5000) -> None:
    if job.is_running():
        with qtbot.waitSignal(job.finished, timeout=timeout_ms):
            pass


def test_result_arrives_on_gui_thread_from_another_thread(qtbot):
    worker_threads = []

    def add(a, b, *, scale, progress, cancelled):
        worker_threads.append(threading.get_ident())
        return (a + b) * scale

    job = run_job(add, 2, 3, scale=10)
    seen = record(job)
    finish(qtbot, job)
    assert seen["result"] == [50]
    assert seen["error"] == [] and seen["cancelled"] == [] and len(seen["finished"]) == 1
    assert worker_threads[0] != threading.get_ident()
    assert seen["threads"] == {threading.get_ident()}


def test_enclave_error_gives_one_line_message(qtbot, caplog):
    def fail(progress, cancelled):
        raise EnclaveError("model folder is missing manifest.json\nsecond line for the log")

    job = run_job(fail)
    seen = record(job)
    with caplog.at_level(logging.WARNING, logger="desktop.worker"):
        finish(qtbot, job)
    assert seen["error"] == ["model folder is missing manifest.json"]
    assert seen["result"] == [] and len(seen["finished"]) == 1
    assert any(r.exc_info for r in caplog.records), "traceback should be logged"


def test_unexpected_exception_is_reported_not_swallowed(qtbot, caplog):
    def crash(progress, cancelled):
        raise ValueError("bad shape (3, 4)")

    job = run_job(crash)
    seen = record(job)
    with caplog.at_level(logging.ERROR, logger="desktop.worker"):
        finish(qtbot, job)
    assert seen["error"] == ["Unexpected error: ValueError: bad shape (3, 4)"]
    assert "Traceback" in caplog.text


def test_cancel_stops_a_looping_job_and_reports_cancelled(qtbot):
    started = threading.Event()
    loops = []

    def loop(progress, cancelled):
        started.set()
        while not cancelled():
            loops.append(1)
            time.sleep(0.01)
        raise Cancelled("stopped by user")

    job = run_job(loop)
    seen = record(job)
    assert started.wait(5)
    job.cancel()
    finish(qtbot, job)
    assert seen["cancelled"] == [None]
    assert seen["error"] == [] and seen["result"] == [] and len(seen["finished"]) == 1
    assert job.wait(0) and not job.is_running()


def test_result_after_cancel_is_dropped(qtbot):
    release = threading.Event()

    def ignores_cancel(progress, cancelled):
        release.wait(5)
        return "late answer"

    job = run_job(ignores_cancel)
    seen = record(job)
    job.cancel()
    release.set()
    finish(qtbot, job)
    assert seen["result"] == [] and seen["cancelled"] == [None]


def test_progress_arrives_in_order_and_floods_are_thinned(qtbot):
    def work(progress, cancelled):
        progress(0.0, "loading model")
        for i in range(2000):
            progress(i / 2000, "embedding")
        progress(1.0, "embedding")
        return "done"

    job = run_job(work)
    seen = record(job)
    finish(qtbot, job)
    messages = [m for _, m in seen["progress"]]
    fractions = [f for f, _ in seen["progress"]]
    assert messages[0] == "loading model" and seen["progress"][-1] == (1.0, "embedding")
    assert fractions == sorted(fractions)
    assert len(seen["progress"]) < 200
    assert seen["result"] == ["done"]


def test_gui_keeps_ticking_while_a_job_sleeps(qtbot):
    ticks = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    try:
        job = run_job(lambda progress, cancelled: time.sleep(1.0))
        finish(qtbot, job)
    finally:
        timer.stop()
    assert len(ticks) > 10
    gaps = [b - a for a, b in pairwise(ticks)]
    assert max(gaps) < 0.5


def test_unreferenced_job_still_delivers(qtbot):
    results = []
    job = run_job(lambda progress, cancelled: (time.sleep(0.2), 42)[1])
    job.result.connect(results.append)
    del job
    gc.collect()
    qtbot.waitUntil(lambda: results == [42], timeout=5000)


def test_gc_guard_keeps_collection_off_worker_threads(qtbot, gui_thread_gc):
    import gc
    import threading

    threads_collecting = []

    def record(phase, info):
        if phase == "start":
            threads_collecting.append(threading.current_thread() is threading.main_thread())

    gc.callbacks.append(record)
    try:
        def churn(progress, cancelled):
            for _ in range(20000):  # allocates cycles: would trigger automatic collection
                a, b = [], []
                a.append(b)
                b.append(a)
            return "done"

        job = run_job(churn)
        with qtbot.waitSignal(job.finished, timeout=10000):
            pass
        qtbot.wait(450)  # the guard's timer collects on the GUI thread
    finally:
        gc.callbacks.remove(record)
    assert not gc.isenabled()
    assert threads_collecting and all(threads_collecting)


def test_emitting_signals_does_not_leak_references_to_true(qapp):
    """PySide6 6.12.0 on Python 3.11 lost one reference to True per Signal.emit(): a few
    thousand progress messages (a streamed answer) later the interpreter aborted."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        ping = Signal(float, str)

    emitter = Emitter()
    before = sys.getrefcount(True)
    for i in range(2000):
        emitter.ping.emit(0.5, str(i))
    assert abs(sys.getrefcount(True) - before) < 50
