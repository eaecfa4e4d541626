"""Session-wide guards and shared fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import netguard  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def no_network():
    """No test may open a network socket."""
    netguard.install()
    yield
    netguard.uninstall()


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path, monkeypatch):
    """Tests never touch the user's data dir."""
    monkeypatch.setenv("ENCLAVE_DATA_DIR", str(tmp_path / "data"))


def _has_embedders(data_dir: Path) -> bool:
    from engine.models.embedder_export import FP32_ID, INT8_ID
    from engine.models.registry import ModelRegistry

    registry = ModelRegistry(data_dir)
    try:
        return all(registry.entry(i).verified for i in (FP32_ID, INT8_ID))
    except Exception:
        return False


@pytest.fixture(scope="session")
def prepared_dir(tmp_path_factory) -> Path:
    """A data dir whose models `enclave setup` prepared (read-only for tests).

    Reuses the one `make test` set up (ENCLAVE_PREPARED_DIR, else the default user data
    dir); otherwise runs setup once into a temporary dir.
    """
    from engine.config import resolve_data_dir

    candidates = [os.environ.get("ENCLAVE_PREPARED_DIR")]
    saved = os.environ.pop("ENCLAVE_DATA_DIR", None)
    try:
        candidates.append(str(resolve_data_dir(None)))
    finally:
        if saved is not None:
            os.environ["ENCLAVE_DATA_DIR"] = saved
    for candidate in candidates:
        if candidate and _has_embedders(Path(candidate)):
            return Path(candidate)
    target = tmp_path_factory.mktemp("prepared")
    run_cli("setup", "--data-dir", str(target), check=True)
    return target


@pytest.fixture
def model_data_dir(tmp_path, prepared_dir) -> Path:
    """A fresh data dir (own store) that sees the prepared models."""
    data = tmp_path / "with-models"
    data.mkdir()
    (data / "models").symlink_to(prepared_dir / "models", target_is_directory=True)
    return data


def run_cli(*args: str, check: bool = False, env: dict | None = None, timeout: int = 900,
            input: str | None = None) -> subprocess.CompletedProcess:
    """Run `enclave ARGS` in a fresh process with the network guard installed."""
    code = ("import sys; sys.path.insert(0, %r); import netguard; netguard.install(); "
            "from engine.cli import main; sys.exit(main(sys.argv[1:]))" % str(ROOT / "tests"))
    full_env = dict(os.environ, **(env or {}))
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=ROOT, env=full_env, timeout=timeout, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"enclave {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc
