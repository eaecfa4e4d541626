"""Structure-aware chunks of page texts: paragraphs packed up to a size the embedder reads
whole, never across a page (citations are page-level), each a verbatim slice of its page.

A chunk's text is `page[start:start + len(text)]`, so a passage quoted from a chunk is
always found in the page it cites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# all-MiniLM-L6-v2 reads 256 word pieces; papers run ~1.5 pieces per word (numbers,
# symbols, subwords), so 140 words keeps nearly every chunk whole.
TARGET_WORDS = 100
MAX_WORDS = 140
MIN_TAIL_WORDS = 30

_PARAGRAPH = re.compile(r"\S(?:.|\n(?!\s*\n))*", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9(\[\"'])")
_HEADING = re.compile(
    r"^(?:(?:\d+(?:\.\d+)*\.?|[IVX]+\.|[A-H]\.?)\s+[A-Z][^\n]{0,80}"
    r"|(?:abstract|introduction|background|related work|methods?|methodology|results|discussion|"
    r"conclusions?|limitations|acknowledge?ments?|references|bibliography|appendix)\b[^\n]{0,60})$",
    re.IGNORECASE)
REFERENCE_SECTIONS = ("references", "bibliography")


@dataclass(frozen=True)
class Chunk:
    page: int  # 1-based
    ordinal: int  # position in the document
    text: str
    section: str
    start: int  # offset in the page text


def _words(text: str) -> int:
    return len(text.split())


def is_heading(paragraph: str) -> bool:
    """A short line that names a section ("3.1 Pre-training", "Abstract", "II. METHODS")."""
    line = paragraph.strip()
    return "\n" not in line and _words(line) <= 10 and not line.endswith((".", ",", ";")) \
        and bool(_HEADING.match(line))


def _pieces(page: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_heading) spans: paragraphs, long ones cut at sentence ends."""
    spans = []
    for match in _PARAGRAPH.finditer(page):
        start, end = match.span()
        text = page[start:end].rstrip()
        end = start + len(text)
        if _words(text) <= MAX_WORDS:
            spans.append((start, end, is_heading(text)))
            continue
        cut = start
        for boundary in _SENTENCE_END.finditer(text):
            position = start + boundary.start()
            if _words(page[cut:position]) >= TARGET_WORDS:
                spans.append((cut, position, False))
                cut = start + boundary.end()
        # a sentence-less run (tables, formulas): cut by words
        while _words(page[cut:end]) > MAX_WORDS:
            words = list(re.finditer(r"\S+", page[cut:end]))
            position = cut + words[TARGET_WORDS - 1].end()
            spans.append((cut, position, False))
            cut = cut + words[TARGET_WORDS].start()
        if cut < end:
            spans.append((cut, end, False))
    return spans


def _chunk_page(page: str, number: int, section: str, chunks: list[Chunk]) -> str:
    """Append the chunks of one page to `chunks`; returns the section open at its end."""
    open_start = open_end = None
    open_section = section

    def close() -> None:
        nonlocal open_start, open_end
        if open_start is None:
            return
        text = page[open_start:open_end]
        if chunks and chunks[-1].page == number and chunks[-1].section == open_section \
                and _words(text) < MIN_TAIL_WORDS \
                and _words(chunks[-1].text) + _words(text) <= MAX_WORDS + MIN_TAIL_WORDS:
            last = chunks.pop()  # a short tail joins the chunk before it (same page and section)
            chunks.append(Chunk(number, last.ordinal, page[last.start:open_end], last.section, last.start))
        else:
            chunks.append(Chunk(number, len(chunks), text, open_section, open_start))
        open_start = open_end = None

    for start, end, heading in _pieces(page):
        if heading:
            close()
            section = page[start:end].strip()
        if open_start is not None and _words(page[open_start:end]) > MAX_WORDS:
            close()
        if open_start is None:
            open_start, open_section = start, section
        open_end = end
        if _words(page[open_start:open_end]) >= TARGET_WORDS:
            close()
    close()
    return section


def chunk_pages(pages: tuple[str, ...] | list[str]) -> list[Chunk]:
    """Chunks of every page, in reading order."""
    chunks: list[Chunk] = []
    section = ""
    for number, page in enumerate(pages, start=1):
        section = _chunk_page(page, number, section, chunks)
    return chunks


def is_reference_section(section: str) -> bool:
    return section.strip().lower().lstrip("0123456789. ").startswith(REFERENCE_SECTIONS)
