"""The History page: every run of every workspace, newest first, searchable.

Each store query is a function in `desktop.pages.history_work` (`load_history`,
`export_runs_to_file`, `delete_history_runs`, `purge_workspace_history`) that opens the
store on a worker thread and returns plain data; the page only starts them and shows what
comes back. Queries run through `run_job`; export, delete and purge go through the
JobCenter so they appear on the Jobs page. A result from an older query than the latest
is dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.device_status import device_name
from desktop.job_center import JobCenter
from desktop.pages.history_work import (
    EXPORT_SUFFIXES,
    HISTORY_LIMIT,
    HistoryPageData,
    HistoryQuery,
    delete_history_runs,
    export_runs_to_file,
    first_line,
    format_when,
    load_history,
    purge_workspace_history,
    run_detail_html,
    since_for,
    workspace_label,
)
from desktop.tabs.empty_state import EmptyState
from desktop.widgets import read_only_table
from desktop.worker import Job, run_job

SEARCH_DEBOUNCE_MS = 250
COLUMNS = ("When", "Workspace", "Kind", "Input", "Model", "Device")
DATE_RANGES = (("Any time", None), ("Today", 0), ("Last 7 days", 7), ("Last 30 days", 30))
EMPTY_TITLE = "No history yet"
EMPTY_TEXT = (
    "Runs from every workspace appear here — research answers, campaigns, analyses, "
    "triage notes and chats — newest first, to search, reopen, export or delete.")


# -- the page -----------------------------------------------------------------------------
class HistoryPage(QWidget):
    """Search, filter, open, export, delete and purge the runs of every workspace."""

    loaded = Signal()  # a query's results are on screen and its job has finished

    def __init__(self, data_dir: Path, jobs: JobCenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.jobs = jobs
        self._seq = 0  # of the latest query; older answers are dropped
        self._shown_seq = 0  # of the query whose answer is on screen
        self._load_job: Job | None = None
        self._runs: dict[int, Any] = {}
        self._shown: tuple = ("count", 0)  # what the detail view shows
        self._note = ""  # what the last action did, shown with the next counts

        self.search_box = QLineEdit(placeholderText="Search inputs and outputs…")
        self.search_box.setClearButtonEnabled(True)
        self.workspace_filter = QComboBox()
        self.workspace_filter.addItem("All workspaces", None)
        self.date_filter = QComboBox()
        for label, days in DATE_RANGES:
            self.date_filter.addItem(label, days)
        filters = QHBoxLayout()
        filters.addWidget(self.search_box, 1)
        filters.addWidget(self.workspace_filter)
        filters.addWidget(self.date_filter)

        self.table = read_only_table(COLUMNS, stretch="Input", multi_select=True)
        header = self.table.horizontalHeader()
        # Model ids are long: a fixed, user-resizable column (full id in the detail view)
        # leaves the input readable when the window is narrow.
        header.setSectionResizeMode(COLUMNS.index("Model"), QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(COLUMNS.index("Model"), 150)
        self.detail = QTextBrowser()
        self.detail.setOpenExternalLinks(False)
        self.detail.setPlaceholderText(
            "Select a run to see its input, output, sources, model and device.")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.empty_state = EmptyState(EMPTY_TITLE, EMPTY_TEXT)

        self.export_button = QPushButton("Export selected…")
        self.delete_button = QPushButton("Delete selected…")
        self.purge_button = QPushButton("Purge workspace…")
        self.status_label = QLabel("")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        actions = QHBoxLayout()
        for button in (self.export_button, self.delete_button, self.purge_button):
            actions.addWidget(button)
        actions.addSpacing(12)
        actions.addWidget(self.status_label, 1)

        # With no runs at all, the empty state replaces everything: nothing to search yet.
        self.content = QWidget()
        column = QVBoxLayout(self.content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(filters)
        column.addWidget(self.splitter, 1)
        column.addLayout(actions)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.content)
        self.stack.addWidget(self.empty_state)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)

        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh)
        self.search_box.textChanged.connect(lambda _text: self._debounce.start())
        self.search_box.returnPressed.connect(self.refresh)
        self.workspace_filter.currentIndexChanged.connect(self.refresh)
        self.date_filter.currentIndexChanged.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        self.export_button.clicked.connect(self.export_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.purge_button.clicked.connect(self.purge_workspace)
        self._update_buttons()

    # -- loading --------------------------------------------------------------------------
    def refresh(self) -> Job:
        """(Re)load the table for the current search and filters, in the background."""
        self._debounce.stop()
        if self._load_job is not None and self._load_job.is_running():
            self._load_job.cancel()  # its answer is stale anyway
        self._seq += 1
        query = HistoryQuery(self._seq, self.search_box.text(), self.selected_workspace(),
                             since_for(self.date_filter.currentData()))
        job = run_job(load_history, self.data_dir, query)
        job.result.connect(self._on_loaded)
        job.finished.connect(lambda seq=query.seq: self._on_load_finished(seq))
        job.error.connect(lambda message, seq=query.seq: self._on_load_error(seq, message))
        self._load_job = job
        return job

    def selected_workspace(self) -> str | None:
        return self.workspace_filter.currentData()

    def _on_loaded(self, data: HistoryPageData) -> None:
        if data.query.seq != self._seq:
            return  # a newer query is on its way
        self._set_workspaces(data.workspaces)
        self._fill_table(data.runs)
        self.stack.setCurrentWidget(self.empty_state if not data.workspaces else self.content)
        self._show_status(self._count_text(data))
        self._shown_seq = data.query.seq

    def _on_load_finished(self, seq: int) -> None:
        if seq == self._seq == self._shown_seq:
            self.loaded.emit()

    def _on_load_error(self, seq: int, message: str) -> None:
        if seq == self._seq:
            self._show_status(f"Could not load history: {message}")

    def _count_text(self, data: HistoryPageData) -> str:
        if data.truncated:
            return f"Newest {HISTORY_LIMIT} shown — search or filter to find older runs"
        n, text = len(data.runs), data.query.text.strip()
        words = f"{n} run{'s' if n != 1 else ''}" if n else "No runs"
        if text:
            words += f" match “{text}”" if n != 1 else f" matches “{text}”"
        if data.query.workspace:
            words += f" in {workspace_label(data.query.workspace)}"
        if data.query.since:
            words += f" ({self.date_filter.currentText().lower()})"
        return words

    def _show_status(self, text: str) -> None:
        if self._note:
            text, self._note = f"{self._note} · {text}", ""
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    def _set_workspaces(self, workspaces: tuple[str, ...]) -> None:
        current = self.selected_workspace()
        names = list(workspaces)
        if current and current not in names:
            names.append(current)  # keep the user's choice even if it just emptied
        self.workspace_filter.blockSignals(True)
        self.workspace_filter.clear()
        self.workspace_filter.addItem("All workspaces", None)
        for name in sorted(names):
            self.workspace_filter.addItem(workspace_label(name), name)
        self.workspace_filter.setCurrentIndex(max(0, self.workspace_filter.findData(current)))
        self.workspace_filter.blockSignals(False)

    def _fill_table(self, runs: tuple) -> None:
        selected = set(self.selected_ids())
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setRowCount(len(runs))
        self._runs = {run.id: run for run in runs}
        for row, run in enumerate(runs):
            kind = run.kind if run.status == "ok" else f"{run.kind} ({run.status})"
            cells = (format_when(run.created), workspace_label(run.workspace), kind,
                     first_line(run.input), run.model_id or "—",
                     device_name(run.provider) if run.provider else "—")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, run.id)
                self.table.setItem(row, column, item)
            self.table.item(row, 0).setToolTip(run.created)
            self.table.item(row, 3).setToolTip(first_line(run.input, 500))
            if run.id in selected:  # the user's selection survives a refresh
                self.table.selectionModel().select(
                    self.table.model().index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows)
        self.table.blockSignals(False)
        self._on_selection_changed()

    # -- opening a run --------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        """Ids of the selected runs, in table order (newest first)."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in rows]

    def _on_selection_changed(self) -> None:
        self._update_buttons()
        ids = self.selected_ids()
        shown = ("run", ids[0]) if len(ids) == 1 else ("count", len(ids))
        if shown == self._shown:
            return  # unchanged: keep the reader's scroll position
        self._shown = shown
        if len(ids) == 1:
            self.detail.setHtml(run_detail_html(self._runs[ids[0]]))
        elif ids:
            self.detail.setHtml(f"<p>{len(ids)} runs selected — export or delete them "
                                "together, or select one to open it.</p>")
        else:
            self.detail.clear()

    def _update_buttons(self) -> None:
        n = len(self.selected_ids())
        self.export_button.setEnabled(n > 0)
        self.delete_button.setEnabled(n > 0)
        workspace = self.selected_workspace()
        self.purge_button.setEnabled(workspace is not None)
        self.purge_button.setToolTip(
            f"Delete every run of the {workspace_label(workspace)} workspace" if workspace
            else "Choose a workspace in the filter to purge its history")

    # -- actions (JobCenter: they show on the Jobs page) -----------------------------------
    def export_selected(self) -> Job | None:
        ids = self.selected_ids()
        path = self._ask_save_path() if ids else None
        if not path:
            return None
        path = Path(path)
        job = self.jobs.start(f"Export {len(ids)} run{'s' if len(ids) != 1 else ''} to "
                              f"{path.name}", export_runs_to_file, self.data_dir, ids, path)
        job.result.connect(lambda written: self._show_status(f"Exported to {written}"))
        job.error.connect(lambda message: self._show_status(f"Export failed: {message}"))
        return job

    def delete_selected(self) -> Job | None:
        ids = self.selected_ids()
        if not ids or not self._confirm(
                f"Delete {len(ids)} selected run{'s' if len(ids) != 1 else ''}? "
                "This cannot be undone."):
            return None
        job = self.jobs.start(f"Delete {len(ids)} history run{'s' if len(ids) != 1 else ''}",
                              delete_history_runs, self.data_dir, ids)
        job.result.connect(lambda n: self._after_change(f"Deleted {n} run{'s' if n != 1 else ''}"))
        job.error.connect(lambda message: self._show_status(f"Delete failed: {message}"))
        return job

    def purge_workspace(self) -> Job | None:
        workspace = self.selected_workspace()
        label = workspace_label(workspace) if workspace else ""
        if not workspace or not self._confirm(
                f"Delete every run of the {label} workspace? This cannot be undone."):
            return None
        job = self.jobs.start(f"Purge {label} history", purge_workspace_history,
                              self.data_dir, workspace)
        job.result.connect(
            lambda n: self._after_change(f"Purged {n} {label} run{'s' if n != 1 else ''}"))
        job.error.connect(lambda message: self._show_status(f"Purge failed: {message}"))
        return job

    def _after_change(self, note: str) -> None:
        self._note = note
        self.refresh()

    # -- dialogs (tests replace these) -----------------------------------------------------
    def _ask_save_path(self) -> str | None:
        """Where to export; the suffix picks the format. None when the user cancels."""
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export runs", str(Path.home() / "enclave-history.md"),
            "Markdown (*.md);;JSON (*.json);;CSV (*.csv)")
        if not path:
            return None
        if Path(path).suffix.lower() not in EXPORT_SUFFIXES:
            path += "." + chosen.split("*.")[-1].rstrip(")") if "*." in chosen else ".md"
        return path

    def _confirm(self, text: str) -> bool:
        answer = QMessageBox.question(
            self, "Enclave history", text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes
