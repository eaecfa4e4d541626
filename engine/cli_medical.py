"""`enclave medical ...`: triage."""

from __future__ import annotations

import sys
from pathlib import Path

from engine.errors import EnclaveError


def add_parser(sub, common, parser_class) -> None:
    medical = sub.add_parser("medical", parents=[common],
                             help="symptom triage: red-flag rules first, a learned classifier second")
    msub = medical.add_subparsers(dest="action", required=True, parser_class=parser_class)
    p = msub.add_parser("triage", parents=[common], help="the triage level of a message (- reads stdin)")
    p.add_argument("text", help="the message or vignette; '-' reads it from stdin")


def run(args, data_dir: Path, device: str, emit) -> int:
    from engine.workspaces.medical.triage import triage_text

    if args.action != "triage":
        raise EnclaveError(f"unknown medical action {args.action}")
    text = sys.stdin.read() if args.text == "-" else args.text
    result = triage_text(data_dir, text, device)
    lines = [f"{result.level.upper().replace('_', ' ')}{'' if result.assessable else ' (could not assess)'}"
             f" — {result.advice}"]
    lines += [f"  - {r}" for r in result.reasons]
    lines += ["", result.disclaimer]
    emit(args, result.to_json(), "\n".join(lines))
    return 0


def add_bench_parser(bsub, common) -> None:
    p = bsub.add_parser("triage", parents=[common],
                        help="triage on the held-out split: recall per level, emergency recall, over-triage")
    p.add_argument("--out", default="benchmarks", help="folder for the result table")


def run_bench(args, data_dir: Path, device: str, emit, progress_printer) -> int:
    from engine.bench.triage import run_triage_bench

    result = run_triage_bench(data_dir, out_dir=Path(args.out), device=device, progress=progress_printer(args.json))
    emit(args, result, (Path(args.out) / "triage.md").read_text(encoding="utf-8"))
    return 0
