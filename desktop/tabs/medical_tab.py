"""The Medical workspace: triage a message into one of four levels, shown as a coloured
banner with what to do now, the red flags and reasons behind it, the confidence and an
always-visible disclaimer; recent triages on the side. A clinician marks the level right,
or wrong with the right level; Retrain learns from those labels in a background job.
Engine calls run off the GUI thread (medical_work.py)."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.job_center import JobCenter
from desktop.tabs import medical_work as work
from desktop.widgets import fill_with_panes, heading, hint, show_error
from desktop.worker import Job, run_job
from engine.workspaces.medical import DISCLAIMER

TITLE = "Medical"
DESCRIPTION = (
    "Describe symptoms and Enclave will suggest how urgently to seek care: fixed red-flag "
    "rules run first, local models add context with their sources, and every run is "
    "kept in an audit log. It supports clinical decisions; it never makes a diagnosis."
)
# Banner colours: readable black or white text on each, in light and dark themes alike.
LEVEL_STYLE = {
    "emergency": ("#b3261e", "#ffffff", "EMERGENCY"),
    "urgent": ("#e8a317", "#000000", "URGENT — within 24 hours"),
    "routine": ("#2f6db3", "#ffffff", "ROUTINE — within about a week"),
    "self_care": ("#2e7d32", "#ffffff", "SELF-CARE"),
}
# The levels a clinician can choose as the right one, most severe first.
LEVEL_NAMES = {
    "emergency": "Emergency — now",
    "urgent": "Urgent — within 24 hours",
    "routine": "Routine — within about a week",
    "self_care": "Self-care — at home",
}


class MedicalTab(QWidget):
    """Message in, triage banner and reasons out; recent triages on the side."""

    TITLE = TITLE
    DESCRIPTION = DESCRIPTION

    def __init__(self, data_dir: Path, jobs: JobCenter, device: str = "auto",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.jobs = jobs
        self.device = device
        self.result = None
        self.run_id: int | None = None
        self._busy: Job | None = None
        self._retraining: Job | None = None

        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("Describe the symptoms as the patient would, or paste a clinical note "
                                     "(age, duration, vital signs and lab values help).")
        self.triage_button = QPushButton("Triage")
        self.triage_button.setDefault(True)
        self.triage_button.clicked.connect(self.triage)
        self.status = hint(DESCRIPTION)
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setMargin(12)
        self.banner.hide()
        self.details = QTextBrowser()
        self.details.setPlaceholderText("The red flags and reasons behind the level appear here.")
        self.disclaimer = QLabel(DISCLAIMER)
        self.disclaimer.setWordWrap(True)
        self.disclaimer.setStyleSheet("font-weight: bold;")
        self.right_button = QPushButton("✓ Right level")
        self.right_button.clicked.connect(lambda: self.feedback(None))
        self.wrong_button = QPushButton("✗ Wrong level")
        self.wrong_button.setToolTip("Choose the right level: it is stored with this triage for retraining.")
        self.wrong_menu = QMenu(self.wrong_button)
        self.wrong_menu.setTitle("The right level is")
        for level, name in LEVEL_NAMES.items():
            action = self.wrong_menu.addAction(name)
            action.setData(level)
            action.triggered.connect(lambda _checked=False, lv=level: self.feedback(lv))
        self.wrong_button.setMenu(self.wrong_menu)
        self.retrain_button = QPushButton("Retrain")
        self.retrain_button.setToolTip("Retrain the triage classifier on the triages marked right or wrong. "
                                       "The new version is used only if it is better on the held-out "
                                       "messages (`enclave medical rollback` restores the previous one).")
        self.retrain_button.clicked.connect(self.retrain)
        self.history = QListWidget()
        self.history.itemActivated.connect(self._open_history)
        self.history.itemClicked.connect(self._open_history)

        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.triage_button)
        feedback = QHBoxLayout()
        feedback.addWidget(self.retrain_button)
        feedback.addStretch(1)
        feedback.addWidget(self.right_button)
        feedback.addWidget(self.wrong_button)
        main = QWidget()
        column = QVBoxLayout(main)
        column.addWidget(heading("Triage", 1.2))
        column.addWidget(self.text, 1)
        column.addLayout(buttons)
        column.addWidget(self.banner)
        column.addWidget(self.details, 2)
        column.addLayout(feedback)
        column.addWidget(self.disclaimer)
        side = QWidget()
        side.setMinimumWidth(260)
        side_column = QVBoxLayout(side)
        side_column.addWidget(heading("Recent triages"))
        side_column.addWidget(self.history, 1)
        fill_with_panes(self, main, side, stretch=(3, 1))
        self._sync()

    def _sync(self) -> None:
        self.triage_button.setEnabled(self._busy is None)
        for button in (self.right_button, self.wrong_button):
            button.setEnabled(self.run_id is not None)
        self.retrain_button.setEnabled(self._retraining is None)
        shown = self.result.level if self.result is not None else None
        for action in self.wrong_menu.actions():
            action.setEnabled(action.data() != shown)  # "wrong" needs another level

    # -- triage -------------------------------------------------------------------
    def triage(self) -> Job | None:
        if self._busy is not None:
            return None
        self.status.setText("Checking red flags, then the classifier…")
        job = self.jobs.start("Triage a message", work.triage, self.data_dir, self.text.toPlainText(), self.device)
        self._busy = job
        job.result.connect(self.show_result)
        job.error.connect(lambda message: show_error(self.status, "Triage failed", message))
        job.finished.connect(lambda: (setattr(self, "_busy", None), self._sync(), self.refresh()))
        self._sync()
        return job

    def show_result(self, outcome) -> None:
        result, run_id = outcome
        self.result, self.run_id = result, run_id
        background, foreground, title = LEVEL_STYLE[result.level]
        banner = f"<b>{title}</b>" + ("" if result.assessable else " (could not assess)") + \
            f"<br>{html.escape(result.advice)}"
        self.banner.setText(banner)
        self.banner.setStyleSheet(f"background-color: {background}; color: {foreground}; border-radius: 4px;")
        self.banner.show()
        parts = []
        if result.red_flags:
            parts.append("<h3>Red flags</h3><ul>" + "".join(
                f"<li><b>{html.escape(f.label)}</b> — “{html.escape(f.matched)}”<br>"
                f"<small>{html.escape(f.guideline)}</small></li>" for f in result.red_flags) + "</ul>")
        others = [r for r in result.reasons if not r.startswith("Red flag: ")]  # the flags are listed above
        if others:
            parts.append("<h3>Why</h3><ul>" + "".join(f"<li>{html.escape(r)}</li>" for r in others) + "</ul>")
        if result.assessable:
            parts.append(f"<p>Confidence: {result.confidence:.0%}"
                         + (f" · {html.escape(result.model)} on {html.escape(result.provider or '')}"
                            if result.model else "") + "</p>")
        self.details.setHtml("".join(parts))
        self.status.setText("Was the level right? Your answer is stored with this triage.")
        self._sync()

    def feedback(self, level: str | None) -> Job | None:
        """Store the verdict on the shown triage: `level` None — the level was right;
        otherwise the right level (the triage is marked wrong)."""
        if self.run_id is None:
            return None
        job = run_job(work.feedback, self.data_dir, self.run_id, level)
        job.result.connect(self._feedback_stored)
        job.error.connect(lambda message: show_error(self.status, "Feedback not stored", message))
        return job

    def _feedback_stored(self, record) -> None:
        verdict = "right" if record.feedback > 0 else "wrong"
        self.status.setText(f"Thank you — marked {verdict} and stored as {LEVEL_NAMES[record.level].split(' —')[0]} "
                            f"({record.labelled} labelled triages; Retrain learns from them).")

    # -- retraining -------------------------------------------------------------------
    def retrain(self) -> Job | None:
        if self._retraining is not None:
            return None
        self.status.setText("Retraining the triage classifier (see Jobs)…")
        job = self.jobs.start("Retrain the triage classifier", work.retrain, self.data_dir, self.device)
        self._retraining = job
        job.result.connect(lambda report: self.status.setText(report.reason))
        job.error.connect(lambda message: show_error(self.status, "Retraining failed", message))
        job.cancelled.connect(lambda: self.status.setText("Retraining cancelled; the classifier in use is unchanged."))
        job.finished.connect(lambda: (setattr(self, "_retraining", None), self._sync()))
        self._sync()
        return job

    # -- history ------------------------------------------------------------------
    def refresh(self) -> Job:
        job = run_job(work.recent, self.data_dir)
        job.result.connect(self._show_history)
        return job

    def _show_history(self, runs: list) -> None:
        self.history.clear()
        for run in runs:
            level = (run.output or {}).get("level", "?") if isinstance(run.output, dict) else "?"
            item = QListWidgetItem(f"{LEVEL_STYLE.get(level, ('', '', level))[2].split(' —')[0]} · "
                                   f"{run.created[:16].replace('T', ' ')} · {run.input[:60]}")
            item.setData(Qt.ItemDataRole.UserRole, run.input)
            self.history.addItem(item)

    def _open_history(self, item: QListWidgetItem) -> None:
        self.text.setPlainText(item.data(Qt.ItemDataRole.UserRole) or "")
