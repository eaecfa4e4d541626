"""Feedback and retraining: a clinician's verdict on a triage becomes a labelled example;
retrain fits a candidate head on the train split plus those labels and makes it the
default only if the pipeline on the held-out split keeps emergency recall and improves
macro-F1; the replaced version stays for rollback; `enclave setup` never undoes it."""

from __future__ import annotations

import json

import pytest
from test_training_candidates import install

from engine.cli import main
from engine.errors import EnclaveError
from engine.models.embedding import get_embedder
from engine.models.registry import ModelRegistry
from engine.store import open_store
from engine.workspaces.medical import classifier
from engine.workspaces.medical.retrain import record_triage_feedback, retrain_triage_head

TRAIN, TEST = 60, 30  # a small labelled set and one L2 penalty keep each training to a second or two


@pytest.fixture(scope="module", autouse=True)
def one_penalty():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(classifier, "L2_GRID", (100.0,))
        yield


@pytest.fixture(scope="module")
def small_set(tmp_path_factory, prepared_dir):
    """A data dir with the prepared embedder, a base head trained on a small labelled
    file, that file, and more of the project's training messages to label as a user."""
    data = tmp_path_factory.mktemp("retrain")
    (data / "models").mkdir()
    for folder in (prepared_dir / "models").iterdir():
        if folder.is_dir() and ModelRegistry(prepared_dir).entry(folder.name, verify=False).task != "triage":
            (data / "models" / folder.name).symlink_to(folder, target_is_directory=True)
    ModelRegistry(data).set_default("embedding", ModelRegistry(prepared_dir).default_id("embedding"))
    rows = classifier.load_vignettes()
    train = [r for r in rows if r["split"] == "train"]
    test = [r for r in rows if r["split"] == "test"][:TEST]
    path = data / "small.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in train[:TRAIN] + test), encoding="utf-8")
    classifier.train_triage_head(data, get_embedder(data, None, "cpu"), vignettes=path)
    return data, path, test, train[TRAIN:TRAIN + 150]


