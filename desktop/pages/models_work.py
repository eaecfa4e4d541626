"""What the Models page runs and says, without a window.

The functions under "work for the pool threads" run on worker threads through `run_job` or
the JobCenter: plain code that imports the engine inside and never touches a widget. The
wording helpers are pure, so tests check them without a window. Nothing here imports Qt.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from engine.errors import EnclaveError

COLUMNS = ("Model", "Task", "Architecture", "Quantisation", "Size", "Last ran on", "Checksums",
           "Default")
TASK_NAMES = {"generation": "Text generation", "embedding": "Embedding",
              "classification": "Classification", "?": "Unreadable"}
QUANTIZATION_CHOICES = ("int4 — about 4× smaller and faster (recommended)",
                        "fp32 — full precision, 4× larger")

Progress = Callable[[float, str], None]
IsCancelled = Callable[[], bool]


@dataclass(frozen=True)
class ModelRow:
    """One installed model as the table shows it."""

    id: str
    task: str
    architecture: str = ""
    layout: str = ""
    quantization: str | None = None
    size_bytes: int = 0
    is_default: bool = False
    path: str = ""
    source: str = ""
    created: str = ""
    fingerprint: tuple = ()  # (file, size, mtime_ns) per file: unchanged files keep their check
    problems: tuple[str, ...] | None = None  # None: not checked yet; (): every file intact
    last_provider: str = ""  # the provider the newest run of this model really used
    last_run: str = ""  # when (ISO UTC)


# -- work for the pool threads (no widgets here) ------------------------------------------
def _fingerprint(folder: Path, names: list[str]) -> tuple:
    marks = []
    for name in ["manifest.json", *names]:
        try:
            stat = (folder / name).stat()
            marks.append((name, stat.st_size, stat.st_mtime_ns))
        except OSError:
            marks.append((name, None, None))
    return tuple(marks)


def list_models(data_dir: Path, *, progress: Progress, cancelled: IsCancelled) -> tuple[ModelRow, ...]:
    """Every installed model from its manifest (no checksums read), by task then name.

    "Default" is the model each task really uses: the chosen one, else the first installed.
    """
    from engine.models.registry import ModelRegistry
    from engine.store import open_store

    registry = ModelRegistry(data_dir)
    entries = registry.list(verify=False)
    with open_store(data_dir) as store:
        last_runs = store.last_runs_by_model()
    defaults = {task: registry.default_id(task) for task in {e.task for e in entries}}
    rows = []
    for entry in entries:
        manifest = entry.manifest
        if manifest is None:  # unreadable manifest: its problem is already known
            rows.append(ModelRow(entry.id, entry.task, path=str(entry.path), problems=entry.problems))
            continue
        rows.append(ModelRow(
            id=entry.id, task=manifest.task, architecture=manifest.architecture,
            layout=str(manifest.extra.get("layout") or ""), quantization=manifest.quantization,
            size_bytes=sum(int(f.get("bytes", 0)) for f in manifest.files),
            is_default=defaults.get(manifest.task) == entry.id, path=str(entry.path),
            source=manifest.source, created=manifest.created,
            fingerprint=_fingerprint(entry.path, [f["path"] for f in manifest.files]),
            last_provider=(last_runs[entry.id].provider or "") if entry.id in last_runs else "",
            last_run=last_runs[entry.id].created if entry.id in last_runs else ""))
    return tuple(sorted(rows, key=lambda r: (r.task != "generation", r.task, r.id)))


def check_models(data_dir: Path, model_ids: list[str], *, progress: Progress,
                 cancelled: IsCancelled) -> dict[str, tuple[tuple, tuple[str, ...]]]:
    """Read every file of each model against its manifest's sha256.

    Returns {id: (fingerprint taken before reading, problems)}; no problems means intact.
    """
    from engine.errors import Cancelled, ModelInvalid
    from engine.models.registry import ModelRegistry, verify_folder

    registry = ModelRegistry(data_dir)
    results = {}
    for done, model_id in enumerate(model_ids):
        if cancelled():
            raise Cancelled("checksum check cancelled")
        progress(done / max(1, len(model_ids)), f"checking {model_id}")
        try:
            entry = registry.entry(model_id, verify=False)
        except ModelInvalid as exc:  # removed meanwhile
            results[model_id] = ((), (str(exc),))
            continue
        if entry.manifest is None:
            results[model_id] = ((), entry.problems)
            continue
        mark = _fingerprint(entry.path, [f["path"] for f in entry.manifest.files])
        results[model_id] = (mark, tuple(verify_folder(entry.path, entry.manifest)))
    progress(1.0, "checked")
    return results


def import_model(kind: str, source: Path, model_id: str, data_dir: Path,
                 quantization: str | None, *, progress: Progress, cancelled: IsCancelled) -> str:
    """Register `source` as `model_id`: a checkpoint or GGUF is exported (and quantised),
    a ready ONNX folder is copied. Nothing is installed unless all of it succeeds."""
    from engine.models import generator_export

    if kind == "onnx":
        generator_export.import_onnx_folder(source, model_id, data_dir, progress=progress,
                                            cancelled=cancelled)
    else:
        generator_export.build_generator(source, model_id, data_dir,
                                         quantization=quantization or "int4",
                                         progress=progress, cancelled=cancelled)
    return model_id


def quantize_model(data_dir: Path, model_id: str, new_id: str, *, progress: Progress,
                   cancelled: IsCancelled) -> str:
    """An int4 copy of an fp32 generator, registered as `new_id`."""
    from engine.models.generator_export import quantize_registered

    quantize_registered(data_dir, model_id, new_id, progress)
    return new_id


def remove_model(data_dir: Path, model_id: str, *, progress: Progress,
                 cancelled: IsCancelled) -> str:
    from engine.models.registry import ModelRegistry

    ModelRegistry(data_dir).remove(model_id)
    return model_id


def set_default_model(data_dir: Path, task: str, model_id: str, *, progress: Progress,
                      cancelled: IsCancelled) -> str:
    from engine.models.registry import ModelRegistry

    ModelRegistry(data_dir).set_default(task, model_id)
    return model_id


def with_check(row: ModelRow, known: tuple[tuple, tuple[str, ...]] | None) -> ModelRow:
    """`row` with a remembered check (fingerprint, problems) if its files are unchanged
    since; otherwise as it is (still "checking…" when not checked yet)."""
    if row.problems is None and known is not None and known[0] == row.fingerprint:
        return replace(row, problems=known[1])
    return row


# -- wording and choices (pure, testable without a window) --------------------------------
def import_kind(source: Path) -> str:
    """'checkpoint', 'gguf' or 'onnx' for what `source` holds; EnclaveError (one line) if
    it is not something the page can import."""
    source = Path(source)
    if source.is_file():
        if source.suffix.lower() == ".gguf":
            return "gguf"
        raise EnclaveError(f"{source.name} is not a GGUF file (choose a .gguf file or a folder)")
    if not source.is_dir():
        raise EnclaveError(f"{source}: no such file or folder")
    if (source / "manifest.json").is_file():
        raise EnclaveError(f"{source.name} is already an Enclave model folder, not something to import")
    if (source / "model.onnx").is_file():
        return "onnx"
    if (source / "config.json").is_file():
        if any(source.glob("*.safetensors")):
            return "checkpoint"
        if any(source.glob("*.bin")) or any(source.glob("*.pt")):
            raise EnclaveError(f"{source.name} has only pickled weights (.bin/.pt), which are refused: "
                               "save the model as safetensors")
    if any(source.glob("*.gguf")):
        raise EnclaveError(f"{source.name} holds GGUF files: use Import › GGUF file… and pick one")
    raise EnclaveError(f"{source.name} is not a model folder (expected config.json with .safetensors "
                       "weights, or model.onnx with tokenizer.json)")


def suggest_model_id(source: Path, quantization: str | None = None) -> str:
    """A valid model id from a file or folder name: lowercase, [a-z0-9._-], quantisation last."""
    source = Path(source)
    name = source.stem if source.suffix.lower() == ".gguf" else source.name
    base = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-.")[:70] or "imported-model"
    if quantization and not base.endswith(quantization):
        base += f"-{quantization}"
    return base


def quantized_id(model_id: str) -> str:
    """The suggested name of a model's int4 copy: 'qwen-fp32' -> 'qwen-int4'."""
    base = model_id.removesuffix("-fp32")
    return base if base.endswith("int4") else f"{base}-int4"


