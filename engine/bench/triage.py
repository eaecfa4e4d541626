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

from engine.workspaces.medical.classifier import LEVELS, TriageClassifier, evaluate, load_vignettes
from engine.workspaces.medical.red_flags import find_red_flags, rule_floor
from engine.workspaces.medical.triage import triage

REFERENCES = ("Semigran et al., BMJ 2015 (23 symptom checkers, 45 vignettes): appropriate triage 57 % "
              "(emergency 80 %, non-emergent 55 %, self-care 33 %); Levine et al. 2023: physicians about 91 % "
              "on urgent vs not.")
TARGETS = {"emergency_recall": 1.0, "self_care_over_triage": 0.30}


def run_triage_bench(data_dir: Path, *, out_dir: Path, device: str = "auto", split: str = "test",
                     progress=None) -> dict:
    progress = progress or (lambda f, m: None)
    rows = [r for r in load_vignettes() if r.get("split") == split]
    classifier = TriageClassifier(data_dir, device)
    truth, rules_only, model_only, pipeline, misses, latency = [], [], [], [], [], []
    for n, row in enumerate(rows):
        if n % 20 == 0:
            progress(n / len(rows), f"triage {n + 1}/{len(rows)}")
        started = time.perf_counter()
        result = triage(row["text"], classifier)
        latency.append(time.perf_counter() - started)
        truth.append(row["level"])
        floor = rule_floor(find_red_flags(row["text"]))
        rules_only.append(floor or "self_care")
        model_only.append(result.classifier.get("level", result.level))
        pipeline.append(result.level)
        if LEVELS.index(result.level) < LEVELS.index(row["level"]):
            misses.append({"id": row["id"], "level": row["level"], "predicted": result.level,
                           "text": row["text"]})
    latency.sort()
    head = classifier.entry.manifest.extra.get("metrics", {})
    result = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"), "split": split, "items": len(rows),
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "model": classifier.model_id, "embedder": classifier.embedder.model_id, "provider": classifier.provider,
        "rules_only": evaluate(truth, rules_only), "classifier_only": evaluate(truth, model_only),
        "pipeline": evaluate(truth, pipeline), "under_triaged": misses,
        "latency_ms": {"p50": round(1000 * latency[len(latency) // 2], 1),
                       "p95": round(1000 * latency[int(0.95 * (len(latency) - 1))], 1)},
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


def _markdown(r: dict) -> str:
    p = r["pipeline"]
    met_em = p["emergency_recall"] >= TARGETS["emergency_recall"]
    met_sc = p["self_care_over_triage"] <= TARGETS["self_care_over_triage"]
    lines = [f"# bench triage — {r['items']} held-out messages of the project's labelled set",
             "", f"{r['created']} · {r['model']} over {r['embedder']} on {r['provider']} · "
             f"{r['machine']['platform']}", "",
             "| | accuracy | macro-F1 | emergency recall | self-care over-triage | under-triaged |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, key in (("red-flag rules alone (no flag = self_care)", "rules_only"),
                      ("classifier alone", "classifier_only"), ("**pipeline: max(rules, classifier)**", "pipeline")):
        m = r[key]
        lines.append(f"| {name} | {_pct(m['accuracy'])} | {m['macro_f1']:.3f} | {_pct(m['emergency_recall'])} | "
                     f"{_pct(m['self_care_over_triage'])} | {m['under_triage']} |")
    lines += ["", f"Targets: emergency recall 100 % — {'MET' if met_em else 'NOT MET'}; self-care over-triage "
              f"≤ 30 % — {'MET' if met_sc else 'NOT MET'}. Latency per message: p50 {r['latency_ms']['p50']} ms, "
              f"p95 {r['latency_ms']['p95']} ms (rules, embedding and the occlusion explanation).", "",
              "Per-level recall of the pipeline: " + ", ".join(f"{lv} {_pct(p['recall'][lv])}" for lv in LEVELS) + ".",
              "", "Pipeline confusion (rows: label, columns: predicted):", "",
              "| label \\ predicted | " + " | ".join(LEVELS) + " |", "|---|" + "---:|" * len(LEVELS)]
    for lv, row in zip(LEVELS, p["confusion"]["matrix"], strict=True):
        lines.append(f"| {lv} | " + " | ".join(map(str, row)) + " |")
    lines += ["", "Under-triaged (the pipeline's level below the label):", ""]
    lines += [f"- {m['id']} ({m['level']} → {m['predicted']}): {m['text']}" for m in r["under_triaged"]] or ["- none"]
    lines += ["", f"Reference figures (other systems, other vignettes; not a like-for-like comparison): "
              f"{r['references']}", "",
              "The held-out split is fixed (every 5th item of each level, by id); the head never saw it. "
              "The labelled set is project-written (resources/medical/README.md) and has not been reviewed "
              "by a clinician."]
    return "\n".join(lines) + "\n"
