"""The Jobs page: background work (imports, exports, training, reports), running and done."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.job_center import CANCELLED, DONE, FAILED, RUNNING, JobCenter, JobRecord
from desktop.widgets import heading, hint, read_only_table
from desktop.worker import Job, run_job

COLUMNS = ("Job", "State", "Progress", "Elapsed", "Message")
RECORDED_COLUMNS = ("Job", "State", "Progress", "Last update", "Message")
_STATE_TEXT = {RUNNING: "Running", DONE: "Done", FAILED: "Failed", CANCELLED: "Cancelled",
               "error": "Failed", "queued": "Queued", "interrupted": "Interrupted"}
_STEPS = 1000


def _elapsed(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"


def recorded_jobs(data_dir: Path, progress=None, cancelled=None) -> list[dict]:
    """Worker: jobs recorded in the store by any Enclave process (e.g. `enclave models import`)."""
    from engine.store import open_store

    with open_store(data_dir) as store:
        return store.list_jobs(limit=50)


class JobsPage(QWidget):
    """A table of this window's jobs (newest first), the selected job's log, and Cancel;
    below, the jobs other Enclave processes recorded in the store (read-only)."""

    def __init__(self, jobs: JobCenter, data_dir: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.data_dir = data_dir
        self._rows: dict[int, int] = {}  # record id -> row

        title = heading("Background jobs", 1.3)
        intro = hint("Imports, exports, training and reports run here while you keep working. "
                     "Select a job to see its log.")

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(2, 180)
        self.table.itemSelectionChanged.connect(self._show_selected)

        self.empty_label = hint("No background jobs yet. Model imports, exports and reports "
                                "will be listed here with their progress.")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setPlaceholderText("The selected job's log")
        self.cancel_button = QPushButton("Cancel job")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_selected)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table)
        top_layout.addWidget(self.empty_label)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.log)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        bottom_layout.addLayout(buttons)
        self.recorded_label = QLabel("Recorded by the command line and earlier sessions")
        self.recorded = read_only_table(RECORDED_COLUMNS, stretch="Message")
        self.recorded_label.setVisible(False)
        self.recorded.setVisible(False)
        bottom_layout.addWidget(self.recorded_label)
        bottom_layout.addWidget(self.recorded)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setSizes([400, 200])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)

        jobs.added.connect(self._rebuild)
        jobs.changed.connect(self._update)
        self._ticker = QTimer(self)  # elapsed time of running jobs
        self._ticker.setInterval(500)
        self._ticker.timeout.connect(self._tick)
        self._rebuild()

    # -- public ------------------------------------------------------------------
    def selected_record(self) -> JobRecord | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        record_id = self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        return self.jobs.record(record_id)

    def cancel_selected(self) -> None:
        record = self.selected_record()
        if record:
            self.jobs.cancel(record.id)

    def refresh(self) -> Job | None:
        """Reload the jobs recorded in the store (off the GUI thread)."""
        if self.data_dir is None:
            return None
        job = run_job(recorded_jobs, self.data_dir)
        job.result.connect(self._show_recorded)
        return job

    def _show_recorded(self, rows: list[dict]) -> None:
        self.recorded.setRowCount(len(rows))
        for row, job in enumerate(rows):
            cells = (job.get("kind") or "", _STATE_TEXT.get(job.get("status"), job.get("status") or ""),
                     f"{round(100 * (job.get('progress') or 0))} %",
                     (job.get("updated") or "")[:16].replace("T", " ") + " UTC", job.get("message") or "")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.recorded.setItem(row, column, item)
        self.recorded_label.setVisible(bool(rows))
        self.recorded.setVisible(bool(rows))

    # -- view --------------------------------------------------------------------
    def _rebuild(self, *_args) -> None:
        selected = self.selected_record()
        records = self.jobs.records()
        self.table.setRowCount(len(records))
        self._rows = {}
        for row, record in enumerate(records):
            self._rows[record.id] = row
            item = QTableWidgetItem(record.title)
            item.setData(Qt.ItemDataRole.UserRole, record.id)
            self.table.setItem(row, 0, item)
            bar = QProgressBar()
            bar.setRange(0, _STEPS)
            self.table.setCellWidget(row, 2, bar)
            self._fill(row, record)
        if selected and selected.id in self._rows:
            self.table.selectRow(self._rows[selected.id])
        self.table.setVisible(bool(records))
        self.empty_label.setVisible(not records)
        self._sync_ticker()

    def _update(self, record_id: int) -> None:
        record = self.jobs.record(record_id)
        if record is None or record_id not in self._rows:
            self._rebuild()
            return
        self._fill(self._rows[record_id], record)
        if self.selected_record() is record:
            self._show_selected()
        self._sync_ticker()

    def _fill(self, row: int, record: JobRecord) -> None:
        state = _STATE_TEXT.get(record.state, record.state)
        if record.running and record.job.is_cancelled():
            state = "Cancelling"
        self.table.setItem(row, 1, QTableWidgetItem(state))
        self.table.setItem(row, 3, QTableWidgetItem(_elapsed(record.elapsed_s)))
        message = QTableWidgetItem(record.message)
        message.setToolTip(record.message)
        self.table.setItem(row, 4, message)
        bar = self.table.cellWidget(row, 2)
        if isinstance(bar, QProgressBar):
            if record.fraction is None and record.running:
                bar.setRange(0, 0)  # busy until the job reports
            else:
                bar.setRange(0, _STEPS)
                bar.setValue(round((record.fraction or 0.0) * _STEPS))

    def _show_selected(self) -> None:
        record = self.selected_record()
        self.cancel_button.setEnabled(bool(record and record.running and not record.job.is_cancelled()))
        self.log.setPlainText("\n".join(record.log) if record else "")

    def _tick(self) -> None:
        for record in self.jobs.running():
            row = self._rows.get(record.id)
            if row is not None:
                self.table.setItem(row, 3, QTableWidgetItem(_elapsed(record.elapsed_s)))
        self._sync_ticker()

    def _sync_ticker(self) -> None:
        if self.jobs.running():
            if not self._ticker.isActive():
                self._ticker.start()
        else:
            self._ticker.stop()
