"""Run the `enclave` command in a fresh process, with the network guard installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUARDED_MAIN = (f"import sys; sys.path.insert(0, {str(ROOT / 'tests')!r}); import netguard; "
                "netguard.install(); from engine.cli import main; sys.exit(main(sys.argv[1:]))")


def run_cli(*args: str, check: bool = False, env: dict | None = None, timeout: int = 900,
            input: str | None = None) -> subprocess.CompletedProcess:
    """Run `enclave ARGS` in a fresh process with the network guard installed."""
    full_env = dict(os.environ, **(env or {}))
    proc = subprocess.run([sys.executable, "-c", GUARDED_MAIN, *args], capture_output=True, text=True,
                          cwd=ROOT, env=full_env, timeout=timeout, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"enclave {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc
