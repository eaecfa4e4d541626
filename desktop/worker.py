"""The one way the desktop runs engine work off the GUI thread.

`run_job(fn, *args, **kwargs)` calls `fn(*args, progress=..., cancelled=..., **kwargs)` on a
QThreadPool thread and returns a `Job` whose signals arrive on the GUI thread:

- `progress(fraction, message)` while it runs (fraction clamped to 0..1, rate-limited);
- then exactly one of `result(value)`, `error(message)` or `cancelled()`;
- then `finished()`, always, last.

Cancellation: `Job.cancel()` sets a thread-safe flag that the `cancelled` callable reads.
A job ends with the dedicated `cancelled()` signal (never `error`) when the function raises
`engine.errors.Cancelled`, or when cancel was requested and the function returned anyway:
the user asked to stop, so a late result is dropped rather than shown.

`error` carries one line for the user; the full traceback goes to the log.
Worker code never touches widgets: the thread only emits on a private relay object,
whose signals are queued to the Job living on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from engine.errors import Cancelled, EnclaveError

log = logging.getLogger(__name__)

# Progress calls closer together than this are dropped (unless the message changes):
# an engine loop may report per token, and a flood of queued signals would stall the GUI.
_PROGRESS_MIN_INTERVAL_S = 0.03

# A progress message that starts with this carries data for the page that started the job
# (e.g. a streamed draft), not status text: the Jobs list and the status bar skip it.
DATA_PREFIX = "\u0000"


def is_data(message: str) -> bool:
    return message.startswith(DATA_PREFIX)


# In-flight jobs, so Python never collects a Job (and its signals) before it finishes.
# Only touched on the GUI thread.
_ACTIVE: set[Job] = set()


class _Relay(QObject):
    """Emitted from the worker thread; every connection to it is queued."""

    progress = Signal(float, str)
    result = Signal(object)
    error = Signal(str)
    cancelled = Signal()
    done = Signal()


class _Runnable(QRunnable):
    """Runs the function on a pool thread and reports only through the relay.

    It holds the relay and two thread-safe events, never the Job: a Job <-> runnable
    reference cycle would leave the Job to Python's cyclic GC, which may run on any
    thread, and a QObject destroyed off the GUI thread crashes the process.
    """

    def __init__(self, relay: _Relay, cancel_flag: threading.Event, thread_done: threading.Event,
                 fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the Job owns us; Qt must not delete a Python object
        self._relay = relay
        self._cancel_flag = cancel_flag
        self._thread_done = thread_done
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._last_progress = (0.0, "")  # (monotonic time, message)

    def _progress(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        last_time, last_message = self._last_progress
        fraction = min(1.0, max(0.0, float(fraction)))
        if (
            message == last_message
            and fraction < 1.0
            and now - last_time < _PROGRESS_MIN_INTERVAL_S
        ):
            return
        self._last_progress = (now, message)
        self._relay.progress.emit(fraction, str(message))

    def run(self) -> None:
        relay = self._relay
        name = getattr(self._fn, "__qualname__", repr(self._fn))
        try:
            if self._cancel_flag.is_set():
                raise Cancelled("cancelled before it started")
            value = self._fn(
                *self._args,
                progress=self._progress,
                cancelled=self._cancel_flag.is_set,
                **self._kwargs,
            )
        except Cancelled:
            log.info("job %s cancelled", name)
            relay.cancelled.emit()
        except EnclaveError as exc:
            log.warning("job %s failed", name, exc_info=True)
            relay.error.emit(_one_line(exc))
        except Exception as exc:  # a worker must report, never die silently
            log.exception("job %s crashed", name)
            relay.error.emit(f"Unexpected error: {type(exc).__name__}: {_one_line(exc)}")
        else:
            if self._cancel_flag.is_set():
                log.info("job %s finished after cancel; result dropped", name)
                relay.cancelled.emit()
            else:
                relay.result.emit(value)
        finally:
            self._fn = self._args = self._kwargs = None  # drop the call's references here
            self._thread_done.set()
            relay.done.emit()


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class Job(QObject):
    """A background call of an engine function; signals are delivered on the GUI thread."""

    progress = Signal(float, str)
    result = Signal(object)
    error = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(
        self, fn: Callable[..., Any], args: tuple = (), kwargs: dict | None = None
    ) -> None:
        super().__init__()
        self._cancel_flag = threading.Event()
        self._thread_done = threading.Event()
        self._started = False
        self._finished = False
        self._relay = _Relay()
        queued = Qt.ConnectionType.QueuedConnection
        self._relay.progress.connect(self.progress, queued)
        self._relay.result.connect(self.result, queued)
        self._relay.error.connect(self.error, queued)
        self._relay.cancelled.connect(self.cancelled, queued)
        self._relay.done.connect(self._on_done, queued)
        self._runnable = _Runnable(self._relay, self._cancel_flag, self._thread_done, fn, args,
                                   dict(kwargs or {}))

    def start(self, pool: QThreadPool | None = None) -> None:
        """Queue the call on `pool` (default: the global pool). Call once, on the GUI thread."""
        if self._started:
            raise RuntimeError("a Job can only be started once")
        self._started = True
        _ACTIVE.add(self)
        (pool or QThreadPool.globalInstance()).start(self._runnable)

    def cancel(self) -> None:
        """Ask the function to stop; it sees `cancelled()` return True. Safe from any thread."""
        self._cancel_flag.set()

    def is_cancelled(self) -> bool:
        """Whether cancel was requested; this is the `cancelled` callable given to the function."""
        return self._cancel_flag.is_set()

    def is_running(self) -> bool:
        """Started and `finished` not yet delivered."""
        return self._started and not self._finished

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the worker thread is done (signals may still be queued). True if done."""
        return self._thread_done.wait(timeout_s)

    @Slot()
    def _on_done(self) -> None:
        self._finished = True
        _ACTIVE.discard(self)
        self.finished.emit()


def run_job(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Job:
    """Start `fn(*args, progress=..., cancelled=..., **kwargs)` in the background; return its Job.

    Connect to the Job's signals right after this call (on the GUI thread): nothing is
    delivered before control returns to the event loop, so no signal is missed.
    """
    job = Job(fn, args, kwargs)
    job.start()
    return job


def active_jobs() -> list[Job]:
    """Jobs started and not yet finished."""
    return list(_ACTIVE)


def cancel_all_jobs() -> None:
    """Ask every running job to stop (e.g. when the window closes)."""
    for job in list(_ACTIVE):
        job.cancel()


def wait_for_jobs(timeout_s: float = 10.0) -> bool:
    """Block until every started job's thread is done. True if all finished in time."""
    deadline = time.monotonic() + timeout_s
    return all(job.wait(max(0.0, deadline - time.monotonic())) for job in list(_ACTIVE))
