"""Reading user files into page texts and metadata: PDFs (real papers and hand-made ones),
text, Markdown, HTML, DOCX, and the BibTeX/RIS parsers."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import Cancelled
from engine.workspaces.research import parsing
from engine.workspaces.research.parsing import (
    MAX_FILE_BYTES,
    SUPPORTED_SUFFIXES,
    DocumentError,
    parse_bibtex,
    parse_document,
    parse_ris,
)

PAPERS = Path("/work/shared/data/research/papers")
needs_papers = pytest.mark.skipif(
    not (PAPERS / "bert.pdf").is_file(),
    reason=f"the real papers are not present at {PAPERS} (shared research data set)")


def normalised(text: str) -> str:
    """How a quote checker compares text: C0 controls dropped, whitespace collapsed."""
    return " ".join(re.sub(r"[\x00-\x08\x0e-\x1b]", "", text).split())


def make_pdf(pages: list[list[tuple[float, str]]], *, info: dict[str, str] | None = None,
             encrypt: bool = False) -> bytes:
    """A small PDF written by hand: each page is (font size, text) lines set top-down in
    Helvetica. `encrypt` adds a Standard security handler whose user password is not
    empty (PDFium cannot write encrypted files, so the bytes are made here)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        y, ops = 760.0, []
        for size, text in lines:
            escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"BT /F1 {size} Tf 72 {y:.1f} Td ({escaped}) Tj ET")
            y -= size * 1.5
        stream = "\n".join(ops).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % len(objects))
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % kid for kid in kids), len(kids))
    trailer = b"/Root 1 0 R"
    if info:
        entries = b" ".join(b"/%s (%s)" % (key.encode(), value.encode("latin-1"))
                            for key, value in info.items())
        objects.append(b"<< %s >>" % entries)
        trailer += b" /Info %d 0 R" % len(objects)
    if encrypt:
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -44 >>"
                       % (b"11" * 32, b"22" * 32))
        trailer += b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (len(objects), b"ab" * 16, b"ab" * 16)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, trailer, xref)
    return bytes(out)


PAPER_PAGES = [
    [(9, "arXiv:2101.00001v2 [cs.CL] 3 Feb 2021"),
     (18, "Sparse Widgets for Dense"), (18, "Retrieval at Scale"),
     (11, "Jane Doe, John Smith and Ana Lopez"), (10, "University of Nowhere"),
     (11, "Abstract"),
     (10, "We study sparse widgets. They are great and we show"),
     (10, "that they retrieve documents well."),
     (11, "1 Introduction"),
     (10, "Widgets are everywhere. This paper is about them.")],
    [(10, "Page two text.")],
    [],  # a page without text
]


# ---------------------------------------------------------------- real papers


@pytest.fixture(scope="module")
def bert():
    return parse_document(PAPERS / "bert.pdf")


@needs_papers
def test_bert_metadata(bert):
    assert bert.kind == "pdf"
    assert "BERT" in bert.title
    assert bert.title.startswith("BERT: Pre-training of Deep Bidirectional Transformers")
    assert bert.year == 2019  # from the arXiv stamp "24 May 2019"
    assert bert.abstract.startswith("We introduce a new language representation model called BERT")
    assert bert.abstract.endswith("(5.1 point absolute improvement).")
    assert bert.authors == ("Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova")
    assert len(bert.pages) == 16 and bert.has_text and bert.warnings == ()
    assert bert.sha256 == hashlib.sha256((PAPERS / "bert.pdf").read_bytes()).hexdigest()


@needs_papers
def test_bert_pages_keep_every_character_pdfium_extracts(bert):
    import pypdfium2 as pdfium

    sentence = ("BERT is conceptually simple and empirically powerful. It obtains new "
                "state-of-the-art re\ufffesults on eleven natural language processing tasks")
    assert normalised(sentence) in normalised(bert.pages[0])
    pdf = pdfium.PdfDocument(PAPERS / "bert.pdf")
    try:
        for number, text in enumerate(bert.pages):
            raw = pdf[number].get_textpage().get_text_range()
            assert normalised(text) == normalised(raw), f"page {number + 1} differs"
    finally:
        pdf.close()


@needs_papers
def test_bert_page_text_has_paragraphs(bert):
    page = bert.pages[0]
    assert "\r" not in page
    assert "\n\nAbstract\n\n" in page and "\n\n1 Introduction\n\n" in page
    # the abstract's two paragraphs stay apart, the lines within one are joined
    assert "modifications.\n\nBERT is conceptually simple and empirically powerful." in page


@needs_papers
def test_metadata_title_and_authors_when_the_pdf_has_them():
    mmlu = parse_document(PAPERS / "MMLU_measure.pdf")
    assert mmlu.title == "Measuring Massive Multitask Language Understanding"
    assert mmlu.authors[:2] == ("Dan Hendrycks", "Collin Burns") and len(mmlu.authors) == 7
    assert mmlu.year == 2021
    assert mmlu.abstract.startswith("We propose a new test to measure a text model’s multitask")


@needs_papers
def test_paper_without_arxiv_stamp_takes_the_creation_year():
    paper = parse_document(PAPERS / "wellawatte2023_xai_molecular_prediction.pdf")
    assert paper.title == "A Perspective on Explanations of Molecular Prediction Models"
    # "and Andrew" / "D. White" is one name broken over two lines
    assert paper.authors == ("Geemi P. Wellawatte", "Heta A. Gandhi", "Aditi Seshadri",
                             "Andrew D. White")
    assert paper.year == 2023
    assert paper.abstract.startswith("Chemists can be skeptical in using deep learning")
    assert paper.abstract.endswith("uncover structure-property relationships.")


@needs_papers
def test_pdf_cut_to_its_first_2_kb_is_refused(tmp_path):
    cut = tmp_path / "bert.pdf"
    cut.write_bytes((PAPERS / "bert.pdf").read_bytes()[:2048])
    with pytest.raises(DocumentError) as error:
        parse_document(cut)
    assert str(error.value) == "bert.pdf is not a readable PDF (corrupt or truncated)"


@needs_papers
def test_pdf_missing_its_tail_is_read_with_a_warning(tmp_path):
    # PDFium rebuilds the cross-reference table; what it can read is kept
    data = (PAPERS / "bert.pdf").read_bytes()
    cut = tmp_path / "bert.pdf"
    cut.write_bytes(data[:int(len(data) * 0.9)])
    parsed = parse_document(cut)
    assert "truncated file: read 16 pages" in parsed.warnings
    assert parsed.has_text and "BERT" in parsed.title


# ---------------------------------------------------------------- hand-made PDFs


def test_metadata_heuristics_on_a_made_paper(tmp_path):
    path = tmp_path / "widgets.pdf"
    # a file name as Title is not a title; the stamp's year wins over CreationDate
    info = {"Title": "paper.dvi", "CreationDate": "D:20190101"}
    path.write_bytes(make_pdf(PAPER_PAGES, info=info))
    parsed = parse_document(path)
    assert parsed.title == "Sparse Widgets for Dense Retrieval at Scale"
    assert parsed.authors == ("Jane Doe", "John Smith", "Ana Lopez")
    assert parsed.year == 2021
    assert parsed.abstract == ("We study sparse widgets. They are great and we show that they "
                               "retrieve documents well.")
    assert parsed.pages[1:] == ("Page two text.", "")
    assert parsed.warnings == ("1 of 3 pages have no text",)
    assert parsed.has_text


def test_real_metadata_title_and_creation_year_are_used(tmp_path):
    pages = [[(18, "Sparse Widgets"), (10, "Some text of the first page.")]]
    path = tmp_path / "w.pdf"
    info = {"Title": "Sparse Widgets", "CreationDate": "D:20180304120000Z"}
    path.write_bytes(make_pdf(pages, info=info))
    parsed = parse_document(path)
    assert parsed.title == "Sparse Widgets" and parsed.year == 2018
    assert parsed.authors == () and parsed.abstract is None


def test_implausible_years_are_rejected(tmp_path):
    path = tmp_path / "w.pdf"
    path.write_bytes(make_pdf([[(10, "Text.")]], info={"CreationDate": "D:18500101"}))
    assert parse_document(path).year is None


def test_pdf_without_text_layer_is_kept_and_says_ocr_is_unavailable(tmp_path):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(200, 200)
    image = pdfium.PdfImage.new(pdf)  # a "scan": one grey image, no text
    bitmap = pdfium.PdfBitmap.new_native(40, 40, pdfium.raw.FPDFBitmap_BGR)
    bitmap.fill_rect((90, 90, 90, 255), 0, 0, 40, 40)
    image.set_bitmap(bitmap)
    image.set_matrix(pdfium.PdfMatrix().scale(200, 200))
    page.insert_obj(image)
    page.gen_content()
    pdf.new_page(200, 200)  # and a blank page
    path = tmp_path / "scan.pdf"
    pdf.save(path)
    pdf.close()
    parsed = parse_document(path)
    assert parsed.has_text is False
    assert parsed.pages == ("", "")
    assert parsed.title == "scan"
    assert any("OCR is not available" in warning for warning in parsed.warnings)


