"""The research benchmark on a slice: two papers, their questions, a 2,000-passage index
(the full run over every shared paper and 50,000 passages lives in benchmarks/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.bench.research import run_research_bench

RESEARCH = Path(__file__).resolve().parents[3] / "shared" / "data" / "research"
PAPERS = ("bert.pdf", "distilbert.pdf")


@pytest.fixture
def slice_inputs(tmp_path) -> tuple[list[Path], Path]:
    papers = [RESEARCH / "papers" / name for name in PAPERS]
    qa_file = RESEARCH / "qa_dev.jsonl"
    if not all(p.is_file() for p in papers) or not qa_file.is_file():
        pytest.skip(f"the shared research papers and qa_dev.jsonl are not at {RESEARCH}")
    lines = [line for line in qa_file.read_text(encoding="utf-8").splitlines()
             if line.strip() and json.loads(line)["paper_file"] in PAPERS]
    sliced = tmp_path / "qa.jsonl"
    sliced.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return papers, sliced


def test_bench_research_on_two_papers_writes_sane_numbers(prepared_dir, slice_inputs, tmp_path):
    papers, qa_file = slice_inputs
    questions = len(qa_file.read_text(encoding="utf-8").splitlines())
    out = tmp_path / "bench"
    steps = []
    result = run_research_bench(prepared_dir, papers=papers, qa_file=qa_file, out_dir=out,
                                synthetic_chunks=2000, search_queries=20,
                                progress=lambda f, m: steps.append(f))

    saved = json.loads((out / "research.json").read_text(encoding="utf-8"))
    assert saved["ingest"] == result["ingest"] and saved["date"] and saved["machine"]["cpu_count"]
    table = (out / "research.md").read_text(encoding="utf-8")
    assert "| ingest pages/s |" in table and ("MET" in table)

    ingest = result["ingest"]
    assert ingest["imported"] == 2 and ingest["pages"] > 0 and ingest["chunks"] >= ingest["embedded_chunks"] > 0
    assert ingest["pages_per_s"] > 0 and ingest["ceiling"]["chunks_per_s"] > 0

    retrieval = result["retrieval"]
    assert retrieval["questions"] == questions
    assert 0.0 <= retrieval["hit_at_5"] <= 1.0 and 0.0 <= retrieval["mrr_at_10"] <= 1.0

    answers = result["answers"]["extractive"]
    assert answers["questions"] == questions and answers["citations"] > 0
    # every cited passage is found verbatim in the stored page it cites
    assert answers["in_stored_page"] == 1.0
    assert all(c["in_stored_page"] for row in answers["rows"] for c in row["citations"])
    assert 0.0 <= answers["in_pdfium_page"] <= 1.0 and answers["pdfium_checked"] == answers["citations"]

    scale = result["scale"]
    assert scale["chunks"] == 2000 and scale["index_rows"] == 2000 and scale["queries"] == 20
    assert scale["latency"]["p95_ms"] > 0 and scale["latency"]["p50_ms"] <= scale["latency"]["p95_ms"]
    assert steps and steps[-1] == 1.0
