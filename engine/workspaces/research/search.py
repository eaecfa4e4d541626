"""Hybrid search over the library: BM25 (SQLite FTS5) and embedding cosine, fused by
reciprocal rank (RRF), with collection / year / document filters and highlighted snippets.

The vectors of one embedder live in memory as one normalised float32 matrix, reloaded
only when the library changes; a query costs one embedding, one FTS5 query and one
matrix-vector product.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np

from engine.store.db import Store
from engine.workspaces.research.chunking import is_reference_section
from engine.workspaces.research.text import readable

RRF_K = 60
CANDIDATES = 100
MAX_QUERY_TERMS = 48
KEYWORD_TERMS = 12  # BM25 uses at most this many of them, the rarest
COMMON_SHARE = 0.2  # terms in more of the passages than this are left to the embedder
KEYWORD_MATCH_BUDGET = 1500  # passages BM25 may score per query (at least; or this share:)
KEYWORD_MATCH_SHARE = 0.03

STOPWORDS = frozenset(["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "also", "et", "al", "use", "used", "using", "may", "might", "must", "shall", "does", "paper", "papers", "study", "propose", "proposed", "show", "shows"])

_TERM = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True)
class SearchHit:
    chunk_id: int
    document_id: int
    document: str  # title
    path: str
    page: int  # 1-based
    score: float  # fused reciprocal-rank score (higher is better)
    cosine: float | None  # embedding similarity to the query (None: keyword hit only)
    bm25_rank: int | None  # 1-based rank among keyword hits (None: not a keyword hit)
    text: str
    snippet: str  # the best sentences, query terms in **bold**
    section: str
    start: int
    year: int | None

    def to_json(self) -> dict:
        return {"document": self.document, "path": self.path, "page": self.page,
                "score": round(self.score, 6), "snippet": self.snippet, "chunk_id": self.chunk_id,
                "document_id": self.document_id, "section": self.section, "year": self.year,
                "cosine": None if self.cosine is None else round(self.cosine, 4),
                "bm25_rank": self.bm25_rank}


def query_terms(text: str, limit: int = MAX_QUERY_TERMS) -> list[str]:
    """Distinct content words of a query, in order, at most `limit` (a 5,000-word question
    keeps its rarest-looking, i.e. longest, words)."""
    seen: dict[str, None] = {}
    for match in _TERM.finditer(text.lower()):
        term = match.group(0).strip("'")
        if len(term) > 1 and term not in STOPWORDS:
            seen.setdefault(term, None)
    terms = list(seen)
    if len(terms) > limit:
        keep = set(sorted(terms, key=len, reverse=True)[:limit])
        terms = [t for t in terms if t in keep]
    return terms


def fts_query(terms: list[str]) -> str:
    """An FTS5 MATCH expression: any of the terms (quoted, so no term is read as syntax)."""
    return " OR ".join('"' + t.replace('"', "") + '"' for t in terms)


class _VectorIndex:
    """The chunk vectors of one embedder in one matrix, reloaded when the library changes."""

    def __init__(self):
        self.key = None
        self.seen: dict[int, int] = {}  # reading connection -> its data_version at the last check
        self.ids = np.zeros(0, np.int64)
        self.docs = np.zeros(0, np.int64)
        self.matrix = np.zeros((0, 0), np.float32)

    def load(self, store: Store, model_id: str) -> None:
        # Cheap first: SQLite's data_version moves when any other connection commits (the
        # store's writer thread, another process); unchanged means nothing to count.
        conn = store.db.conn
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if self.key is not None and self.seen.get(id(conn)) == version:
            return
        self.seen[id(conn)] = version
        key = (str(store.path), model_id, store.db.execute("select version from library_state").fetchone()[0])
        if key == self.key:
            return
        rows = store.db.execute(
            "select e.chunk_id, c.document_id, e.dim, e.vector from embeddings e join chunks c "
            "on c.id = e.chunk_id where e.model_id = ? order by e.chunk_id", [model_id]).fetchall()
        if rows:
            dim = rows[0][2]
            raw = b"".join(r[3] for r in rows)
            width = len(rows[0][3]) // dim
            dtype = np.float16 if width == 2 else np.float32
            matrix = np.frombuffer(raw, dtype=dtype).reshape(len(rows), dim).astype(np.float32)
            matrix /= np.clip(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12, None)
        else:
            matrix = np.zeros((0, 0), np.float32)
        self.ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        self.docs = np.fromiter((r[1] for r in rows), np.int64, len(rows))
        self.matrix = matrix
        self.key = key


_indexes: dict[tuple[str, str], _VectorIndex] = {}
_indexes_lock = threading.Lock()


def _vector_index(store: Store, model_id: str) -> _VectorIndex:
    with _indexes_lock:
        index = _indexes.setdefault((str(store.path), model_id), _VectorIndex())
        index.load(store, model_id)
        return index


def allowed_documents(store: Store, collection: str | None = None, year_from: int | None = None,
                      year_to: int | None = None, document_ids: list[int] | None = None) -> set[int] | None:
    """Document ids that pass the filters (None: no filter)."""
    if not (collection or year_from or year_to or document_ids):
        return None
    clauses, params = ["status = 'indexed'"], []
    if collection:
        clauses.append("id in (select document_id from document_collections dc join collections c "
                       "on c.id = dc.collection_id where c.name = ?)")
        params.append(collection)
    if year_from:
        clauses.append("year >= ?")
        params.append(year_from)
    if year_to:
        clauses.append("year <= ?")
        params.append(year_to)
    if document_ids:
        clauses.append(f"id in ({', '.join('?' * len(document_ids))})")
        params.extend(document_ids)
    return {r[0] for r in store.db.execute(f"select id from documents where {' and '.join(clauses)}", params)}


_counts_cache: dict[tuple, dict[str, int]] = {}
_counts_lock = threading.Lock()


def _term_counts(store: Store, stems: list[str]) -> dict[str, int]:
    """Passages per index term (fts5vocab reads each term's posting list, so the answers
    are kept until the library changes: data_version of this thread's connection)."""
    conn = store.db.conn
    key = (str(store.path), id(conn), conn.execute("PRAGMA data_version").fetchone()[0])
    with _counts_lock:
        cache = _counts_cache.get(key)
        if cache is None:
            _counts_cache.clear()  # one library state at a time is plenty
            cache = _counts_cache[key] = {}
    missing = [t for t in stems if t not in cache]
    if missing:
        found = dict(store.db.execute(
            f"select term, doc from chunks_fts_vocab where term in ({', '.join('?' * len(missing))})", missing))
        with _counts_lock:
            cache.update({t: found.get(t, 0) for t in missing})
    return {t: cache[t] for t in stems}


def selective_terms(store: Store, terms: list[str]) -> list[str]:
    """The query terms worth matching. In a large library: those in at most COMMON_SHARE
    of the passages, rarest first, while the passages they match stay within the budget
    (all common: the rarest). A small library keeps every term.

    Document counts come from FTS5's vocabulary, which holds porter stems; a word's stem
    is (nearly always) one of its prefixes, so a word counts as its most frequent prefix
    at most five letters shorter."""
    if not terms:
        return []
    total = store.db.execute("select count(*) from chunks").fetchone()[0] or 1
    if total <= 2 * KEYWORD_MATCH_BUDGET:
        return terms  # a small library: scoring every match is cheap, and every term helps
    prefixes = {t: [t[:i] for i in range(max(3, len(t) - 5), len(t) + 1)] for t in terms}
    counts = _term_counts(store, sorted({p for ps in prefixes.values() for p in ps}))
    df = {t: max((counts.get(p, 0) for p in ps), default=0) for t, ps in prefixes.items()}
    known = sorted((t for t in terms if df[t] > 0), key=lambda t: df[t])
    selective = [t for t in known if df[t] <= COMMON_SHARE * total] or known[:3]
    # BM25 scores every passage that holds any term: stop adding (ever more common)
    # terms once that could exceed the budget; the embedder ranks the rest.
    budget = max(KEYWORD_MATCH_BUDGET, KEYWORD_MATCH_SHARE * total)
    chosen, matched = [], 0
    for t in selective[:KEYWORD_TERMS]:
        if chosen and matched + df[t] > budget:
            break
        chosen.append(t)
        matched += df[t]
    return chosen


def keyword_ranking(store: Store, terms: list[str], allowed: set[int] | None,
                    limit: int = CANDIDATES) -> list[int]:
    """Chunk ids by BM25 over the selective query terms, best first."""
    terms = selective_terms(store, terms)
    if not terms:
        return []
    sql = ("select chunks.id, chunks.document_id from chunks_fts join chunks on chunks.rowid = chunks_fts.rowid "
           "where chunks_fts match ? order by bm25(chunks_fts) limit ?")
    rows = store.db.execute(sql, [fts_query(terms), limit if allowed is None else limit * 20]).fetchall()
    return [r[0] for r in rows if allowed is None or r[1] in allowed][:limit]


_query_embedding = None  # one worker thread: the query is embedded while FTS5 runs


def _embed_query_async(embedder, query: str):
    """A future of the query's vector (ONNX Runtime and SQLite both release the GIL, so
    embedding the query and the keyword search overlap)."""
    global _query_embedding
    from concurrent.futures import ThreadPoolExecutor

    if _query_embedding is None:
        _query_embedding = ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-embedding")
    return _query_embedding.submit(lambda: embedder.embed([query])[0])


def vector_ranking(store: Store, embedder, query: str, allowed: set[int] | None,
                   limit: int = CANDIDATES, query_vector=None) -> list[tuple[int, float]]:
    """(chunk id, cosine) by similarity to the query, best first."""
    index = _vector_index(store, embedder.model_id)
    if not len(index.ids):
        return []
    q = query_vector if query_vector is not None else embedder.embed([query])[0]
    sims = index.matrix @ q
    if allowed is not None:
        sims = np.where(np.isin(index.docs, list(allowed)), sims, -np.inf)
    top = min(limit, len(sims))
    best = np.argpartition(-sims, top - 1)[:top]
    best = best[np.argsort(-sims[best])]
    return [(int(index.ids[i]), float(sims[i])) for i in best if np.isfinite(sims[i])]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def snippet(text: str, terms: list[str], words: int = 45) -> str:
    """The sentences richest in query terms (about `words` words), terms in **bold**."""
    flat = readable(" ".join(text.split()))
    sentences = [s for s in _SENTENCE_END.split(flat) if s]
    if not sentences:
        return ""
    wanted = set(terms)

    def hits(sentence: str) -> int:
        return sum(1 for t in _TERM.findall(sentence.lower()) if t in wanted)
    best = max(range(len(sentences)), key=lambda i: (hits(sentences[i]), -i))
    chosen = [sentences[best]]
    after = best + 1
    while after < len(sentences) and len(" ".join(chosen).split()) < words:
        chosen.append(sentences[after])
        after += 1
    out = " ".join(chosen)
    cut = out.split()
    if len(cut) > words + 15:
        out = " ".join(cut[: words + 15]) + " …"
    if best > 0:
        out = "… " + out
    if wanted:
        pattern = re.compile(r"\b(" + "|".join(re.escape(t) for t in sorted(wanted, key=len, reverse=True))
                             + r")\b", re.IGNORECASE)
        out = pattern.sub(r"**\1**", out)
    return out


def search(store: Store, query: str, embedder=None, *, limit: int = 10, collection: str | None = None,
           year_from: int | None = None, year_to: int | None = None,
           document_ids: list[int] | None = None, exclude_references: bool = False) -> list[SearchHit]:
    """The `limit` best passages for `query`: keyword and (with an embedder) semantic
    rankings fused by reciprocal rank."""
    query = query.strip()
    if not query:
        return []
    terms = query_terms(query)
    allowed = allowed_documents(store, collection, year_from, year_to, document_ids)
    if allowed is not None and not allowed:
        return []
    pending = _embed_query_async(embedder, query) if embedder is not None else None
    keyword = keyword_ranking(store, terms, allowed)
    semantic = vector_ranking(store, embedder, query, allowed, query_vector=pending.result()) \
        if pending is not None else []
    fused: dict[int, float] = {}
    for rank, chunk_id in enumerate(keyword, start=1):
        fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    cosines = dict(semantic)
    for rank, (chunk_id, _) in enumerate(semantic, start=1):
        fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    keyword_rank = {chunk_id: rank for rank, chunk_id in enumerate(keyword, start=1)}
    order = sorted(fused, key=lambda c: -fused[c])
    if not order:
        return []
    rows = {r[0]: r for r in store.db.execute(
        "select c.id, c.document_id, d.title, d.path, c.page, c.text, c.section, c.start, d.year "
        f"from chunks c join documents d on d.id = c.document_id where c.id in ({', '.join('?' * len(order))})",
        order)}
    hits = []
    for chunk_id in order:
        row = rows.get(chunk_id)
        if row is None or (exclude_references and is_reference_section(row[6] or "")):
            continue
        hits.append(SearchHit(chunk_id, row[1], row[2], row[3], row[4], fused[chunk_id],
                              cosines.get(chunk_id), keyword_rank.get(chunk_id), row[5],
                              snippet(row[5], terms), row[6] or "", row[7] or 0, row[8]))
        if len(hits) >= limit:
            break
    return hits


def page_text(store: Store, document_id: int, page: int) -> str | None:
    """The text of one page (to show a passage in its page)."""
    row = store.db.execute("select text from pages where document_id = ? and page = ?",
                           [document_id, page]).fetchone()
    return row[0] if row else None
