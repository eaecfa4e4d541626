"""Model folders and their manifests. The one registry that owns models.

A model is a folder `<data_dir>/models/<id>/` holding `manifest.json` and the files it
lists, each with its sha256. Model files are data, not code: only ONNX, tokenizer/config
JSON, safetensors and GGUF are accepted, and a folder is verified before it is loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from engine.errors import ModelInvalid

MANIFEST = "manifest.json"
DEFAULTS = "defaults.json"
ALLOWED_SUFFIXES = (".onnx", ".onnx_data", ".data", ".json", ".txt", ".model", ".safetensors",
                    ".gguf", ".jinja")
TASKS = ("embedding", "generation", "classification")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class Manifest:
    id: str
    task: str
    architecture: str
    source: str
    files: tuple[dict, ...]  # {"path", "sha256", "bytes"}
    quantization: str | None
    created: str
    extra: dict = field(default_factory=dict)  # task-specific: dim, pooling, quality...

    @classmethod
    def from_dict(cls, raw: dict, where: str) -> Manifest:
        if not isinstance(raw, dict):
            raise ModelInvalid(f"{where}: manifest is not a JSON object")
        missing = [k for k in ("id", "task", "architecture", "files") if k not in raw]
        if missing:
            raise ModelInvalid(f"{where}: manifest lacks {', '.join(missing)}")
        files = raw["files"]
        if not isinstance(files, list) or not all(
            isinstance(f, dict) and "path" in f and "sha256" in f for f in files
        ):
            raise ModelInvalid(f"{where}: manifest 'files' must list {{path, sha256}} entries")
        known = {"id", "task", "architecture", "source", "files", "quantization", "created"}
        return cls(
            id=str(raw["id"]), task=str(raw["task"]), architecture=str(raw["architecture"]),
            source=str(raw.get("source", "")), files=tuple(files),
            quantization=raw.get("quantization"), created=str(raw.get("created", "")),
            extra={k: v for k, v in raw.items() if k not in known},
        )

    def to_dict(self) -> dict:
        return {"id": self.id, "task": self.task, "architecture": self.architecture,
                "source": self.source, "files": list(self.files),
                "quantization": self.quantization, "created": self.created, **self.extra}


def read_manifest(folder: Path) -> Manifest:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise ModelInvalid(f"{folder}: no {MANIFEST} (not an Enclave model folder)")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelInvalid(f"{path}: manifest is not valid JSON ({exc})") from None
    return Manifest.from_dict(raw, str(path))


def verify_folder(folder: Path, manifest: Manifest | None = None,
                  check_id: bool = True) -> list[str]:
    """Problems with a model folder; an empty list means every file is present and intact."""
    folder = Path(folder)
    try:
        manifest = manifest or read_manifest(folder)
    except ModelInvalid as exc:
        return [str(exc)]
    problems = []
    if check_id and manifest.id != folder.name:
        problems.append(f"manifest id {manifest.id!r} does not match folder {folder.name!r}")
    for entry in manifest.files:
        rel = entry["path"]
        target = (folder / rel).resolve()
        if folder.resolve() not in target.parents:
            problems.append(f"{rel}: path escapes the model folder")
            continue
        if not target.name.endswith(ALLOWED_SUFFIXES):
            problems.append(f"{rel}: file type not allowed (model files are data, not code)")
            continue
        if not target.is_file():
            problems.append(f"{rel}: missing")
            continue
        if sha256_file(target) != entry["sha256"]:
            problems.append(f"{rel}: sha256 mismatch (file altered or corrupt)")
    return problems


def describe_files(folder: Path, names: list[str]) -> list[dict]:
    return [{"path": n, "sha256": sha256_file(folder / n), "bytes": (folder / n).stat().st_size}
            for n in names]


@dataclass(frozen=True)
class ModelEntry:
    id: str
    task: str
    path: Path
    manifest: Manifest | None
    problems: tuple[str, ...]

    @property
    def verified(self) -> bool:
        return not self.problems


class ModelRegistry:
    """Lists, verifies, installs and picks defaults among the models in a data dir."""

    def __init__(self, data_dir: Path):
        self.root = Path(data_dir) / "models"

    def folder(self, model_id: str) -> Path:
        return self.root / model_id

    def ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and not p.name.startswith("."))

    def entry(self, model_id: str, verify: bool = True) -> ModelEntry:
        folder = self.folder(model_id)
        if not folder.is_dir():
            raise ModelInvalid(f"no model {model_id!r} (installed: {', '.join(self.ids()) or 'none'})")
        try:
            manifest = read_manifest(folder)
        except ModelInvalid as exc:
            return ModelEntry(model_id, "?", folder, None, (str(exc),))
        problems = tuple(verify_folder(folder, manifest)) if verify else ()
        return ModelEntry(model_id, manifest.task, folder, manifest, problems)

    def list(self, verify: bool = True) -> list[ModelEntry]:
        return [self.entry(i, verify) for i in self.ids()]

    def load_for_task(self, task: str, model_id: str | None = None) -> ModelEntry:
        """The named model, else the default for `task`; verified, or a clear error."""
        model_id = model_id or self.default_id(task)
        if not model_id:
            raise ModelInvalid(f"no {task} model installed: run `enclave setup`")
        return self.load(model_id)

    def is_current(self, model_id: str, source_sha256: str, recipe_version: int) -> bool:
        """Installed, intact, and built from this source by this recipe (else rebuild)."""
        try:
            entry = self.load(model_id)
        except ModelInvalid:
            return False
        extra = entry.manifest.extra
        return (extra.get("source_sha256") == source_sha256
                and extra.get("recipe_version") == recipe_version)

    def load(self, model_id: str) -> ModelEntry:
        """A verified model, or ModelInvalid naming what is wrong."""
        entry = self.entry(model_id, verify=True)
        if entry.problems:
            raise ModelInvalid(f"model {model_id} failed verification: {'; '.join(entry.problems)}")
        return entry

    def install(self, staging: Path, manifest: Manifest) -> Path:
        """Write the manifest into `staging` and move it into place atomically.

        `staging` must be inside the models root (same filesystem) so the final step is a
        rename: a reader sees the old folder or the new one, never half of either.
        """
        staging = Path(staging)
        tmp = staging / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest.to_dict(), indent=2), encoding="utf-8")
        os.replace(tmp, staging / MANIFEST)
        problems = verify_folder(staging, manifest, check_id=False)
        if problems:
            raise ModelInvalid(f"model {manifest.id} not installed: {'; '.join(problems)}")
        target = self.folder(manifest.id)
        if target.exists():
            trash = self.root / f".trash-{manifest.id}-{os.getpid()}"
            os.replace(target, trash)
            os.replace(staging, target)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(staging, target)
        return target

    def staging_dir(self, model_id: str) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f".staging-{model_id}-{os.getpid()}"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir()
        return path

    def remove(self, model_id: str) -> None:
        """Delete a model folder (renamed away first, so no reader sees half of it) and
        drop it from the task defaults."""
        target = self.folder(model_id)
        if model_id.startswith(".") or "/" in model_id or not target.is_dir():
            raise ModelInvalid(f"no installed model {model_id!r}")
        trash = self.root / f".trash-{model_id}-{os.getpid()}"
        os.replace(target, trash)
        shutil.rmtree(trash, ignore_errors=True)
        values = {k: v for k, v in self.defaults().items() if v != model_id}
        self._write_defaults(values)

    # -- defaults per task --------------------------------------------------------
    def defaults(self) -> dict[str, str]:
        path = self.root / DEFAULTS
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        except (OSError, ValueError):
            return {}

    def set_default(self, task: str, model_id: str) -> None:
        self._write_defaults(self.defaults() | {task: model_id})

    def _write_defaults(self, values: dict[str, str]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / (DEFAULTS + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(values, indent=2), encoding="utf-8")
        os.replace(tmp, self.root / DEFAULTS)

    def default_id(self, task: str) -> str | None:
        chosen = self.defaults().get(task)
        if chosen and self.folder(chosen).is_dir():
            return chosen
        for entry in self.list(verify=False):
            if entry.task == task and entry.manifest is not None:
                return entry.id
        return None


def open_session(entry: ModelEntry, device: str = "auto", threads: int | None = None):
    """The ONNX Runtime session for a verified model, with its manifest's session options."""
    from engine.runtime import create_session

    extra = entry.manifest.extra
    options = extra.get("session", {})
    return create_session(entry.path / extra.get("onnx", "model.onnx"), device=device,
                          threads=threads,
                          disabled_optimizers=tuple(options.get("disabled_optimizers", ())))


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
