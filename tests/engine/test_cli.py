"""The `enclave` command: JSON contract, exit codes, one-line errors."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_runner import GUARDED_MAIN, ROOT, run_cli


def one_line_error(proc):
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    return len(lines) == 1 and "error" in lines[0] and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [["--bogus"], ["models", "frob"], ["history"],
                                  ["bench", "embed", "--n", "many"]])
def test_bad_arguments_exit_2_with_one_line(args, tmp_path):
    proc = run_cli(*args, "--data-dir", str(tmp_path))
    assert proc.returncode == 2
    assert one_line_error(proc), proc.stderr


def test_unwritable_data_dir_is_one_line_exit_2(tmp_path):
    target = tmp_path / "file-not-dir"
    target.write_text("x")
    proc = run_cli("doctor", "--data-dir", str(target / "sub"))
    assert proc.returncode == 2 and one_line_error(proc)
    assert "not writable" in proc.stderr


def test_doctor_json_contract(model_data_dir):
    proc = run_cli("doctor", "--json", "--data-dir", str(model_data_dir), check=True)
    report = json.loads(proc.stdout)
    assert {"version", "data_dir", "providers_available", "provider_in_use", "models"} <= set(report)
    assert report["provider_in_use"] == "CPUExecutionProvider"  # no GPU on this machine kind
    assert "CPUExecutionProvider" in report["providers_available"]
    assert report["data_dir"] == str(model_data_dir)
    models = {m["id"]: m for m in report["models"]}
    assert {"all-minilm-l6-v2", "all-minilm-l6-v2-int8", "smollm2-135m-instruct-int4"} <= set(models)
    assert all(m["verified"] is True for m in models.values())
    assert models["smollm2-135m-instruct-int4"]["task"] == "generation"
    assert models["all-minilm-l6-v2-int8"]["task"] == "embedding"
    assert report["self_test_model"].endswith("model.onnx")  # a real model ran the self-test


def test_doctor_human_text_on_an_empty_data_dir(tmp_path):
    proc = run_cli("doctor", "--data-dir", str(tmp_path / "new"), check=True)
    assert "provider in use:     CPUExecutionProvider" in proc.stdout
    assert "run `enclave setup`" in proc.stdout


def test_device_cuda_fails_loudly_on_this_machine(tmp_path):
    proc = run_cli("doctor", "--device", "cuda", "--data-dir", str(tmp_path))
    assert proc.returncode == 2 and one_line_error(proc)
    assert "--device cuda cannot run" in proc.stderr


def test_env_var_sets_the_data_dir(tmp_path):
    proc = run_cli("doctor", "--json", env={"ENCLAVE_DATA_DIR": str(tmp_path / "via-env")}, check=True)
    assert json.loads(proc.stdout)["data_dir"] == str(tmp_path / "via-env")


def copy_models(prepared_dir, tmp_path):
    data = tmp_path / "copy"
    shutil.copytree(prepared_dir / "models", data / "models")
    return data


def test_models_verify_reports_an_altered_file(prepared_dir, tmp_path):
    data = copy_models(prepared_dir, tmp_path)
    proc = run_cli("models", "verify", "--json", "--data-dir", str(data), check=True)
    assert all(m["verified"] for m in json.loads(proc.stdout)["models"])
    onnx_file = data / "models" / "all-minilm-l6-v2-int8" / "model.onnx"
    with open(onnx_file, "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00\x01\x02")
    proc = run_cli("models", "verify", "--data-dir", str(data))
    assert proc.returncode == 2
    assert "all-minilm-l6-v2-int8" in proc.stderr and "sha256 mismatch" in proc.stdout
    # loading the altered model is refused with the reason, not attempted
    proc = run_cli("tour", "--json", "--data-dir", str(data))
    assert proc.returncode == 2 and one_line_error(proc) and "failed verification" in proc.stderr


def test_setup_again_is_fast_and_changes_nothing(model_data_dir):
    manifest = model_data_dir / "models" / "all-minilm-l6-v2-int8" / "manifest.json"
    before = manifest.read_bytes(), manifest.stat().st_mtime_ns
    started = time.perf_counter()
    proc = run_cli("setup", "--json", "--data-dir", str(model_data_dir), check=True)
    assert json.loads(proc.stdout)["embedder"]["skipped"] is True
    assert time.perf_counter() - started < 30  # generous: a real re-export takes far longer
    assert (manifest.read_bytes(), manifest.stat().st_mtime_ns) == before


def test_concurrent_setups_do_not_corrupt(prepared_dir, tmp_path):
    # Two setups at once on a data dir whose int8 model is damaged: one rebuilds under
    # the lock, the other waits and then finds everything up to date.
    data = copy_models(prepared_dir, tmp_path)
    (data / "models" / "all-minilm-l6-v2-int8" / "model.onnx").write_bytes(b"broken")
    procs = [subprocess.Popen([sys.executable, "-c", GUARDED_MAIN, "setup", "--json", "--data-dir", str(data)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                              env=dict(os.environ)) for _ in range(2)]
    results = [p.communicate(timeout=900) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    skipped = sorted(json.loads(out)["embedder"]["skipped"] for out, _ in results)
    assert skipped == [False, True]
    proc = run_cli("models", "verify", "--json", "--data-dir", str(data), check=True)
    assert all(m["verified"] for m in json.loads(proc.stdout)["models"])
    assert not [p for p in (data / "models").iterdir() if p.name.startswith((".staging", ".trash"))]


def test_tour_writes_outputs_and_records_history(model_data_dir, tmp_path):
    out = tmp_path / "tour"
    proc = run_cli("tour", "--json", "--out", str(out), "--data-dir", str(model_data_dir), check=True)
    result = json.loads(proc.stdout)
    assert sorted(os.path.basename(f) for f in result["files"]) == [
        "doctor.json", "embedding.json", "generation.json", "research-answers.md", "research-report.md",
        "research.json", "triage.json", "triage.md"]
    triaged = json.loads((out / "triage.json").read_text(encoding="utf-8"))
    assert {t["level"] for t in triaged} <= {"emergency", "urgent", "routine", "self_care"}
    assert triaged[0]["level"] == "emergency" and all(t["disclaimer"] for t in triaged)
    report = (out / "research-report.md").read_text(encoding="utf-8")
    assert "## Themes" in report and "Street trees and the urban heat island" in report
    research = json.loads((out / "research.json").read_text())
    assert research["ingest"]["imported"] == 3
    for answer in research["answers"]:  # cited from the sample documents, or honestly none
        assert answer["mode"] in ("generative", "extractive") and answer["citations"]
        assert all("Enclave sample" in Path(c["path"]).read_text(encoding="utf-8") for c in answer["citations"])
    assert "11 degrees" in research["answers"][0]["answer"]
    assert "Slow-wave sleep" in research["answers"][1]["answer"]
    gen = json.loads((out / "generation.json").read_text())
    assert gen["answer"].strip() and gen["provider"] == "CPUExecutionProvider"
    emb = json.loads((out / "embedding.json").read_text())
    assert emb["provider"] == "CPUExecutionProvider"
    assert "heart attack" in emb["matches"][0]["best_match"]
    proc = run_cli("history", "search", "chest pain", "--json", "--data-dir", str(model_data_dir),
                   check=True)
    runs = json.loads(proc.stdout)["runs"]
    assert runs and runs[0]["workspace"] == "tour" and runs[0]["provider"] == "CPUExecutionProvider"


def test_history_export_and_purge(model_data_dir, tmp_path):
    run_cli("tour", "--out", str(tmp_path / "t"), "--data-dir", str(model_data_dir), check=True)
    out = tmp_path / "history.md"
    run_cli("history", "export", "--format", "md", "--out", str(out), "--data-dir",
            str(model_data_dir), check=True)
    assert "# Enclave history" in out.read_text()
    proc = run_cli("history", "purge", "--data-dir", str(model_data_dir))
    assert proc.returncode == 2 and "--yes" in proc.stderr  # never purges without consent
    proc = run_cli("history", "purge", "--yes", "--json", "--data-dir", str(model_data_dir), check=True)
    # the tour: embedding, generation, the research import, its two answers, the report
    # and six triages
    assert json.loads(proc.stdout)["purged"] == 12


def test_no_display_gives_a_one_line_hint(tmp_path):
    env = {k: "" for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = run_cli("--data-dir", str(tmp_path), env=env)
    assert proc.returncode == 2 and one_line_error(proc)
    assert "enclave tour" in proc.stderr