def test_feedback_retrain_promote_refuse_and_rollback(small_set, capsys):
    data, path, held_out, more = small_set
    registry = ModelRegistry(data)
    assert registry.default_id("triage") == classifier.HEAD_ID

    report = retrain_triage_head(data, vignettes=path, device="cpu")
    assert not report.trained and "no triage has been marked" in report.reason
    assert registry.ids().count(classifier.HEAD_ID) == 1 and registry.default_id("triage") == classifier.HEAD_ID

    with open_store(data) as store:  # a clinician corrects a triage of a held-out message
        run = store.add_run("medical", "triage", held_out[0]["text"], {"level": "routine"})
    record = record_triage_feedback(data, run, "emergency")
    assert (record.shown, record.level, record.feedback, record.labelled) == ("routine", "emergency", -1, 1)
    report = retrain_triage_head(data, vignettes=path, device="cpu")
    assert not report.trained and report.held_out_excluded == 1 and "repeat held-out messages" in report.reason

    with open_store(data) as store:  # then labels 150 more messages
        for row in more:
            store.add_labelled_example("triage", row["text"], row["level"], source="test")
    report = retrain_triage_head(data, vignettes=path, device="cpu")
    candidate, current = report.metrics["candidate"], report.metrics["current"]
    assert report.trained and report.used == 150 and report.held_out_excluded == 1
    assert candidate["n"] == current["n"] == TEST
    assert candidate["emergency_recall"] >= current["emergency_recall"] and candidate["macro_f1"] > current["macro_f1"]
    assert report.promoted and report.default == report.candidate == "triage-head-2"
    assert registry.default_id("triage") == "triage-head-2"
    assert registry.load("triage-head-2").manifest.extra["previous"] == classifier.HEAD_ID
    assert classifier.TriageClassifier(data, "cpu").model_id == "triage-head-2"

    # the same data again: a candidate no better than the current one is discarded
    again = retrain_triage_head(data, vignettes=path, device="cpu")
    assert again.trained and not again.promoted and again.candidate == "triage-head-3"
    assert "macro_f1" in again.reason and "not better" in again.reason
    assert again.metrics["candidate"]["macro_f1"] == pytest.approx(again.metrics["current"]["macro_f1"])
    assert registry.default_id("triage") == "triage-head-2" and "triage-head-3" not in registry.ids()

    with open_store(data) as store:
        jobs = [j for j in store.list_jobs() if j["kind"] == "medical.retrain"]
        actions = [r["action"] for r in store.db["audit"].rows_where("action like 'medical.%'", order_by="id")]
    assert [j["status"] for j in jobs] == ["done"] * 4 and "not better" in jobs[0]["message"]
    assert actions == ["medical.retrain.promote", "medical.retrain.reject"]

    assert main(["medical", "rollback", "--json", "--data-dir", str(data)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["from"] == "triage-head-2" and out["to"] == out["default"] == classifier.HEAD_ID
    assert registry.default_id("triage") == classifier.HEAD_ID and "triage-head-2" in registry.ids()
    assert main(["medical", "rollback", "--data-dir", str(data)]) == 2
    assert "triage-head is the first triage version" in capsys.readouterr().err


def test_feedback_refuses_what_it_cannot_label(tmp_path):
    with open_store(tmp_path) as store:
        chat = store.add_run("chat", "turn", "hello", {"text": "hi"})
        triage = store.add_run("medical", "triage", "sore throat", {"level": "self_care"})
    with pytest.raises(EnclaveError, match="no triage with run id"):
        record_triage_feedback(tmp_path, chat, "urgent")
    with pytest.raises(EnclaveError, match="no triage with run id 999"):
        record_triage_feedback(tmp_path, 999)
    with pytest.raises(EnclaveError, match="unknown level 'severe'"):
        record_triage_feedback(tmp_path, triage, "severe")
    assert record_triage_feedback(tmp_path, triage).feedback == 1


def test_setup_keeps_a_retrained_default(tmp_path, monkeypatch):
    """A rebuilt base head is installed beside a promoted version, never put back in use."""
    registry = ModelRegistry(tmp_path)
    install(registry, "triage-head")
    install(registry, "triage-head-2", previous="triage-head")
    install(registry, "some-embedder", task="embedding")
    registry.set_default("triage", "triage-head-2")
    calls = []
    monkeypatch.setattr("engine.models.embedding.get_embedder", lambda *a: object())
    monkeypatch.setattr(classifier, "train_triage_head",
                        lambda data_dir, embedder, **kw: calls.append(kw["make_default"]) or {"held_out": {}})
    result = classifier.prepare_triage_head(tmp_path)
    assert calls == [False] and result["default"] == "triage-head-2" and not result["skipped"]
    registry.set_default("triage", "triage-head")
    classifier.prepare_triage_head(tmp_path)
    assert calls == [False, True]


def test_cli_feedback_and_retrain(tmp_path, capsys):
    def cli(*args: str) -> tuple[int, str, str]:
        code = main([*args, "--data-dir", str(tmp_path)])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = cli("medical", "triage", "my 6 week old baby has a temperature of 38.2", "--json")
    run_id = json.loads(out)["run_id"]
    assert code == 0 and isinstance(run_id, int)
    code, out, _ = cli("medical", "feedback", str(run_id), "--level", "urgent", "--json")
    assert code == 0 and json.loads(out) == {"run_id": run_id, "level": "urgent", "shown": "emergency",
                                             "feedback": -1, "labelled": 1}
    code, out, _ = cli("medical", "feedback", str(run_id), "--right")
    assert code == 0 and f"triage {run_id}: right; stored as emergency (1 labelled triages" in out
    code, _, err = cli("medical", "feedback", "999", "--right")
    assert code == 2 and err.strip() == "enclave: error: no triage with run id 999 in the history"
    with pytest.raises(SystemExit) as exited:  # a level is required: right, or the right one
        cli("medical", "feedback", str(run_id))
    assert exited.value.code == 2 and "--right --level is required" in capsys.readouterr().err
    with open_store(tmp_path) as store:
        (example,) = store.labelled_examples("triage")
        assert example.label == "emergency" and store.get_run(run_id).feedback == 1

    code, _, err = cli("medical", "retrain", "--json")  # a label, but no embedder to learn with
    assert code == 2 and "needs the embedder" in err and len(err.strip().splitlines()) == 1
    empty = tmp_path / "empty"
    code = main(["medical", "retrain", "--json", "--data-dir", str(empty)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["trained"] is False and out["promoted"] is False
    assert {"reason", "current", "default", "candidate", "labelled", "used", "held_out_excluded", "gate", "metrics",
            "job"} <= set(out)
    with open_store(empty) as store:
        assert store.get_job(out["job"])["status"] == "done"
