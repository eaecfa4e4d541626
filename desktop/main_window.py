"""The main window: composes the workspace tabs, the Models / History / Jobs pages and
the status bar; remembers its geometry and last tab (QSettings, versioned, per data dir)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSettings, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from desktop.device_status import DeviceStatusLabel, device_name
from desktop.job_center import JobCenter
from desktop.job_indicator import JobIndicator
from desktop.pages.history_page import HistoryPage
from desktop.pages.jobs_page import JobsPage
from desktop.pages.models_page import ModelsPage
from desktop.tabs.bi_tab import BusinessIntelligenceTab
from desktop.tabs.marketing_tab import MarketingTab
from desktop.tabs.medical_tab import MedicalTab
from desktop.tabs.research_tab import ResearchTab
from desktop.worker import Job, cancel_all_jobs, run_job, wait_for_jobs

# Seconds the window waits for cancelled jobs on close, so none is cut off mid-write.
_CLOSE_WAIT_S = 5.0
SETTINGS_VERSION = 1
DEFAULT_SIZE = (1200, 800)


def check_device(
    data_dir: Path,
    device: str,
    progress: Callable[[float, str], None],
    cancelled: Callable[[], bool],
) -> Any:
    """Run `engine.api.doctor`; returns its DoctorReport.

    Meant for a worker thread: the engine is imported here, not at window start-up.
    """
    from engine import api

    return api.doctor(data_dir, device=device, progress=progress, cancelled=cancelled)


def last_run_info(data_dir: Path, progress=None, cancelled=None) -> tuple[str, str, str] | None:
    """Worker: (provider, model id, when) of the newest run that used a model."""
    from engine.store import open_store

    with open_store(data_dir) as store:
        run = store.last_run()
    return (run.provider or "", run.model_id or "", run.created) if run else None


class MainWindow(QMainWindow):
    """Workspace tabs plus Models, History and Jobs; a status bar with the device in use
    and the running job. Ctrl+1..Ctrl+7 switch tabs."""

    def __init__(self, data_dir: Path, device: str = "auto", parent: QWidget | None = None,
                 welcome: bool = False) -> None:
        super().__init__(parent)
        self._welcome = welcome  # show the first-start welcome (the app sets it; tests don't)
        # Background work starts once the window has painted: a worker importing the
        # engine (onnxruntime, sqlite-utils) holds the GIL and would delay the first paint.
        self._painted = False
        self._closed = False
        self.data_dir = Path(data_dir)
        self.device = device
        self.setWindowTitle("Enclave")
        self.resize(*DEFAULT_SIZE)
        self.jobs = JobCenter(self)

        self.tabs = QTabWidget()
        self.models_page = ModelsPage(self.data_dir, self.jobs)
        self.history_page = HistoryPage(self.data_dir, self.jobs)
        self.jobs_page = JobsPage(self.jobs, self.data_dir)
        self.research_tab = ResearchTab(self.data_dir, self.jobs, device)
        self.medical_tab = MedicalTab(self.data_dir, self.jobs, device)
        for tab, name in (
            (self.research_tab, "Research"),
            (MarketingTab(), "Marketing"),
            (BusinessIntelligenceTab(), "Business Intelligence"),
            (self.medical_tab, "Medical"),
            (self.models_page, "Models"),
            (self.history_page, "History"),
            (self.jobs_page, "Jobs"),
        ):
            self.tabs.addTab(tab, name)
        self.setCentralWidget(self.tabs)
        for index in range(self.tabs.count()):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{index + 1}"), self)
            shortcut.activated.connect(lambda i=index: self.tabs.setCurrentIndex(i))
            self.tabs.setTabToolTip(index, f"{self.tabs.tabText(index)} (Ctrl+{index + 1})")
        self.tabs.currentChanged.connect(self._on_tab_changed)

        self.device_status = DeviceStatusLabel()
        self.last_run_label = QLabel("")
        self.last_run_label.setToolTip("The device that really ran the newest inference in the history")
        self.job_indicator = JobIndicator()
        self.statusBar().addWidget(self.device_status, 1)
        self.statusBar().addPermanentWidget(self.last_run_label)
        self.statusBar().addPermanentWidget(self.job_indicator)
        self.jobs.added.connect(self._track_job)
        self.jobs.changed.connect(self._on_job_changed)

        self._build_menus()
        self.settings = QSettings(str(self.data_dir / "window.ini"), QSettings.Format.IniFormat)
        self._restore_settings()
        self.doctor_job: Job | None = None
        self.device_status.show_checking()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if not getattr(self, "_painted", True) and event.type() in (QEvent.Type.Paint,
                                                                    QEvent.Type.UpdateRequest):
            self._painted = True
            QTimer.singleShot(0, self._after_first_paint)
        return handled

    def _after_first_paint(self) -> None:
        if self._closed:
            return
        self.start_device_check()
        self.refresh_last_run()
        self._on_tab_changed(self.tabs.currentIndex())
        if self._welcome:
            from desktop.welcome import should_show_welcome

            if should_show_welcome(self.data_dir):
                self.show_welcome()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        settings = file_menu.addAction("&Settings…", self.show_settings)
        settings.setShortcut(QKeySequence.StandardKey.Preferences)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit", self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction("&Welcome", self.show_welcome)
        help_menu.addAction("&About Enclave", self.show_about)

    def show_settings(self) -> QWidget:
        from desktop.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.data_dir, self)
        dialog.saved.connect(lambda _settings: self.statusBar().showMessage(
            "Settings saved; device, threads and data folder apply at the next start", 8000))
        dialog.saved.connect(lambda _settings: self.models_page.refresh())
        dialog.open()
        return dialog

    def show_about(self) -> QWidget:
        from desktop.about_dialog import AboutDialog

        dialog = AboutDialog(self.data_dir, self)
        dialog.open()
        return dialog

    def show_welcome(self) -> QWidget:
        from desktop.welcome import WelcomeDialog

        dialog = WelcomeDialog(self.data_dir, self)
        dialog.open()
        return dialog

    def refresh_last_run(self) -> Job:
        """Show which device ran the newest inference recorded in the history."""
        job = run_job(last_run_info, self.data_dir)
        job.result.connect(self._show_last_run)
        return job

    def _show_last_run(self, info: tuple[str, str, str] | None) -> None:
        if info is None:
            self.last_run_label.setText("")
            return
        provider, model_id, created = info
        self.last_run_label.setText(f"Last run: {device_name(provider)}")
        self.last_run_label.setToolTip(f"{provider} ran {model_id} at {created[:16].replace('T', ' ')} UTC "
                                       "(from the session, not a guess)")

    def _on_job_changed(self, record_id: int) -> None:
        record = self.jobs.record(record_id)
        if record is not None and not record.running and not self._closed:
            self.refresh_last_run()

    def _track_job(self, record_id: int) -> None:
        record = self.jobs.record(record_id)
        if record is not None:
            self.job_indicator.track(record.job, record.title)

    def _on_tab_changed(self, index: int) -> None:
        if not self._painted:
            return  # _after_first_paint refreshes the page shown first
        page = self.tabs.widget(index)
        if page in (self.models_page, self.history_page, self.jobs_page, self.research_tab, self.medical_tab):
            page.refresh()

    def _restore_settings(self) -> None:
        if self.settings.value("version", 0, type=int) != SETTINGS_VERSION:
            return  # another layout's settings: start from the defaults
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.tabs.setCurrentIndex(min(self.settings.value("tab", 0, type=int), self.tabs.count() - 1))

    def _save_settings(self) -> None:
        self.settings.setValue("version", SETTINGS_VERSION)
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("tab", self.tabs.currentIndex())
        self.settings.sync()

    def start_device_check(self) -> Job:
        """Ask the engine which device it really uses; the status bar shows the answer."""
        self.device_status.show_checking()
        job = run_job(check_device, self.data_dir, self.device)
        job.result.connect(self.device_status.show_report)
        job.error.connect(
            lambda message: self.device_status.show_problem("Device: unknown", message)
        )
        job.cancelled.connect(
            lambda: self.device_status.show_problem(
                "Device: not checked", "The device check was cancelled"
            )
        )
        self.job_indicator.track(job, "Checking device…")
        self.doctor_job = job
        return job

    def device_check_pending(self) -> bool:
        """True until the device check has reported (result, error or cancel)."""
        return self.doctor_job is None or self.doctor_job.is_running()

    def closeEvent(self, event: QCloseEvent) -> None:
        running = self.jobs.running()
        if running and not self._confirm_close([r.title for r in running]):
            event.ignore()
            return
        self._closed = True
        self._save_settings()
        cancel_all_jobs()
        wait_for_jobs(_CLOSE_WAIT_S)
        super().closeEvent(event)

    def _confirm_close(self, titles: list[str]) -> bool:
        """Ask before closing over running jobs (they are cancelled cleanly if so)."""
        answer = QMessageBox.question(
            self, "Jobs are running",
            "These jobs are still running:\n\n" + "\n".join(f"• {t}" for t in titles)
            + "\n\nCancel them and close? Nothing half-finished is kept.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes
