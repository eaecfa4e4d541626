"""`enclave bench pubmedqa`: yes / no / maybe verdicts on PubMedQA's expert-labelled items.

For each item the abstract (its context sections, the conclusion withheld as PubMedQA
does) is the only document of a store: written as one page, chunked by `chunk_pages`,
embedded, then the engine's own `ask(..., mode="extractive")` retrieves passages and
writes a cited answer, and the verdict comes from those passages:

(a) `rule_verdict`: deterministic, learns nothing, scored on every item;
(b) `VerdictModel` over `verdict_features`: stratified k-fold cross-validation (seeded),
    each item predicted by a model that never saw it; the L2 penalty is picked inside
    each training part by an inner cross-validation. Nothing learned here is saved.

Against: the majority baseline (the most common label's share on these items) and the
published single-annotator human figure, 78.0 % (Jin et al., 2019, reasoning-required).
The results files hold ids, labels and numbers only, never the items' text.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from engine.errors import EnclaveError
from engine.models.embedding import Embedder
from engine.models.registry import ModelRegistry
from engine.store import open_store
from engine.workspaces.research import library
from engine.workspaces.research.answer import MIN_RELEVANCE, ask
from engine.workspaces.research.chunking import chunk_pages
from engine.workspaces.research.parsing import ParsedDocument
from engine.workspaces.research.verdict import (
    FEATURE_NAMES,
    VERDICTS,
    VerdictModel,
    is_yes_no_question,
    verdict_and_features,
)

Progress = Callable[[float, str], None]

HUMAN_ACCURACY = 0.780  # Jin et al. 2019, PubMedQA, single human annotator, reasoning-required
SEED = 20190916
L2_GRID = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
INNER_FOLDS = 3
# The rule's cues were written while reading every RULE_DEV_EVERY-th item (sorted by id,
# position % RULE_DEV_EVERY == 0); the other items were never read. Both shares are reported.
RULE_DEV_EVERY = 5


SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
ITEMS = "research/pubmedqa_dev.json"


def default_items_file() -> Path:
    """The shared PubMedQA items: $ENCLAVE_SHARED_DATA/research/pubmedqa_dev.json, else the
    checkout's ../shared/data (as `enclave bench embed` finds its sentences)."""
    return Path(os.environ.get("ENCLAVE_SHARED_DATA", SHARED_DATA)) / ITEMS


def load_pubmedqa(items_file: Path) -> list[dict]:
    """The items of a PubMedQA JSON file ({id: {QUESTION, CONTEXTS, final_decision, ...}}),
    sorted by id, each as {id, question, contexts, sections, label, position}."""
    path = Path(items_file)
    if not path.is_file():
        raise EnclaveError(f"PubMedQA items not found at {path}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise EnclaveError(f"{path}: not JSON") from None
    items = []
    for position, key in enumerate(sorted(raw)):
        row = raw[key]
        missing = [k for k in ("QUESTION", "CONTEXTS", "final_decision") if k not in row]
        if missing:
            raise EnclaveError(f"{path}: item {key} lacks {', '.join(missing)}")
        if row["final_decision"] not in VERDICTS:
            raise EnclaveError(f"{path}: item {key} has label {row['final_decision']!r}")
        items.append({"id": key, "question": row["QUESTION"], "contexts": list(row["CONTEXTS"]),
                      "sections": list(row.get("LABELS", [])), "label": row["final_decision"],
                      "position": position})
    if not items:
        raise EnclaveError(f"{path}: no items")
    return items


def _flat(text: str) -> str:
    return " ".join(text.split())


def _machine() -> dict:
    import onnxruntime

    from engine.runtime.sessions import default_threads

    return {"machine": platform.machine(), "system": platform.system(), "cpu_count": os.cpu_count(),
            "threads": default_threads(), "python": platform.python_version(),
            "onnxruntime": onnxruntime.__version__,
            "load_average_before": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None}


# -- metrics ------------------------------------------------------------------------------

def confusion(gold: list[str], predicted: list[str]) -> list[list[int]]:
    """Counts, rows the true label, columns the predicted one, both in VERDICTS order."""
    matrix = [[0] * len(VERDICTS) for _ in VERDICTS]
    for g, p in zip(gold, predicted, strict=True):
        matrix[VERDICTS.index(g)][VERDICTS.index(p)] += 1
    return matrix


def scores(gold: list[str], predicted: list[str]) -> dict:
    """Accuracy, macro-F1 and per-label precision / recall / F1 with the confusion matrix."""
    matrix = confusion(gold, predicted)
    per_label, f1s = {}, []
    for i, label in enumerate(VERDICTS):
        tp = matrix[i][i]
        predicted_n = sum(row[i] for row in matrix)
        gold_n = sum(matrix[i])
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / gold_n if gold_n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                            "gold": gold_n, "predicted": predicted_n}
        f1s.append(f1)
    n = len(gold)
    return {"n": n, "accuracy": round(sum(g == p for g, p in zip(gold, predicted, strict=True)) / max(n, 1), 4),
            "macro_f1": round(float(np.mean(f1s)), 4), "per_label": per_label, "confusion": matrix}


