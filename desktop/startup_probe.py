"""`python -m desktop.startup_probe DATA_DIR [--generate N]`: one measured cold start.

Prints one JSON line when the main window has painted for the first time:
import costs of the pieces the window loads, time from interpreter start to that first
paint (`first_paint_s`, from when the parent spawned it: ENCLAVE_PROBE_T0), and whether torch was loaded.
With `--generate N` it then loads the default generator and streams an N-token answer in
a background job while a 20 ms QTimer heartbeat measures how late the event loop runs
(`worst_late_ms`, split into the model load and the streaming): a blocked GUI thread, or
a worker holding the GIL, shows up as lateness.
Used by `enclave bench startup` and the desktop tests.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

# Wall-clock time the parent started this process (enclave bench startup sets it just
# before spawning); the OS's own process start time is only as good as its clock ticks.
_T_START = float(os.environ.get("ENCLAVE_PROBE_T0") or 0) or None
_IMPORTS: dict[str, float] = {}


def _timed_import(label: str, statement: str) -> None:
    started = time.perf_counter()
    exec(statement, {})
    _IMPORTS[label] = round(time.perf_counter() - started, 4)


def main(argv: list[str]) -> int:
    data_dir = Path(argv[0])
    tokens = int(argv[argv.index("--generate") + 1]) if "--generate" in argv else 0
    _timed_import("PySide6 (QtCore, QtGui, QtWidgets)",
                  "from PySide6 import QtCore, QtGui, QtWidgets")
    _timed_import("desktop (window, pages, worker)", "import desktop.main_window")
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.gc_guard import GuiThreadGarbageCollector
    from desktop.main_window import MainWindow

    app = QApplication.instance() or QApplication(["enclave"])
    collector = GuiThreadGarbageCollector()
    built = time.perf_counter()
    window = MainWindow(data_dir)
    window_build_s = time.perf_counter() - built
    report: dict = {"imports_s": _IMPORTS, "window_build_s": round(window_build_s, 4)}

    def first_paint() -> None:
        if _T_START is None:
            import psutil

            started = psutil.Process().create_time()
        else:
            started = _T_START
        report["first_paint_s"] = round(time.time() - started, 4)
        report["torch_loaded"] = "torch" in sys.modules
        report["transformers_loaded"] = "transformers" in sys.modules
        report["onnxruntime_loaded_at_paint"] = "onnxruntime" in sys.modules
        if not tokens:
            finish()
            return
        start_generation()

    class PaintSpy(QObject):
        seen = False

        def eventFilter(self, obj, event):  # noqa: N802 - Qt API
            if event.type() == QEvent.Type.Paint and not self.seen:
                self.seen = True
                QTimer.singleShot(0, first_paint)
            return False

    spy = PaintSpy()
    window.installEventFilter(spy)

    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(20)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))

    def start_generation() -> None:
        from desktop.worker import run_job

        heartbeat.start()
        job = run_job(_generate, data_dir, tokens)
        job.result.connect(lambda stats: report.update(generation=stats))
        job.error.connect(lambda message: report.update(error=message))
        job.finished.connect(finish)

    def finish() -> None:
        heartbeat.stop()
        if len(beats) > 1:
            loaded_at = (report.get("generation") or {}).get("loaded_at", float("inf"))
            late = [(b, max(0.0, (b - a - 0.020) * 1000)) for a, b in zip(beats, beats[1:], strict=False)]
            report["heartbeats"] = len(beats)
            report["worst_late_ms"] = round(max(v for _, v in late), 1)
            streaming = [v for b, v in late if b > loaded_at + 0.02]
            loading = [v for b, v in late if b <= loaded_at + 0.02]
            report["worst_late_loading_ms"] = round(max(loading, default=0.0), 1)
            report["worst_late_streaming_ms"] = round(max(streaming, default=0.0), 1)
        print(json.dumps(report), flush=True)
        window.close()
        collector.stop()
        app.quit()

    window.show()
    app.exec()
    return 0


def _generate(data_dir: Path, tokens: int, progress=None, cancelled=None) -> dict:
    """Worker: load the default generator and stream `tokens` tokens."""
    from engine.models.generation import GenerationSettings, Generator

    generator = Generator.from_registry(data_dir, device="cpu")
    loaded_at = time.perf_counter()
    result = generator.generate(
        [{"role": "user", "content": "Write a short story about a lighthouse keeper."}],
        GenerationSettings(max_new_tokens=tokens, ignore_eos=True), cancelled=cancelled,
        on_piece=lambda piece: progress(0.5, piece))
    return {"new_tokens": result.stats.new_tokens, "loaded_at": loaded_at,
            "tokens_per_s": round(result.stats.decode_tokens_per_s, 2)}


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.exit(main(sys.argv[1:]))
