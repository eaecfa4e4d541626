"""The main window: four workspaces, and a status bar telling the device really in use."""

import threading

import pytest

from desktop.main_window import MainWindow
from desktop.worker import active_jobs
from engine import api
from engine.errors import Cancelled, EnclaveError


@pytest.fixture
def open_window(qtbot):
    def make(data_dir):
        window = MainWindow(data_dir)
        qtbot.addWidget(window)
        window.show()
        return window

    yield make
    # The window starts short reads of its own after the first paint (last run, the
    # shown page); let them end before the leftover-job check.
    qtbot.waitUntil(lambda: not active_jobs(), timeout=10000)


def test_window_has_four_workspaces_and_pages_and_shows_cpu_with_fallback(
    qtbot, tmp_path, monkeypatch, open_window, make_report
):
    fallback = "CUDA session failed self-test: libcublasLt.so.12 not found"
    calls = []

    def doctor(data_dir, device="auto", progress=None, cancelled=None):
        calls.append((data_dir, device, threading.get_ident()))
        return make_report(data_dir, fallback=fallback)

    monkeypatch.setattr(api, "doctor", doctor)
    window = open_window(tmp_path)
    assert window.windowTitle() == "Enclave"
    assert (window.width(), window.height()) == (1200, 800)
    names = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert names == ["Research", "Marketing", "Business Intelligence", "Medical", "Models",
                     "History", "Jobs"]
    assert window.device_status.text() == "Checking device…"

    qtbot.waitUntil(lambda: window.device_status.text().startswith("Device:"), timeout=5000)
    text = window.device_status.text()
    assert text.startswith("Device: CPU (CPUExecutionProvider)")
    assert "2 models" in text and "embedder all-minilm-l6-v2" in text
    assert "generator smollm2-135m" in text
    assert fallback in window.device_status.toolTip()
    assert not window.job_indicator.isVisible()
    assert calls[0][:2] == (tmp_path, "auto")
    assert calls[0][2] != threading.get_ident(), "doctor must not run on the GUI thread"


def test_status_shows_cuda_when_cuda_is_in_use(
    qtbot, tmp_path, monkeypatch, open_window, make_report
):
    monkeypatch.setattr(
        api, "doctor", lambda d, **kw: make_report(d, provider="CUDAExecutionProvider", models=())
    )
    window = open_window(tmp_path)
    qtbot.waitUntil(lambda: window.device_status.text().startswith("Device:"), timeout=5000)
    assert window.device_status.text().startswith("Device: CUDA (CUDAExecutionProvider)")
    assert "No models yet" in window.device_status.text()


def test_device_check_error_is_shown(qtbot, tmp_path, monkeypatch, open_window, make_report):
    def doctor(data_dir, **kw):
        raise EnclaveError(f"data dir {data_dir} is not writable")

    monkeypatch.setattr(api, "doctor", doctor)
    window = open_window(tmp_path)
    qtbot.waitUntil(lambda: window.device_status.text() == "Device: unknown", timeout=5000)
    assert "is not writable" in window.device_status.toolTip()


def test_busy_indicator_cancels_a_slow_device_check(
    qtbot, tmp_path, monkeypatch, open_window, make_report
):
    def doctor(data_dir, device="auto", progress=None, cancelled=None):
        progress(0.25, "Testing CUDA session")
        while not cancelled():
            threading.Event().wait(0.01)
        raise Cancelled("device check cancelled")

    monkeypatch.setattr(api, "doctor", doctor)
    window = open_window(tmp_path)
    indicator = window.job_indicator
    assert window.device_status.text() == "Checking device…"
    qtbot.waitUntil(indicator.isVisible, timeout=5000)  # the check starts after the first paint
    qtbot.waitUntil(lambda: indicator.message.text() == "Testing CUDA session", timeout=5000)
    assert indicator.bar.value() == 250

    indicator.cancel_button.click()
    qtbot.waitUntil(lambda: window.device_status.text() == "Device: not checked", timeout=5000)
    qtbot.waitUntil(lambda: not indicator.isVisible(), timeout=5000)  # hidden once `finished` arrives


def test_every_tab_shows_its_whole_empty_state(
    qtbot, tmp_path, monkeypatch, open_window, make_report
):
    monkeypatch.setattr(api, "doctor", lambda d, **kw: make_report(d))
    window = open_window(tmp_path)
    for index in (1, 2):  # the workspaces still to come; the others have their own tests
        window.tabs.setCurrentIndex(index)
        qtbot.wait(10)
        state = window.tabs.currentWidget().empty_state
        assert state.title.text() == window.tabs.tabText(index)
        assert "runs locally" in state.local_note.text()
        for label in (state.description, state.local_note):
            assert label.isVisible()
            assert label.height() >= label.heightForWidth(label.width()), "text is clipped"
    qtbot.waitUntil(lambda: not window.device_check_pending(), timeout=5000)


