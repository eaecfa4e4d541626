"""GPU check, run on a machine with an NVIDIA GPU and onnxruntime-gpu:

    python benchmarks/cuda_check.py OUT_DIR --inputs DIR [--threads N]

DIR holds tiny/<arch>/ checkpoint folders (tests/tiny_lm.py), smollm2/ (SmolLM2-135M's
config and tokenizer files; the weights are drawn at random here, same shapes and cost)
and optionally embedder/ (a registered embedder folder).

What it proves, with the engine's own code (build_generator, Generator, Embedder, the CLI):
- sessions asked for CUDA really run on CUDAExecutionProvider (session.get_providers());
- which graph nodes ONNX Runtime leaves on the CPU, per recipe (fp32, int4, fp16), read
  from its profiler;
- greedy tokens and logits on CUDA against the CPU for the same graph (tiny Llama, Qwen2,
  Phi-3 and Gemma; teacher-forced so one flip does not cascade);
- decode speed and time to first token of a SmolLM2-135M-shaped model, CPU against GPU;
- `enclave generate` on the GPU records CUDAExecutionProvider in the history.
Writes OUT_DIR/cuda.json and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.models.generation import GenerationSettings, Generator  # noqa: E402
from engine.models.generator_export import build_generator, quantize_int4  # noqa: E402
from engine.models.registry import Manifest, ModelRegistry, describe_files, now_iso  # noqa: E402
from engine.runtime.sessions import CPU, CUDA, self_test_feeds  # noqa: E402

RESULTS: dict = {}
GPU = os.environ.get("CUDA_CHECK_DEVICE", "cuda")  # "cpu" for a dry run on a machine without one
PROMPT = "The patient reported chest pain"


def section(name):
    def wrap(fn):
        def run(*args, **kwargs):
            started = time.perf_counter()
            try:
                RESULTS[name] = fn(*args, **kwargs)
            except Exception as exc:  # one failing section must not hide the others
                RESULTS[name] = {"error": f"{type(exc).__name__}: {exc}",
                                 "trace": traceback.format_exc()[-2000:]}
            RESULTS.setdefault("seconds", {})[name] = round(time.perf_counter() - started, 1)
            print(f"== {name} ({RESULTS['seconds'][name]} s)\n"
                  f"{json.dumps(RESULTS[name], indent=1, default=str)[:3000]}", flush=True)
        return run
    return wrap


def placement(model_path: Path) -> dict:
    """Node count per execution provider in one profiled CUDA run (ORT's own profiler)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.enable_profiling = True
    opts.profile_file_prefix = str(Path(tempfile.mkdtemp()) / "prof")
    opts.log_severity_level = 3
    session = ort.InferenceSession(str(model_path), opts, providers=[CUDA, CPU])
    session.run(None, self_test_feeds(session))
    profile = json.loads(Path(session.end_profiling()).read_text())
    counts: dict = {}
    on_cpu: dict = {}
    for event in profile:
        args = event.get("args", {})
        if event.get("cat") == "Node" and event.get("name", "").endswith("_kernel_time"):
            provider = args.get("provider", "?")
            counts[provider] = counts.get(provider, 0) + 1
            if provider == CPU:
                on_cpu[args.get("op_name", "?")] = on_cpu.get(args.get("op_name", "?"), 0) + 1
    return {"nodes_by_provider": counts, "cpu_ops": on_cpu}


def gpu_memory_mb() -> int | None:
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=20).stdout
        return int(out.split()[0])
    except Exception:
        return None


@section("environment")
def environment():
    import onnxruntime as ort

    smi = shutil.which("nvidia-smi") and subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                          "--format=csv,noheader"], capture_output=True, text=True).stdout.strip()
    return {"onnxruntime": ort.__version__, "available": ort.get_available_providers(),
            "gpu": smi, "python": sys.version.split()[0], "cpu_count": os.cpu_count()}


def fp16_int4(data: Path, source_id: str, new_id: str) -> None:
    """An int4 (MatMulNBits) copy of a registered fp16 generator: fp16 activations."""
    registry = ModelRegistry(data)
    entry = registry.load(source_id)
    staging = registry.staging_dir(new_id)
    quantize_int4(entry.path / "model.onnx", staging / "model.onnx")
    for item in entry.path.iterdir():
        if item.is_file() and not item.name.startswith("model.onnx") and item.name != "manifest.json":
            shutil.copy2(item, staging / item.name)
    files = sorted(p.name for p in staging.iterdir() if p.is_file())
    manifest = Manifest(id=new_id, task="generation", architecture=entry.manifest.architecture,
                        source=entry.manifest.source, files=tuple(describe_files(staging, files)),
                        quantization="int4-fp16", created=now_iso(), extra=dict(entry.manifest.extra))
    registry.install(staging, manifest)


def build_variants(folder: Path, data: Path, prefix: str) -> list[str]:
    ids = []
    for quant in ("fp32", "int4", "fp16"):
        build_generator(folder, f"{prefix}-{quant}", data, quantization=quant)
        ids.append(f"{prefix}-{quant}")
    try:
        fp16_int4(data, f"{prefix}-fp16", f"{prefix}-int4-fp16")
        ids.append(f"{prefix}-int4-fp16")
    except Exception as exc:
        RESULTS.setdefault("notes", []).append(f"int4 of the fp16 graph failed: {exc}")
    return ids


@section("tiny_parity")
def tiny_parity(inputs: Path, work: Path):
    out = {}
    for arch_dir in sorted((inputs / "tiny").iterdir()):
        data = work / f"tiny-{arch_dir.name}"
        for model_id in build_variants(arch_dir, data, arch_dir.name):
            cpu = Generator.from_registry(data, model_id, device="cpu", threads=4)
            gpu = Generator.from_registry(data, model_id, device=GPU)
            ids = cpu.tokenizer.encode(PROMPT).ids
            s_cpu, s_gpu = cpu._step_function(len(ids) + 32), gpu._step_function(len(ids) + 32)
            current, position, worst, agree = ids, 0, 0.0, 0
            for _ in range(32):
                a, b = s_cpu(current, position), s_gpu(current, position)
                position += len(current)
                worst = max(worst, float(np.abs(a - b).max()))
                agree += int(a.argmax() == b.argmax())
                current = [int(a.argmax())]
            text_cpu = cpu.generate([{"role": "user", "content": PROMPT}],
                                    GenerationSettings(max_new_tokens=24, ignore_eos=True)).text
            result = gpu.generate([{"role": "user", "content": PROMPT}],
                                  GenerationSettings(max_new_tokens=24, ignore_eos=True))
            out[model_id] = {"gpu_provider": gpu.provider, "stats_provider": result.stats.provider,
                             "worst_logit_diff": round(worst, 6), "argmax_agree_of_32": agree,
                             "same_text_24": result.text == text_cpu,
                             "placement": placement(ModelRegistry(data).entry(model_id).path / "model.onnx")}
    return out


def random_smollm(inputs: Path, folder: Path, layers: int | None = None) -> None:
    from safetensors.numpy import save_file

    folder.mkdir(parents=True)
    for item in (inputs / "smollm2").iterdir():
        shutil.copy2(item, folder / item.name)
    config = json.loads((folder / "config.json").read_text())
    if layers:
        config["num_hidden_layers"] = layers
        (folder / "config.json").write_text(json.dumps(config))
    h, inter, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    kv = config["num_key_value_heads"] * config["head_dim"]
    rng = np.random.default_rng(0)

    def rand(*shape):
        return (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float16)

    w = {"model.embed_tokens.weight": rand(config["vocab_size"], h), "model.norm.weight": np.ones(h, np.float16)}
    for i in range(layers):
        p = f"model.layers.{i}."
        w.update({p + "input_layernorm.weight": np.ones(h, np.float16),
                  p + "post_attention_layernorm.weight": np.ones(h, np.float16),
                  p + "self_attn.q_proj.weight": rand(h, h), p + "self_attn.k_proj.weight": rand(kv, h),
                  p + "self_attn.v_proj.weight": rand(kv, h), p + "self_attn.o_proj.weight": rand(h, h),
                  p + "mlp.gate_proj.weight": rand(inter, h), p + "mlp.up_proj.weight": rand(inter, h),
                  p + "mlp.down_proj.weight": rand(h, inter)})
    save_file(w, str(folder / "model.safetensors"))


