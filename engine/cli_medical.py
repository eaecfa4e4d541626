"""`enclave medical ...`: triage, feedback on a triage, retraining the head and rollback."""

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
    p = msub.add_parser("feedback", parents=[common],
                        help="mark a triage right, or give its right level (stored as a labelled example)")
    p.add_argument("run_id", type=int, help="the triage's run id (`enclave history search`)")
    verdict = p.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--right", action="store_true", help="the level shown was right")
    verdict.add_argument("--level", choices=("emergency", "urgent", "routine", "self_care"),
                         help="the right level (a different one marks the triage wrong)")
    msub.add_parser("retrain", parents=[common],
                    help="retrain the triage head on the labelled triages; used only if it beats the current one")
    msub.add_parser("rollback", parents=[common], help="put back the triage head the current one replaced")


def run(args, data_dir: Path, device: str, emit, progress_printer) -> int:
    from engine.workspaces.medical import retrain
    from engine.workspaces.medical.triage import triage_text

    if args.action == "feedback":
        record = retrain.record_triage_feedback(data_dir, args.run_id, None if args.right else args.level)
        said = "right" if record.feedback > 0 else f"wrong (shown {record.shown})"
        emit(args, {"run_id": record.run_id, "level": record.level, "shown": record.shown,
                    "feedback": record.feedback, "labelled": record.labelled},
             f"triage {record.run_id}: {said}; stored as {record.level} "
             f"({record.labelled} labelled triages; `enclave medical retrain` learns from them)")
        return 0
    if args.action == "retrain":
        report = retrain.retrain_triage_head(data_dir, device=device, progress=progress_printer(args.json))
        lines = [report.reason]
        for name, m in report.metrics.items():
            lines.append(f"  {name:9} emergency recall {m['emergency_recall']:.3f}  macro-F1 {m['macro_f1']:.3f}  "
                         f"accuracy {m['accuracy']:.3f}  (pipeline, {m['n']} held-out messages)")
        if report.trained:
            lines.append(f"  trained on {report.used} of {report.labelled} labelled triages"
                         + (f" ({report.held_out_excluded} left out: held-out messages)"
                            if report.held_out_excluded else ""))
        emit(args, report.to_json(), "\n".join(lines))
        return 0
    if args.action == "rollback":
        result = retrain.rollback_triage_head(data_dir)
        emit(args, result, f"rolled back: {result['to']} is the triage model again (was {result['from']}, still installed)")
        return 0
    if args.action != "triage":
        raise EnclaveError(f"unknown medical action {args.action}")
    text = sys.stdin.read() if args.text == "-" else args.text
    result = triage_text(data_dir, text, device)
    lines = [f"{result.level.upper().replace('_', ' ')}{'' if result.assessable else ' (could not assess)'}"
             f" — {result.advice}"]
    lines += [f"  - {r}" for r in result.reasons]
    if result.run_id is not None:
        lines += ["", f"Run {result.run_id}: `enclave medical feedback {result.run_id} --right` if the level is "
                      "right, or `--level LEVEL` with the right one."]
    lines += ["", result.disclaimer]
    emit(args, {**result.to_json(), "run_id": result.run_id}, "\n".join(lines))
    return 0


def add_bench_parser(bsub, common) -> None:
    p = bsub.add_parser("triage", parents=[common],
                        help="triage on the held-out split: recall per level, emergency recall, over-triage")
    p.add_argument("--out", default="benchmarks", help="folder for the result table")
    p.add_argument("--limit", type=int, default=None, help="at most N messages from each set (a quick slice)")


def run_bench(args, data_dir: Path, device: str, emit, progress_printer) -> int:
    from engine.bench.triage import run_triage_bench

    result = run_triage_bench(data_dir, out_dir=Path(args.out), device=device, limit=args.limit, progress=progress_printer(args.json))
    emit(args, result, (Path(args.out) / "triage.md").read_text(encoding="utf-8"))
    return 0
