"""The first-start welcome: what is installed, that everything works offline, and where
the sample data is.

`should_show_welcome(data_dir)` says whether to open it (a read of the tiny settings.json,
fine on the GUI thread). The installed models are listed by a background job; "Don't show
this again" is saved by another when the dialog closes, and the dialog closes once it is.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import first_line, heading
from desktop.worker import Job, run_job
from engine.errors import EnclaveError

log = logging.getLogger(__name__)

TASK_NAMES = {"generation": "Text generation", "embedding": "Embedding (search)",
              "classification": "Classification"}
INTRO = ("Enclave brings AI workspaces for research, marketing, business intelligence and "
         "medical text to this computer.")
OFFLINE = ("Everything works offline: the models run on this computer, and your documents, "
           "results and history stay here. Nothing is sent over the network.")
SAMPLES = ("Sample data ships with Enclave, so you can try things before using your own "
           "files: see the Research and Business Intelligence tabs.")
NO_MODELS = ("No models are installed yet. Import one on the Models page, or run "
             "`enclave setup` to prepare the default ones.")

Progress = Callable[[float, str], None]
IsCancelled = Callable[[], bool]


def should_show_welcome(data_dir: Path) -> bool:
    """True until the user ticked "Don't show this again" for this data folder."""
    from engine.config import load_settings

    return not load_settings(Path(data_dir)).welcome_shown


# -- work for the pool threads (no widgets here) ------------------------------------------
def installed_models(data_dir: Path, *, progress: Progress,
                     cancelled: IsCancelled) -> dict[str, tuple[str, ...]]:
    """Installed model ids by task (manifests only; no checksums read)."""
    from engine.models.registry import ModelRegistry

    by_task: dict[str, list[str]] = {}
    for entry in ModelRegistry(data_dir).list(verify=False):
        if entry.manifest is not None:
            by_task.setdefault(entry.task, []).append(entry.id)
    return {task: tuple(ids) for task, ids in by_task.items()}


def mark_welcome_shown(data_dir: Path, *, progress: Progress, cancelled: IsCancelled) -> None:
    """Set `welcome_shown` in settings.json, keeping every other setting."""
    from dataclasses import replace

    from engine.config import ensure_data_dir, load_settings, save_settings

    ensure_data_dir(data_dir)
    try:
        save_settings(data_dir, replace(load_settings(data_dir), welcome_shown=True))
    except OSError as exc:
        raise EnclaveError(f"could not save settings in {data_dir}: {exc.strerror or exc}") from None


def describe_models(by_task: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """(task name, model ids) lines, text generation first; empty when nothing is installed."""
    order = sorted(by_task, key=lambda t: (t != "generation", t != "embedding", t))
    return [(TASK_NAMES.get(task, task.capitalize()), ", ".join(by_task[task]))
            for task in order if by_task[task]]


# -- the dialog ------------------------------------------------------------------------------
class WelcomeDialog(QDialog):
    """A short first-start page. `loaded()` once the models are listed; closing with
    "Don't show this again" ticked saves that first (see `done`)."""

    loaded = Signal()

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Enclave")
        self.setMinimumWidth(520)
        self.data_dir = Path(data_dir)
        self.models: dict[str, tuple[str, ...]] | None = None
        self._jobs: set[Job] = set()
        self._remembered = False  # "don't show again" is saved
        self._closing_with: int | None = None  # the result `done` waits to close with

        title = heading("Welcome to Enclave", 1.6)

        self.models_label = _paragraph("Loading…")
        self.models_label.setTextFormat(Qt.TextFormat.PlainText)
        self.dont_show_check = QCheckBox("Don't show this again")
        self.status_label = _paragraph("")
        self.status_label.hide()
        buttons = QDialogButtonBox()
        self.start_button = buttons.addButton("Get started", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setDefault(True)
        buttons.accepted.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(4)
        layout.addWidget(title)
        layout.addWidget(_paragraph(INTRO))
        for section, body in (("Works offline", _paragraph(OFFLINE)),
                              ("Installed models", self.models_label),
                              ("Try it with sample data", _paragraph(SAMPLES))):
            layout.addSpacing(12)
            layout.addWidget(heading(section))
            layout.addWidget(body)
        layout.addStretch(1)  # spare height goes here, not between a heading and its text
        layout.addSpacing(14)
        layout.addWidget(self.status_label)
        bottom = QHBoxLayout()
        bottom.addWidget(self.dont_show_check)
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)

        job = self._track(run_job(installed_models, self.data_dir))
        job.result.connect(self._on_models)
        job.error.connect(lambda message: self.models_label.setText(
            f"Could not list the models: {first_line(message)}"))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        # Qt sizes a dialog of wrapped labels for a narrow width, which leaves it tall and
        # half empty; take the height the text needs at the dialog's real width instead.
        self.resize(self.width(), self.layout().totalHeightForWidth(self.width()))

    def is_busy(self) -> bool:
        return bool(self._jobs)

    def is_loaded(self) -> bool:
        return self.models is not None

    def done(self, result: int) -> None:
        """Close; with "Don't show this again" ticked, only once that is saved."""
        if not self.dont_show_check.isChecked() or self._remembered:
            for job in list(self._jobs):
                job.cancel()  # the model list, if still loading
            super().done(result)
            return
        if self._closing_with is not None:
            return  # already saving
        self._closing_with = result
        self.start_button.setEnabled(False)
        self.dont_show_check.setEnabled(False)
        job = self._track(run_job(mark_welcome_shown, self.data_dir))
        job.result.connect(self._on_remembered)
        job.error.connect(self._on_remember_failed)
        job.cancelled.connect(lambda: self._on_remember_failed("cancelled"))

    def _on_models(self, by_task: dict[str, tuple[str, ...]]) -> None:
        self.models = by_task
        lines = describe_models(by_task)
        self.models_label.setText("\n".join(f"• {task}: {ids}" for task, ids in lines)
                                  if lines else NO_MODELS)
        self._fit_height()  # the list is longer than "Loading…"
        self.loaded.emit()

    def _on_remembered(self, _value: object) -> None:
        self._remembered = True
        self.done(self._closing_with if self._closing_with is not None else 0)

    def _on_remember_failed(self, message: str) -> None:
        # Stay open and say why: the user can untick the box and close, or try again.
        self._closing_with = None
        self.start_button.setEnabled(True)
        self.dont_show_check.setEnabled(True)
        self.status_label.setText(f"✗ Could not remember this: {first_line(message)}")
        self.status_label.setToolTip(message)
        self.status_label.show()
        self._fit_height()
        log.warning("welcome: could not save 'don't show again': %s", message)

    def _track(self, job: Job) -> Job:
        self._jobs.add(job)
        ref = weakref.ref(job)
        job.finished.connect(lambda: self._jobs.discard(ref()))
        return job


def _paragraph(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label

