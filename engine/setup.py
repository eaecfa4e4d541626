"""`enclave setup`: prepare the embedded default models offline, idempotently.

A file lock serialises concurrent setups (a second `enclave setup` waits for the first,
then finds everything up to date); every model is built in a staging folder and moved
into place by rename, so a crash or cancel never leaves a half-written model.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from engine.config import ensure_data_dir
from engine.store import open_store


@contextmanager
def exclusive_lock(path: Path, on_wait: Callable[[], None] | None = None):
    """An inter-process lock on `path` (fcntl on POSIX, msvcrt on Windows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
    try:
        if os.name == "nt":  # pragma: no cover - exercised on Windows installers
            import msvcrt

            while True:
                try:
                    msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
                    break
                except OSError:
                    if on_wait:
                        on_wait()
                        on_wait = None
                    time.sleep(0.5)
        else:
            import fcntl

            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait:
                    on_wait()
                fcntl.flock(fh, fcntl.LOCK_EX)
        yield
    finally:
        fh.close()  # closing releases the lock


def _scaled(progress: Callable[[float, str], None], start: float, end: float):
    """Map a step's own 0..1 progress onto [start, end] of the whole setup."""
    return lambda fraction, message: progress(start + (end - start) * fraction, message)


def run_setup(data_dir: Path, progress: Callable[[float, str], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> dict:
    """Prepare every embedded default; returns what was done per component."""
    from engine.models.embedder_export import prepare_default_embedders
    from engine.models.generator_export import prepare_default_generator
    from engine.workspaces.medical.classifier import prepare_triage_head

    progress = progress or (lambda f, m: None)
    data_dir = ensure_data_dir(Path(data_dir))
    started = time.perf_counter()
    waiting = lambda: progress(0.0, "another setup is running; waiting")  # noqa: E731
    with exclusive_lock(data_dir / ".setup.lock", on_wait=waiting), open_store(data_dir) as store:
        embedder = prepare_default_embedders(data_dir, _scaled(progress, 0.0, 0.3), cancelled)
        generator = prepare_default_generator(data_dir, _scaled(progress, 0.3, 0.95), cancelled)
        triage = prepare_triage_head(data_dir, _scaled(progress, 0.95, 1.0), cancelled)
        store.audit("setup", {"embedder": embedder, "generator": generator,
                              "triage": {k: v for k, v in triage.items() if k != "held_out"}})
    return {"data_dir": str(data_dir), "embedder": embedder, "generator": generator, "triage": triage,
            "seconds": round(time.perf_counter() - started, 2)}
