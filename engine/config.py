"""Where Enclave keeps its data, and the user's settings (versioned JSON)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from engine.errors import EnclaveError

SETTINGS_VERSION = 1
DEVICES = ("auto", "cuda", "cpu")


def resolve_data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The data dir: `--data-dir`, else `ENCLAVE_DATA_DIR`, else the platform user data dir."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("ENCLAVE_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return default_data_dir()


def default_data_dir() -> Path:
    """The platform's user data folder for Enclave (e.g. ~/.local/share/enclave)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("enclave", appauthor=False))


def ensure_data_dir(path: Path) -> Path:
    """Create the data dir and prove it is writable, or raise a one-line EnclaveError."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise EnclaveError(f"data dir {path} is not writable: {exc.strerror or exc}") from None
    return path


@dataclass(frozen=True)
class Settings:
    """User preferences, persisted as settings.json in the data dir."""

    version: int = SETTINGS_VERSION
    device: str = "auto"  # auto | cuda | cpu
    intra_op_threads: int = 0  # 0 = physical cores
    default_embedder: str = ""  # model id; "" = the best embedded default
    default_generator: str = ""
    # Added within version 1: every field has a default, so older files still load.
    keep_history: bool = True  # record each run in the History page
    welcome_shown: bool = False  # the first-start welcome was dismissed for good


def _migrate_settings(raw: dict) -> dict:
    # Version 1 is the first; later versions add a step here, oldest first.
    raw.setdefault("version", SETTINGS_VERSION)
    return raw


def _fits(name: str, value: object) -> bool:
    """Whether `value` may fill field `name`: a known field, of its default's type.

    A hand-edited `"intra_op_threads": "four"` falls back to the default instead of
    failing later; bool is checked apart because Python treats True as an int.
    """
    default = _DEFAULTS.get(name, _UNKNOWN)
    if default is _UNKNOWN:
        return False
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    return isinstance(value, type(default))


_UNKNOWN = object()
_DEFAULTS = {f.name: f.default for f in fields(Settings)}


def load_settings(data_dir: Path) -> Settings:
    """The settings in `data_dir`, or the defaults; a missing or broken file never raises."""
    path = data_dir / "settings.json"
    if not path.exists():
        return Settings()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()  # a broken settings file must never stop the app
    raw = _migrate_settings(raw if isinstance(raw, dict) else {})
    settings = Settings(**{k: v for k, v in raw.items() if _fits(k, v)})
    if settings.device not in DEVICES:
        settings = replace(settings, device="auto")
    if settings.intra_op_threads < 0:
        settings = replace(settings, intra_op_threads=0)
    return settings


def save_settings(data_dir: Path, settings: Settings) -> None:
    """Write settings.json atomically (a reader sees the old file or the new one)."""
    path = data_dir / "settings.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(settings), indent=2), encoding="utf-8")
    os.replace(tmp, path)
