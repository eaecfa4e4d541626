"""Start the desktop app, or render it offscreen to PNGs (docs, bug reports, CI)."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from desktop.gc_guard import GuiThreadGarbageCollector
from desktop.main_window import MainWindow
from desktop.worker import active_jobs, wait_for_jobs

# How long screenshot_tabs waits for the device check before grabbing anyway.
_DEVICE_CHECK_TIMEOUT_S = 120.0


def _application(argv: Sequence[str]) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv))
        app.setApplicationName("Enclave")
        app.setApplicationDisplayName("Enclave")
    return app  # type: ignore[return-value]


def run_app(data_dir: Path, device: str | None = None, argv: Sequence[str] | None = None,
            data_dir_explicit: bool = True) -> int:
    """Open the main window and run the event loop; returns the exit code.

    The data folder chosen in Settings replaces the platform default (never an explicit
    `--data-dir` / ENCLAVE_DATA_DIR); the saved device and thread settings apply unless
    `--device` / `--threads` were given.
    """
    import os

    from desktop.settings_dialog import preferred_data_dir
    from engine.config import load_settings

    app = _application(sys.argv if argv is None else argv)
    if not data_dir_explicit:
        data_dir = preferred_data_dir() or data_dir
    settings = load_settings(Path(data_dir))
    device = device or settings.device
    if settings.intra_op_threads > 0:
        os.environ.setdefault("ENCLAVE_THREADS", str(settings.intra_op_threads))
    collector = GuiThreadGarbageCollector()
    window = MainWindow(Path(data_dir), device, welcome=True)
    window.show()
    try:
        return app.exec()
    finally:
        collector.stop()


def _settle(app, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while active_jobs() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    for _ in range(20):  # layouts and deferred renders (the answer view's timer) catch up
        app.processEvents()
        time.sleep(0.01)


def _ask_for_screenshot(app, tab, question: str) -> None:
    tab.query.setText(question)
    tab.ask()
    _settle(app)
    if tab.answer is not None and tab.answer.citations:
        first = tab.answer.citations[0]
        tab.show_passage(first.document_id, first.page, first.document, first.passage)
        _settle(app)


def _triage_for_screenshot(app, tab, message: str) -> None:
    tab.text.setPlainText(message)
    tab.triage()
    _settle(app)


def screenshot_tabs(data_dir: Path, out_dir: Path, device: str = "auto",
                    research_question: str | None = None, triage_message: str | None = None) -> list[Path]:
    """Render the window offscreen once the device check is done; one PNG per tab.

    Files are named `01-research.png`, `02-marketing.png`, ... in tab order. With
    `research_question`, the Research tab asks it first and opens the first source; with
    `triage_message`, the Medical tab triages it first.
    """
    # "-platform offscreen" only applies when we create the application here.
    app = _application(["enclave", "-platform", "offscreen"])
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    window = MainWindow(Path(data_dir), device)
    window.resize(1200, 800)  # documentation size, whatever geometry was remembered
    window.show()
    deadline = time.monotonic() + _DEVICE_CHECK_TIMEOUT_S
    while window.device_check_pending() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    paths = []
    try:
        for index in range(window.tabs.count()):
            window.tabs.setCurrentIndex(index)
            _settle(app, 30.0)  # the page's own loading (models, history)
            if research_question and window.tabs.widget(index) is window.research_tab:
                _ask_for_screenshot(app, window.research_tab, research_question)
            if triage_message and window.tabs.widget(index) is window.medical_tab:
                _triage_for_screenshot(app, window.medical_tab, triage_message)
            slug = window.tabs.tabText(index).lower().replace(" ", "-")
            path = out_dir / f"{index + 1:02d}-{slug}.png"
            if not window.grab().save(str(path)):
                raise OSError(f"could not write {path}")
            paths.append(path)
    finally:
        window.close()
        wait_for_jobs()
        app.processEvents()
    return paths
