"""Research end to end on real papers (a slice of ../shared/data/research: three PDFs and
their questions; `enclave bench research` runs them all)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run_cli

from engine.models.embedding import get_embedder
from engine.store import open_store
from engine.workspaces.research import answer as answering
from engine.workspaces.research import library
from engine.workspaces.research.search import search

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "research"
SLICE = ("bert.pdf", "distilbert.pdf", "roberta.pdf")
pytestmark = pytest.mark.skipif(not (DATA / "papers").is_dir(),
                                reason=f"shared research data not found at {DATA}")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def library_dir(tmp_path_factory, prepared_dir):
    """One library with the three papers, built once through the CLI."""
    data = tmp_path_factory.mktemp("research")
    (data / "models").symlink_to(prepared_dir / "models", target_is_directory=True)
    proc = run_cli("research", "ingest", *[str(DATA / "papers" / name) for name in SLICE],
                   "--collection", "transformers", "--json", "--data-dir", str(data), check=True)
    return data, json.loads(proc.stdout)


@pytest.fixture(scope="module")
def questions():
    rows = [json.loads(line) for line in (DATA / "qa_dev.jsonl").read_text().splitlines() if line.strip()]
    return [r for r in rows if r["paper_file"] in SLICE]


def test_ingest_reads_every_page_with_metadata(library_dir):
    import pypdfium2 as pdfium

    data, report = library_dir
    assert report["imported"] == 3 and report["failed"] == 0
    with open_store(data) as store:
        docs = {Path(d.path).name: d for d in library.list_documents(store)}
    for name in SLICE:
        assert docs[name].pages == len(pdfium.PdfDocument(str(DATA / "papers" / name)))
        assert docs[name].collections == ("transformers",) and docs[name].chunks > 10
    assert docs["bert.pdf"].title.startswith("BERT: Pre-training of Deep Bidirectional Transformers")
    assert docs["bert.pdf"].year == 2019 and "Jacob Devlin" in docs["bert.pdf"].authors


def test_retrieval_finds_the_answering_paper(library_dir, questions):
    data, _ = library_dir
    embedder = get_embedder(data, None, "cpu")
    with open_store(data) as store:
        found = [q["paper_file"] in {Path(h.path).name for h in search(store, q["question"], embedder, limit=5)}
                 for q in questions]
    assert len(found) >= 8 and sum(found) / len(found) >= 0.9


def test_every_citation_is_found_in_its_page(library_dir, questions):
    """Whitespace-normalised, in the stored page text and in PDFium's own text of the page
    (line-end hyphens shown as printed, "- ")."""
    import pypdfium2 as pdfium

    data, _ = library_dir
    embedder = get_embedder(data, None, "cpu")
    with open_store(data) as store:
        for q in questions[:6]:
            result = answering.ask(store, q["question"], embedder, mode="extractive")
            assert result.mode == "extractive" and result.citations
            for c in result.citations:
                stored = store.db.execute("select text from pages where document_id = ? and page = ?",
                                          [c.document_id, c.page]).fetchone()[0]
                assert flat(c.passage) in flat(stored)
                raw = pdfium.PdfDocument(c.path)[c.page - 1].get_textpage().get_text_range()
                assert flat(c.passage) in flat(library.printed(raw))


def test_cli_json_follows_the_contract(library_dir):
    data, _ = library_dir
    proc = run_cli("research", "search", "masked language model", "--json", "--data-dir", str(data), check=True)
    results = json.loads(proc.stdout)["results"]
    assert results and {"document", "path", "page", "score", "snippet"} <= set(results[0])
    assert isinstance(results[0]["page"], int) and results[0]["page"] >= 1
    assert isinstance(results[0]["score"], float)
    proc = run_cli("research", "ask", "How many parameters does BERT-large have?", "--mode", "extractive",
                   "--json", "--data-dir", str(data), check=True)
    answer = json.loads(proc.stdout)
    assert {"answer", "mode", "citations", "model", "provider"} <= set(answer)
    assert answer["mode"] == "extractive" and answer["provider"] == "CPUExecutionProvider"
    assert {"document", "path", "page", "passage"} <= set(answer["citations"][0])
    proc = run_cli("research", "ask", "Does DistilBERT keep most of BERT's language understanding?",
                   "--mode", "extractive", "--json", "--data-dir", str(data), check=True)
    verdict = json.loads(proc.stdout)["verdict"]  # a yes/no question gets a verdict in the record
    assert verdict["label"] in ("yes", "no", "maybe") and 0 <= verdict["confidence"] <= 1
    proc = run_cli("research", "ask", "What is the best recipe for sourdough bread?", "--json",
                   "--data-dir", str(data), check=True)
    assert json.loads(proc.stdout)["mode"] == "no_answer"
    with open_store(data) as store:
        runs = [r for r in store.list_runs() if r.workspace == "research"]
    assert {r.kind for r in runs} >= {"ingest", "ask"}


def test_a_5000_word_question_is_answered_with_a_note(library_dir):
    data, _ = library_dir
    question = "What does the next sentence prediction task teach BERT? " + " ".join(
        f"context{i % 97}" for i in range(5000))
    with open_store(data) as store:
        result = answering.ask(store, question, get_embedder(data, None, "cpu"), mode="extractive")
    assert result.mode in ("extractive", "no_answer")
    assert any("5009 words" in n and "first 200" in n for n in result.notes)


def test_bad_files_get_reasons_and_lose_nothing(library_dir, tmp_path, prepared_dir):
    import pypdfium2 as pdfium

    data = tmp_path / "lib"
    data.mkdir()
    (data / "models").symlink_to(prepared_dir / "models", target_is_directory=True)
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes((DATA / "papers" / "distilbert.pdf").read_bytes()[:2048])
    scanned = tmp_path / "scanned.pdf"
    doc = pdfium.PdfDocument.new()
    doc.new_page(612, 792)
    doc.save(str(scanned))
    latin = tmp_path / "notes.txt"
    latin.write_bytes("Café résumé: the naïve Bayes baseline reached 71 % accuracy.".encode("latin-1"))
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    embedder = get_embedder(data, None, "cpu")
    with open_store(data) as store:
        report = library.ingest([DATA / "papers" / "distilbert.pdf", truncated, scanned, latin, empty,
                                 DATA / "papers" / "distilbert.pdf", tmp_path / "missing.pdf"], store, embedder)
        status = {Path(f.path).name: (f.status, f.reason) for f in report.files}
        assert status["distilbert.pdf"][0] == "imported"
        assert status["truncated.pdf"][0] == "failed" and "not a readable PDF" in status["truncated.pdf"][1]
        assert status["scanned.pdf"][0] == "no_text" and "OCR is not available" in status["scanned.pdf"][1]
        assert status["notes.txt"][0] == "imported"
        assert status["empty.md"][0] == "failed" and "empty" in status["empty.md"][1]
        assert status["missing.pdf"][0] == "failed"
        assert [f.reason for f in report.files if f.status == "skipped"] == ["listed more than once"]
        listed = {Path(d.path).name: d.status for d in library.list_documents(store)}
        assert listed == {"distilbert.pdf": "indexed", "scanned.pdf": "no_text", "notes.txt": "indexed"}
        assert search(store, "naïve Bayes baseline", embedder)[0].document_id  # latin-1 text is searchable

        # a cancel part-way keeps what was imported and leaves no half document
        calls = {"n": 0}

        def cancel_on_second_file() -> bool:
            calls["n"] += 1
            return calls["n"] > 1
        before = store.db.execute("select count(*) from chunks").fetchone()[0]
        report = library.ingest([DATA / "papers" / "bert.pdf", DATA / "papers" / "roberta.pdf"], store,
                                embedder, cancelled=cancel_on_second_file)
        assert report.cancelled
        orphans = store.db.execute("select count(*) from chunks where document_id not in "
                                   "(select id from documents)").fetchone()[0]
        assert orphans == 0
        assert store.db.execute("select count(*) from chunks").fetchone()[0] >= before
        report = library.ingest([DATA / "papers" / "llama.pdf"], store, embedder, cancelled=lambda: True)
        assert report.cancelled and not report.files


def test_report_quotes_every_line_from_the_papers(library_dir, tmp_path):
    from engine.errors import Cancelled
    from engine.workspaces.research.report import build_report

    data, _ = library_dir
    embedder = get_embedder(data, None, "cpu")
    with open_store(data) as store:
        report = build_report(store, embedder, collection="transformers")
        assert {Path(p.path).name for p in report.papers} == set(SLICE)
        assert len(report.themes) >= 2 and all(t.terms for t in report.themes)
        assert all(p.summary and p.findings for p in report.papers)
        bert = next(p for p in report.papers if p.path.endswith("bert.pdf") and "BERT:" in p.title)
        assert bert.summary[0].text.startswith("We introduce a new language representation model called BERT")
        for quote in report.quotes():  # every statement is a sentence of the cited page
            page = store.db.execute("select text from pages where document_id = ? and page = ?",
                                    [quote.document_id, quote.page]).fetchone()[0]
            assert flat(quote.passage) in flat(page)
        with pytest.raises(Cancelled):
            build_report(store, embedder, cancelled=lambda: True)
    markdown = report.to_markdown()
    for heading in ("## Themes", "## Papers", "## Agreement across papers", "## Disagreement across papers",
                    "## Open questions", "## References"):
        assert heading in markdown
    assert "<h2>References</h2>" in report.to_html() and "<script" not in report.to_html()
    out = tmp_path / "report.html"
    run_cli("research", "report", "--collection", "transformers", "--out", str(out), "--data-dir", str(data),
            check=True)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    proc = run_cli("research", "report", "--out", str(tmp_path / "r.pdf"), "--data-dir", str(data))
    assert proc.returncode == 2 and "Export" in proc.stderr and not (tmp_path / "r.pdf").exists()


def test_bibtex_and_ris_files_fill_in_the_metadata_of_imported_papers(tmp_path, prepared_dir):
    data = tmp_path / "lib"
    data.mkdir()
    (data / "models").symlink_to(prepared_dir / "models", target_is_directory=True)
    bib = tmp_path / "refs.bib"
    bib.write_text("""@inproceedings{sanh2019,
  title = {{DistilBERT}, a distilled version of {BERT}: smaller, faster, cheaper and lighter},
  author = {Sanh, Victor and Debut, Lysandre and Chaumond, Julien and Wolf, Thomas},
  year = {2019},
  booktitle = {EMC2 Workshop at NeurIPS}
}
""", encoding="utf-8")
    ris = tmp_path / "other.ris"
    ris.write_text("TY  - JOUR\nTI  - A paper that is not in the library at all\nAU  - Nobody, A.\nPY  - 2001\nER  - \n")
    with open_store(data) as store:
        # the bibliography is listed first; it is still applied after the paper is imported
        report = library.ingest([bib, DATA / "papers" / "distilbert.pdf", ris], store, None)
        status = {Path(f.path).name: (f.status, f.reason) for f in report.files}
        assert status["distilbert.pdf"][0] == "imported"
        assert status["refs.bib"] == ("metadata", "1 of 1 references matched documents in the library")
        assert status["other.ris"] == ("metadata", "0 of 1 references matched documents in the library")
        (doc,) = library.list_documents(store)
        assert doc.year == 2019 and doc.authors[:2] == ("Victor Sanh", "Lysandre Debut")


def test_a_500_page_pdf_is_read_whole(tmp_path):
    """512 pages (BERT's 16, 32 times): every page stored, chunked and keyword-searchable."""
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(str(DATA / "papers" / "bert.pdf"))
    big = pdfium.PdfDocument.new()
    for _ in range(32):
        big.import_pages(source)
    path = tmp_path / "big.pdf"
    big.save(str(path))
    with open_store(tmp_path / "lib") as store:
        report = library.ingest([path], store, None)
        (outcome,) = report.files
        assert outcome.status == "imported" and outcome.pages == 512 and outcome.chunks > 2000
        assert store.db.execute("select count(*) from pages").fetchone()[0] == 512
        hits = search(store, "next sentence prediction", None, limit=3)
        assert hits and hits[0].page > 0