def stratified_folds(labels: list[str], folds: int, seed: int = SEED) -> np.ndarray:
    """A fold number per item: each label's items shuffled (seeded) and dealt round-robin,
    so every fold holds each label in about its overall share."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(labels), dtype=int)
    offset = 0
    for label in VERDICTS:
        members = np.array([i for i, y in enumerate(labels) if y == label], dtype=int)
        rng.shuffle(members)
        fold[members] = (np.arange(len(members)) + offset) % folds
        offset += len(members)  # the next label starts where this one stopped: folds stay even
    return fold


def _pick_l2(X: np.ndarray, y: list[str], seed: int) -> float:
    """The L2 penalty of L2_GRID with the best inner cross-validated accuracy (ties: the
    larger penalty, the simpler model)."""
    inner = stratified_folds(y, INNER_FOLDS, seed)
    best, best_accuracy = L2_GRID[-1], -1.0
    for l2 in sorted(L2_GRID, reverse=True):
        correct = 0
        for f in range(INNER_FOLDS):
            train, test = inner != f, inner == f
            if not test.any() or len({y[i] for i in np.flatnonzero(train)}) < 2:
                continue
            model = VerdictModel().fit(X[train], [y[i] for i in np.flatnonzero(train)], l2=l2)
            correct += sum(p == y[i] for p, i in zip(model.predict(X[test]), np.flatnonzero(test), strict=True))
        accuracy = correct / len(y)
        if accuracy > best_accuracy + 1e-9:
            best, best_accuracy = l2, accuracy
    return best


def cross_validate(X: np.ndarray, y: list[str], folds: int, seed: int = SEED) -> tuple[list[str], np.ndarray, list[float]]:
    """Out-of-fold predictions: (labels, probabilities (n, 3), the L2 chosen per fold)."""
    fold = stratified_folds(y, folds, seed)
    predicted: list[str] = [""] * len(y)
    proba = np.zeros((len(y), len(VERDICTS)))
    chosen = []
    for f in range(folds):
        train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        if not len(test):
            continue
        y_train = [y[i] for i in train]
        l2 = _pick_l2(X[train], y_train, seed + f + 1)
        chosen.append(l2)
        model = VerdictModel().fit(X[train], y_train, l2=l2)
        proba[test] = model.predict_proba(X[test])
        for i, p in zip(test, model.predict(X[test]), strict=True):
            predicted[i] = p
    return predicted, proba, chosen


# -- the run ------------------------------------------------------------------------------

def _index_abstract(store, embedder, item: dict, folder: Path) -> int:
    """The item's abstract as the store's document: one page, its context sections as
    paragraphs; returns the document id."""
    page = "\n\n".join(_flat(c) for c in item["contexts"])
    path = folder / f"{item['id']}.txt"
    path.write_text(page, encoding="utf-8")
    parsed = ParsedDocument(path=path, kind="text", title=f"PubMedQA {item['id']}", authors=(), year=None,
                            abstract=None, pages=(page,), sha256=hashlib.sha256(page.encode()).hexdigest(),
                            has_text=True, warnings=())
    chunks = chunk_pages(parsed.pages)
    embedded = embedder.embed([library.joined(c.text) for c in chunks], batch_size=library.EMBED_BATCH)
    vectors = dict(enumerate(embedded))
    return library._write_document(store, parsed, chunks, vectors, embedder.model_id, "indexed", None)


def run_pubmedqa_bench(data_dir: Path, *, items_file: Path, out_dir: Path, folds: int = 5,
                       limit: int | None = None, progress: Progress | None = None,
                       device: str = "auto", seed: int = SEED) -> dict:
    """Run the benchmark; writes `out_dir/pubmedqa.md` and `out_dir/pubmedqa.json` and
    returns the result. `limit`: the first `limit` items by id (a quick check)."""
    progress = progress or (lambda f, m: None)
    items = load_pubmedqa(Path(items_file))
    if limit:
        items = items[:limit]
    labels = [it["label"] for it in items]
    if folds < 2 or min(Counter(labels).values()) < 1 or len(items) < 2 * folds:
        raise EnclaveError(f"{len(items)} items cannot be cross-validated in {folds} folds")
    models = Path(data_dir) / "models"
    if not models.is_dir():
        raise EnclaveError(f"no models in {data_dir}: run `enclave setup` first")
    machine = _machine()
    rows, features = [], []
    with tempfile.TemporaryDirectory(prefix="enclave-bench-pubmedqa-") as tmp:
        root = Path(tmp)
        work = root / "data"
        work.mkdir()
        (work / "models").symlink_to(models.resolve(), target_is_directory=True)
        abstracts = root / "abstracts"
        abstracts.mkdir()
        progress(0.0, "loading the embedder")
        embedder = Embedder.from_registry(work, None, device)
        entry = ModelRegistry(work).entry(embedder.model_id)
        # warm-up: the first ORT run and the prototypes' embedding are not an item's cost
        verdict_and_features("Is this a warm-up?", ["A warm-up sentence with no content."], embedder)
        for n, item in enumerate(items):
            if n % 10 == 0:
                progress(0.9 * n / len(items), f"item {n + 1}/{len(items)}")
            # A fresh store per item (not one store with remove + add): search caches its
            # vector index by the store's row counts, which a removal followed by an import
            # of the same size leaves unchanged.
            t_open = time.perf_counter()
            store_dir = root / "stores" / f"{n:04d}"
            store = open_store(store_dir)
            try:
                t0 = time.perf_counter()
                _index_abstract(store, embedder, item, abstracts)
                t1 = time.perf_counter()
                answer = ask(store, item["question"], embedder, mode="extractive")
                t2 = time.perf_counter()
                # passages in document order: a structured abstract reads top to bottom
                hits = sorted(answer.evidence, key=lambda h: (h.page, h.start))
                verdict, x = verdict_and_features(item["question"], [h.text for h in hits], embedder)
                t3 = time.perf_counter()
            finally:
                store.close()
                shutil.rmtree(store_dir, ignore_errors=True)
            abstract = _flat(" ".join(item["contexts"]))
            in_abstract = [_flat(c.passage) in abstract for c in answer.citations]
            rows.append({"id": item["id"], "label": item["label"], "rule": verdict.label,
                         "rule_confidence": round(verdict.confidence, 4),
                         "rule_scores": {k: round(v, 4) for k, v in verdict.scores.items()},
                         "evidence_in_abstract": bool(verdict.evidence) and _flat(verdict.evidence) in abstract,
                         "rule_dev": item["position"] % RULE_DEV_EVERY == 0,
                         "yes_no_question": is_yes_no_question(item["question"]),
                         "mode": answer.mode, "passages": len(hits), "citations": len(answer.citations),
                         "best_cosine": round(max((h.cosine for h in hits if h.cosine is not None),
                                                  default=0.0), 4),
                         "citations_in_abstract": sum(in_abstract), "store_s": round(t0 - t_open, 4),
                         "index_s": round(t1 - t0, 4), "ask_s": round(t2 - t1, 4),
                         "verdict_s": round(t3 - t2, 4)})
            features.append(x)

    if hasattr(os, "getloadavg"):
        machine["load_average_after"] = round(os.getloadavg()[0], 2)
    progress(0.92, f"cross-validating the learned model ({folds} folds)")
    X = np.vstack(features)
    t0 = time.perf_counter()
    cv_labels, cv_proba, chosen_l2 = cross_validate(X, labels, folds, seed)
    cv_s = time.perf_counter() - t0
    for row, p, pr in zip(rows, cv_labels, cv_proba, strict=True):
        row["model"] = p
        row["model_proba"] = {k: round(float(v), 4) for k, v in zip(VERDICTS, pr, strict=True)}
    rule_labels = [r["rule"] for r in rows]
    counts = Counter(labels)
    majority_label, majority_n = counts.most_common(1)[0]
    dev = [i for i, r in enumerate(rows) if r["rule_dev"]]
    unseen = [i for i, r in enumerate(rows) if not r["rule_dev"]]
    per_item = [r["index_s"] + r["ask_s"] + r["verdict_s"] for r in rows]

    def ms(values: list[float]) -> dict:
        v = [1000 * x for x in values]
        return {"mean_ms": round(statistics.fmean(v), 1), "p50_ms": round(float(np.percentile(v, 50)), 1),
                "p95_ms": round(float(np.percentile(v, 95)), 1)}

    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine,
        "items_file": Path(items_file).name, "items": len(items), "folds": folds, "seed": seed,
        "embedder": embedder.model_id, "embedder_quantization": entry.manifest.quantization,
        "provider": embedder.provider,
        "labels": dict(sorted(counts.items())),
        "majority": {"label": majority_label, "accuracy": round(majority_n / len(items), 4),
                     "macro_f1": scores(labels, [majority_label] * len(items))["macro_f1"]},
        "human_accuracy": HUMAN_ACCURACY,
        "rule": scores(labels, rule_labels),
        "rule_unseen": scores([labels[i] for i in unseen], [rule_labels[i] for i in unseen]) if unseen else None,
        "rule_dev": scores([labels[i] for i in dev], [rule_labels[i] for i in dev]) if dev else None,
        "model_cv": scores(labels, cv_labels),
        # the app shows a verdict only with an answer: how the verdicts fare where `ask` answered
        "by_mode": {mode: {"n": len(members),
                           "rule_accuracy": scores([labels[i] for i in members], [rule_labels[i] for i in members])["accuracy"],
                           "model_accuracy": scores([labels[i] for i in members], [cv_labels[i] for i in members])["accuracy"],
                           "majority_accuracy": round(Counter(labels[i] for i in members).most_common(1)[0][1] / len(members), 4),
                           "best_cosine_median": round(float(np.median([rows[i]["best_cosine"] for i in members])), 4)}
                    for mode in sorted({r["mode"] for r in rows})
                    for members in [[i for i, r in enumerate(rows) if r["mode"] == mode]]},
        "min_relevance": MIN_RELEVANCE,
        "model_cv_l2": chosen_l2, "model_features": list(FEATURE_NAMES), "cv_seconds": round(cv_s, 2),
        "answers": {
            "modes": dict(Counter(r["mode"] for r in rows)),
            "cited_in_abstract": round(sum(r["citations_in_abstract"] >= 1 for r in rows) / len(rows), 4),
            "citations": sum(r["citations"] for r in rows),
            "all_citations_in_abstract": round(sum(r["citations_in_abstract"] for r in rows)
                                               / max(sum(r["citations"] for r in rows), 1), 4),
            "evidence_in_abstract": round(sum(r["evidence_in_abstract"] for r in rows) / len(rows), 4),
            "yes_no_questions": round(sum(r["yes_no_question"] for r in rows) / len(rows), 4),
        },
        "time": {"per_item": ms(per_item), "store": ms([r["store_s"] for r in rows]),
                 "index": ms([r["index_s"] for r in rows]),
                 "ask": ms([r["ask_s"] for r in rows]), "verdict": ms([r["verdict_s"] for r in rows])},
        "rows": rows,
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "pubmedqa.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    (out_dir / "pubmedqa.md").write_text(_markdown(result), encoding="utf-8")
    progress(1.0, "done")
    return result


# -- the table ----------------------------------------------------------------------------

def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def _confusion_table(title: str, s: dict) -> list[str]:
    lines = [f"**{title}** (rows: expert label, columns: predicted)", "",
             "| expert \\ predicted | " + " | ".join(VERDICTS) + " | recall |",
             "|---|" + "---:|" * (len(VERDICTS) + 1)]
    for i, label in enumerate(VERDICTS):
        lines.append(f"| {label} | " + " | ".join(str(v) for v in s["confusion"][i])
                     + f" | {_pct(s['per_label'][label]['recall'])} |")
    lines.append("| precision | " + " | ".join(_pct(s["per_label"][k]["precision"]) for k in VERDICTS) + " | |")
    return lines + [""]


def _markdown(r: dict) -> str:
    n = r["items"]
    majority = r["majority"]
    best = max(r["rule"]["accuracy"], r["model_cv"]["accuracy"])
    beat = best > majority["accuracy"]
    labels = ", ".join(f"{k} {v}" for k, v in r["labels"].items())
    lines = [
        f"# bench pubmedqa — {n} expert-labelled items ({labels}), the abstract as the only document",
        "",
        f"{r['date']} · embedder {r['embedder']} on {r['provider']} · {r['machine']['cpu_count']} CPUs, "
        f"{r['machine']['threads']} threads, load average {r['machine'].get('load_average_before')} before / "
        f"{r['machine'].get('load_average_after')} after (another busy process slows every time below) "
        f"· seed {r['seed']}",
        "",
        "| verdict | accuracy | macro-F1 | scored on |",
        "|---|---:|---:|---|",
        f"| (a) rule (`rule_verdict`, deterministic, learns nothing) | {_pct(r['rule']['accuracy'])} | "
        f"{_pct(r['rule']['macro_f1'])} | all {n} items |",
    ]
    if r["rule_unseen"]:
        lines.append(f"| (a) rule, items never read while writing its cues | {_pct(r['rule_unseen']['accuracy'])} | "
                     f"{_pct(r['rule_unseen']['macro_f1'])} | {r['rule_unseen']['n']} items |")
    lines += [
        f"| (b) learned `VerdictModel`, **{r['folds']}-fold cross-validated** | {_pct(r['model_cv']['accuracy'])} | "
        f"{_pct(r['model_cv']['macro_f1'])} | all {n} items, each by a model that never saw it |",
        f"| majority baseline (always “{majority['label']}”) | {_pct(majority['accuracy'])} | "
        f"{_pct(majority['macro_f1'])} | all {n} items |",
        f"| human, single annotator (published, Jin et al. 2019) | {_pct(r['human_accuracy'])} | — | "
        "the paper's test set |",
        "",
        f"Target: beat the majority baseline — {'MET' if beat else 'NOT MET'} "
        f"(best {_pct(best)} vs {_pct(majority['accuracy'])}); the human figure is "
        f"{'not ' if best < r['human_accuracy'] else ''}reached.",
        "",
        "PubMedQA withholds each abstract's conclusion (the reasoning-required setting): the verdict "
        "has to be read from the background, methods and results sections.",
        "",
    ]
    lines += _confusion_table("(a) rule", r["rule"])
    lines += _confusion_table(f"(b) learned model, {r['folds']}-fold cross-validated", r["model_cv"])
    lines += ["| `ask` answered as | items | rule accuracy | model accuracy (CV) | majority | median best-passage cosine |",
              "|---|---:|---:|---:|---:|---:|"]
    for mode, m in r["by_mode"].items():
        lines.append(f"| {mode} | {m['n']} | {_pct(m['rule_accuracy'])} | {_pct(m['model_accuracy'])} | "
                     f"{_pct(m['majority_accuracy'])} | {m['best_cosine_median']:.3f} |")
    lines += ["", f"`ask` answers “no_answer” when the best passage's cosine to the question is under "
              f"MIN_RELEVANCE = {r['min_relevance']}; the verdict above is still read from the passages it "
              "retrieved, so every item is scored.", ""]
    a = r["answers"]
    t = r["time"]
    lines += [
        "| answers and time | value |",
        "|---|---:|",
        f"| answer modes | {', '.join(f'{k} {v}' for k, v in sorted(a['modes'].items()))} |",
        f"| items whose answer has ≥ 1 citation found (whitespace-normalised) in the abstract | "
        f"{_pct(a['cited_in_abstract'])} |",
        f"| citations found in the abstract, of all {a['citations']} | {_pct(a['all_citations_in_abstract'])} |",
        f"| rule's deciding sentence found in the abstract | {_pct(a['evidence_in_abstract'])} |",
        f"| questions `is_yes_no_question` recognises | {_pct(a['yes_no_questions'])} |",
        f"| time per item, mean (p50 / p95) | {t['per_item']['mean_ms']} ms "
        f"({t['per_item']['p50_ms']} / {t['per_item']['p95_ms']}) |",
        f"| · index the abstract (chunk, embed, write) | {t['index']['mean_ms']} ms |",
        f"| · `ask`, extractive (retrieve, cite) | {t['ask']['mean_ms']} ms |",
        f"| · verdict (rule + features) | {t['verdict']['mean_ms']} ms |",
        f"| not counted: a fresh store per item (the bench's own set-up) | {t['store']['mean_ms']} ms |",
        "",
        f"(b) is scored by stratified {r['folds']}-fold cross-validation (seed {r['seed']}): every item is "
        "predicted by a model fitted on the other folds only; the L2 penalty is chosen inside each "
        f"training part by an inner {INNER_FOLDS}-fold cross-validation (chosen: "
        f"{', '.join(str(v) for v in r['model_cv_l2'])}). The fitted models are discarded: "
        "**no model trained on PubMedQA ships with the app**, which uses the rule (a).",
        f"The rule's cues were written while reading every {RULE_DEV_EVERY}th item (by id); the row "
        "“items never read” scores it on the others only.",
        "",
        f"Features of (b) ({len(r['model_features'])}): {', '.join(r['model_features'])}.",
        "",
        "PubMedQA: Jin et al., 2019 (MIT licence); the results files hold item ids, labels and numbers, "
        "no text of the items.",
    ]
    return "\n".join(lines) + "\n"
