"""The main window: composes the workspace tabs and the status bar, nothing more."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QTabWidget, QWidget

from desktop.device_status import DeviceStatusLabel
from desktop.job_indicator import JobIndicator
from desktop.tabs.bi_tab import BusinessIntelligenceTab
from desktop.tabs.marketing_tab import MarketingTab
from desktop.tabs.medical_tab import MedicalTab
from desktop.tabs.research_tab import ResearchTab
from desktop.worker import Job, cancel_all_jobs, run_job, wait_for_jobs

# Seconds the window waits for cancelled jobs on close, so none is cut off mid-write.
_CLOSE_WAIT_S = 5.0


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


class MainWindow(QMainWindow):
    """Four workspace tabs; a status bar with the device in use and the running job."""

    def __init__(self, data_dir: Path, device: str = "auto", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.device = device
        self.setWindowTitle("Enclave")
        self.resize(1200, 800)

        self.tabs = QTabWidget()
        for tab, name in (
            (ResearchTab(), "Research"),
            (MarketingTab(), "Marketing"),
            (BusinessIntelligenceTab(), "Business Intelligence"),
            (MedicalTab(), "Medical"),
        ):
            self.tabs.addTab(tab, name)
        self.setCentralWidget(self.tabs)

        self.device_status = DeviceStatusLabel()
        self.job_indicator = JobIndicator()
        self.statusBar().addWidget(self.device_status, 1)
        self.statusBar().addPermanentWidget(self.job_indicator)

        self.doctor_job: Job | None = None
        self.start_device_check()

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
        return self.doctor_job is not None and self.doctor_job.is_running()

    def closeEvent(self, event: QCloseEvent) -> None:
        cancel_all_jobs()
        wait_for_jobs(_CLOSE_WAIT_S)
        super().closeEvent(event)
