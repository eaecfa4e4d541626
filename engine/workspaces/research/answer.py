"""Cited answers from the library.

retrieve (hybrid search) -> relevance gate -> answer:
- generative: the local generator writes from numbered passages; every sentence is then
  checked against the passage its marker names. A marker that points at nothing or at a
  passage that does not support the sentence is moved to the passage that does, or the
  sentence is dropped. Nothing supported left: the extractive answer instead.
- extractive: the passages' best-supported sentences, each cited, quoted verbatim.
- no_answer: retrieval found nothing relevant; never an answer without sources.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.errors import EnclaveError
from engine.store.db import Store
from engine.workspaces.research.chunking import is_heading
from engine.workspaces.research.search import STOPWORDS, SearchHit, query_terms, search
from engine.workspaces.research.text import readable

# Below this cosine between the question and the best passage, nothing is relevant
# (calibrated on the shared papers: answerable questions score 0.35-0.8, questions about
# other subjects under 0.25; see tests/engine/test_research.py).
MIN_RELEVANCE = 0.30
# Keyword-only libraries (no embedder): the best passage must hold this share of the terms.
MIN_TERM_SHARE = 0.5
# A sentence is supported by a passage when this share of its content words is in it
# and MIN_PAIR_SHARE of its neighbouring content-word pairs stand near each other there.
MIN_SUPPORT = 0.7
MIN_PAIR_SHARE = 0.5
PASSAGES = 5
VERDICT_SHOWN = 0.7  # a yes/no verdict leads the answer only when at least this confident
# Sentences of better-ranked passages get up to this much extra (retrieval saw the whole
# passage; a sentence's own similarity to the question sees only itself).
RANK_BONUS = 0.04
PROMPT_PASSAGES = 4
PROMPT_WORDS_PER_PASSAGE = 120
MAX_QUESTION_WORDS = 200

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_LEAD_IN = re.compile(r"(:|\b(as follows|the following|described (below|in this section|next)|"
                      r"in this section|below))\W*$", re.IGNORECASE)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\[(\"'])")


@dataclass(frozen=True)
class Citation:
    number: int
    document: str
    path: str
    page: int
    passage: str  # verbatim (whitespace-normalised) from the cited page
    chunk_id: int
    document_id: int

    def to_json(self) -> dict:
        return {"number": self.number, "document": self.document, "path": self.path,
                "page": self.page, "passage": self.passage, "chunk_id": self.chunk_id,
                "document_id": self.document_id}


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str  # Markdown with [n] markers
    mode: str  # generative | extractive | no_answer
    citations: tuple[Citation, ...]
    evidence: tuple[SearchHit, ...]  # the passages retrieved, with their scores
    model: str | None
    provider: str | None
    notes: tuple[str, ...] = ()
    timings: dict = field(default_factory=dict)
    run_id: int | None = None  # the history row, once recorded
    verdict: object | None = None  # verdict.Verdict for a yes/no question

    def to_json(self) -> dict:
        return {"question": self.question, "answer": self.answer, "mode": self.mode,
                "citations": [c.to_json() for c in self.citations],
                "evidence": [h.to_json() for h in self.evidence], "model": self.model,
                "provider": self.provider, "notes": list(self.notes),
                "timings": {k: round(v, 3) for k, v in self.timings.items()},
                "verdict": self.verdict.to_json() if self.verdict is not None else None}


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]


def support(sentence: str, passage: str) -> float:
    """How well the passage backs the sentence, 0-1: the smaller of the share of the
    sentence's content words found in the passage and the share of its neighbouring word
    pairs found near each other there (word salad made of the passage's words fails)."""
    words = _content_words(sentence)
    if not words:
        return 0.0
    theirs = _content_words(passage)
    have = set(theirs)
    unigram = sum(1 for w in words if w in have) / len(words)
    if len(words) < 3:
        return unigram
    near = {(a, b) for i, a in enumerate(theirs) for b in theirs[i + 1:i + 3]}
    pairs = list(zip(words, words[1:], strict=False))
    bigram = sum(1 for p in pairs if p in near) / len(pairs)
    return min(unigram, bigram / MIN_PAIR_SHARE * MIN_SUPPORT)


def sentences(text: str) -> list[str]:
    """Sentences of a passage, whitespace-normalised; a paragraph break always ends one
    and section headings are left out."""
    out = []
    for paragraph in re.split(r"\n\s*\n", text):
        if is_heading(paragraph):
            continue
        flat = " ".join(paragraph.split())
        out.extend(s.strip() for s in _SENTENCE_SPLIT.split(flat) if s.strip())
    return out


_FUNCTION_WORDS = frozenset("""a an the of in on at to for from by with and or but is are was were be been
this that these those it its we our they their which who than as not no can may will has have had do
does into over under between while when where how what also only such both each more most""".split())  # noqa: SIM905


def _prose(sentence: str) -> bool:
    """A sentence worth quoting: running prose, not a table row, a list of names, a
    formula or a reference entry (those have few function words)."""
    words = sentence.split()
    if not 6 <= len(words) <= 80 or not re.search(r"[.!?][\"'”’)\]]*$", sentence):
        return False  # headings and titles have no full stop
    letters = sum(ch.isalpha() for ch in sentence)
    if letters / max(len(sentence), 1) <= 0.6 or re.match(r"^\[?\d+\]?\s*[A-Z][a-z]+,", sentence):
        return False
    function = sum(1 for w in words if w.lower().strip(".,;:()") in _FUNCTION_WORDS)
    return function / len(words) >= 0.18


def _relevant(question: str, hits: list[SearchHit]) -> bool:
    if not hits:
        return False
    cosines = [h.cosine for h in hits if h.cosine is not None]
    if cosines:
        return max(cosines) >= MIN_RELEVANCE
    terms = set(query_terms(question))
    if not terms:
        return False
    best = max(len(terms & set(_content_words(h.text))) for h in hits)
    return best / len(terms) >= MIN_TERM_SHARE


class _Citations:
    """Numbers citations in order of first use; one number per (chunk, passage)."""

    def __init__(self):
        self.items: list[Citation] = []

    def cite(self, hit: SearchHit, passage: str) -> int:
        for c in self.items:
            if c.chunk_id == hit.chunk_id and c.passage == passage:
                return c.number
        number = len(self.items) + 1
        self.items.append(Citation(number, hit.document, hit.path, hit.page, passage,
                                   hit.chunk_id, hit.document_id))
        return number


def extractive(question: str, hits: list[SearchHit], embedder=None, max_sentences: int = 3
               ) -> tuple[str, tuple[Citation, ...]]:
    """The passages' sentences that best answer the question, each cited."""
    candidates: list[tuple[SearchHit, str, int]] = []
    for rank, hit in enumerate(hits):
        for sentence in sentences(hit.text):
            if _prose(sentence):
                candidates.append((hit, sentence, rank))
    if not candidates:
        candidates = [(hit, " ".join(hit.text.split()[:60]), rank) for rank, hit in enumerate(hits)]
    terms = set(query_terms(question))
    overlap = np.array([len(terms & set(_content_words(s))) / max(len(terms), 1) for _, s, _ in candidates])
    rank_bonus = np.array([RANK_BONUS * (len(hits) - r) / max(len(hits), 1) for _, _, r in candidates])
    if embedder is not None:
        vectors = embedder.embed([question] + [s for _, s, _ in candidates])
        similarity = vectors[1:] @ vectors[0]
    else:
        vectors, similarity = None, np.zeros(len(candidates))
    score = similarity + 0.25 * overlap + rank_bonus
    order = list(np.argsort(-score))
    chosen = [order[0]]
    for i in order[1:]:
        if len(chosen) >= max_sentences or score[i] < 0.85 * score[order[0]]:
            break
        if vectors is not None and max(float(vectors[1 + i] @ vectors[1 + j]) for j in chosen) > 0.9:
            continue  # says the same thing again
        chosen.append(i)
    # A sentence that only announces its content ("... two tasks, described in this
    # section.", "... as follows:") brings the sentence after it along.
    for i in list(chosen):
        hit, sentence, _ = candidates[i]
        if _LEAD_IN.search(sentence):
            following = i + 1
            if following < len(candidates) and candidates[following][0] is hit and following not in chosen:
                chosen.append(following)
    # in document order within each passage, passages in retrieval order: reads naturally
    chosen.sort(key=lambda i: (candidates[i][2], candidates[i][0].text.find(candidates[i][1][:40])))
    book = _Citations()
    parts = [f"{readable(candidates[i][1])} [{book.cite(candidates[i][0], candidates[i][1])}]" for i in chosen]
    return " ".join(parts), tuple(book.items)


def _prompt(question: str, hits: list[SearchHit]) -> list[dict]:
    blocks = []
    for number, hit in enumerate(hits, start=1):
        words = hit.text.split()
        text = " ".join(words[:PROMPT_WORDS_PER_PASSAGE]) + (" …" if len(words) > PROMPT_WORDS_PER_PASSAGE else "")
        blocks.append(f"[{number}] ({hit.document}, page {hit.page}) {text}")
    q_words = question.split()
    short_question = " ".join(q_words[:MAX_QUESTION_WORDS])
    system = ("You answer questions about research papers using only the numbered passages. "
              "Write two or three short sentences. After each sentence put the number of the passage "
              "it comes from in brackets, like [1]. If the passages do not answer the question, say so.")
    user = "Passages:\n" + "\n\n".join(blocks) + f"\n\nQuestion: {short_question}\nAnswer:"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _stems(text: str) -> set[str]:
    return {w[:5] for w in _content_words(text)}


def verify(draft: str, hits: list[SearchHit], question: str = "") -> tuple[str, tuple[Citation, ...], list[str]]:
    """Keep the draft's sentences that a retrieved passage supports, with markers that
    point at that passage (renumbered); returns (answer, citations, notes). A sentence
    that only restates the question (fewer than two content words of its own) is dropped:
    it would be "supported" without saying anything."""
    book = _Citations()
    kept, notes = [], []
    repaired = dropped = 0
    asked = _stems(question)
    for sentence in sentences(draft):
        claimed = [int(n) for group in _MARKER.findall(sentence) for n in group.split(",")]
        bare = _MARKER.sub("", sentence).strip()
        if len(_content_words(bare)) < 2:
            continue
        if question and len(_stems(bare) - asked) < 2:
            dropped += 1
            continue
        scored = sorted(((support(bare, h.text), i) for i, h in enumerate(hits)), reverse=True)
        valid = [n for n in claimed if 1 <= n <= len(hits) and support(bare, hits[n - 1].text) >= MIN_SUPPORT]
        if valid:
            target = hits[valid[0] - 1]
        elif scored and scored[0][0] >= MIN_SUPPORT:
            target = hits[scored[0][1]]
            repaired += 1
        else:
            dropped += 1
            continue
        if any(support(bare, earlier) >= 0.8 for earlier, _ in kept):
            continue  # the small generators repeat themselves
        quote = max(sentences(target.text) or [" ".join(target.text.split())],
                    key=lambda s: support(bare, s))
        kept.append((bare.rstrip(), book.cite(target, quote)))
    if repaired:
        notes.append(f"{repaired} citation{'s' if repaired > 1 else ''} corrected to the passage that supports it")
    if dropped:
        notes.append(f"{dropped} unsupported sentence{'s' if dropped > 1 else ''} removed from the generated answer")
    return " ".join(f"{text} [{number}]" for text, number in kept), tuple(book.items), notes


def ask(store: Store, question: str, embedder=None, generator=None, *, collection: str | None = None,
        year_from: int | None = None, year_to: int | None = None,
        document_ids: list[int] | None = None, mode: str = "auto",
        on_text: Callable[[str], None] | None = None,
        cancelled: Callable[[], bool] | None = None) -> Answer:
    """Answer `question` from the library with citations.

    mode: auto (generative when a generator is given, else extractive) | generative |
    extractive. `on_text` receives the generator's draft as it streams (before checking).
    """
    if mode not in ("auto", "generative", "extractive"):
        raise EnclaveError(f"unknown answer mode {mode!r}: use auto, generative or extractive")
    question = " ".join(question.split())
    if not question:
        raise EnclaveError("empty question: nothing to answer")
    timings: dict = {}
    notes: list[str] = []
    if len(question.split()) > MAX_QUESTION_WORDS:
        notes.append(f"the question has {len(question.split())} words; the search and the prompt "
                     f"use its first {MAX_QUESTION_WORDS} words and its key terms")
    t0 = time.perf_counter()
    hits = search(store, question, embedder, limit=PASSAGES, collection=collection, year_from=year_from,
                  year_to=year_to, document_ids=document_ids, exclude_references=True)
    timings["retrieve_s"] = time.perf_counter() - t0
    model = provider = None
    if not _relevant(question, hits):
        count = store.db.execute("select count(*) from chunks").fetchone()[0]
        reason = ("the library is empty: import documents first" if not count else
                  "nothing in the library is relevant to this question")
        return Answer(question, f"No answer: {reason}.", "no_answer", (), tuple(hits), None, None,
                      tuple(notes), timings)
    if embedder is not None:
        model, provider = embedder.model_id, embedder.provider
    use_generator = generator is not None and mode in ("auto", "generative")
    if mode == "generative" and generator is None:
        raise EnclaveError("no generator installed: use the extractive mode, or install one with "
                           "`enclave setup` or `enclave models import`")
    if use_generator:
        from engine.models.generation import GenerationSettings, GenerationStats

        t0 = time.perf_counter()
        stats = GenerationStats()
        pieces = []
        for piece in generator.stream(_prompt(question, hits[:PROMPT_PASSAGES]),
                                      GenerationSettings(max_new_tokens=160, repetition_penalty=1.1),
                                      cancelled=cancelled, stats=stats):
            pieces.append(piece)
            if on_text:
                on_text(piece)
        timings["generate_s"] = time.perf_counter() - t0
        draft = "".join(pieces).strip()
        text, citations, verify_notes = verify(draft, hits[:PROMPT_PASSAGES], question)
        notes.extend(verify_notes)
        model, provider = generator.model_id, stats.provider
        if citations:
            return _with_verdict(Answer(question, text, "generative", citations, tuple(hits), model, provider,
                                        tuple(notes), timings), hits, embedder)
        notes.append(f"the answer {generator.model_id} wrote was not supported by the passages; "
                     "showing the passages' own sentences instead")
        model = provider = None
        if embedder is not None:
            model, provider = embedder.model_id, embedder.provider
    t0 = time.perf_counter()
    text, citations = extractive(question, hits, embedder)
    timings["extract_s"] = time.perf_counter() - t0
    return _with_verdict(Answer(question, text, "extractive", citations, tuple(hits), model, provider,
                                tuple(notes), timings), hits, embedder)


def _with_verdict(result: Answer, hits: list[SearchHit], embedder) -> Answer:
    """For a yes/no question: the verdict, led by the sentence that decided it (cited)."""
    from dataclasses import replace

    from engine.workspaces.research.verdict import is_yes_no_question, rule_verdict

    if not is_yes_no_question(result.question):
        return result
    started = time.perf_counter()
    ordered = sorted(hits, key=lambda h: (h.document_id, h.page, h.start))
    verdict = rule_verdict(result.question, [h.text for h in ordered], embedder)
    timings = {**result.timings, "verdict_s": time.perf_counter() - started}
    source = next((h for h in ordered if verdict.evidence and verdict.evidence in " ".join(h.text.split())), None)
    if source is None or verdict.confidence < VERDICT_SHOWN:
        # 62 % right on PubMedQA (benchmarks/pubmedqa.md): an unsure verdict is kept in the
        # record, not put in front of the reader
        return replace(result, verdict=verdict, timings=timings)
    citations = list(result.citations)
    number = next((c.number for c in citations if c.chunk_id == source.chunk_id and c.passage == verdict.evidence),
                  len(citations) + 1)
    if number > len(citations):
        citations.append(Citation(number, source.document, source.path, source.page, verdict.evidence,
                                  source.chunk_id, source.document_id))
    lead = (f"**{verdict.label.capitalize()}** (confidence {verdict.confidence:.0%}): "
            f"{readable(verdict.evidence)} [{number}]")
    return replace(result, answer=f"{lead}\n\n{result.answer}", citations=tuple(citations), verdict=verdict,
                   timings=timings)
