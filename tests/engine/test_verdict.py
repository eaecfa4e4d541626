"""Yes / no / maybe verdicts: the question test, the deterministic rule on hand-written
abstracts, the learned model's fit and JSON round trip, and the PubMedQA bench on a slice."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.workspaces.research.verdict import (
    FEATURE_NAMES,
    VERDICTS,
    Verdict,
    VerdictModel,
    cues,
    is_yes_no_question,
    rule_verdict,
    verdict_features,
)

PUBMEDQA = Path(__file__).resolve().parents[3] / "shared" / "data" / "research" / "pubmedqa_dev.json"

# Hand-written abstracts (invented studies), passages in document order.
WALKING = [
    "Background\n\nWinter walking groups are popular in northern towns, but their effect on falls "
    "in older people is not known.",
    "Methods\n\nWe randomised 240 adults aged over 70 to a supervised walking group or to usual "
    "activity for six months.",
    "Results\n\nFalls were significantly reduced in the walking group (rate ratio 0.61, p = 0.003). "
    "Balance scores also improved.\n\nConclusions\n\nIn conclusion, a supervised walking programme "
    "reduces falls in older adults and should be offered widely.",
]
BRACELETS = [
    "Background\n\nCopper bracelets are sold to relieve joint pain.",
    "Methods\n\nIn a crossover trial, 70 patients with knee arthritis wore a copper or a steel "
    "bracelet for eight weeks each.",
    "Results\n\nPain scores were 41 with copper and 42 with steel (p = 0.71).\n\nConclusions\n\n"
    "Copper bracelets did not relieve knee pain more than steel bracelets; the benefit wearers "
    "report is not explained by the metal.",
]
SLEEP_APP = [
    "Background\n\nSleep apps promise better rest for shift workers.",
    "Methods\n\nWe followed 95 nurses on rotating shifts who used a sleep app for three months.",
    "Results\n\nSelf-reported sleep quality rose slightly, while measured sleep duration did not "
    "change.\n\nConclusions\n\nThe app may help some shift workers, but the evidence is inconclusive "
    "and further studies with objective measures are needed.",
]
# No conclusion section (as in PubMedQA): the results closest to the question decide.
SCANNERS = [
    "Two handheld bladder scanners are used on our wards. We compared their volume readings with "
    "catheter volumes in 60 patients.",
    "Mean absolute errors were 38 ml and 41 ml. There was no significant difference in accuracy "
    "between the two scanners (p = 0.64).",
]
DRESSING = [
    "We compared a new silver dressing with gauze in 120 leg ulcers.",
    "The new dressing not only shortened healing time but also significantly lowered infection "
    "rates (p < 0.01).",
]


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def embedder(prepared_dir):
    from engine.models.embedding import get_embedder

    return get_embedder(prepared_dir, None, "cpu")


@pytest.mark.parametrize("question", [
    "Is aspirin useful after hip surgery?", "Does exercise prevent postnatal depression?",
    "Are reminders effective?", "Can vaginal pH be read from a slide?", "Could this be avoided?",
    "Should everyone be screened?", "Will the trend continue?", "Has mortality fallen?",
    "Have outcomes improved?", "Was the campaign worth it?", "Were the groups comparable?",
    "Do we really need the whole curve?", "Doesn't it hurt?",
    "Cancer of the mouth: are margins accurate predictors of local control?",
    "Cold knife conization vs. LEEP. Are they the same procedure?",
    "We asked whether reminders change adherence.", "whether night shifts raise blood pressure",
])
def test_yes_no_questions_are_recognised(question):
    assert is_yes_no_question(question)


@pytest.mark.parametrize("question", [
    "What is the dose of aspirin after hip surgery?", "How does the scanner estimate volume?",
    "Which patients benefit most?", "Why do falls rise in winter?", "Aspirin after surgery?",
    "List the side effects of the dressing.", "", "   ",
])
def test_open_questions_are_not_yes_no(question):
    assert not is_yes_no_question(question)


@pytest.mark.parametrize("use_embedder", [True, False])
@pytest.mark.parametrize(("question", "passages", "label", "evidence_start"), [
    ("Does a supervised walking programme reduce falls in older adults?", WALKING, "yes",
     "In conclusion, a supervised walking programme"),
    ("Do copper bracelets relieve knee pain?", BRACELETS, "no", "Copper bracelets did not relieve"),
    ("Do sleep apps improve sleep in shift workers?", SLEEP_APP, "maybe", "The app may help"),
    ("Does the new dressing improve wound healing?", DRESSING, "yes", "The new dressing not only"),
])
def test_rule_verdict_reads_the_deciding_sentence(embedder, use_embedder, question, passages, label,
                                                  evidence_start):
    verdict = rule_verdict(question, passages, embedder if use_embedder else None)
    assert isinstance(verdict, Verdict)
    assert verdict.label == label, verdict
    assert verdict.evidence.startswith(evidence_start)
    # the deciding sentence is quoted verbatim (whitespace-normalised) from a passage
    assert any(verdict.evidence in flat(p) for p in passages)
    assert set(verdict.scores) == set(VERDICTS) and abs(sum(verdict.scores.values()) - 1) < 1e-9
    assert verdict.confidence == verdict.scores[label] == max(verdict.scores.values())


def test_no_difference_answers_a_sameness_question_with_yes(embedder):
    alike = rule_verdict("Are the two bladder scanners equally accurate?", SCANNERS, embedder)
    assert alike.label == "yes" and "no significant difference" in alike.evidence
    better = rule_verdict("Is the first bladder scanner more accurate than the second?", SCANNERS, embedder)
    assert better.label == "no" and "no significant difference" in better.evidence


def test_negation_cues_are_read_with_care():
    assert cues("The dressing not only shortened healing but also lowered infection rates.")["negation"] == 0
    assert cues("Infection rates were significantly reduced with the dressing.")["significant"] == 1
    assert cues("Infection rates were not significantly different.")["significant"] == 0
    assert cues("Infection rates were not significantly different.")["negation"] >= 1
    assert cues("There was no significant difference between groups.")["negation"] >= 1
    assert cues("The difference was not significant.")["significant"] == 0
    assert cues("The difference was statistically significant.")["significant"] == 1
    assert cues("Rates were 4% and 9% (p = 0.03).")["p_significant"] == 1
    assert cues("Rates were 4% and 5% (P = .41).")["p_not_significant"] == 1
    assert cues("A significant stenosis was found in 5.8%.")["significant"] == 0  # large, not statistical


def test_rule_verdict_without_sentences_says_maybe():
    verdict = rule_verdict("Does it work?", [], None)
    assert verdict.label == "maybe" and verdict.evidence == ""


def test_verdict_features_have_a_fixed_length(embedder):
    a = verdict_features("Do copper bracelets relieve knee pain?", BRACELETS, embedder)
    b = verdict_features("Does the new dressing improve wound healing?", DRESSING, embedder)
    assert a.shape == b.shape == (len(FEATURE_NAMES),) and np.isfinite(a).all() and np.isfinite(b).all()


def test_verdict_model_fits_a_separable_problem_and_round_trips():
    rng = np.random.default_rng(0)
    centres = np.array([[3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 3.0]])
    y = [VERDICTS[i % 3] for i in range(90)]
    X = np.vstack([centres[VERDICTS.index(label)] + 0.4 * rng.standard_normal(3) for label in y])
    model = VerdictModel(feature_names=("a", "b", "c")).fit(X, y, l2=0.1)
    assert model.predict(X) == y
    proba = model.predict_proba(X)
    assert proba.shape == (90, 3) and np.allclose(proba.sum(axis=1), 1)

    saved = json.dumps(model.to_json())
    again = VerdictModel.from_json(saved)
    assert np.allclose(again.predict_proba(X), proba) and again.labels == VERDICTS
    with pytest.raises(ValueError):
        VerdictModel.from_json({**json.loads(saved), "feature_names": ["a", "b"]})
    with pytest.raises(ValueError):
        VerdictModel().predict_proba(X)


def test_verdict_model_copes_with_a_missing_label():
    X = np.array([[0.0], [0.2], [1.0], [1.2]] * 5)
    model = VerdictModel(feature_names=("x",)).fit(X, ["no", "no", "yes", "yes"] * 5)
    assert model.predict(X) == ["no", "no", "yes", "yes"] * 5
    assert np.isfinite(model.predict_proba(X)).all()


def test_pubmedqa_bench_on_a_slice_writes_both_files(prepared_dir, tmp_path):
    if not PUBMEDQA.is_file():
        pytest.skip(f"PubMedQA items not found at {PUBMEDQA} (the shared data is not checked out)")
    from engine.bench.pubmedqa import run_pubmedqa_bench

    out = tmp_path / "bench"
    steps = []
    result = run_pubmedqa_bench(prepared_dir, items_file=PUBMEDQA, out_dir=out, folds=3, limit=30,
                                progress=lambda f, m: steps.append(f))
    assert steps and steps[-1] == 1.0
    saved = json.loads((out / "pubmedqa.json").read_text(encoding="utf-8"))
    table = (out / "pubmedqa.md").read_text(encoding="utf-8")
    assert saved["items"] == result["items"] == 30 and len(saved["rows"]) == 30
    for key in ("rule", "model_cv"):
        assert 0.0 <= saved[key]["accuracy"] <= 1.0 and 0.0 <= saved[key]["macro_f1"] <= 1.0
        assert sum(map(sum, saved[key]["confusion"])) == 30
    assert 0.0 < saved["majority"]["accuracy"] <= 1.0 and saved["human_accuracy"] == 0.78
    assert 0.0 <= saved["answers"]["cited_in_abstract"] <= 1.0 and saved["time"]["per_item"]["mean_ms"] > 0
    assert "cross-validat" in table and "no model trained on PubMedQA ships with the app" in table
    # the results hold ids, labels and numbers: no text of the items
    items = json.loads(PUBMEDQA.read_text(encoding="utf-8"))
    first = items[saved["rows"][0]["id"]]
    dumped = json.dumps(saved) + table
    assert first["QUESTION"] not in dumped and first["CONTEXTS"][0][:60] not in dumped
