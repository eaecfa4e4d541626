"""`enclave bench generate` on a tiny slice (the full run lives in benchmarks/generate.md)."""

import json

import pytest
from cli_runner import run_cli

from engine.bench.generate import TORCH_LABEL, prefix_agreement


@pytest.fixture
def checkpoint_cache(request):
    """The dequantised torch checkpoint (~40 s to build) kept in pytest's cache across runs."""
    return request.config.cache.mkdir("enclave-bench-generate")


def test_bench_generate_small_slice_writes_a_comparable_table(model_data_dir, checkpoint_cache, tmp_path):
    out = tmp_path / "bench"
    proc = run_cli("bench", "generate", "--json", "--repeats", "1", "--threads-list", "1",
                   "--max-new-tokens", "8", "--answer-tokens", "8", "--prompts", "2",
                   "--cache", str(checkpoint_cache), "--out", str(out),
                   "--data-dir", str(model_data_dir), check=True)
    result = json.loads(proc.stdout)
    rows = result["rows"]
    assert rows[0]["contender"] == TORCH_LABEL and rows[0]["speedup_vs_torch"] == 1.0
    assert len(rows) >= 2 and all(r["contender"].startswith("Enclave ORT") for r in rows[1:])
    for r in rows:
        assert r["threads"] == 1 and r["runs"] == 1
        assert r["new_tokens"] == 8  # EOS ignored: every contender decodes exactly N tokens
        assert r["decode_tokens_per_s"] > 0 and r["ttft_ms"] > 0 and r["peak_rss_mb"] > 0
        assert r["prompt_tokens"] == rows[0]["prompt_tokens"]  # same chat template on both sides
    quality = {q["contender"]: q for q in result["quality"]}
    assert quality[TORCH_LABEL]["agreement_first16"] == 1.0
    assert all(q["prompts"] == 2 and len(q["answers"]) == 2 for q in quality.values())
    saved = json.loads((out / "generate.json").read_text())
    assert saved["target"]["ttft_ms"] == 60.0 and saved["rows"] == rows
    table = (out / "generate.md").read_text()
    assert f"| {TORCH_LABEL} | 1 |" in table and "Targets" in table


def test_bench_generate_without_models_is_a_clear_error(tmp_path):
    proc = run_cli("bench", "generate", "--data-dir", str(tmp_path))
    assert proc.returncode == 2 and "no generation model installed" in proc.stderr
    proc = run_cli("bench", "generate", "--threads-list", "one,2", "--data-dir", str(tmp_path))
    assert proc.returncode == 2 and "--threads-list" in proc.stderr


def test_agreement_counts_tokens_before_the_first_divergence():
    assert prefix_agreement([1, 2, 3, 4], [1, 2, 3, 4]) == 1.0
    assert prefix_agreement([1, 2, 3, 4], [1, 2, 9, 4]) == 0.5  # later matches do not count
    assert prefix_agreement([1, 2], [1, 2, 3, 4]) == 0.5  # stopping early is a divergence
    assert prefix_agreement(list(range(40)), list(range(16)) + [0] * 24) == 1.0  # first 16 only
