"""pytest-qt setup for desktop tests: offscreen Qt, and no job may outlive its test."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QThreadPool

from desktop.gc_guard import GuiThreadGarbageCollector
from desktop.worker import active_jobs, cancel_all_jobs, wait_for_jobs


@pytest.fixture(autouse=True)
def gui_thread_gc(qapp):
    """Collect garbage on the GUI thread only, as the app does (see desktop.gc_guard)."""
    collector = GuiThreadGarbageCollector(interval_ms=200)
    yield collector
    collector.stop()


@pytest.fixture(autouse=True)
def no_leftover_jobs(qtbot, gui_thread_gc):
    """Fail a test that leaves a job running; cancel and drain it so the next test is clean."""
    yield
    leftover = active_jobs()
    cancel_all_jobs()
    assert wait_for_jobs(10), "a job's thread did not stop"
    qtbot.waitUntil(lambda: not active_jobs(), timeout=5000)
    assert QThreadPool.globalInstance().waitForDone(5000), "a pool thread is still busy"
    assert not leftover, f"test left {len(leftover)} job(s) running"


@pytest.fixture
def make_report():
    """Build an `engine.api.DoctorReport` as the real doctor would, without touching devices."""
    from engine import api

    def make(data_dir, provider="CPUExecutionProvider", fallback=None, models=None):
        if models is None:
            models = (
                api.ModelStatus("all-minilm-l6-v2", "embedding", True, (), f"{data_dir}/m1", None),
                api.ModelStatus(
                    "smollm2-135m", "text-generation", True, (), f"{data_dir}/m2", "int8"
                ),
            )
        return api.DoctorReport(
            version="0.1.0",
            data_dir=str(data_dir),
            providers_available=("CUDAExecutionProvider", "CPUExecutionProvider"),
            provider_in_use=provider,
            fallback_reason=fallback,
            models=models,
            versions={"onnxruntime": "1.32.0"},
        )

    return make
