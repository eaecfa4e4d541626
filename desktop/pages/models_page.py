"""The Models page: what is installed, and Import / Verify / Quantise / Remove / Set as default.

The page lists every model from its manifest right away, then reads the checksums in a
second background pass; a model whose files have not changed since (same sizes and
modification times) keeps its result, so a refresh after an import does not re-read
gigabytes. Verify re-reads one model's files whatever their times say.

Listing and the checksum pass run through `run_job`; the user's actions (import, verify,
quantise, remove) go through the JobCenter so they appear on the Jobs page with progress.
The functions they run live in `desktop.pages.models_work`: plain code that imports the
engine inside and never touches a widget. Dialogs are methods (`_ask_import_source`,
`_ask_quantization`, `_ask_model_id`, `_confirm`) so tests can replace them.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.job_center import JobCenter
from desktop.pages.models_work import (
    COLUMNS,
    QUANTIZATION_CHOICES,
    TASK_NAMES,
    ModelRow,
    check_models,
    details_text,
    format_size,
    import_kind,
    import_model,
    list_models,
    quantize_model,
    quantized_id,
    remove_model,
    row_cells,
    set_default_model,
    suggest_model_id,
    summary_text,
    with_check,
)
from desktop.tabs.empty_state import EmptyState
from desktop.widgets import heading, hint, read_only_table, show_error
from desktop.worker import Job, run_job
from engine.errors import EnclaveError


# -- the page -----------------------------------------------------------------------------
class ModelsPage(QWidget):
    """Installed models with their checksum state; import, verify, quantise, remove, default.

    Call `refresh()` when the page is shown (the window does on tab change).
    """

    loaded = Signal()  # rows on screen (checksums may still be running)

    def __init__(self, data_dir: Path, jobs: JobCenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.jobs = jobs
        self.rows: tuple[ModelRow, ...] = ()
        self._checks: dict[str, tuple[tuple, tuple[str, ...]]] = {}  # id -> (fingerprint, problems)
        self._jobs: set[Job] = set()  # this page's jobs still running
        self._load_job: Job | None = None
        self._check_job: Job | None = None
        self._seq = 0

        title = heading("Models", 1.5)
        intro = hint("Models run on this computer. Import a Hugging Face checkpoint folder, a GGUF "
                       "file or a ready ONNX folder; the default of each task is the one the "
                       "workspaces use.")

        self.import_button = QPushButton("Import…")
        menu = QMenu(self.import_button)
        self.import_folder_action = menu.addAction("Checkpoint folder or ONNX folder…")
        self.import_gguf_action = menu.addAction("GGUF file…")
        self.import_button.setMenu(menu)
        self.import_button.setToolTip("Add a model: a checkpoint (safetensors), GGUF or ONNX folder")
        self.verify_button = QPushButton("Verify")
        self.verify_button.setToolTip("Re-read the selected model's files and check their sha256")
        self.quantize_button = QPushButton("Quantise to int4…")
        self.quantize_button.setToolTip("Make a smaller, faster int4 copy of an fp32 text generator")
        self.default_button = QPushButton("Set as default")
        self.default_button.setToolTip("Use the selected model for its task in every workspace")
        self.remove_button = QPushButton("Remove…")
        self.remove_button.setToolTip("Delete the selected model's files from this computer")
        buttons = QHBoxLayout()
        for button in (self.import_button, self.verify_button, self.quantize_button,
                       self.default_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.summary_label = QLabel("")
        buttons.addWidget(self.summary_label)

        self.table = read_only_table(COLUMNS, stretch=COLUMNS[0])
        self.empty_state = EmptyState(
            "No models installed yet",
            "Import a Hugging Face checkpoint folder (safetensors), a GGUF file or a ready ONNX "
            "folder with Import…, or run `enclave setup` for the default models.")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty_state)
        self.details = hint(details_text(None))
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.status_label = QLabel("")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setFixedWidth(200)
        self.progress_bar.hide()
        status = QHBoxLayout()
        status.addWidget(self.status_label, 1)
        status.addWidget(self.progress_bar)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.details)
        layout.addLayout(status)

        self.import_folder_action.triggered.connect(lambda _=False: self.import_source("folder"))
        self.import_gguf_action.triggered.connect(lambda _=False: self.import_source("gguf"))
        self.verify_button.clicked.connect(self.verify_selected)
        self.quantize_button.clicked.connect(self.quantize_selected)
        self.default_button.clicked.connect(self.set_selected_default)
        self.remove_button.clicked.connect(self.remove_selected)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        self._on_selection_changed()

    # -- loading --------------------------------------------------------------------------
    def refresh(self) -> Job:
        """(Re)load the list in the background, then check the checksums not known yet."""
        if self._load_job is not None and self._load_job.is_running():
            self._load_job.cancel()  # its answer is stale anyway
        self._seq += 1
        if self._seq == 1:
            self.status_label.setText("Loading models…")
        job = self._track(run_job(list_models, self.data_dir))
        job.result.connect(lambda rows, seq=self._seq: self._on_loaded(seq, rows))
        job.error.connect(lambda message: self._show_error("Could not list the models", message))
        self._load_job = job
        return job

    def is_busy(self) -> bool:
        """Whether any job this page started (list, checksums, an action) is still running."""
        return bool(self._jobs)

    def selected_row(self) -> ModelRow | None:
        items = self.table.selectedItems()
        return self._row(items[0].data(Qt.ItemDataRole.UserRole)) if items else None

    def _on_loaded(self, seq: int, rows: tuple[ModelRow, ...]) -> None:
        if seq != self._seq:
            return
        self._show_rows(rows)
        if self.status_label.text() == "Loading models…":
            self.status_label.setText("")
        self.loaded.emit()
        self._check_unknown()

    def _check_unknown(self) -> None:
        """Read the checksums of the models shown as "checking…" (one pass at a time)."""
        if self._check_job is not None and self._check_job.is_running():
            return
        unknown = tuple(r.id for r in self.rows if r.problems is None)
        if not unknown:
            return
        # Models listed (or changed) while this pass ran get the next one.
        job = self._track(run_job(check_models, self.data_dir, list(unknown)),
                          then=self._check_unknown)
        job.result.connect(self._apply_checks)
        job.error.connect(lambda message: self._on_check_failed(unknown, message))
        self._check_job = job

    def _apply_checks(self, results: dict) -> None:
        """Remember the results; a row takes its result only if its files are unchanged."""
        self._checks.update(results)
        self._show_rows(tuple(replace(r, problems=None) if r.id in results else r for r in self.rows))

    def _on_check_failed(self, model_ids: tuple[str, ...], message: str) -> None:
        self._show_error("Could not check the checksums", message)
        failed = (f"checksums not read: {message}",)
        self._show_rows(tuple(replace(r, problems=failed) if r.id in model_ids and r.problems is None
                              else r for r in self.rows))

    def _show_rows(self, rows: tuple[ModelRow, ...]) -> None:
        """Fill the table, with each model's check when its files are unchanged since."""
        selected = self.selected_row()
        self.rows = tuple(with_check(r, self._checks.get(r.id)) for r in rows)
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            for column, (text, tip) in enumerate(row_cells(row)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row.id)
                if tip:
                    item.setToolTip(tip)
                if column == COLUMNS.index("Size"):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == COLUMNS.index("Checksums") and row.problems:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(index, column, item)
        self.stack.setCurrentWidget(self.table if self.rows else self.empty_state)
        self.summary_label.setText(summary_text(self.rows))
        if selected is not None and (index := self._index(selected.id)) is not None:
            self.table.selectRow(index)
        self._on_selection_changed()

    def _row(self, model_id: str) -> ModelRow | None:
        return next((r for r in self.rows if r.id == model_id), None)

    def _index(self, model_id: str) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.id == model_id), None)

    def _on_selection_changed(self) -> None:
        row = self.selected_row()
        intact = row is not None and row.problems == ()
        self.verify_button.setEnabled(row is not None)
        self.remove_button.setEnabled(row is not None)
        self.default_button.setEnabled(intact and not row.is_default and row.task in TASK_NAMES)
        self.quantize_button.setEnabled(intact and row.task == "generation" and not row.quantization)
        self.details.setText(details_text(row))

    # -- actions --------------------------------------------------------------------------
    def import_source(self, kind: str) -> Job | None:
        """Ask for a folder (kind 'folder') or a GGUF file ('gguf'), then import it."""
        source = self._ask_import_source(kind)
        return self.import_from(source) if source else None

    def import_from(self, source: Path) -> Job | None:
        """Import a checkpoint folder, GGUF file or ready ONNX folder as a background job."""
        try:
            kind = import_kind(Path(source))
        except EnclaveError as exc:
            self._show_error("Cannot import", str(exc))
            return None
        quantization = None
        if kind in ("checkpoint", "gguf"):
            quantization = self._ask_quantization()
            if quantization is None:
                return None
        model_id = self._ask_model_id(suggest_model_id(Path(source), quantization))
        if not model_id or not self._may_replace(model_id):
            return None
        how = f" ({quantization})" if quantization else ""
        return self._start(f"Import {model_id}", f"Imported {model_id}{how}.",
                           import_model, kind, Path(source), model_id, self.data_dir, quantization)

    def verify_selected(self) -> Job | None:
        row = self.selected_row()
        if row is None:
            return None
        self._checks.pop(row.id, None)
        job = self._start(f"Verify {row.id}", None, check_models, self.data_dir, [row.id])
        job.result.connect(self._on_verified)
        return job

    def _on_verified(self, results: dict) -> None:
        for model_id, (_mark, problems) in results.items():
            if problems:
                self._show_error(f"{model_id} failed verification", "; ".join(problems))
            else:
                self._show_message(f"✓ {model_id}: every file matches its checksum.")
        self._apply_checks(results)

    def quantize_selected(self) -> Job | None:
        row = self.selected_row()
        if row is None:
            return None
        new_id = self._ask_model_id(quantized_id(row.id))
        if not new_id or not self._may_replace(new_id):
            return None
        return self._start(f"Quantise {row.id}", f"Quantised {row.id} to int4 as {new_id}.",
                           quantize_model, self.data_dir, row.id, new_id)

    def set_selected_default(self) -> Job | None:
        row = self.selected_row()
        if row is None:
            return None
        task = TASK_NAMES.get(row.task, row.task).lower()
        # A one-line JSON write, but still off the GUI thread like every engine call.
        job = self._track(run_job(set_default_model, self.data_dir, row.task, row.id),
                          then=self.refresh)
        job.result.connect(lambda _id: self._show_message(f"{row.id} is now the default for {task}."))
        job.error.connect(lambda message: self._show_error("Could not set the default", message))
        return job

    def remove_selected(self) -> Job | None:
        row = self.selected_row()
        if row is None or not self._confirm(
                f"Remove {row.id}? Its files ({format_size(row.size_bytes)}) are deleted from "
                "this computer."):
            return None
        return self._start(f"Remove {row.id}", f"Removed {row.id}.", remove_model, self.data_dir,
                           row.id)

    def _may_replace(self, model_id: str) -> bool:
        return self._row(model_id) is None or self._confirm(
            f"A model named {model_id} is already installed. Replace it?")

    def _start(self, title: str, done: str | None, fn: Callable[..., Any], *args: Any) -> Job:
        """Run an action through the JobCenter; show its progress here, then refresh."""
        job = self._track(self.jobs.start(title, fn, *args), then=self.refresh)
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self._show_message(f"{title}…")
        job.progress.connect(lambda fraction, message: self._on_progress(title, fraction, message))
        if done:
            job.result.connect(lambda _value: self._show_message(done))
        job.error.connect(lambda message: self._show_error(f"{title} failed", message))
        job.cancelled.connect(lambda: self._show_message(f"{title} cancelled; nothing changed."))
        return job

    def _on_progress(self, title: str, fraction: float, message: str) -> None:
        self.progress_bar.setValue(round(fraction * 100))
        self._show_message(f"{title}: {message}" if message else f"{title}…")

    def _track(self, job: Job, then: Callable[[], Any] | None = None) -> Job:
        """Count `job` as this page's until it finishes; then call `then` unless cancelled
        (a cancelled job changed nothing, and the window may be closing)."""
        self._jobs.add(job)
        ref = weakref.ref(job)  # a lambda holding the Job itself would keep it alive forever
        job.finished.connect(lambda: self._on_finished(ref(), then))
        return job

    def _on_finished(self, job: Job | None, then: Callable[[], Any] | None) -> None:
        self._jobs.discard(job)
        if not any(j is not self._load_job and j is not self._check_job for j in self._jobs):
            self.progress_bar.hide()
        if then is not None and job is not None and not job.is_cancelled():
            then()

    def _show_message(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setToolTip("")

    def _show_error(self, what: str, message: str) -> None:
        """One line in the status label; the models shown stay as they were."""
        show_error(self.status_label, what, message)

    # -- dialogs (tests replace these) ----------------------------------------------------
    def _ask_import_source(self, kind: str) -> Path | None:
        if kind == "gguf":
            path, _ = QFileDialog.getOpenFileName(self, "Import a GGUF file", str(Path.home()),
                                                  "GGUF models (*.gguf)")
        else:
            path = QFileDialog.getExistingDirectory(
                self, "Import a checkpoint folder or a ready ONNX folder", str(Path.home()))
        return Path(path) if path else None

    def _ask_quantization(self) -> str | None:
        item, ok = QInputDialog.getItem(self, "Quantisation", "Store the weights as:",
                                        list(QUANTIZATION_CHOICES), 0, False)
        return item.split()[0] if ok and item else None

    def _ask_model_id(self, default: str) -> str | None:
        text, ok = QInputDialog.getText(
            self, "Model name", "Name (lowercase letters, digits, '.', '_' and '-'):", text=default)
        return text.strip() if ok and text.strip() else None

    def _confirm(self, text: str) -> bool:
        answer = QMessageBox.question(self, "Enclave", text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes
