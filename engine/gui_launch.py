"""Open the desktop window from the `enclave` command without importing Qt in the engine."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from engine.errors import EnclaveError


def open_window(data_dir: Path, device: str | None, data_dir_explicit: bool = True) -> int:
    if (sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("QT_QPA_PLATFORM")):
        raise EnclaveError("no display to open the window on: run `enclave tour` for the "
                           "headless tour (or set QT_QPA_PLATFORM=offscreen)")
    # Imported by name so that engine/ holds no import of the desktop package.
    app = importlib.import_module("desktop.app")
    return app.run_app(data_dir, device, data_dir_explicit=data_dir_explicit)
