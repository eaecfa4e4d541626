"""Learning from clinicians: a triage marked right or wrong (with the right level) becomes
a labelled example; Retrain fits a candidate head on the project's train split plus those
examples and makes it the default only if, on the held-out split and through the whole
pipeline (max of the red-flag floor and the head), its emergency recall is at least the
current one's and its macro-F1 is higher. The version it replaces is kept for rollback.

The task-independent parts (labels, the gate, versions, rollback) live in engine/training/."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from engine.errors import Cancelled, EnclaveError
from engine.training.candidates import PREVIOUS, gate, next_version_id, rollback
from engine.training.labels import current_actor, merge_examples
from engine.workspaces.medical.classifier import (
    HEAD_ID,
    LEVELS,
    TASK,
    TriageClassifier,
    decide,
    evaluate,
    fit_and_evaluate,
    install_head,
    load_vignettes,
    vignettes_file,
)
from engine.workspaces.medical.red_flags import find_red_flags, rule_floor

Progress = Callable[[float, str], None] | None
JOB_KIND = "medical.retrain"
KEEP = ("emergency_recall",)  # the candidate may not be worse on these
IMPROVE = "macro_f1"  # and must be better on this


@dataclass(frozen=True)
class FeedbackRecord:
    run_id: int
    shown: str  # the level the triage gave
    level: str  # the right level, as the user says
    feedback: int  # +1: the shown level was right; -1: wrong
    labelled: int  # labelled triages stored, this one included


@dataclass(frozen=True)
class RetrainReport:
    trained: bool  # False: there was nothing new to learn from
    promoted: bool
    reason: str  # one line for the user
    current: str | None  # the default before
    default: str | None  # the default after
    candidate: str | None  # the version trained (removed again unless promoted)
    labelled: int  # labelled triages stored
    used: int  # of them, in the training set
    held_out_excluded: int  # left out: their text is in the held-out set
    gate: tuple[str, ...]  # each rule with both numbers
    metrics: dict  # {"candidate": ..., "current": ...}: the pipeline on the held-out split
    job: int | None = None
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {**asdict(self), "gate": list(self.gate)}


def record_triage_feedback(data_dir: Path, run_id: int, level: str | None = None) -> FeedbackRecord:
    """Store a clinician's verdict on a recorded triage: `level` None means the level shown
    was right; otherwise `level` is the right one. Either way the message is stored with its
    right level as a labelled example (replacing an earlier label of the same run)."""
    from engine.store import open_store

    if level is not None and level not in LEVELS:
        raise EnclaveError(f"unknown level {level!r}: use one of {', '.join(reversed(LEVELS))}")
    with open_store(data_dir) as store:
        run = store.get_run(run_id)
        if run is None or (run.workspace, run.kind) != ("medical", "triage"):
            raise EnclaveError(f"no triage with run id {run_id} in the history")
        shown = run.output.get("level") if isinstance(run.output, dict) else None
        if shown not in LEVELS:
            raise EnclaveError(f"triage {run_id} has no level recorded")
        if not run.input.strip():
            raise EnclaveError(f"triage {run_id} has no message to learn from")
        level = level or shown
        feedback = 1 if level == shown else -1
        store.add_labelled_example(TASK, run.input, level, run_id=run_id, source="feedback",
                                   actor=current_actor(), feedback=feedback)
        return FeedbackRecord(run_id, shown, level, feedback, store.count_labelled_examples(TASK))


def pipeline_metrics(classifier: TriageClassifier, rows: list[dict], floors: list[str | None]) -> dict:
    """evaluate() of the pipeline — max(red-flag floor, head level) — on `rows`."""
    heads = decide(classifier.probabilities([r["text"] for r in rows]), classifier.threshold)
    levels = [max(head, floor or head, key=LEVELS.index) for head, floor in zip(heads, floors, strict=True)]
    return evaluate([r["level"] for r in rows], levels)


def retrain_triage_head(data_dir: Path, *, vignettes: Path | None = None, device: str = "auto",
                        progress: Progress = None, cancelled: Callable[[], bool] | None = None) -> RetrainReport:
    """Retrain the triage head on the project's train split plus the user's labelled
    triages, as a recorded job; promote it only if it passes the gate (see the module)."""
    from engine.store import open_store

    report_progress = progress or (lambda f, m: None)
    started = time.perf_counter()
    with open_store(data_dir) as store:
        examples = [(e.text, e.label) for e in store.labelled_examples(TASK)]
        job = store.start_job(JOB_KIND, f"{len(examples)} labelled triages")

        def job_progress(fraction: float, message: str) -> None:
            report_progress(fraction, message)
            store.update_job(job, progress=fraction, message=message)
        try:
            report = _retrain(Path(data_dir), examples, vignettes, device, job_progress, cancelled)
        except (KeyboardInterrupt, Cancelled):
            store.update_job(job, status="cancelled", message="cancelled; the triage model in use is unchanged")
            raise
        except Exception as exc:
            store.update_job(job, status="error", message=(str(exc).splitlines() or [type(exc).__name__])[0][:500])
            raise
        store.update_job(job, status="done", progress=1.0, message=report.reason)
        if report.trained:
            store.audit("medical.retrain.promote" if report.promoted else "medical.retrain.reject",
                        {"candidate": report.candidate, "replaced": report.current, "default": report.default,
                         "gate": list(report.gate), "used": report.used, "job": job}, actor=current_actor())
    return replace(report, job=job, seconds=round(time.perf_counter() - started, 2))


def _retrain(data_dir: Path, examples: list[tuple[str, str]], vignettes: Path | None, device: str,
             progress: Callable[[float, str], None], cancelled: Callable[[], bool] | None) -> RetrainReport:
    from engine.models.embedding import get_embedder
    from engine.models.registry import ModelRegistry

    registry = ModelRegistry(data_dir)
    current = registry.default_id(TASK)
    path = Path(vignettes or vignettes_file())
    rows = load_vignettes(path)
    held_out = [r for r in rows if r.get("split") == "test"]
    if not held_out:
        raise EnclaveError(f"{path.name} has no held-out (split 'test') messages to judge a candidate on")
    training = merge_examples([(r["text"], r["level"]) for r in rows if r.get("split") != "test"], examples,
                              [r["text"] for r in held_out])

    def untrained(reason: str) -> RetrainReport:
        return RetrainReport(False, False, reason, current, current, None, len(examples), 0,
                             training.held_out_excluded, (), {})
    if not examples:
        return untrained("Nothing to retrain on: no triage has been marked right or wrong yet.")
    if not training.user_examples:
        return untrained(f"Nothing to retrain on: all {len(examples)} labelled triages repeat held-out "
                         "messages, which are kept out of training.")
    embedder_id = registry.default_id("embedding")
    if embedder_id is None:
        raise EnclaveError("the triage head needs the embedder: run `enclave setup`")
    model, metrics = fit_and_evaluate(list(training.texts), list(training.labels), held_out,
                                      get_embedder(data_dir, embedder_id, device),
                                      lambda f, m: progress(0.7 * f, m), cancelled)
    candidate = next_version_id(registry, HEAD_ID)
    progress(0.75, f"installing {candidate}")
    install_head(data_dir, candidate, model, metrics, embedder_id=embedder_id,
                 source=f"{path.name} + {training.user_examples} labelled triages",
                 extra={PREVIOUS: current, "labelled_examples": training.user_examples})
    try:
        floors = [rule_floor(find_red_flags(r["text"])) for r in held_out]
        progress(0.8, f"judging {candidate} on {len(held_out)} held-out messages")
        scores = {"candidate": pipeline_metrics(TriageClassifier(data_dir, device, candidate), held_out, floors)}
        if current is not None:
            progress(0.9, f"judging {current} on the same messages")
            scores["current"] = pipeline_metrics(TriageClassifier(data_dir, device, current), held_out, floors)
        if cancelled and cancelled():
            raise Cancelled("retraining cancelled")
        decision = gate(scores["candidate"], scores.get("current"), keep=KEEP, improve=IMPROVE)
    except BaseException:
        registry.remove(candidate)
        raise
    if decision.promote:
        registry.set_default(TASK, candidate)
        reason = (f"{candidate} is now the triage model (replacing {current}): " if current
                  else f"{candidate} is now the triage model: ") + "; ".join(decision.reasons)
    else:
        registry.remove(candidate)
        reason = f"{current} stays the triage model; the candidate was discarded: " + "; ".join(decision.reasons)
    progress(1.0, reason)
    return RetrainReport(True, decision.promote, reason, current, registry.default_id(TASK), candidate,
                         len(examples), training.user_examples, training.held_out_excluded, decision.reasons,
                         scores)


def rollback_triage_head(data_dir: Path) -> dict:
    """Put back the triage version the current default replaced; audited."""
    from engine.models.registry import ModelRegistry
    from engine.store import open_store

    rolled_back, restored = rollback(ModelRegistry(data_dir), TASK)
    with open_store(data_dir) as store:
        store.audit("medical.rollback", {"from": rolled_back, "to": restored}, actor=current_actor())
    return {"from": rolled_back, "to": restored, "default": restored}
