"""`enclave bench generate`: generator speed, memory and answer agreement against torch.

Speed: the same chat prompt, greedy, exactly `max_new_tokens` new tokens (EOS ignored),
for each thread count; every measurement is a fresh process (load + one generation, no
warm-up), contenders interleaved, the median of `repeats` processes reported. The
contenders are every installed generation model ("each shipped quantisation") and the
baseline, transformers/torch fp32 with eager attention on the same weights (the GGUF
dequantised to a transformers checkpoint, cached under `<data dir>/cache/bench`).

Both sides use the same definitions, Enclave's `GenerationStats`: the clock starts after
the prompt is tokenised; time to first token is prefill plus the first greedy pick;
decode tokens/s is (new tokens - 1) / (total - time to first token). Peak RSS is the
worker process's `ru_maxrss` at the end (Python, imports, model, one generation).

Quality: a fixed set of instruction prompts (resources/text/generation_prompts.json),
greedy, up to `answer_tokens` tokens, stopping at EOS, one process per contender.
Agreement with torch fp32 is the length of the common token prefix of the first 16
tokens divided by the number compared (both answers re-encoded by the model's
tokenizer): 1.0 when the first 16 tokens are identical, 0.5 when greedy decoding
diverges at token 9. "Right" counts answers containing any of a prompt's `expect`
substrings (lower-cased).

The worker half runs as `python -m engine.bench.generate --contender ...`; torch,
transformers and onnxruntime are imported inside the worker functions only.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine.errors import EnclaveError
from engine.models.registry import ModelRegistry, sha256_file
from engine.resources import resource_path

# 43 tokens with SmolLM2's chat template, the prompt length of the issue's anchors.
BENCH_PROMPT = "Explain in a few sentences why Paris became the capital of France."
TORCH = "torch"  # the baseline's contender key; every other key is a model id
TORCH_LABEL = "transformers/torch fp32 (eager)"
AGREEMENT_TOKENS = 16
TARGET = {"speedup_vs_torch": 10.0, "speedup_floor": 5.0, "ttft_ms": 60.0, "peak_rss_mb": 300.0}
CHECKPOINT = "smollm2-checkpoint"
REPO_ROOT = Path(__file__).resolve().parents[2]

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Contender:
    key: str  # TORCH or an installed model id
    label: str
    quantization: str


# -- inputs -----------------------------------------------------------------------------

def load_prompts(n: int | None = None) -> list[dict]:
    """The fixed instruction prompts ({"prompt", "expect"}), the first `n` when given."""
    items = json.loads(resource_path("text", "generation_prompts.json").read_text(encoding="utf-8"))
    if n is not None:
        if n < 1:
            raise EnclaveError("--prompts must be at least 1")
        items = items[:n]
    return [{"prompt": item["prompt"], "expect": [e.lower() for e in item.get("expect", [])]}
            for item in items]


def generation_contenders(data_dir: Path, source_sha256: str) -> list[Contender]:
    """The torch baseline, then every installed generation model built from the GGUF whose
    sha256 is `source_sha256` (verified): the baseline must be the same model."""
    registry = ModelRegistry(data_dir)
    entries = [e for e in registry.list(verify=False) if e.task == "generation" and e.manifest]
    if not entries:
        raise EnclaveError("no generation model installed: run `enclave setup` first")
    ids = [e.id for e in entries if e.manifest.extra.get("source_sha256") == source_sha256]
    if not ids:
        raise EnclaveError(f"no installed generation model ({', '.join(e.id for e in entries)}) is "
                           "built from the SmolLM2 GGUF the torch baseline uses: run `enclave setup`")
    contenders = [Contender(TORCH, TORCH_LABEL, "fp32")]
    for model_id in ids:
        quant = registry.load(model_id).manifest.quantization or "fp32"
        contenders.append(Contender(model_id, f"Enclave ORT {quant} ({model_id})", quant))
    return contenders


def parse_threads(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise EnclaveError(f"--threads-list must be comma-separated integers, not {text!r}") from None
    if not values or min(values) < 1:
        raise EnclaveError("--threads-list needs at least one thread count ≥ 1")
    return values


def torch_checkpoint(cache_dir: Path, gguf: Path, source_sha256: str, progress: Progress) -> Path:
    """The SmolLM2 GGUF as a transformers checkpoint, built once per GGUF and cached.

    Built in a temporary sibling and moved into place, so an interrupted run leaves no
    half-written checkpoint behind; a marker names the GGUF it came from.
    """
    import shutil
    import tempfile

    from engine.models.generator_export import gguf_to_checkpoint

    source = {"gguf": gguf.name, "sha256": source_sha256}
    folder = cache_dir / CHECKPOINT
    marker = folder / "enclave-source.json"
    try:
        if json.loads(marker.read_text(encoding="utf-8")) == source:
            return folder
    except (OSError, ValueError):
        pass
    progress(0.01, f"dequantising {gguf.name} into a transformers checkpoint (once, cached)")
    cache_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{CHECKPOINT}-", dir=cache_dir))
    os.chmod(work, 0o755)
    try:
        gguf_to_checkpoint(gguf, work)
        (work / marker.name).write_text(json.dumps(source), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


# -- worker: one fresh process per measurement --------------------------------------------

def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (10^6 bytes)."""
    if sys.platform == "win32":
        import psutil

        return psutil.Process().memory_info().peak_wset / 1e6
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6  # bytes vs KiB


class TorchGreedy:
    """The baseline: transformers AutoModelForCausalLM fp32, eager attention, KV cache,
    a plain greedy loop timed the way Enclave's GenerationStats are."""

    def __init__(self, folder: Path, threads: int):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(threads)
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        self.model = AutoModelForCausalLM.from_pretrained(
            str(folder), local_files_only=True, torch_dtype=torch.float32,
            attn_implementation="eager").eval()
        eos = self.model.generation_config.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [eos]) - {None}

    def generate(self, messages: list[dict], max_new_tokens: int, ignore_eos: bool) -> dict:
        torch = self.torch
        text = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        prompt = self.tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
        generated: list[int] = []
        started = time.perf_counter()
        ttft = 0.0
        with torch.inference_mode():
            step, past = prompt, None
            for i in range(max_new_tokens):
                out = self.model(input_ids=step, past_key_values=past, use_cache=True)
                past = out.past_key_values
                token = int(out.logits[0, -1].argmax())
                if i == 0:
                    ttft = time.perf_counter() - started
                if token in self.eos_ids and not ignore_eos:
                    break
                generated.append(token)
                step = torch.tensor([[token]])
        total = time.perf_counter() - started
        return _stats(self.tokenizer.decode(generated, skip_special_tokens=True), prompt.shape[1],
                      len(generated), ttft, total, "CPU (torch)")


def _stats(text: str, prompt_tokens: int, new_tokens: int, ttft: float, total: float,
           provider: str) -> dict:
    decode = total - ttft
    return {"text": text, "prompt_tokens": prompt_tokens, "new_tokens": new_tokens,
            "ttft_s": ttft, "total_s": total, "provider": provider,
            "decode_tokens_per_s": max(new_tokens - 1, 0) / decode if decode > 0 else 0.0}


class EnclaveGreedy:
    """Enclave's own path: Generator (ONNX Runtime) with greedy GenerationSettings."""

    def __init__(self, data_dir: Path, model_id: str, threads: int):
        from engine.models.generation import Generator

        self.generator = Generator.from_registry(data_dir, model_id, device="cpu", threads=threads)

    def generate(self, messages: list[dict], max_new_tokens: int, ignore_eos: bool) -> dict:
        from dataclasses import fields

        from engine.models.generation import GenerationSettings

        options = {"max_new_tokens": max_new_tokens, "temperature": 0.0}
        saved_eos = None
        if ignore_eos and "ignore_eos" in {f.name for f in fields(GenerationSettings)}:
            options["ignore_eos"] = True
        elif ignore_eos:  # a Generator without the option: hide its EOS ids for this call
            saved_eos, self.generator.eos_ids = self.generator.eos_ids, set()
        try:
            result = self.generator.generate(messages, GenerationSettings(**options))
        finally:
            if saved_eos is not None:
                self.generator.eos_ids = saved_eos
        s = result.stats
        return {"text": result.text, "prompt_tokens": s.prompt_tokens, "new_tokens": s.new_tokens,
                "ttft_s": s.ttft_s, "total_s": s.total_s, "provider": s.provider,
                "decode_tokens_per_s": s.decode_tokens_per_s}


def run_worker(contender: str, data_dir: Path, checkpoint: Path, threads: int,
               max_new_tokens: int, prompts: list[str] | None = None) -> dict:
    """One measurement (no prompts: the bench prompt, EOS ignored) or the quality answers
    (prompts: each answered greedily up to max_new_tokens, stopping at EOS)."""
    started = time.perf_counter()
    if contender == TORCH:
        model = TorchGreedy(checkpoint, threads)
    else:
        model = EnclaveGreedy(data_dir, contender, threads)
    load_s = time.perf_counter() - started
    if prompts is None:
        result = model.generate([{"role": "user", "content": BENCH_PROMPT}], max_new_tokens, True)
    else:
        result = {"answers": [model.generate([{"role": "user", "content": p}], max_new_tokens, False)["text"]
                              for p in prompts]}
    return {"contender": contender, "threads": threads, "load_s": load_s, **result,
            "peak_rss_mb": peak_rss_mb()}


def _worker_main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m engine.bench.generate")
    parser.add_argument("--contender", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--max-new-tokens", type=int, required=True)
    parser.add_argument("--quality", action="store_true", help="read a JSON list of prompts on stdin")
    args = parser.parse_args(argv)
    prompts = json.loads(sys.stdin.read()) if args.quality else None
    result = run_worker(args.contender, Path(args.data_dir), Path(args.checkpoint), args.threads,
                        args.max_new_tokens, prompts)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


# -- parent: fresh processes, interleaved, medians ------------------------------------------

def _spawn(contender: str, data_dir: Path, checkpoint: Path, threads: int, max_new_tokens: int,
           prompts: list[str] | None = None) -> dict:
    env = dict(os.environ, ENCLAVE_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "engine.bench.generate", "--contender", contender,
               "--data-dir", str(data_dir), "--checkpoint", str(checkpoint),
               "--threads", str(threads), "--max-new-tokens", str(max_new_tokens)]
    if prompts is not None:
        command.append("--quality")
    try:
        proc = subprocess.run(command, input=json.dumps(prompts) if prompts is not None else "",
                              capture_output=True, text=True, env=env, timeout=3600)
    except subprocess.TimeoutExpired:
        raise EnclaveError(f"bench worker for {contender} ({threads} threads) ran over an hour") from None
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise EnclaveError(f"bench worker for {contender} ({threads} threads) failed: {tail}")
    return json.loads(lines[-1])


def prefix_agreement(reference: list[int], answer: list[int], n: int = AGREEMENT_TOKENS) -> float:
    """Common prefix of the first `n` tokens over the number compared (1.0 if both empty)."""
    ref, ans = reference[:n], answer[:n]
    compared = max(len(ref), len(ans))
    if compared == 0:
        return 1.0
    same = 0
    for a, b in zip(ref, ans, strict=False):
        if a != b:
            break
        same += 1
    return same / compared


def _is_right(answer: str, expect: list[str]) -> bool:
    return any(e in answer.lower() for e in expect)


def _quality(contenders, answers: dict[str, list[str]], prompts: list[dict], tokenizer) -> list[dict]:
    reference = [tokenizer.encode(a, add_special_tokens=False).ids for a in answers[TORCH]]
    graded = [p for p in prompts if p["expect"]]
    rows = []
    for c in contenders:
        encoded = [tokenizer.encode(a, add_special_tokens=False).ids for a in answers[c.key]]
        agree = [prefix_agreement(r, e) for r, e in zip(reference, encoded, strict=True)]
        rows.append({"contender": c.label, "key": c.key, "prompts": len(prompts),
                     "agreement_first16": round(statistics.fmean(agree), 4),
                     "identical_answers": sum(a == b for a, b in zip(answers[TORCH], answers[c.key], strict=True)),
                     "right": sum(_is_right(a, p["expect"]) for a, p in zip(answers[c.key], prompts, strict=True)
                                  if p["expect"]),
                     "graded": len(graded),
                     "answers": answers[c.key]})
    return rows


def run_generate_bench(data_dir: Path, repeats: int = 5, threads_list: tuple[int, ...] = (1, 2),
                       max_new_tokens: int = 128, answer_tokens: int = 64, prompts: int | None = None,
                       quality: bool = True, cache_dir: Path | None = None,
                       out_dir: Path = Path("benchmarks"), progress: Progress | None = None) -> dict:
    """Run the benchmark, write generate.md / generate.json into `out_dir`, return the result."""
    progress = progress or (lambda f, m: None)
    if repeats < 1 or max_new_tokens < 2 or answer_tokens < 1:
        raise EnclaveError("--repeats ≥ 1, --max-new-tokens ≥ 2 and --answer-tokens ≥ 1 are needed")
    from engine.models.generator_export import package_gguf

    gguf = package_gguf()
    source_sha256 = sha256_file(gguf)
    contenders = generation_contenders(data_dir, source_sha256)
    prompt_set = load_prompts(prompts) if quality else []
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    checkpoint = torch_checkpoint(Path(cache_dir) if cache_dir else data_dir / "cache" / "bench",
                                  gguf, source_sha256, progress)

    runs: list[dict] = []
    total = repeats * len(threads_list) * len(contenders) + (len(contenders) if quality else 0)
    done = 0
    for rep in range(repeats):
        for threads in threads_list:
            for c in contenders:
                progress(0.05 + 0.9 * done / total,
                         f"run {rep + 1}/{repeats}, {_threads(threads)}: {c.label}")
                runs.append(_spawn(c.key, data_dir, checkpoint, threads, max_new_tokens))
                done += 1
    rows = _speed_rows(contenders, threads_list, runs)

    quality_rows: list[dict] = []
    if quality:
        texts = [p["prompt"] for p in prompt_set]
        answers = {}
        for c in contenders:
            progress(0.05 + 0.9 * done / total, f"answering {len(texts)} prompts: {c.label}")
            answers[c.key] = _spawn(c.key, data_dir, checkpoint, max(threads_list), answer_tokens,
                                    texts)["answers"]
            done += 1
        from engine.models.loaded import load_tokenizer

        tokenizer = load_tokenizer(ModelRegistry(data_dir).folder(contenders[1].key))
        quality_rows = _quality(contenders, answers, prompt_set, tokenizer)

    verdicts = _verdicts(rows)
    settings = {"repeats": repeats, "threads_list": list(threads_list), "max_new_tokens": max_new_tokens,
                "answer_tokens": answer_tokens, "prompt": BENCH_PROMPT,
                "prompt_tokens": rows[0]["prompt_tokens"]}
    machine = f"{platform.machine()}, {os.cpu_count()} logical CPUs, {platform.system()}"
    if load_before is not None:  # another busy process skews a bench (torch's pool the most)
        machine += f", load average {load_before:.2f} before the run, {os.getloadavg()[0]:.2f} after"
    table = _markdown(rows, quality_rows, settings, verdicts, machine)
    result = {"bench": "generate", **settings, "rows": rows, "quality": quality_rows,
              "target": TARGET, "target_met": verdicts, "machine": machine,
              "date": datetime.now(UTC).isoformat(timespec="seconds"), "runs": runs, "table": table}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "generate.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    (out_dir / "generate.md").write_text(table + "\n", encoding="utf-8")
    progress(1.0, f"written {out_dir / 'generate.md'}")
    return result


def _speed_rows(contenders, threads_list, runs) -> list[dict]:
    rows = []
    for threads in threads_list:
        base = None
        for c in contenders:
            mine = [r for r in runs if r["contender"] == c.key and r["threads"] == threads]
            rate = statistics.median(r["decode_tokens_per_s"] for r in mine)
            base = base or rate  # the torch row comes first
            rows.append({"contender": c.label, "key": c.key, "quantization": c.quantization,
                         "threads": threads, "runs": len(mine),
                         "decode_tokens_per_s": round(rate, 2),
                         "speedup_vs_torch": round(rate / base, 2) if base else 0.0,
                         "ttft_ms": round(1000 * statistics.median(r["ttft_s"] for r in mine), 1),
                         "peak_rss_mb": round(statistics.median(r["peak_rss_mb"] for r in mine), 1),
                         "load_s": round(statistics.median(r["load_s"] for r in mine), 2),
                         "new_tokens": min(r["new_tokens"] for r in mine),
                         "prompt_tokens": mine[0]["prompt_tokens"],
                         "provider": mine[0]["provider"]})
    return rows


def _verdicts(rows: list[dict]) -> dict:
    """Each target judged on the worst Enclave row (every quantisation, every thread count)."""
    ours = [r for r in rows if r["key"] != TORCH]
    speedup = min(r["speedup_vs_torch"] for r in ours)
    ttft = max(r["ttft_ms"] for r in ours)
    rss = max(r["peak_rss_mb"] for r in ours)
    return {"speedup_vs_torch": {"worst": speedup, "met": speedup >= TARGET["speedup_vs_torch"],
                                 "floor_met": speedup >= TARGET["speedup_floor"]},
            "ttft_ms": {"worst": ttft, "met": ttft <= TARGET["ttft_ms"]},
            "peak_rss_mb": {"worst": rss, "met": rss <= TARGET["peak_rss_mb"]}}


def _threads(n: int) -> str:
    return f"{n} thread" + ("s" if n != 1 else "")


def _markdown(rows, quality_rows, settings, verdicts, machine) -> str:
    lines = [f"# bench generate — SmolLM2-135M-Instruct, one chat prompt ({settings['prompt_tokens']} "
             f"prompt tokens), greedy, exactly {settings['max_new_tokens']} new tokens, median of "
             f"{settings['repeats']} fresh processes per cell, contenders interleaved",
             "", f"Machine: {machine}. Prompt: “{settings['prompt']}”", "",
             "| contender | threads | decode tokens/s | × torch | first token ms | peak RSS MB | load s | new tokens |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['contender']} | {r['threads']} | {r['decode_tokens_per_s']} | "
                     f"{r['speedup_vs_torch']} | {r['ttft_ms']} | {r['peak_rss_mb']} | {r['load_s']} | "
                     f"{r['new_tokens']} |")
    lines += ["", "Each cell is a fresh process: load, then one generation with no warm-up. First "
              "token = prefill + first greedy pick, from after tokenisation; decode tokens/s = (new "
              "tokens − 1) / (total − first token); load s includes imports; peak RSS is the "
              "worker's ru_maxrss. The torch baseline is the same weights (GGUF dequantised to "
              "fp32) with eager attention and a KV-cache greedy loop. Run on an idle machine: "
              "with fewer free cores than threads, torch's OpenMP pool slows down far more than "
              "ONNX Runtime's."]
    if quality_rows:
        q0 = quality_rows[0]
        lines += ["", f"## Answers — {q0['prompts']} instruction prompts, greedy, up to "
                  f"{settings['answer_tokens']} tokens, {_threads(max(settings['threads_list']))}",
                  "",
                  "| contender | agreement with torch fp32 (first 16 tokens) | identical answers | right answers |",
                  "|---|---:|---:|---:|"]
        for q in quality_rows:
            lines.append(f"| {q['contender']} | {q['agreement_first16']:.3f} | "
                         f"{q['identical_answers']}/{q['prompts']} | {q['right']}/{q['graded']} |")
        lines += ["", "Agreement: tokens before the first divergence from torch's answer, among the "
                  "first 16, over the number compared (answers re-encoded by the model's tokenizer). "
                  "Right: the answer contains one of the prompt's expected substrings "
                  "(resources/text/generation_prompts.json)."]
    v = verdicts
    speed = v["speedup_vs_torch"]
    speed_word = "MET" if speed["met"] else ("floor met" if speed["floor_met"] else "NOT MET")
    lines += ["", f"Targets (worst Enclave row): decode ≥ {TARGET['speedup_vs_torch']:g}× torch "
              f"(floor {TARGET['speedup_floor']:g}×): {speed['worst']}× — {speed_word}; "
              f"first token ≤ {TARGET['ttft_ms']:g} ms: {v['ttft_ms']['worst']} ms — "
              f"{'MET' if v['ttft_ms']['met'] else 'NOT MET'}; peak RSS ≤ {TARGET['peak_rss_mb']:g} MB: "
              f"{v['peak_rss_mb']['worst']} MB — {'MET' if v['peak_rss_mb']['met'] else 'NOT MET'}."]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
