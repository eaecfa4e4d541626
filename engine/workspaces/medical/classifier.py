"""The learned half of triage: sentence embeddings (the embedded MiniLM) and a small
softmax head trained on the project's labelled set (resources/medical/), exported to ONNX
and run with ONNX Runtime alone (no torch).

Safety does not rest on the head alone: the red-flag rules (red_flags.py) run first and set
a floor it can never lower. The head is the second line for emergencies the rules do not
know, so it calls a message an emergency below an even chance: the lowest threshold at which
cross-validated self-care over-triage stays within SELF_CARE_BUDGET (the rules add a little
more; the target for the whole pipeline is 30 %). Demanding that cross-validation miss no
emergency at all was tried with recipe 1 and sent over half the self-care cases to the
emergency department.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from engine.errors import Cancelled, EnclaveError
from engine.resources import resource_path
from engine.training.softmax import SoftmaxRegression

LEVELS = ("self_care", "routine", "urgent", "emergency")  # ascending severity
HEAD_ID = "triage-head"
TASK = "triage"
RECIPE_VERSION = 3  # 2: sentence embedding + keyword presence features; 3: emergency threshold by CV
L2_GRID = (10.0, 100.0, 1000.0)
DEFAULT_THRESHOLD = 0.5  # emergency when at least this probable; else the most probable level
THRESHOLDS = (0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2)  # emergency thresholds tried, most to least strict
SELF_CARE_BUDGET = 0.25  # cross-validated self-care over-triage the head may reach at its threshold
FOLDS = 3
SEED = 20261129

Progress = Callable[[float, str], None] | None
# Words an explanation leaves out: they move the embedding but tell a clinician nothing
# (negations stay: "no fever" is a reason).
_FILLER = frozenset(["a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "from", "by", "is", "are", "was", "were", "be", "been", "has", "have", "had", "it", "its", "this", "that", "my", "me", "i", "he", "she", "they", "we", "you", "your", "his", "her", "their", "just", "bit", "some", "into", "onto", "going", "got", "he's", "she's", "i'm", "it's"])  # noqa: SIM905


def vignettes_file() -> Path:
    return resource_path("medical", "triage_vignettes.jsonl")


def load_vignettes(path: Path | None = None) -> list[dict]:
    path = Path(path or vignettes_file())
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    bad = [r.get("id") for r in rows if r.get("level") not in LEVELS or not str(r.get("text", "")).strip()]
    if bad:
        raise EnclaveError(f"{path.name}: items without a text or a known level: {', '.join(map(str, bad[:5]))}")
    return rows


def evaluate(truth: list[str], predicted: list[str]) -> dict:
    """Accuracy, macro-F1, per-level recall and precision, the confusion matrix, emergency
    recall and how many self-care cases were sent higher (over-triage)."""
    idx = {level: i for i, level in enumerate(LEVELS)}
    confusion = np.zeros((len(LEVELS), len(LEVELS)), dtype=int)
    for t, p in zip(truth, predicted, strict=True):
        confusion[idx[t], idx[p]] += 1
    recall = {lv: float(confusion[i, i] / max(confusion[i].sum(), 1)) for i, lv in enumerate(LEVELS)}
    precision = {lv: float(confusion[i, i] / max(confusion[:, i].sum(), 1)) for i, lv in enumerate(LEVELS)}
    f1 = [2 * precision[lv] * recall[lv] / (precision[lv] + recall[lv]) if precision[lv] + recall[lv] else 0.0
          for lv in LEVELS]
    self_care = confusion[idx["self_care"]]
    return {"n": int(confusion.sum()), "accuracy": float(np.trace(confusion) / max(confusion.sum(), 1)),
            "macro_f1": float(np.mean(f1)), "recall": recall, "precision": precision,
            "emergency_recall": recall["emergency"],
            "self_care_over_triage": float(self_care[1:].sum() / max(self_care.sum(), 1)),
            "under_triage": int(sum(confusion[i, :i].sum() for i in range(len(LEVELS)))),
            "confusion": {"rows_truth_cols_predicted": list(LEVELS), "matrix": confusion.tolist()}}


def decide(probabilities: np.ndarray, emergency_threshold: float) -> list[str]:
    """The level per row: emergency when its probability reaches the threshold, else the
    most probable level."""
    out = []
    for p in np.atleast_2d(probabilities):
        out.append("emergency" if p[LEVELS.index("emergency")] >= emergency_threshold
                   else LEVELS[int(np.argmax(p))])
    return out


def _folds(labels: list[str], k: int, seed: int) -> list[np.ndarray]:
    """Stratified fold index per item."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(labels), dtype=int)
    for level in LEVELS:
        members = np.flatnonzero(np.array(labels) == level)
        rng.shuffle(members)
        fold[members] = np.arange(len(members)) % k
    return [fold == i for i in range(k)]


KEYWORDS = 300  # words whose presence the head sees beside the sentence embedding
KEYWORD_MIN_DOCS = 3
KEYWORD_PREFIX = "kw:"
_WORD = re.compile(r"[a-z]+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def select_keywords(texts: list[str], levels: list[str], k: int = KEYWORDS) -> list[str]:
    """The `k` words (in at least KEYWORD_MIN_DOCS texts) whose presence differs most between
    one level and the rest: max over levels of |P(word | level) - P(word)|. Sentence
    embeddings blur single decisive words ("not", "playful", "stopped"); these keep them."""
    docs = [_words(t) for t in texts]
    df: dict[str, int] = {}
    for d in docs:
        for w in d:
            df[w] = df.get(w, 0) + 1
    by_level = {lv: [d for d, y in zip(docs, levels, strict=True) if y == lv] for lv in LEVELS}

    def score(word: str) -> float:
        p = df[word] / len(docs)
        return max(abs(sum(word in d for d in group) / len(group) - p) for group in by_level.values() if group)
    candidates = sorted(w for w, c in df.items() if c >= KEYWORD_MIN_DOCS)
    return sorted(candidates, key=score, reverse=True)[:k]


def keyword_matrix(texts: list[str], keywords: list[str]) -> np.ndarray:
    """1 where the text contains the keyword, else 0 (float32, texts x keywords)."""
    index = {w: i for i, w in enumerate(keywords)}
    out = np.zeros((len(texts), len(keywords)), dtype=np.float32)
    for row, text in enumerate(texts):
        for w in _words(text):
            if w in index:
                out[row, index[w]] = 1.0
    return out


def head_keywords(feature_names: tuple[str, ...] | list[str]) -> list[str]:
    """The keywords a head was trained with, from its feature names."""
    return [n[len(KEYWORD_PREFIX):] for n in feature_names if n.startswith(KEYWORD_PREFIX)]


def fit_head(X: np.ndarray, y: list[str], progress: Progress = None,
             cancelled: Callable[[], bool] | None = None,
             names: tuple[str, ...] | None = None) -> tuple[SoftmaxRegression, dict]:
    """The head fitted on (X, y), its L2 penalty chosen by stratified cross-validation
    (macro-F1); returns it with the cross-validated metrics."""
    names = names or tuple(f"e{i}" for i in range(X.shape[1]))
    folds = _folds(y, FOLDS, SEED)
    best = None
    for n, l2 in enumerate(L2_GRID):
        if cancelled and cancelled():
            raise Cancelled("training cancelled")
        if progress:
            progress(n / len(L2_GRID), f"cross-validating the head (L2 {l2:g})")
        out_of_fold = np.zeros((len(y), len(LEVELS)))
        for test in folds:
            train = ~test
            model = SoftmaxRegression(LEVELS, names).fit(X[train], [y[i] for i in np.flatnonzero(train)], l2=l2)
            out_of_fold[test] = model.predict_proba(X[test])
        score = evaluate(y, decide(out_of_fold, DEFAULT_THRESHOLD))["macro_f1"]
        if best is None or score > best[0]:
            best = (score, l2, out_of_fold)
    score, l2, out_of_fold = best
    threshold = choose_threshold(y, out_of_fold)
    model = SoftmaxRegression(LEVELS, names).fit(X, y, l2=l2)
    return model, {"l2": l2, "emergency_threshold": threshold, "cv": evaluate(y, decide(out_of_fold, threshold))}


def choose_threshold(y: list[str], out_of_fold: np.ndarray) -> float:
    """The lowest emergency threshold whose cross-validated self-care over-triage stays
    within SELF_CARE_BUDGET (the default when even that one does not)."""
    chosen = DEFAULT_THRESHOLD
    for threshold in THRESHOLDS:
        if evaluate(y, decide(out_of_fold, threshold))["self_care_over_triage"] > SELF_CARE_BUDGET:
            break
        chosen = threshold
    return chosen


def head_to_onnx(model: SoftmaxRegression, path: Path) -> None:
    """(features - mean) / scale @ coef + intercept -> softmax, as one small ONNX graph; the
    features are the sentence embedding followed by the keyword presences."""
    from onnx import TensorProto, helper, numpy_helper, save_model

    d = len(model.feature_names)
    inits = [numpy_helper.from_array(np.asarray(v, np.float32), name) for name, v in
             (("mean", model.mean), ("scale", model.scale), ("coef", model.coef), ("intercept", model.intercept))]
    nodes = [helper.make_node("Sub", ["features", "mean"], ["centred"]),
             helper.make_node("Div", ["centred", "scale"], ["standardised"]),
             helper.make_node("MatMul", ["standardised", "coef"], ["product"]),
             helper.make_node("Add", ["product", "intercept"], ["logits"]),
             helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1)]
    graph = helper.make_graph(
        nodes, "enclave-triage-head",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", d])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", len(LEVELS)])], inits)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="enclave")
    onnx_model.ir_version = 8
    save_model(onnx_model, str(path))


def train_triage_head(data_dir: Path, embedder, *, model_id: str = HEAD_ID, vignettes: Path | None = None,
                      make_default: bool = True, progress: Progress = None,
                      cancelled: Callable[[], bool] | None = None) -> dict:
    """Train on the labelled set's train split, evaluate on its held-out split and install
    the head (the default triage model unless `make_default` is False); returns its metrics."""
    from engine.models.registry import ModelRegistry

    progress = progress or (lambda f, m: None)
    started = time.perf_counter()
    path = Path(vignettes or vignettes_file())
    rows = load_vignettes(path)
    train = [r for r in rows if r.get("split") != "test"]
    test = [r for r in rows if r.get("split") == "test"]
    model, metrics = fit_and_evaluate([r["text"] for r in train], [r["level"] for r in train], test, embedder,
                                      progress, cancelled)
    progress(0.9, "exporting the head to ONNX")
    install_head(data_dir, model_id, model, metrics, embedder_id=embedder.model_id,
                 source=f"{path.name} (project-written)",
                 extra={"source_sha256": _source_key(path, embedder.model_id),
                        "seconds": round(time.perf_counter() - started, 2)})
    if make_default:
        ModelRegistry(data_dir).set_default(TASK, model_id)
    progress(1.0, "triage head ready")
    return metrics


def fit_and_evaluate(texts: list[str], levels: list[str], test: list[dict], embedder, progress: Progress = None,
                     cancelled: Callable[[], bool] | None = None) -> tuple[SoftmaxRegression, dict]:
    """A head fitted on (texts, levels), with its metrics on the held-out rows `test`
    ({"text", "level"}): the head alone, cross-validated and held out."""
    progress = progress or (lambda f, m: None)
    progress(0.05, f"embedding {len(texts) + len(test)} labelled messages")
    test_texts = [r["text"] for r in test]
    vectors = embedder.embed(texts + test_texts, cancelled=cancelled)
    keywords = select_keywords(texts, levels)
    X_train = np.hstack([vectors[:len(texts)], keyword_matrix(texts, keywords)])
    X_test = np.hstack([vectors[len(texts):], keyword_matrix(test_texts, keywords)])
    names = tuple(f"e{i}" for i in range(vectors.shape[1])) + tuple(KEYWORD_PREFIX + w for w in keywords)
    model, chosen = fit_head(X_train, levels, lambda f, m: progress(0.2 + 0.6 * f, m), cancelled, names)
    held_out = evaluate([r["level"] for r in test], decide(model.predict_proba(X_test), chosen["emergency_threshold"]))
    return model, {"held_out": held_out, "train_cv": chosen["cv"], "l2": chosen["l2"],
                   "emergency_threshold": chosen["emergency_threshold"], "train_items": len(texts),
                   "test_items": len(test)}