def test_real_doctor_reports_the_session_provider(qtbot, tmp_path, open_window):
    window = open_window(tmp_path)
    qtbot.waitUntil(lambda: not window.device_check_pending(), timeout=60000)
    text = window.device_status.text()
    assert text.startswith("Device: ") and "ExecutionProvider)" in text, text
    assert "Providers available" in window.device_status.toolTip()


def test_shortcuts_switch_tabs_and_geometry_and_tab_are_remembered(
    qtbot, tmp_path, monkeypatch, open_window, make_report
):
    from PySide6.QtCore import Qt

    monkeypatch.setattr(api, "doctor", lambda d, **kw: make_report(d))
    window = open_window(tmp_path)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)  # shortcuts work in the active window
    qtbot.keyClick(window, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Jobs"
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.tabText(window.tabs.currentIndex()) == "History"
    window.resize(760, 560)  # fits the offscreen screen (800 x 600): restore keeps it
    qtbot.waitUntil(lambda: not window.device_check_pending(), timeout=5000)
    window.close()
    again = open_window(tmp_path)
    assert again.tabs.tabText(again.tabs.currentIndex()) == "History"
    assert (again.width(), again.height()) == (760, 560)
    qtbot.waitUntil(lambda: not again.device_check_pending(), timeout=5000)


def test_closing_with_a_running_job_asks_and_cancels_cleanly(
    qtbot, tmp_path, monkeypatch, open_window, make_report
):
    monkeypatch.setattr(api, "doctor", lambda d, **kw: make_report(d))
    window = open_window(tmp_path)
    qtbot.waitUntil(lambda: not window.device_check_pending(), timeout=5000)
    started, stopped = threading.Event(), threading.Event()

    def long_job(progress=None, cancelled=None):
        started.set()
        while not cancelled():
            threading.Event().wait(0.01)
        stopped.set()
        raise Cancelled("stopped")

    window.jobs.start("Import model", long_job)
    qtbot.waitUntil(started.is_set, timeout=5000)  # running, not just queued behind other work
    answers = []
    monkeypatch.setattr(window, "_confirm_close", lambda titles: answers.append(titles) or False)
    window.close()
    assert window.isVisible() and answers == [["Import model"]]
    monkeypatch.setattr(window, "_confirm_close", lambda titles: True)
    window.close()
    assert not window.isVisible() and stopped.wait(5)


def test_menus_open_settings_about_and_welcome(qtbot, tmp_path, monkeypatch, open_window, make_report):
    monkeypatch.setattr(api, "doctor", lambda d, **kw: make_report(d))
    window = open_window(tmp_path)
    qtbot.waitUntil(lambda: not window.device_check_pending(), timeout=5000)
    titles = [a.text() for menu in window.menuBar().actions() for a in menu.menu().actions()]
    assert {"&Settings…", "&Quit", "&Welcome", "&About Enclave"} <= set(titles)
    for show in (window.show_settings, window.show_about, window.show_welcome):
        dialog = show()
        qtbot.waitUntil(lambda d=dialog: d.isVisible() and not d.is_busy() if hasattr(d, "is_busy")
                        else d.isVisible(), timeout=10000)
        dialog.reject()


def test_first_start_shows_the_welcome_once(qtbot, tmp_path, monkeypatch, make_report):
    from desktop.welcome import WelcomeDialog
    from engine.config import Settings, save_settings

    monkeypatch.setattr(api, "doctor", lambda d, **kw: make_report(d))
    window = MainWindow(tmp_path, welcome=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: any(isinstance(w, WelcomeDialog) and w.isVisible()
                                for w in window.findChildren(WelcomeDialog)), timeout=5000)
    for dialog in window.findChildren(WelcomeDialog):
        qtbot.waitUntil(lambda d=dialog: not d.is_busy() if hasattr(d, "is_busy") else True, timeout=10000)
        dialog.reject()
    qtbot.waitUntil(lambda: not window.device_check_pending(), timeout=5000)
    save_settings(tmp_path, Settings(welcome_shown=True))
    again = MainWindow(tmp_path, welcome=True)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: not again.device_check_pending(), timeout=5000)
    assert not [w for w in again.findChildren(WelcomeDialog) if w.isVisible()]
    qtbot.waitUntil(lambda: not active_jobs(), timeout=10000)


def test_status_bar_shows_the_device_of_the_last_inference(
    qtbot, tmp_path, monkeypatch, open_window, make_report
):
    from engine.store import open_store

    monkeypatch.setattr(api, "doctor", lambda d, **kw: make_report(d))
    with open_store(tmp_path) as store:
        store.add_run("generate", "generate", "hi", {"text": "hello"}, model_id="smollm2-135m-instruct-int4",
                      provider="CPUExecutionProvider")
        store.add_run("research", "note", "no model", {"text": "x"})
    window = open_window(tmp_path)
    qtbot.waitUntil(lambda: window.last_run_label.text() != "", timeout=5000)
    assert window.last_run_label.text() == "Last run: CPU"
    tip = window.last_run_label.toolTip()
    assert "CPUExecutionProvider ran smollm2-135m-instruct-int4" in tip
    qtbot.waitUntil(lambda: not window.device_check_pending(), timeout=5000)
