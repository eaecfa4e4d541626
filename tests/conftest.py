"""Session-wide guards and shared fixtures."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import netguard  # noqa: E402
from cli_runner import run_cli  # noqa: E402

# The data dir `make test` prepared models in, read before any test isolates the env.
USER_DATA_DIR = os.environ.get("ENCLAVE_DATA_DIR")


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


def _has_defaults(data_dir: Path) -> bool:
    from engine.models import embedder_export, generator_export
    from engine.models.embedder_export import FP32_ID, INT8_ID
    from engine.models.generator_export import GENERATOR_ID
    from engine.models.registry import ModelRegistry

    registry = ModelRegistry(data_dir)
    recipes = {FP32_ID: embedder_export.RECIPE_VERSION, INT8_ID: embedder_export.RECIPE_VERSION,
               GENERATOR_ID: generator_export.RECIPE_VERSION}
    try:
        entries = {i: registry.entry(i) for i in recipes}
    except Exception:
        return False
    # verified and built by this code's recipes (an older build would make setup rebuild)
    return all(e.verified and e.manifest.extra.get("recipe_version") == recipes[i]
               for i, e in entries.items())


@pytest.fixture(scope="session")
def prepared_dir(tmp_path_factory) -> Path:
    """A data dir whose models `enclave setup` prepared (read-only for tests).

    Reuses the one `make test` set up (ENCLAVE_PREPARED_DIR, else the default user data
    dir); otherwise runs setup once into a temporary dir.
    """
    from engine.config import default_data_dir

    candidates = [os.environ.get("ENCLAVE_PREPARED_DIR"), USER_DATA_DIR, str(default_data_dir())]
    for candidate in candidates:
        if candidate and _has_defaults(Path(candidate)):
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
