"""About: Enclave's version, the versions of the libraries it runs on, and the installed
models with their source and licence (read from their manifests in a background job)."""

from __future__ import annotations

import platform
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import heading, hint, read_only_table, show_error
from desktop.worker import Job, run_job

LOCAL_PROMISE = "Everything runs on this computer; nothing is sent over the network."
MODEL_COLUMNS = ("Model", "Task", "Source", "Licence")
TASK_NAMES = {"generation": "Text generation", "embedding": "Embedding",
              "classification": "Classification"}
# Shown in this order when installed; anything else package_versions() finds follows.
KEY_PACKAGES = ("onnxruntime", "onnxruntime-gpu", "tokenizers", "PySide6", "numpy", "sqlite-utils")

Progress = Callable[[float, str], None]
IsCancelled = Callable[[], bool]


# -- work for the pool threads (no widgets here) ------------------------------------------
@dataclass(frozen=True)
class ModelLicence:
    """One installed model as About lists it."""

    id: str
    task: str
    source: str  # the manifest's source, "unknown" when it says nothing
    licence: str  # the manifest's "license", "unknown" when absent


@dataclass(frozen=True)
class AboutInfo:
    version: str
    python: str
    packages: tuple[tuple[str, str], ...]  # (name, version), key packages first
    models: tuple[ModelLicence, ...]


def collect_about(data_dir: Path, *, progress: Progress, cancelled: IsCancelled) -> AboutInfo:
    """Versions from package metadata (nothing heavy is imported) and every model's manifest."""
    import PySide6

    from engine import __version__
    from engine.api import package_versions
    from engine.models.registry import ModelRegistry

    found = package_versions()
    found.pop("pyside6-essentials", None)  # the same release as PySide6, said once
    found["PySide6"] = PySide6.__version__
    order = [name for name in KEY_PACKAGES if name in found]
    order += sorted(name for name in found if name not in order)
    models = []
    for entry in ModelRegistry(data_dir).list(verify=False):
        manifest = entry.manifest
        extra = manifest.extra if manifest else {}
        models.append(ModelLicence(
            id=entry.id, task=entry.task,
            source=(manifest.source if manifest else "") or "unknown",
            licence=str(extra.get("license") or extra.get("licence") or "unknown")))
    return AboutInfo(__version__, platform.python_version(),
                     tuple((name, found[name]) for name in order), tuple(models))


def short_source(source: str) -> str:
    """'PyPI pkg==1.0 (/long/local/path)' -> 'PyPI pkg==1.0'; the full text goes in a tooltip."""
    head = source.split(" (", 1)[0].strip()
    return head or source


# -- the dialog ------------------------------------------------------------------------------
class AboutDialog(QDialog):
    """Versions and model licences of the data folder `data_dir`; `loaded()` once shown."""

    loaded = Signal()

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Enclave")
        self.setMinimumWidth(620)
        self.data_dir = Path(data_dir)
        self.info: AboutInfo | None = None
        self._jobs: set[Job] = set()

        self.title = heading("Enclave", 1.6)
        tagline = QLabel("An offline AI workbench.")
        self.promise = QLabel(LOCAL_PROMISE)
        self.promise.setWordWrap(True)
        promise_font = self.promise.font()
        promise_font.setBold(True)
        self.promise.setFont(promise_font)

        self.versions = QFormLayout()
        self.versions.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        versions_title = heading("Versions")

        self.models_table = read_only_table(MODEL_COLUMNS, stretch=MODEL_COLUMNS[2])
        self.models_note = hint()

        self.status_label = QLabel("Loading…")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(tagline)
        layout.addWidget(self.promise)
        layout.addSpacing(8)
        layout.addWidget(versions_title)
        layout.addLayout(self.versions)
        layout.addSpacing(8)
        layout.addWidget(heading("Installed models"))
        layout.addWidget(self.models_table)
        layout.addWidget(self.models_note)
        layout.addStretch(1)
        layout.addWidget(self.status_label)
        layout.addWidget(buttons)

        job = run_job(collect_about, self.data_dir)
        self._jobs.add(job)
        ref = weakref.ref(job)
        job.finished.connect(lambda: self._jobs.discard(ref()))
        job.result.connect(self._on_loaded)
        job.error.connect(self._on_error)

    def is_busy(self) -> bool:
        return bool(self._jobs)

    def is_loaded(self) -> bool:
        return self.info is not None

    def version_rows(self) -> dict[str, str]:
        """What the Versions section shows, label -> value (for tests and bug reports)."""
        rows = {}
        for row in range(self.versions.rowCount()):
            label = self.versions.itemAt(row, QFormLayout.ItemRole.LabelRole)
            value = self.versions.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if label and value:
                rows[label.widget().text().rstrip(":")] = value.widget().text()
        return rows

    def _on_loaded(self, info: AboutInfo) -> None:
        self.info = info
        self.title.setText(f"Enclave {info.version}")
        for name, version in (("Python", info.python), *info.packages):
            value = QLabel(version)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.versions.addRow(f"{name}:", value)
        self.models_table.setRowCount(len(info.models))
        for row, model in enumerate(info.models):
            cells = ((model.id, ""), (TASK_NAMES.get(model.task, model.task), ""),
                     (short_source(model.source), model.source), (model.licence, ""))
            for column, (text, tip) in enumerate(cells):
                item = QTableWidgetItem(text)
                if tip:
                    item.setToolTip(tip)
                self.models_table.setItem(row, column, item)
        self._fit_table_height()
        self.models_note.setText(
            "Each model keeps its own licence; the source is where its weights came from."
            if info.models else "No models installed yet: see the Models page, or run "
            "`enclave setup`.")
        self.status_label.setText("")
        self.status_label.hide()
        self.loaded.emit()

    def _fit_table_height(self, max_rows: int = 8) -> None:
        """As tall as its rows (up to `max_rows`; it scrolls beyond), not a block of blank."""
        table = self.models_table
        table.resizeRowsToContents()
        rows = sum(table.rowHeight(r) for r in range(min(table.rowCount(), max_rows)))
        if table.rowCount() == 0:
            rows = table.verticalHeader().defaultSectionSize()
        table.setFixedHeight(table.horizontalHeader().height() + rows + 2 * table.frameWidth())

    def _on_error(self, message: str) -> None:
        show_error(self.status_label, "Could not read the versions and models", message)

    def reject(self) -> None:
        for job in list(self._jobs):
            job.cancel()
        super().reject()

