"""The `enclave` command. Every workspace is scriptable headless.

Human text by default, one JSON object with `--json`. Exit code 0 on success, 2 on bad
input with a one-line error on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from engine import __version__
from engine.errors import EnclaveError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse prints usage + 2 lines)
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _progress_printer(quiet: bool):
    def progress(fraction: float, message: str) -> None:
        if not quiet:
            print(f"[{fraction:5.0%}] {message}", file=sys.stderr, flush=True)
    return progress


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="data folder (default: ENCLAVE_DATA_DIR or the user data dir)")
    common.add_argument("--device", choices=("auto", "cuda", "cpu"), default=None,
                        help="auto: CUDA if it really runs, else CPU (default); cuda: fail if unusable")
    common.add_argument("--threads", type=int, default=None,
                        help="ONNX Runtime intra-op threads (default: physical cores)")
    common.add_argument("--json", action="store_true", help="print one JSON object")

    parser = _Parser(prog="enclave", description="Enclave: an offline AI workbench.",
                     parents=[common])
    parser.add_argument("--version", action="version", version=f"enclave {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    sub.add_parser("setup", parents=[common], help="prepare the embedded default models offline")
    sub.add_parser("doctor", parents=[common], help="versions, providers, models")
    p = sub.add_parser("tour", parents=[common], help="run every workspace once, headless")
    p.add_argument("--out", help="output folder (default: <data-dir>/tour)")

    models = sub.add_parser("models", parents=[common], help="installed models")
    msub = models.add_subparsers(dest="action", required=True, parser_class=_Parser)
    msub.add_parser("list", parents=[common])
    p = msub.add_parser("verify", parents=[common])
    p.add_argument("id", nargs="?", help="model id (default: all)")
    p = msub.add_parser("import", parents=[common],
                        help="a causal LM from a checkpoint folder (safetensors) or a .gguf file")
    p.add_argument("path")
    p.add_argument("--id", dest="model_id", help="model id (default: from the file or folder name)")
    p.add_argument("--quantize", choices=("int4", "fp32", "fp16"), default="int4",
                   help="int4: CPUs (default); fp16: GPUs; fp32: reference")
    p.add_argument("--default", action="store_true", help="make it the default generator")
    p = msub.add_parser("export", parents=[common],
                        help="a causal LM to a runnable ONNX folder (not registered)")
    p.add_argument("path")
    p.add_argument("out")
    p.add_argument("--quantize", choices=("int4", "fp32", "fp16"), default="fp32")
    p = msub.add_parser("remove", parents=[common], help="delete an installed model")
    p.add_argument("id")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p = msub.add_parser("default", parents=[common], help="make a model the default for its task")
    p.add_argument("id")
    p = msub.add_parser("quantize", parents=[common], help="an int4 copy of a registered fp32 generator")
    p.add_argument("id")
    p.add_argument("--id", dest="new_id", help="id of the copy (default: <id>-int4)")

    from engine import cli_medical, cli_research

    cli_research.add_parser(sub, common, _Parser)
    cli_medical.add_parser(sub, common, _Parser)

    hist = sub.add_parser("history", parents=[common], help="search, export or purge history")
    hsub = hist.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = hsub.add_parser("search", parents=[common])
    p.add_argument("query")
    p.add_argument("--workspace")
    p.add_argument("--limit", type=int, default=20)
    p = hsub.add_parser("export", parents=[common])
    p.add_argument("--format", choices=("json", "csv", "md"), default="json")
    p.add_argument("--workspace")
    p.add_argument("--out", help="file to write (default: stdout)")
    p = hsub.add_parser("purge", parents=[common])
    p.add_argument("--workspace", help="only this workspace (default: all)")
    p.add_argument("--yes", action="store_true", help="do not ask")

    p = sub.add_parser("generate", parents=[common], help="generate text with the local LM")
    p.add_argument("prompt")
    p.add_argument("--max-new-tokens", type=int, default=256)
    p.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default)")
    p.add_argument("--top-k", type=int, default=0)
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--seed", type=int)
    p.add_argument("--system", help="system message (default: the model's own)")
    p.add_argument("--model", help="model id (default: the default generator)")

    p = sub.add_parser("chat", parents=[common],
                       help="talk with the local LM (lines from stdin; /reset, /exit); kept in history")
    p.add_argument("--max-new-tokens", type=int, default=256)
    p.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default)")
    p.add_argument("--seed", type=int)
    p.add_argument("--system", help="system message (default: the model's own)")
    p.add_argument("--model", help="model id (default: the default generator)")
    p.add_argument("--continue", dest="resume", nargs="?", const="last", default=None,
                   metavar="CONVERSATION", help="carry on a stored conversation (default: the last one)")

    bench = sub.add_parser("bench", parents=[common], help="benchmarks (results in benchmarks/)")
    bsub = bench.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = bsub.add_parser("startup", parents=[common], help="cold start to first paint; GUI lateness")
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--generate-tokens", type=int, default=128,
                   help="tokens streamed while measuring GUI lateness (0: skip)")
    p.add_argument("--out", default="benchmarks", help="folder for the result table")
    p = bsub.add_parser("embed", parents=[common], help="embedder throughput and agreement")
    p.add_argument("--sentences", help="text file, one sentence per line (default: shared data)")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--bench-threads", dest="bench_threads", type=int, default=2,
                   help="threads for every contender (default 2)")
    p.add_argument("--out", default="benchmarks", help="folder for the result table")
    p = bsub.add_parser("generate", parents=[common],
                        help="generator speed, first token, memory and answer agreement vs torch")
    p.add_argument("--repeats", type=int, default=5, help="fresh processes per cell (median; default 5)")
    p.add_argument("--threads-list", default="1,2", help="thread counts to compare (default 1,2)")
    p.add_argument("--max-new-tokens", type=int, default=128, help="tokens per timed run (EOS ignored)")
    p.add_argument("--answer-tokens", type=int, default=64, help="token limit of the quality answers")
    p.add_argument("--prompts", type=int, help="only the first N quality prompts (default all)")
    p.add_argument("--skip-quality", action="store_true", help="speed and memory only")
    p.add_argument("--cache", help="folder for the torch checkpoint (default <data-dir>/cache/bench)")
    p.add_argument("--out", default="benchmarks", help="folder for the result table")
    cli_research.add_bench_parsers(bsub, common)
    cli_medical.add_bench_parser(bsub, common)
    return parser


def _merge_common(args: argparse.Namespace, argv: list[str]) -> None:
    # Options may come before or after the subcommand; argparse's subparser defaults
    # would overwrite a value given first, so re-read them from argv.
    pre = _Parser(add_help=False)
    pre.add_argument("--data-dir")
    pre.add_argument("--device")
    pre.add_argument("--json", action="store_true")
    pre.add_argument("--threads", type=int)
    known, _ = pre.parse_known_args(argv)
    args.data_dir = known.data_dir
    args.device = known.device
    args.json = known.json
    args.threads = known.threads


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    _merge_common(args, argv)
    try:
        return _dispatch(args, parser)
    except EnclaveError as exc:
        print(f"enclave: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("enclave: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _emit(args, payload: dict, text: str) -> None:
    print(json.dumps(payload, indent=2, ensure_ascii=False) if args.json else text)


def _dispatch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from engine.config import ensure_data_dir, load_settings, resolve_data_dir

    data_dir = resolve_data_dir(args.data_dir)
    if args.command is None:
        from engine.gui_launch import open_window

        explicit = bool(args.data_dir or os.environ.get("ENCLAVE_DATA_DIR"))
        if args.threads and args.threads > 0:
            os.environ["ENCLAVE_THREADS"] = str(args.threads)
        return open_window(data_dir, args.device, data_dir_explicit=explicit)
    ensure_data_dir(data_dir)
    settings = load_settings(data_dir)
    device = args.device or settings.device
    threads = args.threads or settings.intra_op_threads
    if threads and threads > 0:
        os.environ["ENCLAVE_THREADS"] = str(threads)  # read by the one session factory
    handler = _HANDLERS[args.command]
    return handler(args, data_dir, device) or 0


def _cmd_setup(args, data_dir: Path, device: str) -> int:
    from engine.setup import run_setup

    result = run_setup(data_dir, progress=_progress_printer(args.json))
    emb, gen = result["embedder"], result["generator"]
    q = emb.get("int8_quality", {})
    fresh = not (emb["skipped"] and gen["skipped"] and result["triage"]["skipped"])
    triage = result["triage"]
    in_use = f"; in use: your retrained {triage['default']}" if triage["default"] != triage["model"] else ""
    text = (f"Setup complete in {result['seconds']} s ({'prepared' if fresh else 'already up to date'}).\n"
            f"  data dir: {data_dir}\n  embedders: {', '.join(emb['models'])} (default {emb['default']})\n"
            f"  generator: {gen['model']}\n"
            f"  triage head: {triage['model']} (held-out accuracy "
            f"{triage['held_out']['accuracy']:.0%}, macro-F1 {triage['held_out']['macro_f1']:.2f}){in_use}\n"
            f"  int8 agreement with fp32: mean cosine {q.get('mean_cosine', float('nan')):.4f}, "
            f"min {q.get('min_cosine', float('nan')):.4f}")
    _emit(args, result, text)
    return 0


def _cmd_doctor(args, data_dir: Path, device: str) -> int:
    from engine.api import doctor

    report = doctor(data_dir, device)
    lines = [f"Enclave {report.version} (Python {report.python})",
             f"data dir:            {report.data_dir}",
             f"providers available: {', '.join(report.providers_available)}",
             f"provider in use:     {report.provider_in_use} (self-test on {Path(report.self_test_model).parent.name or report.self_test_model}, {report.threads} threads)"]
    if report.fallback_reason:
        lines.append(f"CUDA fallback:       {report.fallback_reason}")
    lines.append("versions:            " + ", ".join(f"{k} {v}" for k, v in report.versions.items()))
    lines.append("models:" if report.models else "models:              none (run `enclave setup`)")
    for m in report.models:
        state = "verified" if m.verified else "FAILED: " + "; ".join(m.problems)
        lines.append(f"  {m.id:28} {m.task:11} {m.quantization or 'fp32':6} "
                     f"{m.size_bytes / 1e6:7.1f} MB  {state}{'  (default)' if m.is_default else ''}")
    _emit(args, report.to_json(), "\n".join(lines))
    return 0


def _cmd_tour(args, data_dir: Path, device: str) -> int:
    from engine.api import tour

    out = Path(args.out) if args.out else data_dir / "tour"
    result = tour(data_dir, out, device, progress=_progress_printer(args.json))
    text = "Tour finished. Outputs:\n" + "\n".join(f"  {f}" for f in result.files)
    _emit(args, {"out_dir": result.out_dir, "files": list(result.files), "steps": list(result.steps)}, text)
    return 0


def _default_model_id(path: Path) -> str:
    import re

    name = path.stem if path.is_file() else path.name
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-.") or "imported-model"


def _cmd_models(args, data_dir: Path, device: str) -> int:
    from engine.api import model_statuses
    from engine.models.registry import ModelRegistry

    if args.action in ("import", "export", "quantize"):
        return _cmd_models_build(args, data_dir)
    registry = ModelRegistry(data_dir)
    if args.action == "default":
        entry = registry.entry(args.id)
        if not entry.verified:
            raise EnclaveError(f"model {args.id} failed verification: {'; '.join(entry.problems)}")
        registry.set_default(entry.task, args.id)
        _emit(args, {"task": entry.task, "default": args.id}, f"{args.id} is now the default {entry.task} model")
        return 0
    if args.action == "remove":
        registry.entry(args.id, verify=False)  # raises for an unknown id
        if not args.yes:
            if not sys.stdin.isatty():
                raise EnclaveError("remove needs --yes when not run interactively")
            if input(f"Delete model {args.id}? [y/N] ").strip().lower() != "y":
                print("nothing deleted")
                return 0
        registry.remove(args.id)
        from engine.store import open_store

        with open_store(data_dir) as store:
            store.audit("models.remove", {"model": args.id}, actor="user")
        _emit(args, {"removed": args.id}, f"removed {args.id}")
        return 0
    if args.action == "verify" and args.id:
        ModelRegistry(data_dir).entry(args.id)  # raises for an unknown id
        statuses = [m for m in model_statuses(data_dir) if m.id == args.id]
    else:
        statuses = list(model_statuses(data_dir, verify=args.action == "verify"))
    payload = {"models": [{"id": m.id, "task": m.task, "verified": m.verified,
                           "problems": list(m.problems), "quantization": m.quantization,
                           "path": m.path, "default": m.is_default, "bytes": m.size_bytes}
                          for m in statuses]}
    lines = [f"{m.id:28} {m.task:11} {m.quantization or 'fp32':6} "
             f"{'ok' if m.verified else 'FAILED: ' + '; '.join(m.problems)}"
             f"{'  (default)' if m.is_default else ''}" for m in statuses] or ["no models installed (run `enclave setup`)"]
    _emit(args, payload, "\n".join(lines))
    failed = [m.id for m in statuses if not m.verified]
    if args.action == "verify" and failed:
        print(f"enclave: error: verification failed for {', '.join(failed)}", file=sys.stderr)
        return 2
    return 0


def _cmd_models_build(args, data_dir: Path) -> int:
    """import / export / quantize: a job in the store with progress and an end state;
    Ctrl-C cancels it and leaves the installed models as they were."""
    import time

    from engine.errors import Cancelled
    from engine.models import generator_export as gx
    from engine.models.registry import ModelRegistry
    from engine.store import open_store

    printer = _progress_printer(False)
    started = time.perf_counter()
    with open_store(data_dir) as store:
        job = store.start_job(f"models.{args.action}", getattr(args, "path", None) or args.id)

        def progress(fraction: float, message: str) -> None:
            printer(fraction, message)
            store.update_job(job, progress=fraction, message=message)
        try:
            payload, text = _models_build(args, data_dir, gx, ModelRegistry, progress)
        except (KeyboardInterrupt, Cancelled):
            store.update_job(job, status="cancelled", message="cancelled; installed models are unchanged")
            raise
        except Exception as exc:
            store.update_job(job, status="error", message=str(exc).splitlines()[0][:500] if str(exc) else
                             type(exc).__name__)
            raise
        payload["seconds"] = round(time.perf_counter() - started, 2)
        payload["job"] = job
        store.update_job(job, status="done", progress=1.0, message=text)
        store.audit(f"models.{args.action}", payload)
    _emit(args, payload, f"{text} in {payload['seconds']} s")
    return 0


def _models_build(args, data_dir: Path, gx, ModelRegistry, progress) -> tuple[dict, str]:
    if args.action == "export":
        out = gx.export_folder(Path(args.path), Path(args.out), args.quantize, progress)
        return {"out": str(out), "quantization": args.quantize}, f"exported to {out} ({args.quantize})"
    if args.action == "import":
        source = Path(args.path)
        model_id = args.model_id or _default_model_id(source) + ("-int4" if args.quantize == "int4" else "")
        folder = gx.build_generator(source, model_id, data_dir, quantization=args.quantize,
                                    progress=progress)
    else:
        model_id = args.new_id or f"{args.id}-int4"
        folder = gx.quantize_registered(data_dir, args.id, model_id, progress)
    registry = ModelRegistry(data_dir)
    if getattr(args, "default", False) or not registry.defaults().get("generation"):
        registry.set_default("generation", model_id)
    entry = registry.entry(model_id)
    payload = {"model": model_id, "path": str(folder), "quantization": entry.manifest.quantization or "fp32",
               "architecture": entry.manifest.architecture, "layout": entry.manifest.extra.get("layout"),
               "default": registry.default_id("generation") == model_id}
    text = (f"{model_id} registered ({payload['architecture']}, {payload['quantization']})"
            f"{'; now the default generator' if payload['default'] else ''}")
    return payload, text


def _cmd_history(args, data_dir: Path, device: str) -> int:
    from engine.store import open_store

    with open_store(data_dir) as store:
        if args.action == "search":
            runs = store.search_runs(args.query, workspace=args.workspace, limit=args.limit)
            payload = {"runs": [r.__dict__ for r in runs]}
            text = "\n".join(f"#{r.id} {r.created[:19]} {r.workspace}/{r.kind}: {r.input[:70]!r}"
                             for r in runs) or "no matching runs"
            _emit(args, payload, text)
        elif args.action == "export":
            content = store.export_runs(args.format, workspace=args.workspace)
            if args.out:
                tmp = Path(args.out + ".tmp")
                tmp.write_text(content, encoding="utf-8")
                os.replace(tmp, args.out)
                _emit(args, {"out": args.out, "format": args.format}, f"history written to {args.out}")
            else:
                print(content)
        else:
            if not args.yes:
                if not sys.stdin.isatty():
                    raise EnclaveError("purge needs --yes when not run interactively")
                scope = f"workspace {args.workspace}" if args.workspace else "ALL workspaces"
                if input(f"Delete the history of {scope}? [y/N] ").strip().lower() != "y":
                    print("nothing deleted")
                    return 0
            count = store.purge_runs(args.workspace)
            _emit(args, {"purged": count, "workspace": args.workspace}, f"purged {count} runs")
    return 0


def _cmd_generate(args, data_dir: Path, device: str) -> int:
    from engine.models.generation import GenerationSettings, Generator
    from engine.store import open_store

    if args.max_new_tokens < 1:
        raise EnclaveError("--max-new-tokens must be at least 1")
    generator = Generator.from_registry(data_dir, args.model, device)
    messages = ([{"role": "system", "content": args.system}] if args.system else []) + [
        {"role": "user", "content": args.prompt}]
    settings = GenerationSettings(max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                                  top_k=args.top_k, top_p=args.top_p, seed=args.seed)
    stream = None if args.json else (lambda piece: print(piece, end="", flush=True))
    result = generator.generate(messages, settings, on_piece=stream)
    s = result.stats
    payload = {"text": result.text, "tokens": s.new_tokens, "prompt_tokens": s.prompt_tokens,
               "ttft_s": round(s.ttft_s, 4), "tokens_per_s": round(s.decode_tokens_per_s, 2),
               "stopped_by": s.stopped_by, "model": result.model, "provider": s.provider}
    with open_store(data_dir) as store:
        store.add_run("generate", "generate", args.prompt, payload, model_id=result.model,
                      provider=s.provider, timings={"ttft_s": s.ttft_s, "total_s": s.total_s})
    if args.json:
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(f"\n[{s.new_tokens} tokens, first after {s.ttft_s * 1000:.0f} ms, "
              f"{s.decode_tokens_per_s:.1f} tokens/s, {result.model} on {s.provider}]", file=sys.stderr)
    return 0


def _cmd_chat(args, data_dir: Path, device: str) -> int:
    from engine.chat import Conversation
    from engine.models.generation import GenerationSettings, Generator
    from engine.store import open_store

    if args.max_new_tokens < 1:
        raise EnclaveError("--max-new-tokens must be at least 1")
    generator = Generator.from_registry(data_dir, args.model, device)
    settings = GenerationSettings(max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                                  seed=args.seed)
    interactive = sys.stdin.isatty()
    with open_store(data_dir) as store:
        chat = (Conversation.resume(store, None if args.resume == "last" else args.resume)
                if args.resume else Conversation.new(store, args.system))
        if interactive:
            print(f"Enclave chat with {generator.model_id} (conversation {chat.id}, "
                  f"{len(chat.messages)} earlier messages). /reset starts over, /exit or Ctrl-D ends.",
                  file=sys.stderr)
        while True:
            if interactive:
                print("you> ", end="", file=sys.stderr, flush=True)
            line = sys.stdin.readline()
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            if text in ("/exit", "/quit"):
                break
            if text == "/reset":
                chat = Conversation.new(store, args.system)
                print(f"[new conversation {chat.id}]", file=sys.stderr)
                continue
            stream = None if args.json else (lambda piece: print(piece, end="", flush=True))
            result = chat.ask(generator, text, settings, on_piece=stream)
            s = result.stats
            if s.notice:
                print(f"\n[note: {s.notice}]", file=sys.stderr)
            if args.json:
                print(json.dumps({"conversation": chat.id, "turn": chat.turns, "text": result.text,
                                  "tokens": s.new_tokens, "ttft_s": round(s.ttft_s, 4),
                                  "tokens_per_s": round(s.decode_tokens_per_s, 2),
                                  "dropped_messages": s.dropped_messages, "model": result.model,
                                  "provider": s.provider}, ensure_ascii=False), flush=True)
            else:
                print(flush=True)
    return 0


def _cmd_bench(args, data_dir: Path, device: str) -> int:
    if args.action == "triage":
        from engine import cli_medical

        return cli_medical.run_bench(args, data_dir, device, _emit, _progress_printer)
    if args.action in ("research", "pubmedqa"):
        from engine import cli_research

        return cli_research.run_bench(args, data_dir, device, _emit, _progress_printer)
    if args.action == "startup":
        from engine.bench.startup import run_startup_bench

        result = run_startup_bench(data_dir, repeats=args.repeats, generate_tokens=args.generate_tokens,
                                   out_dir=Path(args.out), progress=_progress_printer(args.json))
        _emit(args, {k: v for k, v in result.items() if k != "table"}, result["table"])
        return 0
    if args.action == "generate":
        from engine.bench.generate import parse_threads, run_generate_bench

        result = run_generate_bench(data_dir, repeats=args.repeats,
                                    threads_list=parse_threads(args.threads_list),
                                    max_new_tokens=args.max_new_tokens, answer_tokens=args.answer_tokens,
                                    prompts=args.prompts, quality=not args.skip_quality,
                                    cache_dir=Path(args.cache) if args.cache else None,
                                    out_dir=Path(args.out), progress=_progress_printer(args.json))
        _emit(args, result, result["table"])
        return 0
    from engine.bench.embed import run_embed_bench

    result = run_embed_bench(data_dir, sentences_file=args.sentences, n=args.n,
                             batch_size=args.batch_size, threads=args.bench_threads,
                             out_dir=Path(args.out), progress=_progress_printer(args.json))
    _emit(args, result, result["table"])
    return 0


def _cmd_research(args, data_dir: Path, device: str) -> int:
    from engine import cli_research

    return cli_research.run(args, data_dir, device, _emit, _progress_printer)


def _cmd_medical(args, data_dir: Path, device: str) -> int:
    from engine import cli_medical

    return cli_medical.run(args, data_dir, device, _emit, _progress_printer)


_HANDLERS = {"medical": _cmd_medical, "research": _cmd_research, "setup": _cmd_setup, "doctor": _cmd_doctor, "tour": _cmd_tour,
             "models": _cmd_models, "history": _cmd_history, "bench": _cmd_bench,
             "generate": _cmd_generate, "chat": _cmd_chat}


if __name__ == "__main__":
    sys.exit(main())
