"""Task-independent training parts: merging the user's labels into a training set without
letting a held-out text in, the promotion gate, version ids and rollback."""

from __future__ import annotations

import pytest

from engine.errors import EnclaveError
from engine.models.registry import Manifest, ModelRegistry, describe_files
from engine.training.candidates import PREVIOUS, gate, next_version_id, rollback
from engine.training.labels import merge_examples

KEEP, IMPROVE = ("emergency_recall",), "macro_f1"


def test_user_labels_join_the_project_set_but_never_a_held_out_text():
    project = [("runny nose", "self_care"), ("knee ache for a month", "routine")]
    user = [("Runny  NOSE", "routine"), ("Crushing chest pain", "emergency"), ("worst headache ever", "self_care"),
            ("worst headache ever", "emergency")]
    merged = merge_examples(project, user, held_out_texts=["crushing chest pain "])
    pairs = dict(zip(merged.texts, merged.labels, strict=True))
    assert pairs == {"Runny  NOSE": "routine", "knee ache for a month": "routine", "worst headache ever": "emergency"}
    assert (merged.user_examples, merged.replaced, merged.held_out_excluded) == (2, 1, 1)


@pytest.mark.parametrize("candidate,promote,failed", [
    ({"emergency_recall": 1.0, "macro_f1": 0.71}, True, None),
    ({"emergency_recall": 0.95, "macro_f1": 0.90}, False, "emergency_recall 0.950 vs 1.000: lower"),
    ({"emergency_recall": 1.0, "macro_f1": 0.70}, False, "macro_f1 0.700 vs 0.700: not better"),
    ({"emergency_recall": 1.0, "macro_f1": 0.69}, False, "macro_f1 0.690 vs 0.700: not better"),
])
def test_the_gate_needs_emergency_recall_kept_and_macro_f1_improved(candidate, promote, failed):
    decision = gate(candidate, {"emergency_recall": 1.0, "macro_f1": 0.70}, keep=KEEP, improve=IMPROVE)
    assert decision.promote is promote
    assert len(decision.reasons) == 2
    if failed:
        assert failed in decision.reasons


def test_the_gate_promotes_when_there_is_nothing_to_beat():
    assert gate({"emergency_recall": 0.5, "macro_f1": 0.1}, None, keep=KEEP, improve=IMPROVE).promote


def install(registry: ModelRegistry, model_id: str, previous: str | None = None, task: str = "triage") -> None:
    staging = registry.staging_dir(model_id)
    (staging / "model.onnx").write_bytes(model_id.encode())
    registry.install(staging, Manifest(id=model_id, task=task, architecture="softmax-head", source="test",
                                       files=tuple(describe_files(staging, ["model.onnx"])), quantization=None,
                                       created="2026-01-01", extra={PREVIOUS: previous}))


def test_versions_count_up_and_rollback_walks_back_the_replacements(tmp_path):
    registry = ModelRegistry(tmp_path)
    assert next_version_id(registry, "head") == "head-2"
    install(registry, "head")
    install(registry, "head-2", previous="head")
    install(registry, "head-10", previous="head-2")
    install(registry, "head-int4")  # another family: not a version of "head"
    assert next_version_id(registry, "head") == "head-11"
    registry.set_default("triage", "head-10")
    assert rollback(registry, "triage") == ("head-10", "head-2")
    assert registry.default_id("triage") == "head-2" and "head-10" in registry.ids()  # kept
    assert rollback(registry, "triage") == ("head-2", "head")
    with pytest.raises(EnclaveError, match="head is the first triage version"):
        rollback(registry, "triage")
    assert registry.default_id("triage") == "head"


def test_rollback_refuses_when_the_previous_version_is_gone(tmp_path):
    registry = ModelRegistry(tmp_path)
    install(registry, "head")
    install(registry, "head-2", previous="head")
    registry.set_default("triage", "head-2")
    registry.remove("head")
    with pytest.raises(EnclaveError, match="no longer installed"):
        rollback(registry, "triage")
    assert registry.default_id("triage") == "head-2"
