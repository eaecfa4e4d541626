"""One user file (PDF, text, Markdown, HTML, DOCX) -> page texts plus best-effort metadata.

Page texts keep every character the source gives (a quoted passage must be found again in
its page); only whitespace is normalised: lines within a paragraph are joined with one
space and paragraphs are separated by a blank line. Metadata (title, authors, year,
abstract) is a best guess from the first page; wrong metadata is worse than none, so the
guessers give up rather than invent.

Also small, tolerant BibTeX and RIS parsers, so citation data exported from a reference
manager can be matched to the files of a library.

pypdfium2 and python-docx are imported inside the functions that use them: app start-up
must not pay for them.
"""

from __future__ import annotations

import ctypes
import datetime
import hashlib
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from engine.errors import Cancelled, EnclaveError


class DocumentError(EnclaveError):
    """A file that cannot be read; str(exc) is one line a user understands."""


@dataclass(frozen=True)
class ParsedDocument:
    """The text of one file, page by page, with what could be learnt about it.

    `pages[i]` is the text of page i + 1 (non-PDF formats have one page). `has_text` is
    False for a PDF without a text layer (a scan): keep it listed, it cannot be searched.
    `warnings` are one-line notes for the user ("3 of 40 pages have no text").
    """

    path: Path
    kind: str  # "pdf" | "text" | "markdown" | "html" | "docx"
    title: str  # never empty: falls back to the file stem
    authors: tuple[str, ...]
    year: int | None
    abstract: str | None
    pages: tuple[str, ...]
    sha256: str  # of the file bytes (dedup key)
    has_text: bool
    warnings: tuple[str, ...]


SUPPORTED_SUFFIXES = (".pdf", ".txt", ".md", ".markdown", ".html", ".htm", ".docx")
MAX_FILE_BYTES = 300 * 1024 * 1024

_KINDS = {".pdf": "pdf", ".txt": "text", ".md": "markdown", ".markdown": "markdown",
          ".html": "html", ".htm": "html", ".docx": "docx"}
_MAX_TITLE = 250
_MAX_ABSTRACT = 3000

# PDFium is not thread-safe; a library import may run in a worker while another worker
# parses, so every PDFium call goes through this lock.
_PDFIUM_LOCK = threading.Lock()


