"""How page text is shown, quoted and searched (light: the desktop imports it at start).

PDFium marks a word hyphenated at the end of a line with U+FFFE. Citations quote the text
as printed ("representa- tion", what other PDF readers extract too); search and the
embedder read it joined ("representation"); answers and snippets are shown joined.
"""

from __future__ import annotations

import re

LINE_END_HYPHEN = "\ufffe"  # PDFium's mark for a word hyphenated at the end of a line


def printed(text: str) -> str:
    """Text as printed on the page: the line-end hyphen and the break, "representa- tion"
    (what other PDF readers extract too, so quoted passages match their page text)."""
    return text.replace(LINE_END_HYPHEN, "- ")


def joined(text: str) -> str:
    """Text for search and embeddings: hyphenated line ends joined, "representation"."""
    return text.replace(LINE_END_HYPHEN, "")


def readable(text: str) -> str:
    """Printed text for reading (answers, snippets): "representa- tion" joined again."""
    return re.sub(r"(?<=[a-z])- (?=[a-z])", "", text)
