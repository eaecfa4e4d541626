"""`enclave bench embed` on a small slice (the full 2,000-sentence run lives in benchmarks/)."""

import json

from cli_runner import run_cli

from engine.resources import resource_path


def test_bench_embed_small_slice_writes_a_comparable_table(model_data_dir, tmp_path):
    out = tmp_path / "bench"
    proc = run_cli("bench", "embed", "--json", "--n", "64", "--sentences",
                   str(resource_path("text", "embedding_quality.txt")), "--out", str(out),
                   "--data-dir", str(model_data_dir), check=True)
    result = json.loads(proc.stdout)
    labels = [r["contender"] for r in result["rows"]]
    assert labels == ["transformers/torch fp32", "Enclave ORT fp32",
                      "naive ORT int8 (quantize_dynamic defaults)", "Enclave ORT int8"]
    rows = {r["contender"]: r for r in result["rows"]}
    assert rows["transformers/torch fp32"]["speedup_vs_torch"] == 1.0
    assert rows["Enclave ORT fp32"]["min_cosine"] > 0.999
    # the shipped recipe beats naive int8 on agreement (speed is for the benchmark to say)
    assert rows["Enclave ORT int8"]["mean_cosine"] > rows["naive ORT int8 (quantize_dynamic defaults)"]["mean_cosine"]
    assert all(r["sentences_per_s"] > 0 for r in result["rows"])
    saved = json.loads((out / "embed.json").read_text())
    assert saved["n"] == 64 and saved["target"]["speedup_vs_torch"] == 2.5
    assert "| Enclave ORT int8 |" in (out / "embed.md").read_text()


def test_bench_embed_without_models_is_a_clear_error(tmp_path):
    proc = run_cli("bench", "embed", "--n", "10", "--data-dir", str(tmp_path))
    assert proc.returncode == 2 and "run `enclave setup` first" in proc.stderr


def test_bench_embed_without_sentences_says_what_to_pass(model_data_dir, tmp_path):
    proc = run_cli("bench", "embed", "--n", "10", "--data-dir", str(model_data_dir),
                   env={"ENCLAVE_SHARED_DATA": str(tmp_path / "absent")})
    assert proc.returncode == 2 and "pass --sentences FILE" in proc.stderr