def format_size(size: int) -> str:
    if size <= 0:
        return "—"
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return ""  # unreachable


def summary_text(rows: tuple[ModelRow, ...]) -> str:
    """'3 models · 318.3 MB · all verified' (or how many fail, or are being checked)."""
    if not rows:
        return ""
    text = f"{len(rows)} model{'s' if len(rows) != 1 else ''} · {format_size(sum(r.size_bytes for r in rows))}"
    failing = sum(1 for r in rows if r.problems)
    checking = sum(1 for r in rows if r.problems is None)
    if failing:
        return f"{text} · ✗ {failing} failing verification"
    return f"{text} · checking checksums…" if checking else f"{text} · ✓ all verified"


def checksum_text(row: ModelRow) -> tuple[str, str]:
    """(cell text, tooltip) for the checksum state."""
    if row.problems is None:
        return "checking…", "Reading the files and comparing them with their sha256 in the manifest"
    if not row.problems:
        return "✓ verified", "Every file matches the sha256 recorded when it was installed"
    return f"✗ {_first(row.problems[0])}", "\n".join(row.problems)


def row_cells(row: ModelRow) -> tuple[tuple[str, str], ...]:
    """(text, tooltip) of each cell of `row`, in COLUMNS order; "" is no tooltip."""
    from desktop.device_status import device_name  # Qt-importing module: only when drawing
    task = TASK_NAMES.get(row.task, row.task)
    return (
        (row.id, row.path),
        (task, ""),
        (row.architecture or "—", f"KV-cache layout: {row.layout}" if row.layout else ""),
        (row.quantization or "fp32", ""),
        (format_size(row.size_bytes), f"{row.size_bytes:,} bytes"),
        (device_name(row.last_provider) if row.last_provider else "not run yet",
         f"{row.last_provider}, {row.last_run[:16].replace('T', ' ')} UTC" if row.last_provider else
         "The device is chosen per session: CUDA when it passes a self-test, else CPU"),
        checksum_text(row),
        ("★ default" if row.is_default else "",
         f"Used for {task.lower()}" if row.is_default else ""),
    )


def details_text(row: ModelRow | None) -> str:
    """The line under the table: where the selected model lives and came from, and its
    problems."""
    if row is None:
        return "Select a model to see where it lives and where it came from."
    parts = [row.path]
    if row.source:
        parts.append(f"from {row.source}")
    if row.layout:
        parts.append(f"KV cache: {row.layout}")
    if row.created:
        parts.append(f"installed {row.created[:10]}")
    text = " · ".join(parts)
    if row.problems:
        text += "\nProblems: " + "; ".join(row.problems)
    return text


def _first(problem: str) -> str:
    """'model.onnx: sha256 mismatch (file altered or corrupt)' -> 'model.onnx altered'."""
    name = problem.split(":", 1)[0]
    if "sha256 mismatch" in problem:
        return f"{name} altered"
    if problem.endswith(": missing"):
        return f"{name} missing"
    return "failed"
