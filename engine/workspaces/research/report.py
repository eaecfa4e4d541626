"""A research report for a collection, built from the library itself (extractive: every
statement is a sentence quoted from a paper, with its page).

- themes: spherical k-means over the chunk vectors, each named by the terms that set its
  passages apart from the rest (class-based TF-IDF), with a representative passage;
- per paper: what it is about (its abstract, or its most central sentences) and its key
  findings (sentences that report results), each cited;
- agreement and disagreement: findings of different papers that say nearly the same thing,
  split by whether one of them negates or contrasts it;
- open questions: sentences about limitations and future work;
- references.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.errors import Cancelled, EnclaveError
from engine.store.db import Store
from engine.workspaces.research.answer import _prose, sentences
from engine.workspaces.research.chunking import is_reference_section
from engine.workspaces.research.search import STOPWORDS
from engine.workspaces.research.text import readable

Progress = Callable[[float, str], None] | None
IsCancelled = Callable[[], bool] | None

_FINDING = re.compile(r"\b(we (show|find|found|demonstrate|observe|report)|results? (show|suggest|indicate)|"
                      r"outperform\w*|improv\w*|achiev\w*|significant\w*|increase[sd]?|reduce[sd]?|"
                      r"state[- ]of[- ]the[- ]art|\d+(\.\d+)? ?(%|percent|points?))", re.IGNORECASE)
_OPEN = re.compile(r"\b(future (work|research|studies)|remains? (unclear|open|to be)|open (question|problem)s?|"
                   r"we leave|further (work|research|study|studies|investigation)|limitations?|"
                   r"not (yet )?(clear|known|understood))\b", re.IGNORECASE)
_CONTRAST = re.compile(r"\b(not|no|never|fails?|failed|unlike|contrary|in contrast|however|worse|"
                       r"does not|did not|cannot|neither|nor)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z][a-z-]{2,}")


@dataclass(frozen=True)
class Quote:
    text: str  # readable sentence
    passage: str  # verbatim as printed (for checking against the page)
    document: str
    document_id: int
    page: int

    def cite(self) -> str:
        return f"{self.text} [{self.document}, p. {self.page}]"


@dataclass(frozen=True)
class Theme:
    name: str
    terms: tuple[str, ...]
    papers: tuple[tuple[str, int], ...]  # (title, passages in the theme)
    example: Quote | None


@dataclass(frozen=True)
class PaperSection:
    document_id: int
    title: str
    authors: tuple[str, ...]
    year: int | None
    path: str
    summary: tuple[Quote, ...]
    findings: tuple[Quote, ...]


@dataclass(frozen=True)
class Report:
    title: str
    collection: str | None
    themes: tuple[Theme, ...]
    papers: tuple[PaperSection, ...]
    agreements: tuple[tuple[Quote, Quote], ...]
    disagreements: tuple[tuple[Quote, Quote], ...]
    open_questions: tuple[Quote, ...]
    created: str
    seconds: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    def quotes(self) -> list[Quote]:
        out = [t.example for t in self.themes if t.example]
        for p in self.papers:
            out += list(p.summary) + list(p.findings)
        for a, b in self.agreements + self.disagreements:
            out += [a, b]
        return out + list(self.open_questions)

    def to_markdown(self) -> str:
        scope = f"collection “{self.collection}”" if self.collection else "the whole library"
        lines = [f"# {self.title}", "",
                 f"*{len(self.papers)} papers from {scope}; built {self.created} in {self.seconds:.1f} s. "
                 "Every statement below is quoted from a paper, with its page.*", ""]
        lines += [f"> {n}" for n in self.notes] + ([""] if self.notes else [])
        lines += ["## Themes", ""]
        for i, t in enumerate(self.themes, start=1):
            papers = ", ".join(f"{title} ({n})" for title, n in t.papers[:4])
            lines += [f"### {i}. {t.name}", "", f"Distinctive terms: {', '.join(t.terms)}. Papers: {papers}.", ""]
            if t.example:
                lines += [f"> {t.example.cite()}", ""]
        lines += ["## Papers", ""]
        for p in self.papers:
            who = ", ".join(p.authors[:3]) + (" et al." if len(p.authors) > 3 else "")
            lines += [f"### {p.title}", "", f"*{who or 'Authors unknown'}{f' ({p.year})' if p.year else ''}*", ""]
            if p.summary:
                lines += ["**Summary.** " + " ".join(q.cite() for q in p.summary), ""]
            if p.findings:
                lines += ["**Key findings.**", ""] + [f"- {q.cite()}" for q in p.findings] + [""]
        lines += ["## Agreement across papers", ""]
        lines += [f"- {a.cite()} — and — {b.cite()}" for a, b in self.agreements] or ["None detected.", ""]
        lines += ["", "## Disagreement across papers", ""]
        lines += [f"- {a.cite()} — but — {b.cite()}" for a, b in self.disagreements] or ["None detected.", ""]
        lines += ["", "## Open questions", ""]
        lines += [f"- {q.cite()}" for q in self.open_questions] or ["None stated in the papers.", ""]
        lines += ["", "## References", ""]
        for i, p in enumerate(sorted(self.papers, key=lambda p: (p.authors[:1], p.year or 0)), start=1):
            who = ", ".join(p.authors) or "Unknown authors"
            lines.append(f"{i}. {who} ({p.year or 'n.d.'}). *{p.title}*. {p.path}")
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """A self-contained HTML page of the Markdown above (headings, lists, quotes, emphasis)."""
        return markdown_to_html(self.to_markdown(), self.title)

    def to_json(self) -> dict:
        def quote(q: Quote | None):
            return None if q is None else {"text": q.text, "passage": q.passage, "document": q.document,
                                           "document_id": q.document_id, "page": q.page}
        return {"title": self.title, "collection": self.collection, "created": self.created,
                "seconds": round(self.seconds, 2), "notes": list(self.notes),
                "themes": [{"name": t.name, "terms": list(t.terms), "papers": [list(p) for p in t.papers],
                            "example": quote(t.example)} for t in self.themes],
                "papers": [{"document_id": p.document_id, "title": p.title, "authors": list(p.authors),
                            "year": p.year, "path": p.path, "summary": [quote(q) for q in p.summary],
                            "findings": [quote(q) for q in p.findings]} for p in self.papers],
                "agreements": [[quote(a), quote(b)] for a, b in self.agreements],
                "disagreements": [[quote(a), quote(b)] for a, b in self.disagreements],
                "open_questions": [quote(q) for q in self.open_questions]}


def markdown_to_html(markdown: str, title: str) -> str:
    """The small Markdown subset the report writes, as HTML (no external renderer)."""
    import html as h

    def inline(text: str) -> str:
        text = h.escape(text)
        text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
        return re.sub(r"\*(.+?)\*", r"<em>\1</em>", text)
    out, in_list = [], None
    for line in markdown.splitlines():
        kind = "ul" if line.startswith("- ") else "ol" if re.match(r"\d+\. ", line) else None
        if in_list and kind != in_list:
            out.append(f"</{in_list}>")
            in_list = None
        if kind and not in_list:
            out.append(f"<{kind}>")
            in_list = kind
        if kind:
            item = re.sub(r"^(- |\d+\. )", "", line)
            out.append(f"<li>{inline(item)}</li>")
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{inline(line[level:].strip())}</h{level}>")
        elif line.startswith("> "):
            out.append(f"<blockquote>{inline(line[2:])}</blockquote>")
        elif line.strip():
            out.append(f"<p>{inline(line)}</p>")
    if in_list:
        out.append(f"</{in_list}>")
    style = ("body{font-family:Georgia,serif;max-width:46em;margin:2em auto;line-height:1.45;padding:0 1em}"
             "blockquote{border-left:3px solid #bbb;margin-left:0;padding-left:1em;color:#333}")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{h.escape(title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n")


def _letters(text: str) -> str:
    """A comparison key that ignores hyphenation, spacing and punctuation."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _terms(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def _kmeans(vectors: np.ndarray, k: int, seed: int = 0, rounds: int = 30) -> np.ndarray:
    """Spherical k-means (cosine), k-means++ start; returns the label of every row."""
    rng = np.random.default_rng(seed)
    centers = [vectors[rng.integers(len(vectors))]]
    for _ in range(1, k):
        distance = 1 - np.max(vectors @ np.array(centers).T, axis=1)
        weights = np.clip(distance, 0, None) ** 2
        centers.append(vectors[rng.choice(len(vectors), p=weights / weights.sum())] if weights.sum() > 0
                       else vectors[rng.integers(len(vectors))])
    centers = np.array(centers)
    labels = np.zeros(len(vectors), dtype=int)
    for _ in range(rounds):
        new = np.argmax(vectors @ centers.T, axis=1)
        if np.array_equal(new, labels) and _ > 0:
            break
        labels = new
        for c in range(k):
            members = vectors[labels == c]
            if len(members):
                mean = members.sum(0)
                centers[c] = mean / max(np.linalg.norm(mean), 1e-12)
    return labels


