"""Cold start and responsiveness, measured in fresh processes (generous bounds only:
the numbers live in benchmarks/startup.md)."""

import json

from cli_runner import run_cli

from engine.bench.startup import probe


def test_window_paints_without_torch_and_the_gui_keeps_ticking_while_generating(prepared_dir):
    report = probe(prepared_dir, generate_tokens=48)
    assert not report["torch_loaded"] and not report["transformers_loaded"]
    assert not report["onnxruntime_loaded_at_paint"], "inference imports must wait for the first paint"
    assert report["generation"]["new_tokens"] == 48
    assert report["heartbeats"] > 10
    # a blocked GUI thread shows as seconds; this bound only catches that
    assert report["worst_late_ms"] < 500, report


def test_bench_startup_writes_its_table(prepared_dir, tmp_path):
    proc = run_cli("bench", "startup", "--json", "--repeats", "1", "--generate-tokens", "0",
                   "--out", str(tmp_path), "--data-dir", str(prepared_dir), check=True)
    result = json.loads(proc.stdout)
    assert result["first_paint_s"] > 0 and result["torch_loaded"] is False
    assert "first paint" in (tmp_path / "startup.md").read_text()
