"""`enclave bench embed`: embedder throughput and agreement, ORT against torch, one run.

Every contender gets the same sentences, the same batch size and the same batching
policy (sorted by token length, padded to the batch's longest), the same thread count,
one warm-up batch, then timed passes interleaved across contenders (median reported).
Agreement is the row cosine to the transformers/torch fp32 embeddings.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from engine.errors import EnclaveError
from engine.models.embedder_export import FP32_ID, INT8_ID, agreement, package_model_dir
from engine.models.embedding import Embedder
from engine.models.registry import ModelEntry, ModelRegistry

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
PUBMEDQA = "research/pubmedqa_dev.json"


def bench_sentences(n: int, sentences_file: str | None = None) -> list[str]:
    """`n` sentences of 10-60 words: from a file, or split from PubMedQA abstracts."""
    if sentences_file:
        lines = Path(sentences_file).read_text(encoding="utf-8").splitlines()
        pool = [s.strip() for s in lines if s.strip()]
    else:
        root = Path(os.environ.get("ENCLAVE_SHARED_DATA", SHARED_DATA))
        path = root / PUBMEDQA
        if not path.is_file():
            raise EnclaveError(f"bench sentences not found at {path}: pass --sentences FILE")
        items = json.loads(path.read_text(encoding="utf-8"))
        pool = []
        for key in sorted(items):
            for text in items[key]["CONTEXTS"] + [items[key].get("LONG_ANSWER", "")]:
                pool.extend(re.split(r"(?<=[.!?])\s+(?=[A-Z])", text))
    chosen = [s for s in pool if 10 <= len(s.split()) <= 60]
    if len(chosen) < n:
        raise EnclaveError(f"only {len(chosen)} sentences of 10-60 words available, {n} asked")
    return chosen[:n]


class TorchEmbedder:
    """The baseline: transformers AutoModel fp32 + mean pooling, batched like Enclave's."""

    def __init__(self, folder: Path, max_length: int = 256):
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        self.model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
        self.max_length = max_length

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        torch = self.torch
        lengths = [len(ids) for ids in self.tokenizer(texts, truncation=True,
                                                      max_length=self.max_length)["input_ids"]]
        order = np.argsort(lengths, kind="stable")
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                     max_length=self.max_length, return_tensors="pt")
                hidden = self.model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).float()
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out[idx] = torch.nn.functional.normalize(pooled, dim=1).numpy()
        return out


def _naive_int8(fp32: ModelEntry, folder: Path) -> ModelEntry:
    """The reference point: quantize_dynamic with its defaults on the plain export."""
    import shutil

    from onnxruntime.quantization import quantize_dynamic

    for item in fp32.path.iterdir():
        if item.name != "model.onnx":
            shutil.copy2(item, folder / item.name)
    quantize_dynamic(str(fp32.path / "model.onnx"), str(folder / "model.onnx"))
    return ModelEntry("naive-int8", "embedding", folder, fp32.manifest, ())


def _timed(fn: Callable[[list[str]], np.ndarray], texts: list[str]) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    result = fn(texts)
    return time.perf_counter() - start, result