def _quote(sentence: str, row) -> Quote:
    return Quote(readable(sentence), sentence, row["title"], row["document_id"], row["page"])


def build_report(store: Store, embedder, *, collection: str | None = None, title: str | None = None,
                 progress: Progress = None, cancelled: IsCancelled = None) -> Report:
    """The report for `collection` (None: every indexed document)."""
    started = time.perf_counter()
    progress = progress or (lambda f, m: None)

    def step(fraction: float, message: str) -> None:
        if cancelled and cancelled():
            raise Cancelled("report cancelled")
        progress(fraction, message)

    if embedder is None:
        raise EnclaveError("a report needs the embedder: run `enclave setup`")
    where, params = "d.status = 'indexed'", [embedder.model_id]
    if collection:
        where += (" and d.id in (select document_id from document_collections dc join collections c "
                  "on c.id = dc.collection_id where c.name = ?)")
        params.append(collection)
    step(0.02, "reading the passages")
    rows = [dict(zip(("chunk_id", "document_id", "page", "text", "section", "title", "vector"), r, strict=True))
            for r in store.db.execute(
                "select c.id, c.document_id, c.page, c.text, c.section, d.title, e.vector from chunks c "
                "join documents d on d.id = c.document_id join embeddings e on e.chunk_id = c.id "
                f"and e.model_id = ? where {where} order by c.document_id, c.ordinal", params)]
    rows = [r for r in rows if not is_reference_section(r["section"] or "")]
    if not rows:
        scope = f"collection “{collection}”" if collection else "the library"
        raise EnclaveError(f"{scope} has no indexed passages to report on: import documents first")
    vectors = np.stack([np.frombuffer(r["vector"], dtype=np.float16).astype(np.float32) for r in rows])
    vectors /= np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
    docs = {r[0]: r for r in store.db.execute(
        "select id, title, authors, year, path, abstract from documents where id in "
        f"({', '.join('?' * len({r['document_id'] for r in rows}))})", sorted({r["document_id"] for r in rows}))}

    # -- themes ----------------------------------------------------------------------
    step(0.1, "finding themes")
    # themes come from running prose: tables, examples and author lists only add noise
    prose_rows = [i for i, r in enumerate(rows) if sum(map(_prose, sentences(r["text"]))) >= 2]
    if len(prose_rows) < 8:
        prose_rows = list(range(len(rows)))
    papers_in_scope = len({rows[i]["document_id"] for i in prose_rows})
    k = max(2, min(8, round(math.sqrt(len(prose_rows) / 12)), len(prose_rows) // 3)) if len(prose_rows) >= 8 else 1
    k = min(max(k, min(papers_in_scope, 4)), max(1, len(prose_rows) // 2))  # a few papers: a theme each
    cluster = _kmeans(vectors[prose_rows], k) if k > 1 else np.zeros(len(prose_rows), dtype=int)
    counts_all = Counter(t for i in prose_rows for t in set(_terms(rows[i]["text"])))
    themes = []
    for c in range(k):
        members = [prose_rows[j] for j in range(len(prose_rows)) if cluster[j] == c]
        if not members:
            continue
        tf = Counter(t for i in members for t in _terms(rows[i]["text"]))
        total = sum(tf.values()) or 1
        # distinctive: frequent here, rare elsewhere, and used by more than one passage
        spread = Counter(t for i in members for t in set(_terms(rows[i]["text"])))
        score = {t: (n / total) * math.log(1 + len(prose_rows) / counts_all[t])
                 for t, n in tf.items() if spread[t] >= min(3, len(members)) and not t[-1:].isdigit()
                 and not t.endswith("-")}
        terms = tuple(sorted(score, key=score.get, reverse=True)[:5])
        centroid = vectors[members].mean(0)
        best = max(members, key=lambda i: float(vectors[i] @ centroid))
        prose = [s for s in sentences(rows[best]["text"]) if _prose(s)]
        papers = Counter(rows[i]["title"] for i in members).most_common()
        themes.append((len(members), Theme(" / ".join(terms[:3]) or "misc", terms, tuple(papers),
                                           _quote(prose[0], rows[best]) if prose else None)))
    themes = tuple(t for _, t in sorted(themes, key=lambda x: -x[0]))

    # -- papers ----------------------------------------------------------------------
    papers, candidates, open_q = [], [], []
    by_doc: dict[int, list[int]] = {}
    for i, r in enumerate(rows):
        by_doc.setdefault(r["document_id"], []).append(i)
    for n, (doc_id, members) in enumerate(by_doc.items()):
        step(0.2 + 0.5 * n / len(by_doc), f"summarising {docs[doc_id][1][:60]}")
        centroid = vectors[members].mean(0)
        ranked = sorted(members, key=lambda i: -float(vectors[i] @ centroid))
        sents = [(s, rows[i]) for i in members for s in sentences(rows[i]["text"]) if _prose(s)]
        abstract_rows = [rows[i] for i in members if rows[i]["page"] == 1]
        summary: list[Quote] = []
        abstract = docs[doc_id][5] or ""
        if abstract:  # its first two sentences, quoted as printed on page 1
            wanted = [_letters(s) for s in sentences(abstract)[:2]]
            for r in abstract_rows:
                for s in sentences(r["text"]):
                    if _letters(s) in wanted and _prose(s) and len(summary) < 2:
                        summary.append(_quote(s, r))
        if not summary:
            for i in ranked[:2]:
                prose = [s for s in sentences(rows[i]["text"]) if _prose(s)]
                if prose:
                    summary.append(_quote(prose[0], rows[i]))
        # a finding: result words, weighted up when its passage is central to the paper
        centrality = {rows[i]["chunk_id"]: 1 - pos / max(len(ranked), 1) for pos, i in enumerate(ranked)}
        scored = []
        for s, r in sents:
            hits = len(_FINDING.findall(s))
            if hits and not _OPEN.search(s):
                scored.append((min(hits, 3) + centrality[r["chunk_id"]], s, r))
        scored.sort(key=lambda x: -x[0])
        findings, seen = [], set()
        for _, s, r in scored:
            key = " ".join(s.split()[:8])
            if key not in seen and all(s != q.passage for q in summary):
                seen.add(key)
                findings.append(_quote(s, r))
            if len(findings) >= 3:
                break
        candidates += findings
        open_q += [_quote(s, r) for s, r in sents if _OPEN.search(s)][:2]
        d = docs[doc_id]
        papers.append(PaperSection(doc_id, d[1], tuple(json.loads(d[2] or "[]")), d[3], d[4],
                                   tuple(summary), tuple(findings)))

    # -- agreement / disagreement ----------------------------------------------------
    step(0.75, "comparing findings across papers")
    agreements, disagreements = [], []
    if len(candidates) >= 2:
        emb = embedder.embed([q.text for q in candidates], cancelled=cancelled)
        sims = emb @ emb.T
        pairs = sorted(((float(sims[i, j]), i, j) for i in range(len(candidates)) for j in range(i + 1, len(candidates))
                        if candidates[i].document_id != candidates[j].document_id), reverse=True)
        used: set[int] = set()
        for sim, i, j in pairs:
            if sim < 0.6 or (len(agreements) >= 5 and len(disagreements) >= 5):
                break
            if i in used or j in used:
                continue
            a, b = candidates[i], candidates[j]
            contrast = bool(_CONTRAST.search(a.text)) != bool(_CONTRAST.search(b.text))
            target = disagreements if contrast else agreements
            if len(target) < 5:
                target.append((a, b))
                used |= {i, j}
    step(0.95, "writing the report")
    scope = collection or "the library"
    return Report(title or f"Research report: {scope}", collection, themes, tuple(papers),
                  tuple(agreements), tuple(disagreements), tuple(open_q[:8]),
                  time.strftime("%Y-%m-%d %H:%M"), time.perf_counter() - started)