def install_head(data_dir: Path, model_id: str, model: SoftmaxRegression, metrics: dict, *, embedder_id: str,
                 source: str, extra: dict | None = None) -> None:
    """Export `model` to ONNX and install it as `model_id` (not made the default);
    `extra` goes into its manifest."""
    import shutil

    from engine.models.registry import Manifest, ModelRegistry, describe_files, now_iso

    registry = ModelRegistry(data_dir)
    staging = registry.staging_dir(model_id)
    try:
        head_to_onnx(model, staging / "model.onnx")
        (staging / "head.json").write_text(json.dumps(model.to_json()), encoding="utf-8")
        manifest = Manifest(
            id=model_id, task=TASK, architecture="softmax-head", source=source,
            files=tuple(describe_files(staging, ["model.onnx", "head.json"])), quantization=None,
            created=now_iso(),
            extra={"onnx": "model.onnx", "labels": list(LEVELS), "embedder": embedder_id,
                   "dim": len(model.feature_names), "keywords": head_keywords(model.feature_names),
                   "recipe_version": RECIPE_VERSION,
                   "emergency_threshold": metrics["emergency_threshold"], "metrics": metrics, **(extra or {})})
        registry.install(staging, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _source_key(path: Path, embedder_id: str) -> str:
    """What the head is built from: the labelled set's bytes and the embedder."""
    return hashlib.sha256(path.read_bytes() + b"\0" + embedder_id.encode()).hexdigest()


def prepare_triage_head(data_dir: Path, progress: Progress = None,
                        cancelled: Callable[[], bool] | None = None) -> dict:
    """`enclave setup`: train the head unless one built from this set, with this recipe and
    the default embedder, is installed. A retrained version the user promoted stays the
    default (the rebuilt base head is installed beside it)."""
    from engine.models.embedding import get_embedder
    from engine.models.registry import ModelRegistry

    registry = ModelRegistry(data_dir)
    embedder_id = registry.default_id("embedding")
    if embedder_id is None:
        raise EnclaveError("the triage head needs the embedder: prepare it first")
    if registry.is_current(HEAD_ID, _source_key(vignettes_file(), embedder_id), RECIPE_VERSION):
        entry = registry.load(HEAD_ID)
        return {"model": HEAD_ID, "skipped": True, "held_out": entry.manifest.extra["metrics"]["held_out"],
                "default": registry.default_id(TASK)}
    metrics = train_triage_head(data_dir, get_embedder(data_dir, embedder_id, "cpu"),
                                make_default=registry.default_id(TASK) in (None, HEAD_ID), progress=progress,
                                cancelled=cancelled)
    return {"model": HEAD_ID, "skipped": False, "held_out": metrics["held_out"], "default": registry.default_id(TASK)}


class TriageClassifier:
    """The installed head with the embedder it was trained on: level probabilities for a
    text, and the words that moved them (occlusion)."""

    def __init__(self, data_dir: Path, device: str = "auto", model_id: str | None = None):
        from engine.models.embedding import get_embedder
        from engine.models.registry import ModelRegistry, open_session

        registry = ModelRegistry(data_dir)
        model_id = model_id or registry.default_id(TASK)
        if model_id is None:
            raise EnclaveError("no triage classifier installed: run `enclave setup`")
        self.entry = registry.load(model_id)
        extra = self.entry.manifest.extra
        self.model_id = model_id
        self.threshold = float(extra.get("emergency_threshold", 0.5))
        self.embedder = get_embedder(Path(data_dir), extra.get("embedder"), device)
        self.session = open_session(self.entry, device)
        self.keywords = list(extra.get("keywords", []))
        self.input_name = self.session.session.get_inputs()[0].name  # "features" ("embedding" before recipe 2)

    @property
    def provider(self) -> str:
        return self.session.provider

    def probabilities(self, texts: list[str]) -> np.ndarray:
        features = self.embedder.embed(texts).astype(np.float32)
        if self.keywords:
            features = np.hstack([features, keyword_matrix(texts, self.keywords)])
        return self.session.run(["probabilities"], {self.input_name: features})[0]

    def classify(self, text: str) -> tuple[str, dict[str, float]]:
        p = self.probabilities([text])[0]
        return decide(p, self.threshold)[0], {lv: float(p[i]) for i, lv in enumerate(LEVELS)}

    def explain(self, text: str, level: str, top: int = 5) -> list[tuple[str, float]]:
        """The words whose removal lowers `level`'s probability most (occlusion), with by how much."""
        words = text.split()
        if len(words) < 2:
            return []
        words = words[:120]  # a long message: the first 120 words are weighed
        variants = [" ".join(words[:i] + words[i + 1:]) for i in range(len(words))]
        p = self.probabilities([" ".join(words)] + variants)[:, LEVELS.index(level)]
        drops = p[0] - p[1:]
        order = [i for i in np.argsort(-drops) if words[i].strip(".,;:!?()\"'").lower() not in _FILLER][:top]
        return [(words[i].strip(".,;:!?()\"'"), round(float(drops[i]), 4)) for i in order if drops[i] > 0.005]