def parse_document(path: Path, cancelled: Callable[[], bool] | None = None) -> ParsedDocument:
    """Read one file into page texts and metadata.

    Args:
        path: a file with one of SUPPORTED_SUFFIXES (case-insensitive).
        cancelled: polled between PDF pages; when it returns True, `Cancelled` is raised.

    Raises:
        DocumentError: the file is missing, empty, too large, of an unsupported type,
            encrypted or unreadable. The message is one line meant for the user.
        Cancelled: `cancelled()` returned True.
    """
    path = Path(path)
    if cancelled is not None and cancelled():
        raise Cancelled(f"Reading {path.name} was cancelled")
    if not path.exists():
        raise DocumentError(f"{path.name} does not exist (was it moved or deleted?)")
    if not path.is_file():
        raise DocumentError(f"{path.name} is not a file")
    kind = _KINDS.get(path.suffix.lower())
    if kind is None:
        raise DocumentError(f"{path.name}: unsupported file type; Enclave reads "
                            f"{', '.join(SUPPORTED_SUFFIXES)}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if size == 0:
        raise DocumentError(f"{path.name} is empty")
    if size > MAX_FILE_BYTES:
        raise DocumentError(f"{path.name} is {_megabytes(size)}; Enclave reads files up to "
                            f"{_megabytes(MAX_FILE_BYTES)}")
    if kind == "pdf":
        return _parse_pdf(path, _sha256(path), cancelled)
    if kind == "docx":
        return _parse_docx(path, _sha256(path))
    data = _read_bytes(path)
    sha = hashlib.sha256(data).hexdigest()
    if kind == "html":
        return _parse_html(path, data, sha)
    return _parse_text(path, data, sha, markdown=kind == "markdown")


def _unreadable(path: Path, exc: OSError) -> DocumentError:
    return DocumentError(f"{path.name} cannot be read ({exc.strerror or 'access error'})")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from None


def _sha256(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        raise _unreadable(path, exc) from None


# ---------------------------------------------------------------- whitespace and paragraphs

# C0 controls other than tab/newline. Those Python counts as whitespace (\v \f \x1c-\x1f)
# become a space so that whitespace-normalised comparisons see the same text either way.
_CONTROL_DROP = re.compile(r"[\x00-\x08\x0e-\x1b]")
_CONTROL_SPACE = re.compile(r"[\x0b\x0c\x1c-\x1f]")
_SPACES = re.compile(r"[ \t]{2,}")
_SENTENCE_END = re.compile(r"[.?!:][\"'”’)\]]*$")
_BULLET = re.compile(r"^(?:[•◦▪●■‣∙]|[-*+–]\s)")
_CAPTION = re.compile(r"^(?:Table|Figure|Fig\.|Algorithm|Listing)\s+[A-Z]?\d+[.:]")
_NUMBERED_HEADING = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[IVX]{1,6}\.)\s+[A-Z][^\n]{0,70}$")
_NAMED_HEADING = re.compile(
    r"^(?:abstract|introduction|related work|background|method(?:s|ology)?|experiments?|results|"
    r"discussion|conclusions?|limitations|references|bibliography|acknowledge?ments?|"
    r"appendix(?: [A-Z])?)[.:]?$", re.IGNORECASE)


def _clean_lines(text: str) -> list[str]:
    """Lines with newlines unified, controls removed, spaces collapsed and trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_SPACE.sub(" ", _CONTROL_DROP.sub("", text))
    return [_SPACES.sub(" ", line).strip() for line in text.split("\n")]


def _is_heading(line: str) -> bool:
    if len(line) > 80 or (line.endswith((".", ",", ";", ":")) and not _NAMED_HEADING.match(line)):
        return False
    return bool(_NUMBERED_HEADING.match(line) or _NAMED_HEADING.match(line))


def _physical_lengths(line: str) -> list[int]:
    """Lengths of the printed lines in `line`: PDFium joins a line that ends in a
    hyphenated word to the next one, marking the break with U+FFFE."""
    return [len(part) for part in line.split("\ufffe")]


def _breaks_before(prev: str, line: str, typical: int, laid_out_start: bool = False) -> bool:
    """Whether `line` starts a new paragraph after `prev` (both non-empty).

    `laid_out_start`: the page geometry says the line is indented or set after extra space.
    """
    if _is_heading(line) or _BULLET.match(line) or _CAPTION.match(line):
        return True
    first = line[0]
    prev_length = _physical_lengths(prev)[-1]
    # a paragraph ends on a sentence end, in a line that stops short of the column width
    # or that is followed by an indented line or by extra space
    starts_sentence = first.isupper() or first.isdigit() or first in "\"“‘(["
    if starts_sentence and _SENTENCE_END.search(prev) \
            and (laid_out_start or prev_length < 0.8 * typical):
        return True
    # a very short line that does not stop mid-sentence (title, name, caption label)
    last = prev[-1]
    return first.isupper() and prev_length < 0.5 * typical \
        and not (last.isalpha() and last.islower()) and last not in ",;-–("


def _paragraphs(lines: list[str], *, one_per_line: bool = False,
                laid_out_starts: list[bool] | None = None) -> list[str]:
    """Group cleaned lines into paragraphs; blank lines always separate paragraphs.

    `laid_out_starts[i]`: line i is indented or follows extra space on the page.
    """
    if one_per_line:
        return [line for line in lines if line]
    lengths = sorted(n for line in lines if line for n in _physical_lengths(line))
    typical = lengths[min(len(lengths) - 1, int(len(lengths) * 0.8))] if lengths else 0
    paragraphs: list[str] = []
    current: list[str] = []
    for number, line in enumerate(lines):
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        laid_out = bool(laid_out_starts) and laid_out_starts[number]
        if current and _breaks_before(current[-1], line, typical, laid_out):
            paragraphs.append(" ".join(current))
            current = []
        current.append(line)
        if _is_heading(line):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _normalise_text(text: str, *, soft_wrapped: bool | None = None,
                    laid_out_starts: list[bool] | None = None) -> str:
    """Page text: paragraphs joined by a blank line, lines within a paragraph by a space.

    `soft_wrapped` (one paragraph per line, as editors save unwrapped prose) is guessed
    from the line lengths when None.
    """
    lines = _clean_lines(text)
    if soft_wrapped is None:
        lengths = sorted(len(line) for line in lines if line)
        soft_wrapped = bool(lengths) and lengths[len(lengths) // 2] > 150
    if laid_out_starts is not None and len(laid_out_starts) != len(lines):
        laid_out_starts = None
    return "\n\n".join(_paragraphs(lines, one_per_line=soft_wrapped,
                                   laid_out_starts=laid_out_starts))


def _has_text(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


# ---------------------------------------------------------------- PDF


@dataclass
class _Line:
    """One line of a PDF page as laid out: its text and the font it is mostly set in."""

    text: str
    gapped: str  # the text with "\t" where a wide gap separates words (author lists)
    size: float
    bold: bool


def _parse_pdf(path: Path, sha: str, cancelled: Callable[[], bool] | None) -> ParsedDocument:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    warnings: list[str] = []
    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as exc:
            raise _pdf_open_error(path, exc.err_code, pdfium_c) from None
        except (OSError, ValueError):
            raise _pdf_open_error(path, None, pdfium_c) from None
        try:
            try:
                meta = pdf.get_metadata_dict()
            except Exception:  # metadata is optional; a broken Info dict must not stop reading
                meta = {}
            count = len(pdf)
            pages: list[str] = []
            layout: list[_Line] = []
            failed = 0
            for index in range(count):
                if cancelled is not None and cancelled():
                    raise Cancelled(f"Reading {path.name} was cancelled")
                try:
                    raw, starts, lines = _read_pdf_page(pdf, index, pdfium_c,
                                                        with_layout=index == 0)
                except Exception:  # one bad page (broken content stream) must not lose the rest
                    failed += 1
                    pages.append("")
                    continue
                if index == 0:
                    layout = lines
                pages.append(_normalise_text(raw, soft_wrapped=False, laid_out_starts=starts))
        finally:
            pdf.close()

    if failed == count:  # nothing could be read: corrupt, not a scan
        raise _pdf_open_error(path, None, None)
    empty = sum(1 for text in pages if not _has_text(text)) - failed
    has_text = any(_has_text(text) for text in pages)
    if failed:
        warnings.append(f"{failed} of {count} pages could not be read")
    if not has_text:
        warnings.append("no text layer (a scanned document?); OCR is not available, "
                        "so its pages cannot be searched")
    elif empty:
        warnings.append(f"{empty} of {count} pages have no text")
    if not _ends_with_eof_marker(path):
        warnings.append(f"truncated file: read {count - failed} pages")

    page_one = pages[0] if pages else ""
    title, authors, abstract = _pdf_front_matter(layout, meta, pages)
    return ParsedDocument(
        path=path, kind="pdf", title=title or path.stem, authors=authors,
        year=_pdf_year(page_one, meta), abstract=abstract, pages=tuple(pages), sha256=sha,
        has_text=has_text, warnings=tuple(warnings))


def _pdf_open_error(path: Path, err_code: int | None, pdfium_c) -> DocumentError:
    if err_code is None:
        return DocumentError(f"{path.name} is not a readable PDF (corrupt or truncated)")
    if err_code == pdfium_c.FPDF_ERR_PASSWORD:
        return DocumentError(f"{path.name} is password-protected; "
                             "Enclave cannot open encrypted PDFs")
    if err_code == pdfium_c.FPDF_ERR_SECURITY:
        return DocumentError(f"{path.name} uses an unsupported encryption scheme; "
                             "Enclave cannot open encrypted PDFs")
    if err_code == pdfium_c.FPDF_ERR_FILE:
        return DocumentError(f"{path.name} cannot be read (file access error)")
    if err_code == pdfium_c.FPDF_ERR_SUCCESS:  # it opened, but the page count is zero
        return DocumentError(f"{path.name} is a PDF without pages")
    return DocumentError(f"{path.name} is not a readable PDF (corrupt or truncated)")


def _ends_with_eof_marker(path: Path) -> bool:
    """A complete PDF ends with %%EOF (some writers pad a little after it)."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - 4096))
            return b"%%EOF" in handle.read()
    except OSError:
        return True  # cannot tell; do not warn


def _read_pdf_page(pdf, index: int, pdfium_c, *, with_layout: bool
                   ) -> tuple[str, list[bool] | None, list[_Line]]:
    """(raw text, per-line 'starts a paragraph on the page', first-page layout lines)."""
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            raw = textpage.get_text_range()
            # geometry and layout only refine paragraphs and metadata: never fail a page
            try:
                starts = _laid_out_starts(raw, textpage, pdfium_c)
            except Exception:
                starts = None
            lines: list[_Line] = []
            if with_layout:
                try:
                    lines = _layout_lines(textpage, pdfium_c)
                except Exception:
                    lines = []
            return raw, starts, lines
        finally:
            textpage.close()
    finally:
        page.close()


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _laid_out_starts(raw: str, textpage, pdfium_c) -> list[bool] | None:
    """For each line of `raw`: is it indented, or set after extra vertical space?

    One char box per line (its first character): cheap, and enough to see the paragraph
    indent of most papers and the paragraph spacing of the others.
    """
    handle = textpage.raw
    if pdfium_c.FPDFText_CountChars(handle) != len(raw.encode("utf-16-le")) // 2:
        return None  # text and char positions disagree: no geometry for this page
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    boxes: list[tuple[float, float, float] | None] = []  # (x, baseline, font size)
    printed: list[int] = []  # printed lines per text line (see _physical_lengths)
    offset = 0  # in UTF-16 units, as PDFium counts chars
    for piece in _LINE_BREAK.split(raw):
        stripped = piece.lstrip(" ")
        first = offset + (len(piece) - len(stripped))
        box = None
        if stripped and stripped[0].isalnum() \
                and pdfium_c.FPDFText_GetCharBox(handle, first, left, right, bottom, top):
            box = (left.value, bottom.value, pdfium_c.FPDFText_GetFontSize(handle, first))
        boxes.append(box)
        printed.append(piece.count("\ufffe") + 1)
        offset += len(piece.encode("utf-16-le")) // 2 + 2  # + the generated "\r\n"
    # column edges: left positions most lines share (a paragraph indent is much rarer)
    edges = Counter(round(box[0]) for box in boxes if box)
    most = max(edges.values(), default=0)
    margins = sorted(x for x, n in edges.items() if n >= max(3, most / 4))
    steps = sorted((prev[1] - box[1]) / lines for prev, box, lines
                   in zip(boxes, boxes[1:], printed, strict=False)
                   if prev and box and 0 < prev[1] - box[1] < 3 * lines * max(box[2], 1.0))
    step = steps[len(steps) // 2] if steps else 0.0

    def indent(box: tuple[float, float, float]) -> float | None:
        edge = max((m for m in margins if m <= box[0] + 1), default=None)
        return None if edge is None else box[0] - edge

    starts = [False] * len(boxes)
    for number in range(1, len(boxes)):
        prev, box = boxes[number - 1], boxes[number]
        if not prev or not box:
            continue
        shift, prev_shift = indent(box), indent(prev)
        indented = shift is not None and prev_shift is not None \
            and 0.3 * box[2] <= shift <= 3 * box[2] and prev_shift < 0.3 * box[2]
        expected = step * printed[number - 1]
        spaced = step > 0 and 1.35 * expected < prev[1] - box[1] < 4 * expected
        starts[number] = indented or spaced
    return starts


def _layout_lines(textpage, pdfium_c, max_chars: int = 6000) -> list[_Line]:
    """The first lines of a page with font size, weight and word gaps, char by char.

    The front matter (title, authors, abstract) is at the top of page one; font size tells
    the title from the authors, weight the names from affiliations, and wide gaps separate
    names that are set on one line without commas ("Jacob Devlin  Ming-Wei Chang").
    """
    handle = textpage.raw
    count = min(pdfium_c.FPDFText_CountChars(handle), max_chars)
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    lines: list[_Line] = []
    units: list[int] = []
    gapped: list[int] = []
    sizes: Counter[float] = Counter()  # of the letters: marks and digits are set smaller
    weights: Counter[bool] = Counter()
    any_size = 0.0
    last_right: float | None = None

    def flush() -> None:
        nonlocal units, gapped, sizes, weights, any_size, last_right
        text = _utf16(units)
        if text.strip():
            cleaned = _clean_lines(text)[0]
            gapped_text = _CONTROL_SPACE.sub(" ", _CONTROL_DROP.sub("", _utf16(gapped)))
            gapped_text = re.sub(r" {2,}", " ", re.sub(r"[ \t]*\t[ \t]*", "\t", gapped_text))
            size = sizes.most_common(1)[0][0] if sizes else any_size
            bold = bool(weights) and weights.most_common(1)[0][0]
            lines.append(_Line(cleaned, gapped_text.strip(), size, bold))
        units, gapped, sizes, weights = [], [], Counter(), Counter()
        any_size, last_right = 0.0, None

    for index in range(count):
        code = pdfium_c.FPDFText_GetUnicode(handle, index)
        if code in (10, 13):
            flush()
            continue
        if code == 0:
            continue
        if code == 2:  # PDFium's soft hyphen; its text API reports it as U+FFFE
            code = 0xFFFE
        units.append(code)
        if code == 32 or code == 0xFFFE:
            gapped.append(code)
            continue
        size = pdfium_c.FPDFText_GetFontSize(handle, index)
        if pdfium_c.FPDFText_GetCharBox(handle, index, left, right, bottom, top):
            if last_right is not None and left.value - last_right > 0.9 * max(size, 1.0):
                gapped.append(9)
            last_right = right.value
        gapped.append(code)
        any_size = any_size or round(size, 1)
        if not 0xD800 <= code <= 0xDFFF and chr(code).isalpha():
            sizes[round(size, 1)] += 1
            weights[pdfium_c.FPDFText_GetFontWeight(handle, index) >= 600] += 1
    flush()
    return lines


def _utf16(units: list[int]) -> str:
    """PDFium reports UTF-16 code units; join surrogate pairs into characters."""
    raw = b"".join(unit.to_bytes(2, "little") for unit in units if unit < 0x10000)
    return raw.decode("utf-16-le", errors="replace")


# Lines at the top of a first page that are not the title.
_ARXIV_STAMP = re.compile(
    r"arXiv:\s*(?:(\d{2})(\d{2})\.\d{4,5}|[a-z][a-z.\-]*/(\d{2})(\d{2})\d{3})(?:v\d+)?"
    r"\s*\[[^\]\n]{1,20}\](?:\s*\d{1,2}\s+[A-Z][a-z]{2}[a-z]*\.?\s+(\d{4}))?")
_NOT_TITLE = re.compile(
    r"^(?:arxiv:|preprint|under review|published |accepted |appear(?:s|ing|ed)? |to appear|"
    r"in proceedings|proceedings of|submitted |draft|copyright|©|\(c\)|doi:|issn|isbn|vol\.|"
    r"volume \d|https?://|www\.|page \d+|research article|original article|review article)",
    re.IGNORECASE)
_VENUE = re.compile(r"(?i)conference|proceedings|journal|workshop|symposium|transactions|letters")
_DATE_LINE = re.compile(
    r"^(?:\d{1,2}\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+"
    r"(?:\d{1,2},?\s+)?\d{4}$|^\d{4}[-/]\d{2}[-/]\d{2}$", re.IGNORECASE)
_ABSTRACT_HEADING = re.compile(
    r"^(?:(?i:abstract)|A\s?B\s?S\s?T\s?R\s?A\s?C\s?T|(?i:summary))"
    r"(?:\s*[.:—–-]\s*|\s+(?=[A-Z])|$)")
_ABSTRACT_END = re.compile(
    r"^(?:keywords?|key words|index terms|ccs concepts|introduction|1\.?\s+introduction)\b",
    re.IGNORECASE)
_BAD_META_TITLE = re.compile(
    r"(?i)^(?:untitled|title|no title|document\d*|paper|main|manuscript|draft|slide \d+)$"
    r"|\.(?:dvi|pdf|docx?|tex|ps|eps|rtf|txt|indd|qxd|odt)\b|^microsoft \w+ - |^arxiv:\s*\d"
    r"|^[\W\d_]*$|[\\/]")


def _pdf_front_matter(lines: list[_Line], meta: dict, pages: list[str]
                      ) -> tuple[str, tuple[str, ...], str | None]:
    """(title, authors, abstract) from the laid-out first page and the Info dictionary."""
    page_one = pages[0] if pages else ""
    abstract_at = next((i for i, line in enumerate(lines[:80])
                        if _ABSTRACT_HEADING.match(line.text)), None)
    header = [i for i, line in enumerate(lines[:abstract_at if abstract_at else 30])
              if _could_be_title(line)]
    title_run = _title_run(lines, header)
    layout_title = _metadata_text(" ".join(lines[i].text for i in title_run),
                                  _vocabulary(pages[:1]))

    page_key = _letters(page_one)
    meta_title = _metadata_text(str(meta.get("Title") or ""))
    meta_title_ok = _looks_like_real_title(meta_title)
    if meta_title_ok and (not page_key or _letters(meta_title) in page_key):
        title = meta_title
    elif layout_title:
        title = layout_title
    else:
        title = meta_title if meta_title_ok else ""

    authors = _meta_authors(str(meta.get("Author") or ""), page_key)
    if not authors and title_run:
        end = abstract_at if abstract_at is not None else min(len(lines), title_run[-1] + 16)
        authors = _layout_authors(lines[title_run[-1] + 1:end])
    abstract = None
    if abstract_at is not None:
        abstract = _layout_abstract(lines, abstract_at, _vocabulary(pages))
    return _clip(title, _MAX_TITLE), authors, abstract


def _could_be_title(line: _Line) -> bool:
    text = line.text
    if line.size < 5 or sum(ch.isalpha() for ch in text) < 3:
        return False
    if _NOT_TITLE.match(text) or _DATE_LINE.match(text) or "@" in text:
        return False
    return not (_VENUE.search(text) and re.search(r"\b(?:19|20)\d{2}\b", text))


def _title_run(lines: list[_Line], header: list[int]) -> list[int]:
    """Indexes of the title lines: the largest type above the abstract, else the first line."""
    if not header:
        return []
    sizes = Counter()
    for line in lines:
        sizes[line.size] += len(line.text)
    body = sizes.most_common(1)[0][0]
    for size in sorted({lines[i].size for i in header}, reverse=True):
        if size <= body + 0.5:
            break
        start = next(i for i in header if abs(lines[i].size - size) < 0.6)
        run = [start]
        while run[-1] + 1 in header and abs(lines[run[-1] + 1].size - size) < 0.6 and len(run) < 4:
            run.append(run[-1] + 1)
        text = " ".join(lines[i].text for i in run)
        if len(text.split()) >= 2 or len(text) >= 12:  # not a logo or a lone journal name
            return run
    # no larger type: the first substantial line, plus the next if the first one dangles
    run = [header[0]]
    if re.search(r"(?i)(?:\b(?:for|of|and|the|a|an|in|on|to|with|via|from|by)|[:,\-–])$",
                 lines[header[0]].text) and header[0] + 1 in header:
        run.append(header[0] + 1)
    return run


def _looks_like_real_title(title: str) -> bool:
    return 4 <= len(title) <= 400 and not _BAD_META_TITLE.search(title)


def _letters(text: str) -> str:
    """Casefolded letters and digits only: for 'does this title appear on page one'."""
    return "".join(ch for ch in text.replace("\ufffe", "").casefold() if ch.isalnum())


def _metadata_text(text: str, vocabulary: set[str] | None = None) -> str:
    """Text for a metadata field: soft hyphens resolved, marks and whitespace tidied."""
    text = _join_soft_hyphens(text, vocabulary)
    text = " ".join(text.split())
    return text.rstrip("∗*†‡§¶ ").strip()


def _join_soft_hyphens(text: str, vocabulary: set[str] | None = None) -> str:
    """PDFium reports a hyphen at a line break as U+FFFE; rejoin the word for metadata.

    "representa\\ufffetion" -> "representation", "LLaMA\\ufffe65B" -> "LLaMA-65B",
    "state\\ufffeof-the-art" -> "state-of-the-art" (the rest of the word is hyphenated).
    `vocabulary` (the document's own words, lowercased) settles "few\\ufffeshot": the
    hyphen stays when only "few-shot" occurs elsewhere in the document.
    """
    def join(match: re.Match) -> str:
        before, after, rest = match.group(1), match.group(2), match.group(3)
        if not (before[-1].islower() and after[0].islower()) or rest:
            return f"{before}-{after}{rest}"
        if vocabulary and f"{before}-{after}".lower() in vocabulary \
                and f"{before}{after}".lower() not in vocabulary:
            return f"{before}-{after}"
        return before + after

    text = re.sub(r"(\w+)\ufffe(\w+)(-?)", join, text)
    return text.replace("\ufffe", "")


def _vocabulary(pages: list[str]) -> set[str]:
    """Lowercased words (hyphenated ones whole) of a document."""
    return {word.lower() for page in pages for word in re.findall(r"\w+(?:-\w+)*", page)}


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    sentence = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if sentence > limit // 2:
        return cut[:sentence + 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"


def _layout_abstract(lines: list[_Line], start: int, vocabulary: set[str]) -> str | None:
    heading = lines[start].text
    match = _ABSTRACT_HEADING.match(heading)
    parts = [heading[match.end():]] if match and heading[match.end():].strip() else []
    size = lines[start].size if parts else None
    length = sum(len(part) for part in parts)
    for line in lines[start + 1:]:
        text = line.text
        if _is_heading(text) or _ABSTRACT_END.match(text):
            break
        if size is None and len(text) >= 20:
            size = line.size
        # a footnote or the next block is set in another size
        if size is not None and len(text) > 3 and abs(line.size - size) > 0.7:
            break
        if len(text) <= 3 and not any(ch.isalpha() for ch in text):
            if parts and not any(ch.isdigit() for ch in text):  # "." after a footnote mark
                parts[-1] += text
            continue  # a footnote mark on a line of its own
        parts.append(text)
        length += len(text) + 1
        if length > _MAX_ABSTRACT + 200:
            break
    abstract = _metadata_text(" ".join(parts), vocabulary)
    return _clip(abstract, _MAX_ABSTRACT) if len(abstract) >= 40 else None


def _pdf_year(page_one: str, meta: dict) -> int | None:
    """The arXiv stamp's date, else its identifier's yymm, else the PDF's creation date."""
    stamp = _ARXIV_STAMP.search(page_one)
    if stamp:
        if stamp.group(5) and _plausible_year(int(stamp.group(5))):
            return int(stamp.group(5))
        yy = stamp.group(1) or stamp.group(3)
        year = (1900 if int(yy) >= 90 else 2000) + int(yy)
        if _plausible_year(year):
            return year
    created = re.match(r"\s*(?:D:)?((?:19|20)\d{2})", str(meta.get("CreationDate") or ""))
    if created and _plausible_year(int(created.group(1))):
        return int(created.group(1))
    return None


def _plausible_year(year: int, earliest: int = 1900) -> bool:
    return earliest <= year <= datetime.date.today().year + 1


# ---------------------------------------------------------------- author names

_NAME_MARKS = re.compile(r"[\d∗*†‡§¶♠♥♦♣⋆✉#⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_NAME_SPLIT = re.compile(r"\s*(?:[,;\t&]|\band\b)\s*")
_NAME_GLUE = {"and", "of", "for", "the", "at", "in", "on", "et", "al"}
_NAME_PARTICLES = {"van", "von", "der", "den", "de", "da", "del", "della", "di", "du", "la",
                   "le", "bin", "al", "dos", "das", "ter", "ten", "y", "zu"}
_ORG_WORDS = {
    "university", "universität", "université", "universidad", "univ", "institute", "institut",
    "instituto", "college", "school", "laboratory", "laboratories", "lab", "labs", "research",
    "department", "dept", "faculty", "center", "centre", "inc", "corp", "corporation", "ltd",
    "llc", "gmbh", "google", "microsoft", "facebook", "meta", "amazon", "deepmind",
    "openai", "ibm", "nvidia", "apple", "foundation", "technology", "technologies",
    "hospital", "academy", "sciences", "science", "engineering", "group", "team", "division",
    "program", "graduate", "national", "company", "correspondence", "contribution", "equal",
    "abstract", "introduction", "preprint", "conference", "proceedings", "workshop", "paper",
    "user", "owner", "administrator", "admin", "author", "authors", "anonymous", "office",
    "computer", "email", "e-mail"}


def _looks_like_name(name: str) -> bool:
    """A person's name: 2-5 capitalised words or initials, no digits, no organisation word."""
    tokens = name.split()
    if not 2 <= len(tokens) <= 5 or len(name) > 60:
        return False
    for position, token in enumerate(tokens):
        bare = token.strip(".,").casefold()
        if bare in _ORG_WORDS:
            return False
        if bare in _NAME_PARTICLES and 0 < position < len(tokens) - 1:
            continue
        if re.fullmatch(r"(?:[A-Z]\.-?){1,3}", token):  # initials: "D.", "J.-P."
            if position == len(tokens) - 1:
                return False
            continue
        core = re.sub(r"[-'’.]", "", token)
        if not core.isalpha() or not token[0].isupper():
            return False
        # "SANH" is a surname in capitals; "UC Berkeley", "AWS", "CSIRO's" are not names
        if token.isupper() and (position == 0 or len(token) < 2):
            return False
        if not token.isupper() and len(token) > 1 and token[1].isupper():
            return False
    return True


def _split_names(text: str) -> list[str]:
    text = _NAME_MARKS.sub(",", _join_soft_hyphens(text))
    return [" ".join(part.split()) for part in _NAME_SPLIT.split(text) if part.strip()]


def _meta_authors(value: str, page_key: str) -> tuple[str, ...]:
    """The Info dictionary's Author, when every name looks real and appears on page one."""
    names = _split_names(value)
    if not names or not all(_looks_like_name(name) for name in names):
        return ()
    if page_key and not all(_letters(name.split()[-1]) in page_key for name in names):
        return ()
    return tuple(dict.fromkeys(names))


def _layout_authors(zone: list[_Line]) -> tuple[str, ...]:
    """Names from the lines between the title and the abstract; () when unsure."""
    kept: list[_Line] = []
    for line in zone:
        text = line.text
        if "@" in text or "http" in text or "www." in text:
            continue
        words = re.findall(r"[^\W\d_]+", text)
        if sum(1 for w in words if w.islower() and w not in _NAME_GLUE) >= 3:
            break  # running text: the names are behind us
        if ":" in text or {w.casefold() for w in words} & _ORG_WORDS:
            continue
        if len(text) > 200 or _is_heading(text):
            continue
        # a name broken over two lines ("and Andrew" / "D. White")
        if kept and re.match(r"[A-Z]\.\s", line.gapped) and kept[-1].gapped[-1:].isalpha():
            kept[-1] = _Line(kept[-1].text + " " + text, kept[-1].gapped + " " + line.gapped,
                             kept[-1].size, kept[-1].bold)
            continue
        kept.append(line)
    # where names are bold and affiliations are not, trust only the bold lines
    bold = [line for line in kept if line.bold]
    groups = [bold, kept] if bold and len(bold) < len(kept) else [kept]
    for group in groups:
        names = [name for line in group for name in _split_names(line.gapped)
                 if _looks_like_name(name)]
        if names:
            return tuple(dict.fromkeys(names))
    return ()


# ---------------------------------------------------------------- text and Markdown


def _decode(data: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """(text, warning): UTF-8 (BOM or not), a UTF-16 BOM, the declared charset, then cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared), None
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("cp1252"), "not UTF-8: read as Windows-1252 (cp1252)"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "not UTF-8: read as Latin-1 (ISO-8859-1)"


def _check_not_binary(path: Path, text: str) -> None:
    sample = text[:8192]
    if sample and sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f") > len(sample) * 0.05:
        raise DocumentError(f"{path.name} does not look like a text file (binary content)")


def _parse_text(path: Path, data: bytes, sha: str, *, markdown: bool) -> ParsedDocument:
    text, warning = _decode(data)
    _check_not_binary(path, text)
    warnings = [warning] if warning else []
    title, authors, year, abstract = "", (), None, None
    if markdown:
        text, title, authors, year, abstract = _markdown_to_text(text)
    else:
        text = _normalise_text(text)
    return ParsedDocument(
        path=path, kind="markdown" if markdown else "text",
        title=_clip(title, _MAX_TITLE) or path.stem,
        authors=authors, year=year, abstract=abstract, pages=(text,), sha256=sha,
        has_text=_has_text(text), warnings=tuple(warnings))


_MD_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_MD_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MD_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_MD_ITEM = re.compile(r"^\s*(?:[-*+]|(\d{1,3}[.)]))\s+")
_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_MD_LINK_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+")
_MD_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images -> alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # [text](url) -> text
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref] -> text
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w])"), r"\1"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
)


def _markdown_inline(text: str) -> str:
    for pattern, replacement in _MD_INLINE:
        text = pattern.sub(replacement, text)
    return text


def _front_matter(lines: list[str]) -> tuple[dict[str, str | list[str]], int]:
    """YAML-ish front matter (`key: value`, lists as `- item` or `[a, b]`) and its length."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    fields: dict[str, str | list[str]] = {}
    key = None
    for number, line in enumerate(lines[1:200], start=1):
        if line.strip() in ("---", "..."):
            return fields, number + 1
        item = re.match(r"^\s+-\s+(.*)$", line)
        if item and key:
            value = fields.get(key)
            fields[key] = ([*value] if isinstance(value, list) else []) + [_unquote(item.group(1))]
            continue
        pair = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", line)
        if pair:
            key = pair.group(1).lower()
            value = pair.group(2).strip()
            if value.startswith("[") and value.endswith("]"):
                fields[key] = [_unquote(v) for v in value[1:-1].split(",") if v.strip()]
            else:
                fields[key] = _unquote(value)
    return {}, 0  # no closing line: not front matter


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _markdown_to_text(source: str):
    """(page text, title, authors, year, abstract) of a Markdown document."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta, skip = _front_matter(lines)
    blocks: list[tuple[list[str], bool]] = []  # (lines, keep line breaks)
    current: list[str] = []
    keep_lines = False
    first_h1 = ""
    in_code = False

    def flush() -> None:
        nonlocal current, keep_lines
        if current:
            blocks.append((current, keep_lines))
        current, keep_lines = [], False

    for line in lines[skip:]:
        if _MD_FENCE.match(line):
            flush()
            in_code = not in_code
            continue
        if in_code:  # code is kept as text, untouched but for whitespace
            keep_lines = True
            current.append(line)
            continue
        if not line.strip():
            flush()
            continue
        heading = _MD_ATX.match(line)
        if heading:
            flush()
            text = _markdown_inline(heading.group(2))
            if len(heading.group(1)) == 1 and not first_h1:
                first_h1 = text
            blocks.append(([text], False))
            continue
        if _MD_SETEXT.match(line) and len(current) == 1 and not keep_lines:
            if line.strip().startswith("=") and not first_h1:
                first_h1 = current[0]
            flush()
            continue
        if _MD_TABLE_RULE.match(line) and keep_lines:  # the rule under a table's header
            continue
        if _MD_RULE.match(line) or _MD_TABLE_RULE.match(line) or _MD_LINK_DEF.match(line):
            flush()
            continue
        line = re.sub(r"^\s{0,3}(?:>\s?)+", "", line)
        item = _MD_ITEM.match(line)
        if item:
            flush()
            line = (item.group(1) + " " if item.group(1) else "") + line[item.end():]
        if line.lstrip().startswith("|"):  # a table row: keep rows on their own lines
            if current and not keep_lines:
                flush()
            keep_lines = True
            line = " | ".join(cell.strip() for cell in line.strip().strip("|").split("|"))
        current.append(_markdown_inline(line))
    flush()

    paragraphs = []
    for block, keep in blocks:
        cleaned = _clean_lines("\n".join(block))
        paragraphs.extend(["\n".join(c for c in cleaned if c)] if keep else _paragraphs(cleaned))
    text = "\n\n".join(p for p in paragraphs if p)

    title = _clean_lines(first_h1)[0] if first_h1 else ""
    if not title and isinstance(meta.get("title"), str):
        title = " ".join(str(meta["title"]).split())
    raw_authors = meta.get("authors") or meta.get("author") or []
    if isinstance(raw_authors, str):
        raw_authors = [a for a in re.split(r"\s*(?:;|\band\b)\s*", raw_authors) if a]
    authors = tuple(" ".join(a.split()) for a in raw_authors if a.strip())
    year = _year_in(str(meta.get("year") or meta.get("date") or ""))
    abstract_value = meta.get("abstract") or meta.get("description")
    abstract = " ".join(abstract_value.split()) if isinstance(abstract_value, str) else None
    return text, title, authors, year, abstract or None


def _year_in(text: str, earliest: int = 1900) -> int | None:
    for match in re.finditer(r"(?<!\d)(\d{4})(?!\d)", text):
        if _plausible_year(int(match.group(1)), earliest):
            return int(match.group(1))
    return None


# ---------------------------------------------------------------- HTML

_HTML_SKIP = {"script", "style", "nav", "noscript", "template", "svg"}
_HTML_HEAD_TAGS = {"title", "meta", "link", "base", "script", "style", "noscript", "template",
                   "head", "html"}
_HTML_BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "section",
                "article", "blockquote", "pre", "ul", "ol", "table", "header", "footer", "main",
                "figure", "figcaption", "dd", "dt", "hr", "aside", "address", "body", "form"}
_HTML_META = {"citation_title", "citation_author", "citation_date", "citation_publication_date",
              "citation_online_date", "citation_abstract", "citation_doi", "dc.title",
              "dc.creator", "dc.date", "dc.description", "description", "author"}


class _HTMLText(HTMLParser):
    """Visible text with block elements as paragraph breaks, plus <title>, <h1>, <meta>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.h1 = ""
        self.meta: dict[str, list[str]] = {}
        self._skip = 0  # depth inside script/style/nav...
        self._in_head = False
        self._in_title = False
        self._h1_depth = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            values = {k.lower(): (v or "") for k, v in attrs}
            name = (values.get("name") or values.get("property") or "").lower()
            if name in _HTML_META and values.get("content", "").strip():
                self.meta.setdefault(name, []).append(values["content"].strip())
            return
        if tag == "head":
            self._in_head = True
        elif tag not in _HTML_HEAD_TAGS:  # body content ends <head>, closed or not
            self._in_head = False
        if tag == "title":
            self._in_title = True
        elif tag in _HTML_SKIP:
            self._skip += 1
        if tag == "h1" and not self.h1:
            self._h1_depth += 1
        if tag == "pre":
            self._pre += 1
        if tag in _HTML_BLOCKS:
            self.parts.append("\n\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "head":
            self._in_head = False
        elif tag in _HTML_SKIP:
            self._skip = max(0, self._skip - 1)
        if tag == "h1" and self._h1_depth:
            self._h1_depth = 0
            self.h1 = " ".join(self.h1.split()) or " "  # " ": an empty first h1 still counts
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag in _HTML_BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if self._skip or self._in_head:
            return
        if self._h1_depth:
            self.h1 += data
        # HTML collapses ASCII whitespace only: &nbsp; is text
        self.parts.append(data if self._pre else re.sub(r"[ \t\n\r\f]+", " ", data))


def _parse_html(path: Path, data: bytes, sha: str) -> ParsedDocument:
    declared = re.search(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", data[:4096], re.IGNORECASE)
    text, warning = _decode(data, declared.group(1).decode("ascii") if declared else None)
    _check_not_binary(path, text)
    parser = _HTMLText()
    try:
        parser.feed(text)
        parser.close()
    except Exception:  # html.parser is lenient, but never let markup crash an import
        raise DocumentError(f"{path.name} is not readable HTML") from None
    body = "\n\n".join(p for p in (_normalise_text(block, soft_wrapped=False)
                                   for block in re.split(r"\n\s*\n", "".join(parser.parts))) if p)
    meta = parser.meta

    def first(*names: str) -> str:
        for name in names:
            for value in meta.get(name, []):
                if value.strip():
                    return " ".join(value.split())
        return ""

    title = first("citation_title", "dc.title") or " ".join(parser.title.split()) \
        or parser.h1.strip()
    raw_authors = meta.get("citation_author") or meta.get("dc.creator") or meta.get("author") or []
    authors = tuple(dict.fromkeys(_first_last(" ".join(a.split()))
                                  for a in raw_authors if a.strip()))
    year = _year_in(first("citation_publication_date", "citation_date", "citation_online_date",
                          "dc.date"))
    abstract = first("citation_abstract", "dc.description", "description") or None
    return ParsedDocument(
        path=path, kind="html", title=_clip(title, _MAX_TITLE) or path.stem, authors=authors,
        year=year, abstract=_clip(abstract, _MAX_ABSTRACT) if abstract else None, pages=(body,),
        sha256=sha, has_text=_has_text(body), warnings=(warning,) if warning else ())


def _first_last(name: str) -> str:
    """'Devlin, Jacob' -> 'Jacob Devlin'; 'Doe, Jr., John' -> 'John Doe Jr.'."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 2 and parts[0] and parts[1]:
        return f"{parts[1]} {parts[0]}"
    if len(parts) == 3 and all(parts):
        return f"{parts[2]} {parts[0]} {parts[1]}"
    return name.strip()


# ---------------------------------------------------------------- DOCX

# python-docx's blank template says it was written by "python-docx" on this date; neither
# is about the document.
_DOCX_TEMPLATE_CREATED = datetime.datetime(2013, 12, 23, 23, 15, tzinfo=datetime.UTC)
_PLACEHOLDER_AUTHORS = {"python-docx", "author", "user", "admin", "administrator", "owner",
                        "microsoft office user", "windows user", "unknown"}


def _parse_docx(path: Path, sha: str) -> ParsedDocument:
    import docx

    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE container: encrypted, or an old .doc
        raise DocumentError(f"{path.name} is password-protected or an old-format Word file; "
                            "save it as an unprotected .docx")
    try:
        document = docx.Document(str(path))
        paragraphs, heading = _docx_paragraphs(document)
        properties = document.core_properties
        core_title = (properties.title or "").strip()
        core_author = (properties.author or "").strip()
        created = properties.created
    except Exception:  # zip, XML and schema errors all mean the same thing to a user
        raise DocumentError(f"{path.name} is not a readable Word document (.docx)") from None
    text = "\n\n".join(paragraphs)
    authors = tuple(a for a in (" ".join(p.split()) for p in core_author.split(";"))
                    if a and a.casefold() not in _PLACEHOLDER_AUTHORS)
    year = None
    if created is not None and created.replace(tzinfo=datetime.UTC) != _DOCX_TEMPLATE_CREATED \
            and _plausible_year(created.year):
        year = created.year
    return ParsedDocument(
        path=path, kind="docx", title=_clip(core_title or heading, _MAX_TITLE) or path.stem,
        authors=authors, year=year, abstract=None, pages=(text,), sha256=sha,
        has_text=_has_text(text), warnings=())


def _docx_paragraphs(document) -> tuple[list[str], str]:
    """(paragraph texts in order, tables as one paragraph per row; first Title/Heading text)."""
    from docx.table import Table

    paragraphs: list[str] = []
    heading = ""
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                seen: set[int] = set()
                cells = []
                for cell in row.cells:  # a merged cell is repeated once per grid column
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cell_text = " ".join(line for line in _clean_lines(cell.text) if line)
                    if cell_text:
                        cells.append(cell_text)
                if cells:
                    paragraphs.append(" | ".join(cells))
            continue
        text = " ".join(line for line in _clean_lines(block.text) if line)
        if not text.strip():
            continue
        paragraphs.append(text.strip())
        if not heading:
            style = (block.style.name if block.style is not None else "") or ""
            if style == "Title" or style.startswith("Heading"):
                heading = text.strip()
    return paragraphs, heading


# ---------------------------------------------------------------- BibTeX and RIS

_ACCENTS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306",
            "H": "\u030b", "k": "\u0328", "r": "\u030a"}
_LATEX_SYMBOLS = {"ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
                  "aa": "å", "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ"}
_LATEX_ACCENT = re.compile(
    r"\\([\"'`^~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))"
    r"|\\([cvuHkr])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+([A-Za-z]))")
_LATEX_FORMAT = re.compile(
    r"\\(?:emph|textit|textbf|textsc|texttt|textrm|textsf|textup|textnormal|mathrm|mathbf|"
    r"mathit|mbox|hbox|text|url|bf|it|em|sc|tt|rm|sf|noopsort)\b\s*")


def _latex_to_text(value: str) -> str:
    """Simple LaTeX to plain text: accents composed, formatting dropped, braces removed."""
    def accent(match: re.Match) -> str:
        mark = match.group(1) or match.group(4)
        base = match.group(2) or match.group(3) or match.group(5) or match.group(6)
        base = {"\\i": "i", "\\j": "j"}.get(base, base)
        return unicodedata.normalize("NFC", base + _ACCENTS[mark])

    value = _LATEX_ACCENT.sub(accent, value)
    value = re.sub(r"\\(ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![A-Za-z])\s?",
                   lambda m: _LATEX_SYMBOLS[m.group(1)], value)
    value = re.sub(r"\\([&%$#_{}])", r"\1", value)
    value = _LATEX_FORMAT.sub("", value)
    value = re.sub(r"\\([A-Za-z]+)\*?\s*", r"\1", value)  # unknown commands: keep the word
    value = value.replace("{", "").replace("}", "").replace("~", " ")
    value = value.replace("---", "—").replace("--", "–")
    return " ".join(value.split())


_BIB_HEADER = re.compile(r"@\s*([A-Za-z]+)\s*([{(])")
_BIB_WORD = re.compile(r"[^\s,=#{}()\"]+")


class _Malformed(Exception):
    pass


class _BibReader:
    """A cursor over BibTeX source; every method raises _Malformed on bad syntax."""

    def __init__(self, text: str, macros: dict[str, str]) -> None:
        self.text = text
        self.pos = 0
        self.macros = macros

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_space()
        if self.pos >= len(self.text):
            raise _Malformed
        return self.text[self.pos]

    def word(self) -> str:
        self.skip_space()
        match = _BIB_WORD.match(self.text, self.pos)
        if not match:
            raise _Malformed
        self.pos = match.end()
        return match.group()

    def delimited(self) -> str:
        """{...} or "..." with nested braces; returns the inside, raw."""
        opening = self.text[self.pos]
        closing = "}" if opening == "{" else '"'
        depth = 0
        start = self.pos + 1
        for index in range(start, len(self.text)):
            ch = self.text[index]
            if ch == "\\":
                continue
            if ch == "{":
                depth += 1
            elif ch == "}" and (depth > 0 or closing != "}"):
                depth -= 1
                if depth < 0:
                    raise _Malformed
            elif ch == closing and depth == 0 and self.text[index - 1] != "\\":
                self.pos = index + 1
                return self.text[start:index]
        raise _Malformed

    def value(self) -> str:
        parts = []
        while True:
            ch = self.peek()
            if ch in "{\"":
                parts.append(self.delimited())
            else:
                token = self.word()
                parts.append(self.macros.get(token.lower(), token))
            if self.peek() != "#":
                return "".join(parts)
            self.pos += 1

    def fields(self, closing: str) -> dict[str, str]:
        fields: dict[str, str] = {}
        while True:
            ch = self.peek()
            if ch == ",":
                self.pos += 1
                continue
            if ch == closing:
                self.pos += 1
                return fields
            name = self.word().lower()
            if self.peek() != "=":
                raise _Malformed
            self.pos += 1
            fields[name] = self.value()


def parse_bibtex(text: str) -> list[dict]:
    """Entries of a BibTeX file, tolerant of what reference managers write.

    Each entry is {"key", "title", "authors", "year", "doi", "abstract"}; LaTeX markup is
    turned into plain text, "Last, First" names into "First Last". @string macros are
    expanded; @comment and @preamble are ignored. A malformed entry, or one with neither a
    title nor a DOI, is skipped.
    """
    entries: list[dict] = []
    macros: dict[str, str] = {}
    start = 0
    while True:
        at = text.find("@", start)
        if at < 0:
            return entries
        start = at + 1  # a malformed entry is skipped: resume after its "@"
        header = _BIB_HEADER.match(text, at)
        if not header:
            continue
        kind = header.group(1).lower()
        closing = "}" if header.group(2) == "{" else ")"
        reader = _BibReader(text, macros)
        reader.pos = header.end()
        try:
            if kind in ("comment", "preamble"):
                if header.group(2) == "{":
                    reader.pos -= 1
                    reader.delimited()
                start = max(start, reader.pos)
                continue
            if kind == "string":
                for name, value in reader.fields(closing).items():
                    macros[name] = value
                start = reader.pos
                continue
            key = reader.word() if reader.peek() not in ",}" else ""
            if reader.peek() == ",":
                reader.pos += 1
            fields = reader.fields(closing)
        except _Malformed:
            continue
        start = reader.pos
        entry = _bib_entry(key, fields)
        if entry:
            entries.append(entry)


def _bib_entry(key: str, fields: dict[str, str]) -> dict | None:
    title = _latex_to_text(fields.get("title", ""))
    doi = _clean_doi(fields.get("doi", "")) or _clean_doi(fields.get("url", ""), only_links=True)
    if not title and not doi:
        return None
    # a name wholly in braces is an organisation: "{IBM Research}" is not "Research IBM"
    authors = [_latex_to_text(name) if name.startswith("{") and name.endswith("}")
               else _first_last(_latex_to_text(name))
               for name in _split_bib_names(fields.get("author", ""))]
    abstract = _latex_to_text(fields.get("abstract", ""))
    return {"key": key or None, "title": title,
            "authors": [a for a in authors if a and a.casefold() != "others"],
            "year": _year_in(fields.get("year", "") or fields.get("date", ""), earliest=1000),
            "doi": doi, "abstract": abstract or None}


def _split_bib_names(value: str) -> list[str]:
    """Split on " and " outside braces ("{Barnes and Noble}" is one author)."""
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", value, re.IGNORECASE):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            names.append(value[start:match.start()])
            start = match.end()
    names.append(value[start:])
    return [" ".join(n.split()) for n in names if n.strip()]


def _clean_doi(value: str, *, only_links: bool = False) -> str | None:
    value = value.strip()
    link = re.search(r"(?i)(?:https?://(?:dx\.)?doi\.org/|doi:\s*)(10\.\S+)", value)
    if link:
        return link.group(1).rstrip(".,;")
    if only_links:
        return None
    bare = re.search(r"10\.\d{4,9}/\S+", value)
    return bare.group().rstrip(".,;") if bare else None


_RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])\s{1,2}-(?: (.*)|\s*)$")


def parse_ris(text: str) -> list[dict]:
    """Entries of a RIS file: same keys as parse_bibtex ("key" from ID, else None).

    Reads TY (start), TI/T1/CT (title), AU/A1 (authors, repeated), PY/Y1/DA (year), DO,
    AB/N2 (abstract), ID, ER (end); lines without a tag continue the previous field. An
    entry without TY, or with neither a title nor a DOI, is skipped.
    """
    entries: list[dict] = []
    fields: dict[str, list[str]] | None = None
    last_tag = ""
    for line in text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        match = _RIS_LINE.match(line.rstrip())
        if not match:
            if fields is not None and last_tag and line.strip():
                fields[last_tag][-1] += " " + line.strip()
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if fields:
                _add_ris_entry(entries, fields)
            fields, last_tag = {}, ""
            continue
        if fields is None:
            continue
        if tag == "ER":
            _add_ris_entry(entries, fields)
            fields, last_tag = None, ""
            continue
        fields.setdefault(tag, []).append(value)
        last_tag = tag
    if fields:  # a file that ends without ER
        _add_ris_entry(entries, fields)
    return entries


def _add_ris_entry(entries: list[dict], fields: dict[str, list[str]]) -> None:
    def first(*tags: str) -> str:
        for tag in tags:
            for value in fields.get(tag, []):
                if value.strip():
                    return " ".join(value.split())
        return ""

    title = first("TI", "T1", "CT")
    doi = _clean_doi(first("DO")) or _clean_doi(first("UR", "L3"), only_links=True)
    if not title and not doi:
        return
    authors = [_first_last(" ".join(a.split())) for tag in ("AU", "A1")
               for a in fields.get(tag, []) if a.strip()]
    entries.append({"key": first("ID") or None, "title": title,
                    "authors": list(dict.fromkeys(authors)),
                    "year": _year_in(first("PY", "Y1", "DA"), earliest=1000),
                    "doi": doi, "abstract": first("AB", "N2") or None})