def test_encrypted_pdf_is_refused(tmp_path):
    path = tmp_path / "locked.pdf"
    path.write_bytes(make_pdf(PAPER_PAGES, encrypt=True))
    with pytest.raises(DocumentError) as error:
        parse_document(path)
    assert str(error.value) == ("locked.pdf is password-protected; Enclave cannot open "
                                "encrypted PDFs")


def test_random_bytes_named_pdf_are_refused(tmp_path):
    path = tmp_path / "noise.pdf"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(DocumentError, match="not a readable PDF"):
        parse_document(path)


def test_pdf_without_trailer_is_read_with_a_truncation_warning(tmp_path):
    data = make_pdf(PAPER_PAGES)
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[:data.rfind(b"xref")])
    parsed = parse_document(path)
    assert "truncated file: read 3 pages" in parsed.warnings
    assert parsed.pages[1] == "Page two text."


def test_a_page_that_fails_becomes_empty_with_a_warning(tmp_path, monkeypatch):
    path = tmp_path / "w.pdf"
    path.write_bytes(make_pdf([[(10, "One.")], [(10, "Two.")], [(10, "Three.")]]))
    read_page = parsing._read_pdf_page

    def broken_second_page(pdf, index, *args, **kwargs):
        if index == 1:
            raise RuntimeError("bad content stream")
        return read_page(pdf, index, *args, **kwargs)

    monkeypatch.setattr(parsing, "_read_pdf_page", broken_second_page)
    parsed = parse_document(path)
    assert parsed.pages == ("One.", "", "Three.")
    assert parsed.warnings == ("1 of 3 pages could not be read",)
    assert parsed.has_text


def test_a_pdf_whose_pages_all_fail_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "w.pdf"
    path.write_bytes(make_pdf([[(10, "One.")], [(10, "Two.")]]))

    def broken(*args, **kwargs):
        raise RuntimeError("bad page tree")

    monkeypatch.setattr(parsing, "_read_pdf_page", broken)
    with pytest.raises(DocumentError, match="not a readable PDF"):
        parse_document(path)


def test_cancel_between_pages(tmp_path):
    path = tmp_path / "w.pdf"
    path.write_bytes(make_pdf([[(10, f"Page {n}.")] for n in range(5)]))
    polls = []

    def cancelled() -> bool:
        polls.append(1)
        return len(polls) > 3

    with pytest.raises(Cancelled):
        parse_document(path, cancelled=cancelled)
    assert len(polls) == 4  # once before opening, then before pages 1, 2 and 3


def test_control_characters_are_removed_but_text_is_not(tmp_path):
    path = tmp_path / "w.pdf"
    path.write_bytes(make_pdf([[(10, "alpha\x01beta \x0cgamma")]]))
    assert parse_document(path).pages == ("alphabeta gamma",)


# ---------------------------------------------------------------- bad input


def test_missing_file(tmp_path):
    with pytest.raises(DocumentError, match=r"^gone\.pdf does not exist"):
        parse_document(tmp_path / "gone.pdf")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(DocumentError, match=r"^empty\.txt is empty$"):
        parse_document(path)


def test_unsupported_suffix_lists_the_supported_ones(tmp_path):
    path = tmp_path / "data.xyz"
    path.write_text("hello")
    with pytest.raises(DocumentError) as error:
        parse_document(path)
    assert "data.xyz" in str(error.value)
    assert all(suffix in str(error.value) for suffix in SUPPORTED_SUFFIXES)


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "huge.pdf"
    with path.open("wb") as handle:  # sparse: takes no disk space
        handle.truncate(MAX_FILE_BYTES + 50 * 1024 * 1024)
    with pytest.raises(DocumentError) as error:
        parse_document(path)
    assert str(error.value) == "huge.pdf is 350 MB; Enclave reads files up to 300 MB"


def test_binary_content_named_txt_is_refused(tmp_path):
    path = tmp_path / "blob.txt"
    path.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(DocumentError, match="does not look like a text file"):
        parse_document(path)


# ---------------------------------------------------------------- text and Markdown


def test_text_paragraphs_and_utf8_bom(tmp_path):
    path = tmp_path / "notes.txt"
    text = "\ufeffFirst line\r\nof a paragraph.\r\n\r\n\r\nSecond   paragraph.\n"
    path.write_bytes(text.encode())
    parsed = parse_document(path)
    assert parsed.kind == "text" and parsed.title == "notes"
    assert parsed.pages == ("First line of a paragraph.\n\nSecond paragraph.",)
    assert parsed.warnings == () and parsed.has_text


