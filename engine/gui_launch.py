"""Open the desktop window from the `enclave` command without importing Qt in the engine."""

from __future__ import annotations

import importlib
from pathlib import Path


def open_window(data_dir: Path, device: str | None) -> int:
    # Imported by name so that engine/ holds no import of the desktop package.
    app = importlib.import_module("desktop.app")
    return app.run_app(data_dir, device or "auto")