def timed(gen: Generator, prompt: str, new_tokens: int, repeats: int) -> dict:
    runs = []
    for _ in range(repeats + 1):  # the first run warms the session up (CUDA: kernels, allocator)
        result = gen.generate([{"role": "user", "content": prompt}],
                              GenerationSettings(max_new_tokens=new_tokens, ignore_eos=True))
        runs.append(result.stats)
    runs = runs[1:]
    return {"prompt_tokens": runs[0].prompt_tokens, "new_tokens": runs[0].new_tokens,
            "decode_tok_s": round(statistics.median(r.decode_tokens_per_s for r in runs), 1),
            "ttft_ms": round(statistics.median(r.ttft_s for r in runs) * 1000, 1),
            "provider": runs[0].provider}


@section("smollm2_speed")
def smollm2_speed(inputs: Path, work: Path, threads: int, quick: bool):
    folder = work / "smollm2-random"
    random_smollm(inputs, folder, layers=2 if quick else None)
    tokens, repeats = (8, 1) if quick else (128, 3)
    data = work / "smollm2-data"
    t0 = time.perf_counter()
    ids = build_variants(folder, data, "smollm2-random")
    out = {"build_s": round(time.perf_counter() - t0, 1)}
    short = "What is the capital of France? Answer in one sentence."
    long_prompt = " ".join(["Summarise the findings of the trial on blood pressure and diet."] * 80)
    for model_id in ids:
        row = {}
        for device in ("cpu", GPU):
            before = gpu_memory_mb()
            gen = Generator.from_registry(data, model_id, device=device,
                                          threads=threads if device == "cpu" else None)
            row[device] = {"short": timed(gen, short, tokens, repeats),
                           "long": timed(gen, long_prompt, tokens, max(1, repeats - 1))}
            if device == GPU:
                row["gpu"] = row.pop(device)
                row["gpu"]["gpu_memory_mb"] = (gpu_memory_mb() or 0) - (before or 0)
            del gen
        row["placement"] = placement(ModelRegistry(data).entry(model_id).path / "model.onnx")
        out[model_id] = row
    return out


@section("cli_history")
def cli_history(work: Path):
    """The CLI on the GPU: the answer's provider is recorded with the run."""
    data = work / "smollm2-data"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                                         os.environ.get("PYTHONPATH", "")])}
    cli = [sys.executable, "-m", "engine.cli"]
    results = {}
    for model_id in ("smollm2-random-fp16", "smollm2-random-int4"):
        gen = subprocess.run(cli + ["generate", "Hello there", "--max-new-tokens", "8", "--model", model_id,
                                    "--json", "--data-dir", str(data)],
                             capture_output=True, text=True, env=env, timeout=300)
        results[model_id] = {"rc": gen.returncode, "stdout": gen.stdout[-600:], "stderr": gen.stderr[-600:]}
    import sqlite3

    with sqlite3.connect(data / "enclave.db") as db:
        results["history"] = db.execute("select id, workspace, model_id, provider from runs "
                                        "order by id").fetchall()
    return results


@section("embedder")
def embedder(inputs: Path, work: Path):
    from engine.models.embedding import Embedder

    folder = inputs / "embedder"
    if not folder.is_dir():
        return {"skipped": "no embedder folder carried"}
    data = work / "emb-data"
    target = data / "models" / folder.name
    shutil.copytree(folder, target)
    entry = ModelRegistry(data).entry(folder.name)
    texts = ["chest pain radiating to the left arm", "quarterly revenue by region",
             "photosynthesis converts light to chemical energy", "a fever and a stiff neck"] * 8
    cpu, gpu = Embedder(entry, device="cpu"), Embedder(entry, device=GPU)
    a, b = cpu.embed(texts), gpu.embed(texts)
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return {"gpu_provider": gpu.provider, "min_cosine_cpu_vs_gpu": round(float(cos.min()), 6),
            "placement": placement(entry.path / entry.manifest.extra.get("onnx", "model.onnx"))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--quick", action="store_true", help="2-layer model, 8 tokens: a dry run")
    args = parser.parse_args()
    out, inputs = Path(args.out), Path(args.inputs)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cuda-check-"))
    environment()
    tiny_parity(inputs, work)
    embedder(inputs, work)
    if not args.skip_speed:
        smollm2_speed(inputs, work, args.threads, args.quick)
        cli_history(work)
    (out / "cuda.json").write_text(json.dumps(RESULTS, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
