"""`enclave bench triage`: the triage pipeline on the held-out split of the project's
labelled set — per-level recall, macro-F1, the confusion matrix, emergency recall (must be
1.0) and over-triage of self-care cases (at most 30 %), for the rules alone, the classifier
alone and the pipeline (max of both), against published reference figures."""

from __future__ import annotations

import json
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

from engine.resources import resource_path
from engine.workspaces.medical.classifier import LEVELS, TriageClassifier, evaluate, load_vignettes
from engine.workspaces.medical.red_flags import rule_floor
from engine.workspaces.medical.triage import triage

REFERENCES = ("Semigran et al., BMJ 2015 (23 symptom checkers, 45 vignettes): appropriate triage 57 % "
              "(emergency 80 %, non-emergent 55 %, self-care 33 %); Levine et al. 2023: physicians about 91 % "
              "on urgent vs not.")
TARGETS = {"emergency_recall": 1.0, "self_care_over_triage": 0.30}


# The independent set: batches of messages by separate writers who never saw the rules or the
# benchmarks, never used for training or for writing rules. Each batch is read for the first
# time with the rules and head of that day; those first-look figures are kept here because a
# batch, once read, is no longer unseen (later rules were written with its misses in view).
FIRST_LOOKS = {
    "tg": {"date": "2026-11-29", "items": 200, "rules_emergency_recall": 0.543, "pipeline_emergency_recall": 0.857,
           "pipeline_accuracy": 0.650, "pipeline_macro_f1": 0.622, "self_care_over_triage": 0.489},
    "th": {"date": "2026-11-29", "items": 200, "rules_emergency_recall": 0.643, "pipeline_emergency_recall": 0.929,
           "pipeline_accuracy": 0.725, "pipeline_macro_f1": 0.702, "self_care_over_triage": 0.333},
    "ti": {"date": "2026-11-29", "items": 200, "rules_emergency_recall": 0.771, "pipeline_emergency_recall": 0.957,
           "pipeline_accuracy": 0.735, "pipeline_macro_f1": 0.706, "self_care_over_triage": 0.311},
    "tj": {"date": "2026-11-29", "items": 200, "rules_emergency_recall": 0.629, "pipeline_emergency_recall": 0.971,
           "pipeline_accuracy": 0.810, "pipeline_macro_f1": 0.792, "self_care_over_triage": 0.222},
    # tk was written to hold presentations the labelled set did not have yet (rarer emergencies)
    "tk": {"date": "2026-11-29", "items": 200, "rules_emergency_recall": 0.486, "pipeline_emergency_recall": 0.814,
           "pipeline_accuracy": 0.715, "pipeline_macro_f1": 0.702, "self_care_over_triage": 0.378},
    # tl was written to be representative: presentations in proportion to how often they occur
    "tl": {"date": "2026-11-29", "items": 200, "rules_emergency_recall": 0.743, "pipeline_emergency_recall": 0.971,
           "pipeline_accuracy": 0.790, "pipeline_macro_f1": 0.766, "self_care_over_triage": 0.311},
    # tm: representative, self-care messages often anxious in tone; first read with recipe 3 (threshold 0.3)
    "tm": {"date": "2026-11-29", "items": 200, "rules_emergency_recall": 0.814, "pipeline_emergency_recall": 0.971,
           "pipeline_accuracy": 0.775, "pipeline_macro_f1": 0.753, "self_care_over_triage": 0.533},
    # tn: representative, tone independent of urgency; first read after training on anxious-but-minor messages
    "tn": {"date": "2026-11-30", "items": 200, "rules_emergency_recall": 0.857, "pipeline_emergency_recall": 0.986,
           "pipeline_accuracy": 0.810, "pipeline_macro_f1": 0.788, "self_care_over_triage": 0.267},
}


def independent_file() -> Path:
    return resource_path("medical", "triage_independent.jsonl")


def _score(rows: list[dict], classifier: TriageClassifier, progress, start: float, span: float) -> dict:
    """Rules alone, classifier alone and the pipeline on `rows`, with the under-triaged items."""
    truth, rules_only, model_only, pipeline, misses, latency = [], [], [], [], [], []
    for n, row in enumerate(rows):
        if n % 20 == 0:
            progress(start + span * n / len(rows), f"triage {n + 1}/{len(rows)}")
        started = time.perf_counter()
        result = triage(row["text"], classifier)
        latency.append(time.perf_counter() - started)
        truth.append(row["level"])
        floor = rule_floor(list(result.red_flags))  # the flags the pipeline itself found
        rules_only.append(floor or "self_care")
        model_only.append(result.classifier.get("level", result.level))
        pipeline.append(result.level)
        if LEVELS.index(result.level) < LEVELS.index(row["level"]):
            misses.append({"id": row["id"], "level": row["level"], "predicted": result.level,
                           "text": row["text"]})
    latency.sort()
    return {"items": len(rows), "rules_only": evaluate(truth, rules_only), "classifier_only": evaluate(truth, model_only),
            "pipeline": evaluate(truth, pipeline), "under_triaged": misses,
            "latency_ms": {"p50": round(1000 * latency[len(latency) // 2], 1),
                           "p95": round(1000 * latency[int(0.95 * (len(latency) - 1))], 1)}}


def _slice(rows: list[dict], limit: int | None) -> list[dict]:
    """Every k-th row, so a small slice keeps the mix of levels and batches."""
    if not limit or limit >= len(rows):
        return rows
    return rows[:: len(rows) // limit][:limit]


def run_triage_bench(data_dir: Path, *, out_dir: Path, device: str = "auto", split: str = "test",
                     limit: int | None = None, progress=None) -> dict:
    """`limit`: at most this many messages from each set (a quick slice for tests)."""
    progress = progress or (lambda f, m: None)
    rows = _slice([r for r in load_vignettes() if r.get("split") == split], limit)
    classifier = TriageClassifier(data_dir, device)
    held_out = _score(rows, classifier, progress, 0.0, 0.6)
    independent = None
    if independent_file().exists():
        extra = _slice(load_vignettes(independent_file()), limit)
        independent = _score(extra, classifier, progress, 0.6, 0.4)
        independent["first_looks"] = FIRST_LOOKS
    head = classifier.entry.manifest.extra.get("metrics", {})
    result = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"), "split": split,
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "model": classifier.model_id, "embedder": classifier.embedder.model_id, "provider": classifier.provider,
        **held_out, "independent": independent,
        "head_training": {k: head.get(k) for k in ("l2", "train_items", "test_items")},
        "targets": TARGETS, "references": REFERENCES}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "triage.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    (out_dir / "triage.md").write_text(_markdown(result), encoding="utf-8")
    progress(1.0, "done")
    return result


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _table(r: dict) -> list[str]:
    lines = ["| | accuracy | macro-F1 | emergency recall | self-care over-triage | under-triaged |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, key in (("red-flag rules alone (no flag = self_care)", "rules_only"),
                      ("classifier alone", "classifier_only"), ("**pipeline: max(rules, classifier)**", "pipeline")):
        m = r[key]
        lines.append(f"| {name} | {_pct(m['accuracy'])} | {m['macro_f1']:.3f} | {_pct(m['emergency_recall'])} | "
                     f"{_pct(m['self_care_over_triage'])} | {m['under_triage']} |")
    p = r["pipeline"]
    lines += ["", "Per-level recall of the pipeline: " + ", ".join(f"{lv} {_pct(p['recall'][lv])}" for lv in LEVELS) + ".",
              "", "Pipeline confusion (rows: label, columns: predicted):", "",
              "| label \\ predicted | " + " | ".join(LEVELS) + " |", "|---|" + "---:|" * len(LEVELS)]
    for lv, row in zip(LEVELS, p["confusion"]["matrix"], strict=True):
        lines.append(f"| {lv} | " + " | ".join(map(str, row)) + " |")
    lines += ["", "Under-triaged (the pipeline's level below the label):", ""]
    lines += [f"- {m['id']} ({m['level']} → {m['predicted']}): {m['text']}" for m in r["under_triaged"]] or ["- none"]
    return lines


def _verdict(m: dict) -> str:
    met_em = m["emergency_recall"] >= TARGETS["emergency_recall"]
    met_sc = m["self_care_over_triage"] <= TARGETS["self_care_over_triage"]
    return (f"emergency recall 100 % — {'MET' if met_em else 'NOT MET'}; self-care over-triage ≤ 30 % — "
            f"{'MET' if met_sc else 'NOT MET'}")


def _markdown(r: dict) -> str:
    lines = [f"# bench triage — {r['items']} held-out messages of the project's labelled set",
             "", f"{r['created']} · {r['model']} over {r['embedder']} on {r['provider']} · "
             f"{r['machine']['platform']}", ""]
    lines += _table(r)
    lines += ["", f"Targets on the held-out split: {_verdict(r['pipeline'])}. Latency per message: p50 "
              f"{r['latency_ms']['p50']} ms, p95 {r['latency_ms']['p95']} ms (rules, embedding and the occlusion "
              "explanation).", "",
              "The held-out split is fixed (every 5th item of each level, by id); the head never saw it. The red-flag "
              "rules were written with the training split and the held-out misses of earlier runs in view, so the "
              "rules' figures here are optimistic: the independent set below is the fairer test."]
    ind = r.get("independent")
    if ind:
        lines += ["", f"## Independent set — {ind['items']} messages by writers who never saw the rules", "",
                  "resources/medical/triage_independent.jsonl: written from clinical knowledge, in batches, by separate "
                  "writers with no access to the rules, the benchmarks or the tests; never used for training. Each "
                  "batch's first look (its first reading, before anyone had seen it) is the fair figure:", "",
                  "| batch | read | items | emergency recall (rules alone) | emergency recall | accuracy | macro-F1 | "
                  "self-care over-triage |", "|---|---|---:|---:|---:|---:|---:|---:|"]
        for batch, first in ind["first_looks"].items():
            lines.append(f"| {batch} | {first['date']} | {first['items']} | {_pct(first['rules_emergency_recall'])} | "
                         f"{_pct(first['pipeline_emergency_recall'])} | {_pct(first['pipeline_accuracy'])} | "
                         f"{first['pipeline_macro_f1']:.3f} | {_pct(first['self_care_over_triage'])} |")
        lines += ["", "Now, on all batches (the rules have since been widened with the earlier batches' misses in view, "
                  "so these figures are optimistic for those batches):", ""]
        lines += _table(ind)
        lines += ["", f"Targets on the independent set: {_verdict(ind['pipeline'])}."]
    lines += ["", f"Reference figures (other systems, other vignettes; not a like-for-like comparison): "
              f"{r['references']}", "",
              "The labelled sets are project-written (resources/medical/README.md) and have not been reviewed "
              "by a clinician."]
    return "\n".join(lines) + "\n"