def test_latin1_text_is_decoded_with_a_warning(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes("Café crème, naïve façade.".encode("latin-1"))
    parsed = parse_document(path)
    assert parsed.pages == ("Café crème, naïve façade.",)
    assert parsed.warnings == ("not UTF-8: read as Windows-1252 (cp1252)",)


def test_markdown_markup_is_stripped_and_code_kept(tmp_path):
    path = tmp_path / "readme.md"
    path.write_text(
        "---\ntitle: Front Matter Title\nauthors: [Jane Doe, John Smith]\ndate: 2021-05-03\n---\n"
        "# Widgets *Explained*\n\n"
        "Some **bold** and _emphasis_ with a [link](https://example.org) and `x_y`.\n"
        "Same paragraph, snake_case_name kept.\n\n"
        "- first item\n- second item\n\n"
        "```python\nprint(a * b * c)\n```\n", encoding="utf-8")
    parsed = parse_document(path)
    assert parsed.kind == "markdown"
    assert parsed.title == "Widgets Explained"  # the first "# " heading wins
    assert parsed.authors == ("Jane Doe", "John Smith") and parsed.year == 2021
    assert parsed.pages == (
        "Widgets Explained\n\n"
        "Some bold and emphasis with a link and x_y. Same paragraph, snake_case_name kept.\n\n"
        "first item\n\nsecond item\n\n"
        "print(a * b * c)",)


def test_markdown_title_from_front_matter_then_stem(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: \"Quoted Title\"\n---\nBody.\n", encoding="utf-8")
    assert parse_document(path).title == "Quoted Title"
    path.write_text("Just text.\n", encoding="utf-8")
    assert parse_document(path).title == "a"


# ---------------------------------------------------------------- HTML


def test_html_visible_text_and_citation_meta(tmp_path):
    path = tmp_path / "paper.html"
    path.write_text("""<!DOCTYPE html><html><head><title>Widgets | Journal site</title>
<meta name="citation_title" content="Widgets &amp; Gadgets">
<meta name="citation_author" content="Doe, Jane"><meta name="citation_author" content="John Smith">
<meta name="citation_publication_date" content="2019/05/24">
<meta name="description" content="We study widgets.">
<style>p { color: red }</style><script>var s = "<p>hidden</p>";</script></head>
<body><nav><a href="/">Home</a> <a href="/about">About</a></nav>
<h1>Widgets &amp; Gadgets</h1><p>First&nbsp;paragraph
spans two lines.</p><div>A block<br>after a break</div>
<ul><li>one</li><li>two</li></ul><script>alert("no")</script></body></html>""", encoding="utf-8")
    parsed = parse_document(path)
    assert parsed.kind == "html"
    assert parsed.title == "Widgets & Gadgets"
    assert parsed.authors == ("Jane Doe", "John Smith")
    assert parsed.year == 2019 and parsed.abstract == "We study widgets."
    assert parsed.pages == ("Widgets & Gadgets\n\nFirst\xa0paragraph spans two lines.\n\n"
                            "A block\n\nafter a break\n\none\n\ntwo",)


def test_html_title_falls_back_to_title_then_h1(tmp_path):
    path = tmp_path / "page.htm"
    path.write_text("<html><head><title> My  Page </title></head><body><h1>Head</h1></body></html>")
    assert parse_document(path).title == "My Page"
    path.write_text("<html><body><h1>Only <em>Heading</em></h1><p>Text</p></body></html>")
    assert parse_document(path).title == "Only Heading"


def test_html_declared_charset_is_honoured(tmp_path):
    path = tmp_path / "old.html"
    path.write_bytes('<meta charset="windows-1252"><p>Café</p>'.encode("cp1252"))
    parsed = parse_document(path)
    assert parsed.pages == ("Café",) and parsed.warnings == ()


# ---------------------------------------------------------------- DOCX


def test_docx_paragraphs_tables_and_core_properties(tmp_path):
    import datetime

    import docx

    document = docx.Document()
    document.add_paragraph("Widget Report", style="Title")
    document.add_paragraph("First paragraph.")
    document.add_heading("Results", level=1)
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, (("Name", "Score"), ("widget", "0.9")), strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("Last paragraph.")
    document.core_properties.author = "Jane Doe"
    document.core_properties.created = datetime.datetime(2021, 6, 1)
    path = tmp_path / "report.docx"
    document.save(path)
    parsed = parse_document(path)
    assert parsed.kind == "docx"
    assert parsed.title == "Widget Report"
    assert parsed.authors == ("Jane Doe",) and parsed.year == 2021
    assert parsed.pages == ("Widget Report\n\nFirst paragraph.\n\nResults\n\n"
                            "Name | Score\n\nwidget | 0.9\n\nLast paragraph.",)


def test_docx_defaults_are_not_metadata(tmp_path):
    import docx

    document = docx.Document()  # python-docx's template says "python-docx", 2013
    document.add_heading("Chapter One", level=1)
    document.add_paragraph("Text.")
    path = tmp_path / "plain.docx"
    document.save(path)
    parsed = parse_document(path)
    assert parsed.title == "Chapter One" and parsed.authors == () and parsed.year is None


def test_broken_docx_is_refused(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DocumentError, match=r"^broken\.docx is not a readable Word document"):
        parse_document(path)


# ---------------------------------------------------------------- BibTeX and RIS

BIBTEX = r"""
% exported by a reference manager
@string{acl = "Proceedings of ACL"}
@comment{ anything @here }
@inproceedings{devlin2019bert,
  title     = {{BERT}: Pre-training of Deep Bidirectional {T}ransformers},
  author    = "Devlin, Jacob and Chang, Ming-Wei and Kenton Lee and others",
  booktitle = acl,
  year      = 2019,
  doi       = {10.18653/v1/N19-1423},
  abstract  = {We introduce a new language representation model called {BERT}.}
}
@article{broken, title = {Unbalanced {braces}, author = {X}
@article{schutze,
  title = "Sch{\"u}tze's {\'E}tude: na\"{\i}ve " # "caf{\'e}s",
  author = {Sch{\"u}tze, Hinrich and {Barnes and Noble}},
  date = {2008-05-01},
  url = {https://doi.org/10.1000/xyz123},
}
@misc{nothing, note = {no title and no doi}}
"""


def test_parse_bibtex():
    entries = parse_bibtex(BIBTEX)
    assert [entry["key"] for entry in entries] == ["devlin2019bert", "schutze"]
    bert, schutze = entries
    assert bert == {
        "key": "devlin2019bert",
        "title": "BERT: Pre-training of Deep Bidirectional Transformers",
        "authors": ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee"],
        "year": 2019, "doi": "10.18653/v1/N19-1423",
        "abstract": "We introduce a new language representation model called BERT."}
    assert schutze["title"] == "Schütze's Étude: naïve cafés"
    assert schutze["authors"] == ["Hinrich Schütze", "Barnes and Noble"]
    assert schutze["year"] == 2008 and schutze["doi"] == "10.1000/xyz123"
    assert schutze["abstract"] is None


def test_parse_bibtex_never_crashes_on_garbage():
    assert parse_bibtex("") == []
    assert parse_bibtex("@article{") == []
    assert parse_bibtex("@@@ {{{ }}} @book(x, title = ") == []
    assert isinstance(parse_bibtex(os.urandom(2000).decode("latin-1")), list)


RIS = """\ufeffTY  - JOUR
TI  - Measuring Massive Multitask
  Language Understanding
AU  - Hendrycks, Dan
AU  - Burns, Collin
PY  - 2021///
DO  - 10.48550/arXiv.2009.03300
AB  - We propose a new test.
ER  -

AU  - Orphan, Field
TY  - CONF
T1  - Second Paper
A1  - Jane Doe
DA  - 2019/05/24
ID  - doe2019
"""


def test_parse_ris():
    first, second = parse_ris(RIS)
    assert first == {"key": None, "title": "Measuring Massive Multitask Language Understanding",
                     "authors": ["Dan Hendrycks", "Collin Burns"], "year": 2021,
                     "doi": "10.48550/arXiv.2009.03300", "abstract": "We propose a new test."}
    # no ER at the end of the file: the entry is still read
    assert second == {"key": "doe2019", "title": "Second Paper", "authors": ["Jane Doe"],
                      "year": 2019, "doi": None, "abstract": None}
    assert parse_ris("not a ris file\nER  - \n") == []


# ---------------------------------------------------------------- start-up cost


def test_importing_the_parser_loads_neither_pdfium_nor_docx():
    code = ("import sys, engine.workspaces.research.parsing; "
            "print(sorted(m for m in ('pypdfium2', 'docx', 'lxml') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.strip() == "[]"
