"""Settings: data folder, device, threads, default models and privacy.

The dialog shows "Loading…" while a background job reads settings.json and the installed
models, and saves in another job (settings.json, then the registry's task defaults), so
the GUI thread never touches the disk beyond what Qt itself does. A save that fails (a
read-only data folder, say) leaves the dialog open with every field as the user set it,
and says why in one line.

The data folder cannot be a setting inside itself: the choice is kept in the app-level
QSettings (`preferred_data_dir()` reads it) and applies after a restart. Nothing is moved.

The functions under "work for the pool threads" run through `run_job`: plain code that
never touches a widget.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import hint, show_error
from desktop.worker import Job, run_job
from engine.config import Settings
from engine.errors import EnclaveError

DEVICE_CHOICES = (
    ("auto", "Automatic (GPU when it passes a self-test, else CPU)"),
    ("cpu", "CPU"),
    ("cuda", "GPU (CUDA)"),
)
MAX_THREADS = 64
DATA_DIR_KEY = "data_dir"

Progress = Callable[[float, str], None]
IsCancelled = Callable[[], bool]


# -- the app-level choice of data folder ---------------------------------------------------
def app_settings() -> QSettings:
    """The app-level QSettings, outside any data folder (tests point it elsewhere)."""
    return QSettings("Enclave", "Enclave")


def preferred_data_dir() -> Path | None:
    """The data folder chosen in Settings, or None when the user never chose one.

    `--data-dir` and ENCLAVE_DATA_DIR should still win over it; it replaces only the
    platform default.
    """
    value = app_settings().value(DATA_DIR_KEY, "", type=str)
    return Path(value) if value else None


def remember_data_dir(path: Path) -> None:
    """Store the data folder to use from the next start on."""
    store = app_settings()
    store.setValue(DATA_DIR_KEY, str(path))
    store.sync()


# -- work for the pool threads (no widgets here) ------------------------------------------
@dataclass(frozen=True)
class SettingsSnapshot:
    """What the dialog shows: the saved settings and the models to choose from."""

    settings: Settings
    embedders: tuple[str, ...]
    generators: tuple[str, ...]
    default_embedder: str | None  # the model the embedding task really uses now
    default_generator: str | None
    cuda_available: bool  # onnxruntime offers CUDA (a hint: the self-test decides)


def load_snapshot(data_dir: Path, *, progress: Progress, cancelled: IsCancelled) -> SettingsSnapshot:
    """Read settings.json and the installed models (manifests only, no checksums)."""
    from engine.config import load_settings
    from engine.models.registry import ModelRegistry
    from engine.runtime import available_providers

    registry = ModelRegistry(data_dir)
    entries = [e for e in registry.list(verify=False) if e.manifest is not None]
    try:
        cuda = "CUDAExecutionProvider" in available_providers()
    except Exception:  # no onnxruntime at all: the GPU is certainly not an option
        cuda = False
    return SettingsSnapshot(
        settings=load_settings(data_dir),
        embedders=tuple(e.id for e in entries if e.task == "embedding"),
        generators=tuple(e.id for e in entries if e.task == "generation"),
        default_embedder=registry.default_id("embedding"),
        default_generator=registry.default_id("generation"),
        cuda_available=cuda)


def check_data_folder(path: Path, *, progress: Progress, cancelled: IsCancelled) -> Path:
    """The folder, created if needed and proven writable, or a one-line EnclaveError."""
    from engine.config import ensure_data_dir

    return ensure_data_dir(Path(path).expanduser().resolve())


def save_choices(data_dir: Path, changes: dict[str, Any], defaults: dict[str, str], *,
                 progress: Progress, cancelled: IsCancelled) -> Settings:
    """Write the task defaults and settings.json; fields not in `changes` keep their value.

    The folder is proven writable first, so a read-only disk fails before anything
    changed. Settings are re-read here rather than taken from the dialog, so a field
    written meanwhile by someone else (the welcome's "don't show again") survives.
    """
    from engine.config import ensure_data_dir, load_settings, save_settings
    from engine.models.registry import ModelRegistry

    ensure_data_dir(data_dir)
    registry = ModelRegistry(data_dir)
    try:
        for task, model_id in defaults.items():
            if model_id and registry.default_id(task) != model_id:
                registry.set_default(task, model_id)
    except OSError as exc:
        raise EnclaveError(f"could not save the default models in {registry.root}: "
                           f"{exc.strerror or exc}") from None
    settings = replace(load_settings(data_dir), **changes)
    try:
        save_settings(data_dir, settings)
    except OSError as exc:
        raise EnclaveError(f"could not save settings in {data_dir}: {exc.strerror or exc}") from None
    return settings


# -- the dialog ------------------------------------------------------------------------------
class SettingsDialog(QDialog):
    """Edit the settings of the data folder `data_dir`; Save writes them in the background.

    Signals: `loaded()` once the fields show the saved values, `saved(Settings)` after a
    successful save (the dialog then closes). `chosen_data_dir()` is the folder picked
    with "Change…", if any; it is remembered on Save and used from the next start.
    """

    loaded = Signal()
    saved = Signal(object)  # engine.config.Settings

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self.data_dir = Path(data_dir)
        self.snapshot: SettingsSnapshot | None = None
        self._chosen_dir: Path | None = None
        self._jobs: set[Job] = set()
        self._saving = False

        # Storage
        self.data_dir_edit = QLineEdit(str(self.data_dir))
        self.data_dir_edit.setReadOnly(True)
        self.data_dir_edit.setToolTip("Models, history and settings live in this folder")
        self.change_button = QPushButton("Change…")
        self.change_button.setToolTip("Pick another folder for Enclave's data")
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.data_dir_edit, 1)
        folder_row.addWidget(self.change_button)
        self.data_dir_note = hint("Models, history and settings live in this folder.")
        storage = QFormLayout()
        storage.addRow("Data folder:", folder_row)
        storage.addRow("", self.data_dir_note)

        # Performance
        self.device_combo = QComboBox()
        for value, label in DEVICE_CHOICES:
            self.device_combo.addItem(label, value)
        self.device_note = hint("Looking for GPU support…")
        self.threads_spin = QSpinBox()
        self.threads_spin.setRange(0, MAX_THREADS)
        self.threads_spin.setSpecialValueText("Automatic (physical cores)")
        self.threads_spin.setToolTip("CPU threads per model; 0 = one per physical core")
        performance = QFormLayout()
        performance.addRow("Device:", self.device_combo)
        performance.addRow("", self.device_note)
        performance.addRow("CPU threads:", self.threads_spin)
        performance.addRow("", hint("Device and threads apply the next time Enclave starts."))

        # Default models
        self.embedder_combo = QComboBox()
        self.embedder_combo.setToolTip("The model that turns text into vectors for search")
        self.generator_combo = QComboBox()
        self.generator_combo.setToolTip("The language model that writes answers")
        models = QFormLayout()
        models.addRow("Embedder:", self.embedder_combo)
        models.addRow("Text generator:", self.generator_combo)

        # Privacy
        self.keep_history_check = QCheckBox("Keep a history of runs")
        self.keep_history_check.setToolTip("Record each run so it can be found on the History page")
        privacy = QVBoxLayout()
        privacy.addWidget(self.keep_history_check)
        privacy.addWidget(hint("History stays on this computer. Turning this off records no new "
                                "runs; purge what is there on the History page."))

        self.form = QWidget()
        column = QVBoxLayout(self.form)
        column.setContentsMargins(0, 0, 0, 0)
        for title, inner in (("Storage", storage), ("Performance", performance),
                             ("Default models", models), ("Privacy", privacy)):
            box = QGroupBox(title)
            box.setLayout(inner)
            column.addWidget(box)

        self.status_label = QLabel("Loading…")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)

        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)

        self.change_button.clicked.connect(self.change_data_dir)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self._set_editable(False)
        self._load()

    # -- public ------------------------------------------------------------------------------
    def is_loaded(self) -> bool:
        return self.snapshot is not None

    def is_busy(self) -> bool:
        """Whether a load, folder check or save this dialog started is still running."""
        return bool(self._jobs)

    def chosen_data_dir(self) -> Path | None:
        """The data folder picked with "Change…" (checked writable), or None if unchanged."""
        return self._chosen_dir

    def values(self) -> dict[str, Any]:
        """The settings fields as the dialog shows them now."""
        return {
            "device": self.device_combo.currentData(),
            "intra_op_threads": self.threads_spin.value(),
            "default_embedder": self.embedder_combo.currentData() or "",
            "default_generator": self.generator_combo.currentData() or "",
            "keep_history": self.keep_history_check.isChecked(),
        }

    def change_data_dir(self) -> Job | None:
        """Ask for a folder and check in the background that it is writable."""
        folder = self._ask_folder()
        if folder is None:
            return None
        self.change_button.setEnabled(False)
        self._show_message(f"Checking {folder}…")
        job = self._track(run_job(check_data_folder, folder))
        job.result.connect(self._on_folder_checked)
        job.error.connect(lambda message: self._show_error("Cannot use that folder", message))
        job.finished.connect(
            lambda: self.change_button.setEnabled(self.is_loaded() and not self._saving))
        return job

    def save(self) -> Job | None:
        """Save in the background; close on success, stay open with a one-line error if not."""
        if not self.is_loaded() or self._saving:
            return None
        self._saving = True
        self._set_editable(False)
        self._show_message("Saving…")
        defaults = {"embedding": self.embedder_combo.currentData() or "",
                    "generation": self.generator_combo.currentData() or ""}
        job = self._track(run_job(save_choices, self.data_dir, self.values(), defaults))
        job.result.connect(self._on_saved)
        job.error.connect(self._on_save_failed)
        job.cancelled.connect(lambda: self._on_save_failed("cancelled; nothing changed"))
        return job

    # -- loading -----------------------------------------------------------------------------
    def _load(self) -> None:
        job = self._track(run_job(load_snapshot, self.data_dir))
        job.result.connect(self._on_loaded)
        job.error.connect(lambda message: self._show_error("Could not read the settings", message))

    def _on_loaded(self, snapshot: SettingsSnapshot) -> None:
        self.snapshot = snapshot
        settings = snapshot.settings
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findData(settings.device)))
        self.device_note.setText(
            "Automatic tries the GPU, checks that it really works, and otherwise uses the CPU."
            if snapshot.cuda_available else
            "This computer's ONNX Runtime has no CUDA support: every choice runs on the CPU.")
        self.threads_spin.setValue(min(max(settings.intra_op_threads, 0), MAX_THREADS))
        _fill_models(self.embedder_combo, snapshot.embedders, snapshot.default_embedder)
        _fill_models(self.generator_combo, snapshot.generators, snapshot.default_generator)
        self.keep_history_check.setChecked(settings.keep_history)
        self._set_editable(True)
        self._show_message("")
        self.device_combo.setFocus()
        # A hint may now wrap to more lines than when the dialog was sized.
        needed = self.layout().totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)
        self.loaded.emit()

    # -- results -----------------------------------------------------------------------------
    def _on_folder_checked(self, folder: Path) -> None:
        if folder == self.data_dir.expanduser().resolve():
            self._chosen_dir = None
            self.data_dir_edit.setText(str(self.data_dir))
            self.data_dir_note.setText("Models, history and settings live in this folder.")
        else:
            self._chosen_dir = folder
            self.data_dir_edit.setText(str(folder))
            self.data_dir_note.setText(
                "Enclave will use this folder after a restart. The current folder and "
                "everything in it stay where they are.")
        self._show_message("")

    def _on_saved(self, settings: Settings) -> None:
        if self._chosen_dir is not None:
            remember_data_dir(self._chosen_dir)
        self._saving = False
        self._show_message("Saved.")
        self.saved.emit(settings)
        self.accept()

    def _on_save_failed(self, message: str) -> None:
        self._saving = False
        self._set_editable(True)
        self._show_error("Not saved", message)

    # -- plumbing ----------------------------------------------------------------------------
    def reject(self) -> None:
        if self._saving:
            return  # the save is writing; it closes the dialog itself when done
        for job in list(self._jobs):
            job.cancel()  # a load or a folder check: its answer is no longer wanted
        super().reject()

    def inputs(self) -> tuple[QWidget, ...]:
        """The widgets the user edits (disabled while loading or saving)."""
        return (self.change_button, self.device_combo, self.threads_spin, self.embedder_combo,
                self.generator_combo, self.keep_history_check)

    def _set_editable(self, editable: bool) -> None:
        # The inputs, not the whole form: hints keep their colour while disabled.
        for widget in self.inputs():
            widget.setEnabled(editable)
        self.save_button.setEnabled(editable)
        self.cancel_button.setEnabled(not self._saving)
        for combo in (self.embedder_combo, self.generator_combo):
            if combo.count() and combo.itemData(0) is None:
                combo.setEnabled(False)  # "None installed" is not a choice

    def _track(self, job: Job) -> Job:
        self._jobs.add(job)
        ref = weakref.ref(job)  # a lambda holding the Job would keep it alive forever
        job.finished.connect(lambda: self._jobs.discard(ref()))
        return job

    def _show_message(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setToolTip("")

    def _show_error(self, what: str, message: str) -> None:
        """One line under the fields; everything the user entered stays as it is."""
        show_error(self.status_label, what, message)

    # -- dialogs (tests replace these) -------------------------------------------------------
    def _ask_folder(self) -> Path | None:
        path = QFileDialog.getExistingDirectory(self, "Choose the data folder", str(self.data_dir))
        return Path(path) if path else None


def _fill_models(combo: QComboBox, model_ids: tuple[str, ...], current: str | None) -> None:
    combo.clear()
    if not model_ids:
        combo.addItem("None installed — see the Models page", None)
        combo.setEnabled(False)
        return
    for model_id in model_ids:
        combo.addItem(model_id, model_id)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    combo.setEnabled(True)

