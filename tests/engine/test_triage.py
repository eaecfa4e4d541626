"""Triage end to end: rules first (a floor the classifier cannot lower), then the
classifier; cannot-assess cases; the CLI's JSON contract."""

from __future__ import annotations

import json

import pytest
from cli_runner import run_cli

from engine.workspaces.medical import triage as pipeline
from engine.workspaces.medical.classifier import LEVELS


class FixedClassifier:
    """A classifier that always says `level` (to show what the rules add on top)."""

    model_id, provider = "fixed", "CPUExecutionProvider"

    def __init__(self, level):
        self.level = level

    def classify(self, text):
        return self.level, {lv: (0.97 if lv == self.level else 0.01) for lv in LEVELS}

    def explain(self, text, level, top=5):
        return [("word", 0.1)]


def test_a_red_flag_sets_a_floor_the_classifier_cannot_lower():
    result = pipeline.triage("Sudden crushing chest pain, sweating and short of breath", FixedClassifier("self_care"))
    assert result.level == "emergency" and result.confidence == 1.0
    assert result.red_flags and any("chest" in f.matched.lower() for f in result.red_flags)
    assert any("above the classifier's self_care" in r for r in result.reasons)
    assert result.classifier["level"] == "self_care"


def test_without_red_flags_the_classifier_decides_and_a_higher_level_is_kept():
    assert pipeline.triage("Runny nose and sneezing for two days", FixedClassifier("routine")).level == "routine"
    kept = pipeline.triage("Sudden crushing chest pain and sweating", FixedClassifier("emergency"))
    assert kept.level == "emergency"
    negated = pipeline.triage("No chest pain, no sweating, just a runny nose", FixedClassifier("self_care"))
    assert negated.level == "self_care" and not negated.red_flags


@pytest.mark.parametrize("text,why", [
    ("", "empty"), ("   ", "empty"), ("hello", "one word"), ("🤒🤒🤒", "one word"),
    ("hola, tengo mucho dolor de cabeza hoy", "English"),
    ("I would like to change the time of my appointment please", "symptom"),
])
def test_what_cannot_be_assessed_is_urgent_and_says_why(text, why):
    result = pipeline.triage(text, FixedClassifier("self_care"))
    assert not result.assessable and result.level == "urgent"
    assert "contact a clinician" in result.advice and why in result.reasons[0]


def test_vital_signs_alone_are_assessed_and_huge_input_is_cut_with_a_note():
    assert pipeline.triage("HR 140 BP 80/50 SpO2 86%", FixedClassifier("routine")).level == "emergency"
    long = "Mild sore throat for two days. " * 2000
    result = pipeline.triage(long, FixedClassifier("self_care"))
    assert result.assessable and any("characters" in r for r in result.reasons)


def test_without_a_classifier_the_rules_alone_never_say_self_care():
    result = pipeline.triage("Runny nose for two days", None)
    assert result.level == "urgent" and any("No triage classifier" in r for r in result.reasons)


def test_cli_triage_follows_the_contract_and_keeps_the_run(tmp_path):
    proc = run_cli("medical", "triage", "my 6 week old baby has a temperature of 38.2", "--json",
                   "--data-dir", str(tmp_path), check=True)
    out = json.loads(proc.stdout)
    assert {"level", "assessable", "confidence", "red_flags", "reasons", "conditions", "advice",
            "disclaimer"} <= set(out)
    assert out["level"] == "emergency" and out["assessable"] is True and 0 <= out["confidence"] <= 1
    assert {"id", "label", "matched"} <= set(out["red_flags"][0]) and "not a diagnosis" in out["disclaimer"]
    proc = run_cli("medical", "triage", "", "--json", "--data-dir", str(tmp_path), check=True)
    out = json.loads(proc.stdout)
    assert out["assessable"] is False and out["level"] == "urgent"
    proc = run_cli("history", "search", "baby", "--json", "--data-dir", str(tmp_path), check=True)
    assert json.loads(proc.stdout)["runs"][0]["workspace"] == "medical"
