"""Every background job the window starts, running and finished, in one place.

`JobCenter.start(title, fn, *args, **kwargs)` runs `fn` through `desktop.worker.run_job`
and records it as a `JobRecord` (title, state, progress, message, start/end time, log).
The Jobs page lists the records; the status-bar indicator shows the running ones; pages
connect to the returned Job's `result` / `error` for their own follow-up.
All of it lives on the GUI thread; the work itself runs on the worker pool.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.worker import Job, is_data, run_job

RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"


@dataclass
class JobRecord:
    id: int
    title: str
    job: Job
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    state: str = RUNNING
    fraction: float | None = None  # None until the job reports progress
    message: str = ""
    log: list[str] = field(default_factory=list)

    @property
    def elapsed_s(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    @property
    def running(self) -> bool:
        return self.state == RUNNING


class JobCenter(QObject):
    """Starts jobs and keeps their records; `changed(record_id)` after every update."""

    changed = Signal(int)
    added = Signal(int)

    def __init__(self, parent: QObject | None = None, keep: int = 200) -> None:
        super().__init__(parent)
        self._records: dict[int, JobRecord] = {}
        self._next = 1
        self._keep = keep

    def start(self, title: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Job:
        job = run_job(fn, *args, **kwargs)
        record = JobRecord(self._next, title, job, message="starting…")
        self._next += 1
        self._records[record.id] = record
        job.progress.connect(lambda f, m, r=record: self._on_progress(r, f, m))
        job.result.connect(lambda _value, r=record: self._end(r, DONE, "finished"))
        job.error.connect(lambda message, r=record: self._end(r, FAILED, message))
        job.cancelled.connect(lambda r=record: self._end(r, CANCELLED, "cancelled"))
        self._trim()
        self.added.emit(record.id)
        return job

    def records(self) -> list[JobRecord]:
        """Newest first."""
        return sorted(self._records.values(), key=lambda r: r.id, reverse=True)

    def record(self, record_id: int) -> JobRecord | None:
        return self._records.get(record_id)

    def running(self) -> list[JobRecord]:
        return [r for r in self.records() if r.running]

    def cancel(self, record_id: int) -> None:
        record = self._records.get(record_id)
        if record and record.running:
            record.job.cancel()
            record.message = "cancelling…"
            record.log.append("cancel requested")
            self.changed.emit(record.id)

    def _on_progress(self, record: JobRecord, fraction: float, message: str) -> None:
        record.fraction = fraction
        if message and message != record.message and not is_data(message):
            record.message = message
            record.log.append(f"{record.elapsed_s:6.1f} s  {message}")
        self.changed.emit(record.id)

    def _end(self, record: JobRecord, state: str, message: str) -> None:
        record.state = state
        record.ended = time.monotonic()
        record.message = message
        if state == DONE:
            record.fraction = 1.0
        record.log.append(f"{record.elapsed_s:6.1f} s  {state}: {message}")
        self.changed.emit(record.id)

    def _trim(self) -> None:
        finished = [r for r in sorted(self._records.values(), key=lambda r: r.id) if not r.running]
        for record in finished[: max(0, len(self._records) - self._keep)]:
            del self._records[record.id]
