"""Status bar busy indicator: message, progress bar and Cancel for the running job.

Hidden when idle. Tracks several jobs and shows the most recent unfinished one.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from desktop.worker import Job, is_data

_STEPS = 1000  # progress bar resolution


@dataclass
class _Tracked:
    job: Job
    message: str
    fraction: float | None = None  # None until the job reports: the bar is indeterminate


class JobIndicator(QWidget):
    """Shows what is running and lets the user cancel it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tracked: list[_Tracked] = []
        self.message = QLabel()
        self.bar = QProgressBar()
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running job")
        self.cancel_button.clicked.connect(self.cancel_current)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.hide()

    def track(self, job: Job, message: str) -> None:
        """Show `job` until it finishes; `message` is shown until it reports its own."""
        tracked = _Tracked(job, message)
        self._tracked.append(tracked)
        job.progress.connect(lambda fraction, text: self._on_progress(tracked, fraction, text))
        job.finished.connect(lambda: self._on_finished(tracked))
        self._refresh()

    def current_job(self) -> Job | None:
        """The job the indicator shows (and Cancel stops), if any."""
        return self._tracked[-1].job if self._tracked else None

    def cancel_current(self) -> None:
        """Ask the shown job to stop."""
        if self._tracked:
            self._tracked[-1].job.cancel()
            self._refresh()

    def _on_progress(self, tracked: _Tracked, fraction: float, text: str) -> None:
        tracked.fraction = fraction
        if text and not is_data(text):
            tracked.message = text.splitlines()[0][:120]
        self._refresh()

    def _on_finished(self, tracked: _Tracked) -> None:
        self._tracked.remove(tracked)
        self._refresh()

    def _refresh(self) -> None:
        if not self._tracked:
            self.hide()
            return
        current = self._tracked[-1]
        stopping = current.job.is_cancelled()
        message = current.message[:1].upper() + current.message[1:]
        self.message.setText("Cancelling…" if stopping else message)
        self.cancel_button.setEnabled(not stopping)
        if current.fraction is None:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, _STEPS)
            self.bar.setValue(round(current.fraction * _STEPS))
        self.show()