def run_embed_bench(data_dir: Path, sentences_file: str | None = None, n: int = 2000,
                    batch_size: int = 32, threads: int = 2, rounds: int = 3,
                    out_dir: Path = Path("benchmarks"),
                    progress: Callable[[float, str], None] | None = None) -> dict:
    progress = progress or (lambda f, m: None)
    registry = ModelRegistry(data_dir)
    missing = [m for m in (FP32_ID, INT8_ID) if m not in registry.ids()]
    if missing:
        raise EnclaveError(f"models {', '.join(missing)} not installed: run `enclave setup` first")
    sentences = bench_sentences(n, sentences_file)

    import torch

    torch.set_num_threads(threads)
    contenders: dict[str, Callable[[list[str]], np.ndarray]] = {}
    sizes = {}
    progress(0.05, "loading transformers/torch fp32 baseline")
    baseline = TorchEmbedder(package_model_dir())
    contenders["transformers/torch fp32"] = lambda t: baseline.embed(t, batch_size)
    sizes["transformers/torch fp32"] = (package_model_dir() / "model.safetensors").stat().st_size
    progress(0.08, "building the naive int8 baseline (quantize_dynamic defaults)")
    naive = _naive_int8(registry.load(FP32_ID), Path(tempfile.mkdtemp(prefix="enclave-bench-")))
    for entry, label in ((registry.load(FP32_ID), "Enclave ORT fp32"),
                         (naive, "naive ORT int8 (quantize_dynamic defaults)"),
                         (registry.load(INT8_ID), "Enclave ORT int8")):
        embedder = Embedder(entry, device="cpu", threads=threads)
        contenders[label] = lambda t, e=embedder: e.embed(t, batch_size)
        sizes[label] = (entry.path / "model.onnx").stat().st_size
    recipe = registry.load(INT8_ID).manifest.extra.get("recipe", {})

    for fn in contenders.values():  # warm-up: one batch each
        fn(sentences[:batch_size])
    times: dict[str, list[float]] = {label: [] for label in contenders}
    vectors: dict[str, np.ndarray] = {}
    for r in range(rounds):
        for i, (label, fn) in enumerate(contenders.items()):
            progress(0.1 + 0.85 * (r * len(contenders) + i) / (rounds * len(contenders)),
                     f"round {r + 1}/{rounds}: {label}")
            seconds, vectors[label] = _timed(fn, sentences)
            times[label].append(seconds)

    reference = vectors["transformers/torch fp32"]
    base_rate = n / statistics.median(times["transformers/torch fp32"])
    rows = []
    for label in contenders:
        rate = n / statistics.median(times[label])
        agree = agreement(reference, vectors[label])
        rows.append({"contender": label, "sentences_per_s": round(rate, 1),
                     "speedup_vs_torch": round(rate / base_rate, 2),
                     "mean_cosine": round(agree["mean_cosine"], 5),
                     "min_cosine": round(agree["min_cosine"], 5),
                     "model_mb": round(sizes[label] / 1e6, 1)})
    int8 = rows[-1]
    target = {"speedup_vs_torch": 2.5, "mean_cosine": 0.99, "min_cosine": 0.97}
    met = (int8["speedup_vs_torch"] >= target["speedup_vs_torch"]
           and int8["mean_cosine"] >= target["mean_cosine"] and int8["min_cosine"] >= target["min_cosine"])
    table = _markdown(rows, n, batch_size, threads, rounds, recipe, target, met)
    result = {"bench": "embed", "n": n, "batch_size": batch_size, "threads": threads,
              "rounds": rounds, "rows": rows, "int8_recipe": recipe, "target": target,
              "target_met": met, "machine": f"{platform.machine()}, {os.cpu_count()} logical CPUs",
              "date": datetime.now(UTC).isoformat(timespec="seconds"), "table": table}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "embed.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    (out_dir / "embed.md").write_text(table + "\n", encoding="utf-8")
    progress(1.0, f"written {out_dir / 'embed.md'}")
    return result


def _markdown(rows, n, batch_size, threads, rounds, recipe, target, met) -> str:
    lines = [f"# bench embed — all-MiniLM-L6-v2, {n} sentences (10-60 words), batch {batch_size}, "
             f"{threads} threads, median of {rounds} interleaved passes",
             "",
             "| contender | sentences/s | × torch | mean cos vs torch | min cos vs torch | model MB |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['contender']} | {r['sentences_per_s']} | {r['speedup_vs_torch']} | "
                     f"{r['mean_cosine']:.5f} | {r['min_cosine']:.5f} | {r['model_mb']} |")
    lines += ["", "All contenders sort sentences by token length and pad each batch to its longest.",
              f"int8 recipe: {json.dumps(recipe)}",
              f"Target: int8 ≥ {target['speedup_vs_torch']}× torch, mean cos ≥ {target['mean_cosine']}, "
              f"min cos ≥ {target['min_cosine']} — {'MET' if met else 'NOT MET'}."]
    return "\n".join(lines)
