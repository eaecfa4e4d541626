"""`enclave bench research`: the Research workspace end to end, on real papers and at scale.

1. Ingest: every file of `papers` into a fresh store (pages, chunks, wall seconds, the
   parse / embed / write split of `IngestReport.seconds`), and the ceiling: the embedder
   alone embedding the same chunk texts with the ingest's batch size.
2. Retrieval: for each question of the QA file, is the answering paper among the
   documents of the top-5 search results (hit@5), and 1/rank of its first passage in
   the top 10 (MRR@10).
3. Answers: `ask` each question (extractive; optionally also auto with the default
   generator): modes, latency, citations, and the citation check: every cited passage,
   whitespace-normalised, must be found in (a) the stored text of the cited page and
   (b) the page text pypdfium2 extracts from the file directly (PDFs only).
4. Search at scale: a synthetic index of `synthetic_chunks` passages (sentences of the
   real chunks recombined; vectors are real chunk vectors plus Gaussian noise, so no
   embedding is needed) in a second store, then `search` latency over many queries.

Everything runs in temporary data dirs whose `models` is a link to the prepared models:
the user's store is never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import random
import re
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from engine.errors import EnclaveError
from engine.models.embedding import Embedder
from engine.models.registry import ModelRegistry
from engine.store import open_store
from engine.store.db import utcnow
from engine.workspaces.research import library
from engine.workspaces.research import search as searching
from engine.workspaces.research.answer import ask, sentences
from engine.workspaces.research.chunking import chunk_pages
from engine.workspaces.research.search import STOPWORDS, page_text, search

Progress = Callable[[float, str], None]

TARGET = {"ingest_pages_per_s": 10.0, "hit_at_5": 0.90, "citations_in_stored_page": 1.0,
          "search_p95_ms": 50.0}
TOP_K = 5  # hit@5: the answering paper among the documents of the top 5 results
MRR_DEPTH = 10
SYNTHETIC_DOCUMENTS = 500
SYNTHETIC_WORDS = 100  # ~ chunking.TARGET_WORDS
SYNTHETIC_CHUNKS_PER_PAGE = 4
SYNTHETIC_WRITE_BATCH = 2500  # chunks per store.write transaction
# Per-component noise on the unit vectors: norm ~0.025 * sqrt(384) ~ 0.5, a cosine of
# ~0.9 to the chunk it came from: near neighbours, never duplicates.
SYNTHETIC_NOISE = 0.025
SEED = 20240611

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def _ms(seconds: list[float]) -> dict:
    ms = [1000 * s for s in seconds]
    return {"n": len(ms), "p50_ms": round(_percentile(ms, 50), 1), "p95_ms": round(_percentile(ms, 95), 1),
            "max_ms": round(max(ms), 1) if ms else 0.0, "mean_ms": round(statistics.fmean(ms), 1) if ms else 0.0}


def load_qa(qa_file: Path) -> list[dict]:
    """The questions of a JSONL file with `question`, `reference_answer`, `paper_file`."""
    items = []
    for number, line in enumerate(Path(qa_file).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            raise EnclaveError(f"{qa_file}: line {number} is not JSON") from None
        missing = [k for k in ("question", "reference_answer", "paper_file") if k not in item]
        if missing:
            raise EnclaveError(f"{qa_file}: line {number} lacks {', '.join(missing)}")
        item.setdefault("id", f"q{number:03d}")
        items.append(item)
    if not items:
        raise EnclaveError(f"{qa_file}: no questions")
    return items


def _work_dir(root: Path, name: str, models: Path) -> Path:
    """A fresh data dir under `root` that sees the prepared models."""
    data = root / name
    data.mkdir()
    (data / "models").symlink_to(models, target_is_directory=True)
    return data


class _CpuShare:
    """Cores used over a stretch of the run: by this process, by every other process
    (machine-wide busy time minus ours) and stolen by the hypervisor. On a 2-core machine
    another busy process skews every number; this says whether one did."""

    def __init__(self):
        self.start = self._now()

    @staticmethod
    def _now() -> tuple[float, float, float | None, float | None]:
        try:
            import psutil

            t = psutil.cpu_times()
            busy = t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0)
            steal = getattr(t, "steal", 0.0)
        except Exception:  # psutil missing or /proc unreadable: own share only
            busy = steal = None
        return time.perf_counter(), time.process_time(), busy, steal

    def stop(self) -> dict:
        end = self._now()
        wall = max(end[0] - self.start[0], 1e-9)
        own = end[1] - self.start[1]
        out = {"wall_s": round(wall, 2), "own_cores": round(own / wall, 2)}
        if end[2] is not None and self.start[2] is not None:
            out["other_cores"] = round(max(end[2] - self.start[2] - own, 0.0) / wall, 2)
            out["steal_cores"] = round((end[3] - self.start[3]) / wall, 2)
        return out


def _cpu_text(usage: dict) -> str:
    text = f"this process {usage['own_cores']} cores"
    if "other_cores" in usage:
        text += f", other processes {usage['other_cores']}, hypervisor steal {usage['steal_cores']}"
    return text


def _machine() -> dict:
    import onnxruntime

    from engine.runtime.sessions import default_threads

    facts = {"machine": platform.machine(), "system": platform.system(), "platform": platform.platform(),
             "cpu_count": os.cpu_count(), "threads": default_threads(),
             "python": platform.python_version(), "onnxruntime": onnxruntime.__version__}
    if hasattr(os, "getloadavg"):
        facts["load_average_before"] = round(os.getloadavg()[0], 2)
    return facts


# -- 1. ingest ----------------------------------------------------------------------------

def _bench_ingest(store, embedder, papers: list[Path], progress: Progress) -> dict:
    usage = _CpuShare()
    t0 = time.perf_counter()
    report = library.ingest(papers, store, embedder,
                            progress=lambda f, m: progress(0.02 + 0.28 * f, f"ingest: {m}"))
    wall = time.perf_counter() - t0
    ingest_cpu = usage.stop()
    if not report.pages:
        raise EnclaveError("no document could be ingested: "
                           + "; ".join(f"{f.path}: {f.reason}" for f in report.files)[:500])
    # chunking is not part of IngestReport.seconds: timed again on the stored pages
    t0 = time.perf_counter()
    for (document_id,) in store.db.execute("select id from documents").fetchall():
        chunk_pages([r[0] for r in store.db.execute(
            "select text from pages where document_id = ? order by page", [document_id])])
    chunking = time.perf_counter() - t0

    progress(0.30, "ingest ceiling: the embedder alone on the same chunks")
    texts = [r[0] for r in store.db.execute(  # search_text: what the ingest embedded
        "select c.search_text from chunks c join embeddings e on e.chunk_id = c.id where e.model_id = ? "
        "order by c.id", [embedder.model_id])]
    usage = _CpuShare()
    t0 = time.perf_counter()
    embedder.embed(texts, batch_size=library.EMBED_BATCH)
    embed_alone = time.perf_counter() - t0
    ceiling_cpu = usage.stop()

    seconds = {k: round(v, 3) for k, v in report.seconds.items()}
    seconds["chunk (re-timed)"] = round(chunking, 3)
    seconds["other"] = round(max(wall - sum(report.seconds.values()) - chunking, 0.0), 3)
    return {"files": len(report.files), "imported": report.count("imported"),
            "failed": [{"path": f.path, "reason": f.reason} for f in report.files if f.status != "imported"],
            "pages": report.pages, "chunks": report.chunks, "embedded_chunks": len(texts),
            "wall_s": round(wall, 2), "seconds": seconds,
            "share": {k: round(v / wall, 3) for k, v in seconds.items()},
            "pages_per_s": round(report.pages / wall, 2),
            "cpu": ingest_cpu,
            "ceiling": {"embed_s": round(embed_alone, 2), "batch_size": library.EMBED_BATCH, "cpu": ceiling_cpu,
                        "chunks_per_s": round(len(texts) / embed_alone, 1) if embed_alone else 0.0,
                        "pages_per_s": round(report.pages / embed_alone, 2) if embed_alone else 0.0},
            "documents": [{"file": Path(f.path).name, "status": f.status, "pages": f.pages,
                           "chunks": f.chunks, "title": f.title} for f in report.files]}


# -- 2. retrieval -------------------------------------------------------------------------

def _bench_retrieval(store, embedder, qa: list[dict], progress: Progress) -> dict:
    rows = []
    for i, item in enumerate(qa):
        progress(0.32 + 0.06 * i / len(qa), f"retrieval {i + 1}/{len(qa)}")
        hits = search(store, item["question"], embedder, limit=MRR_DEPTH)
        files = [Path(h.path).name for h in hits]
        rank = next((r for r, name in enumerate(files, start=1) if name == item["paper_file"]), None)
        top_docs = list(dict.fromkeys(files[:TOP_K]))
        rows.append({"id": item["id"], "question": item["question"], "paper_file": item["paper_file"],
                     "hit_at_5": item["paper_file"] in top_docs, "first_rank": rank,
                     "top5_documents": top_docs})
    return {"questions": len(rows),
            "hit_at_5": round(sum(r["hit_at_5"] for r in rows) / len(rows), 4),
            "mrr_at_10": round(statistics.fmean(1 / r["first_rank"] if r["first_rank"] else 0.0
                                                for r in rows), 4),
            "misses": [r for r in rows if not r["hit_at_5"]], "rows": rows}


# -- 3. answers ---------------------------------------------------------------------------

class _PdfPages:
    """Page texts read from the PDF by pypdfium2 directly (not through the parser),
    whitespace-normalised: (raw, printed). PDFium reports a word hyphenated at a line end
    as one U+FFFE in place of the hyphen and the break; `printed` reads it as just that,
    a hyphen and a line break ("representa- tion"), `raw` keeps the mark."""

    def __init__(self):
        self.cache: dict[tuple[str, int], tuple[str, str] | None] = {}

    def text(self, path: str, page: int) -> tuple[str, str] | None:
        key = (path, page)
        if key not in self.cache:
            self.cache[key] = self._read(path, page)
        return self.cache[key]

    @staticmethod
    def _read(path: str, page: int) -> tuple[str, str] | None:
        import pypdfium2 as pdfium

        if Path(path).suffix.lower() != ".pdf":
            return None
        pdf = pdfium.PdfDocument(path)
        try:
            text = pdf[page - 1].get_textpage().get_text_range()
        finally:
            pdf.close()
        return _flat(text), _flat(text.replace("\ufffe", "-\n"))


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in STOPWORDS}


def _bench_answers(store, embedder, generator, mode: str, qa: list[dict], pdf_pages: _PdfPages,
                   progress: Progress, span: tuple[float, float]) -> dict:
    rows, latencies = [], []
    usage = _CpuShare()
    for i, item in enumerate(qa):
        progress(span[0] + (span[1] - span[0]) * i / len(qa), f"answers ({mode}) {i + 1}/{len(qa)}")
        t0 = time.perf_counter()
        answer = ask(store, item["question"], embedder, generator, mode=mode)
        latencies.append(time.perf_counter() - t0)
        checks = []
        for c in answer.citations:
            passage = _flat(c.passage)
            stored = page_text(store, c.document_id, c.page)
            direct = pdf_pages.text(c.path, c.page)
            checks.append({"document": Path(c.path).name, "page": c.page, "passage": c.passage,
                           "in_stored_page": stored is not None and passage in _flat(stored),
                           "in_pdfium_page": None if direct is None else passage in direct[1],
                           "in_pdfium_raw": None if direct is None else passage in direct[0]})
        reference = _content_words(item["reference_answer"])
        recall = len(reference & _content_words(answer.answer)) / len(reference) if reference else 0.0
        rows.append({"id": item["id"], "question": item["question"], "paper_file": item["paper_file"],
                     "mode": answer.mode, "latency_s": round(latencies[-1], 3),
                     "answer": answer.answer, "reference_answer": item["reference_answer"],
                     "reference_word_recall": round(recall, 3),
                     "cites_answering_paper": any(Path(c.path).name == item["paper_file"]
                                                  for c in answer.citations),
                     "citations": checks, "notes": list(answer.notes),
                     "timings": {k: round(v, 3) for k, v in answer.timings.items()}})
    cpu = usage.stop()
    cited = [c for r in rows for c in r["citations"]]
    pdf_checked = [c for c in cited if c["in_pdfium_page"] is not None]
    return {"mode_asked": mode, "questions": len(rows), "modes": dict(Counter(r["mode"] for r in rows)),
            "latency": _ms(latencies), "cpu": cpu,
            "citations_per_answer": round(len(cited) / len(rows), 2),
            "citations": len(cited),
            "in_stored_page": round(sum(c["in_stored_page"] for c in cited) / len(cited), 4) if cited else None,
            "pdfium_checked": len(pdf_checked),
            "in_pdfium_page": (round(sum(c["in_pdfium_page"] for c in pdf_checked) / len(pdf_checked), 4)
                               if pdf_checked else None),
            "in_pdfium_raw": (round(sum(c["in_pdfium_raw"] for c in pdf_checked) / len(pdf_checked), 4)
                              if pdf_checked else None),
            "reference_word_recall": round(statistics.fmean(r["reference_word_recall"] for r in rows), 3),
            "cites_answering_paper": round(sum(r["cites_answering_paper"] for r in rows) / len(rows), 4),
            "citation_failures": [{"id": r["id"], **c} for r in rows for c in r["citations"]
                                  if not c["in_stored_page"] or c["in_pdfium_page"] is False],
            "rows": rows}


# -- 4. search at scale -------------------------------------------------------------------

def _synthetic_corpus(store, model_id: str, n: int, rng: random.Random,
                      nprng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """`n` passages of ~SYNTHETIC_WORDS words, each made of sentences of different real
    chunks, and one vector each: a real chunk's vector plus noise, renormalised."""
    rows = store.db.execute(  # search_text: hyphenated line ends joined, clean words
        "select c.search_text, e.vector from chunks c join embeddings e on e.chunk_id = c.id "
        "where e.model_id = ? order by c.id", [model_id]).fetchall()
    if not rows:
        raise EnclaveError("no embedded chunks to build the synthetic index from")
    pools = [[s for s in sentences(r[0]) if len(s.split()) >= 4] or [_flat(r[0])] for r in rows]
    real = np.stack([np.frombuffer(r[1], dtype=np.float16).astype(np.float32) for r in rows])
    texts = []
    bases = np.empty(n, dtype=np.int64)
    for i in range(n):
        base = rng.randrange(len(pools))
        bases[i] = base
        parts = [rng.choice(pools[base])]  # the text leans on the chunk its vector came from
        words = len(parts[0].split())
        while words < SYNTHETIC_WORDS:
            part = rng.choice(pools[rng.randrange(len(pools))])
            parts.append(part)
            words += len(part.split())
        texts.append(" ".join(parts))
    vectors = real[bases] + nprng.normal(0.0, SYNTHETIC_NOISE, (n, real.shape[1])).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return texts, vectors


def _write_synthetic(store, model_id: str, texts: list[str], vectors: np.ndarray, progress: Progress) -> None:
    """The passages as SYNTHETIC_DOCUMENTS documents, in the tables `_write_document` fills."""
    n_docs = max(1, min(SYNTHETIC_DOCUMENTS, len(texts)))
    bounds = np.linspace(0, len(texts), n_docs + 1).astype(int)
    batch: list[int] = []

    def flush(docs: list[int]) -> None:
        def write(db) -> None:
            for d in docs:
                lo, hi = int(bounds[d]), int(bounds[d + 1])
                per_page = [list(range(s, min(s + SYNTHETIC_CHUNKS_PER_PAGE, hi)))
                            for s in range(lo, hi, SYNTHETIC_CHUNKS_PER_PAGE)]
                doc_id = db["documents"].insert({
                    "path": f"/synthetic/paper-{d:04d}.pdf", "title": f"Synthetic paper {d}",
                    "sha256": hashlib.sha256(f"enclave-synthetic-{d}".encode()).hexdigest(),
                    "pages": len(per_page), "added": utcnow(), "kind": "pdf", "authors": "[]",
                    "year": 2000 + d % 25, "abstract": None, "status": "indexed", "warnings": "[]",
                    "bytes": 0}).last_pk
                pages, chunks, ordinal = [], [], 0
                for page, members in enumerate(per_page, start=1):
                    offset = 0
                    for m in members:
                        chunks.append({"document_id": doc_id, "page": page, "ordinal": ordinal,
                                       "text": texts[m], "search_text": texts[m], "section": "",
                                       "start": offset})
                        offset += len(texts[m]) + 2
                        ordinal += 1
                    pages.append({"document_id": doc_id, "page": page,
                                  "text": "\n\n".join(texts[m] for m in members)})
                db["pages"].insert_all(pages)
                db["chunks"].insert_all(chunks)
                ids = [r[0] for r in db.execute(
                    "select id from chunks where document_id = ? order by ordinal", [doc_id])]
                db["embeddings"].insert_all(
                    {"chunk_id": chunk_id, "model_id": model_id, "dim": vectors.shape[1],
                     "vector": vectors[lo + k].astype(library.VECTOR_DTYPE).tobytes()}
                    for k, chunk_id in enumerate(ids))
        store.write(write)

    for d in range(n_docs):
        batch.append(d)
        if bounds[d + 1] - bounds[batch[0]] >= SYNTHETIC_WRITE_BATCH or d == n_docs - 1:
            flush(batch)
            progress(bounds[d + 1] / len(texts), f"synthetic index: {bounds[d + 1]}/{len(texts)} passages written")
            batch = []


def _keyword_match_share(store, qa: list[dict]) -> dict:
    """The median share of passages a question's keyword query matches: with all its
    terms, and with the terms search keeps (`selective_terms`). BM25 scores every match."""
    total = max(store.db.execute("select count(*) from chunks").fetchone()[0], 1)

    def matched(terms: list[str]) -> float:
        if not terms:
            return 0.0
        return store.db.execute("select count(*) from chunks_fts where chunks_fts match ?",
                                [searching.fts_query(terms)]).fetchone()[0] / total

    every, kept = [], []
    for item in qa:
        terms = searching.query_terms(item["question"])
        every.append(matched(terms))
        kept.append(matched(searching.selective_terms(store, terms)))
    return {"all_terms": round(statistics.median(every), 3), "terms_used": round(statistics.median(kept), 3)}


def _queries(qa: list[dict], n: int, rng: random.Random) -> list[str]:
    """`n` queries: the questions, then again with one or two words dropped (so no
    repeat is byte-identical)."""
    base = [item["question"] for item in qa]
    out = []
    for i in range(n):
        words = base[i % len(base)].split()
        for _ in range(min(i // len(base), 2)):
            if len(words) > 4:
                words.pop(rng.randrange(len(words)))
        out.append(" ".join(words))
    return out


def _forget_index(store, model_id: str) -> None:
    """Drop the store's vector matrix from the search module's cache: it keeps one per
    store path for the life of the process, and the bench's stores are about to be deleted."""
    with searching._indexes_lock:
        searching._indexes.pop((str(store.path), model_id), None)


def _bench_scale(real_store, embedder, work: Path, qa: list[dict], n_chunks: int, n_queries: int,
                 progress: Progress) -> dict:
    rng = random.Random(SEED)
    nprng = np.random.default_rng(SEED)
    t0 = time.perf_counter()
    texts, vectors = _synthetic_corpus(real_store, embedder.model_id, n_chunks, rng, nprng)
    generate_s = time.perf_counter() - t0
    store = open_store(work)
    try:
        t0 = time.perf_counter()
        _write_synthetic(store, embedder.model_id, texts, vectors,
                         lambda f, m: progress(0.62 + 0.2 * f, m))
        write_s = time.perf_counter() - t0
        del texts, vectors
        db_bytes = sum(p.stat().st_size for p in work.glob("enclave.db*"))

        progress(0.83, "search at scale: loading the vector index")
        t0 = time.perf_counter()
        index = searching._vector_index(store, embedder.model_id)  # what the first search pays
        index_load_s = time.perf_counter() - t0
        queries = _queries(qa, n_queries, rng)
        t0 = time.perf_counter()
        search(store, queries[0], embedder, limit=10)  # warm-up (FTS pages, ORT arenas)
        warmup_s = time.perf_counter() - t0

        totals, results = [], []
        usage = _CpuShare()
        for i, q in enumerate(queries):
            if i % 20 == 0:
                progress(0.84 + 0.1 * i / len(queries), f"search at scale: query {i + 1}/{len(queries)}")
            t0 = time.perf_counter()
            hits = search(store, q, embedder, limit=10)
            totals.append(time.perf_counter() - t0)
            results.append(len(hits))
        search_cpu = usage.stop()
        # where a query's time goes: the same queries, one stage at a time
        stages: dict[str, list[float]] = {"embed query": [], "keyword (FTS5 BM25)": [],
                                          "vector (index check + embed + matrix product)": []}
        progress(0.95, "search at scale: per-stage timings")
        for q in queries:
            t0 = time.perf_counter()
            embedder.embed([q])
            stages["embed query"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            searching.keyword_ranking(store, searching.query_terms(q), None)
            stages["keyword (FTS5 BM25)"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            searching.vector_ranking(store, embedder, q, None)
            stages["vector (index check + embed + matrix product)"].append(time.perf_counter() - t0)
        chunks = store.db.execute("select count(*) from chunks").fetchone()[0]
        # BM25 scores every passage the OR-of-terms query matches: how many is what the
        # keyword stage costs (and where the synthetic index differs from a real one)
        match_share = {"library": _keyword_match_share(real_store, qa),
                       "synthetic": _keyword_match_share(store, qa)}
        documents = store.db.execute("select count(*) from documents").fetchone()[0]
        return {"chunks": chunks, "documents": documents, "keyword_match_share": match_share,
                "build_s": round(generate_s + write_s, 2), "generate_s": round(generate_s, 2),
                "write_s": round(write_s, 2), "db_mb": round(db_bytes / 1e6, 1),
                "index_load_s": round(index_load_s, 3), "index_rows": int(len(index.ids)),
                "index_mb": round(index.matrix.nbytes / 1e6, 1), "warmup_search_ms": round(1000 * warmup_s, 1),
                "latency": _ms(totals), "cpu": search_cpu, "stages": {k: _ms(v) for k, v in stages.items()},
                "empty_results": sum(1 for n in results if n == 0), "queries": len(queries)}
    finally:
        store.close()
        _forget_index(store, embedder.model_id)


# -- the run ------------------------------------------------------------------------------

def run_research_bench(data_dir: Path, *, papers: list[Path], qa_file: Path, out_dir: Path,
                       synthetic_chunks: int = 50_000, search_queries: int = 200,
                       generative: bool = False, device: str = "cpu",
                       progress: Progress | None = None) -> dict:
    """Run the Research benchmark; write research.md / research.json into `out_dir`.

    Args:
        data_dir: a data dir with the prepared models (only its `models` folder is used).
        papers: files and folders to ingest (folders are walked).
        qa_file: JSONL, one question a line: `question`, `reference_answer`, `paper_file`
            (the file name of the paper that answers it).
        out_dir: where research.md and research.json go (created).
        synthetic_chunks: passages in the synthetic index that search latency is timed on.
        search_queries: timed searches on the synthetic index.
        generative: also answer every question with the default generator (mode auto);
            slow, about 4 s a question on two cores.
        device: the ONNX Runtime device for the models ("cpu", "auto", ...).
        progress: called with (fraction 0-1, message).

    Returns:
        The result dict that research.json holds.
    """
    progress = progress or (lambda f, m: None)
    models = Path(data_dir) / "models"
    if ModelRegistry(Path(data_dir)).default_id("embedding") is None:
        raise EnclaveError(f"no embedding model in {data_dir}: run `enclave setup` first")
    if synthetic_chunks < 1 or search_queries < 1:
        raise EnclaveError("synthetic_chunks and search_queries must be at least 1")
    qa = load_qa(qa_file)
    papers = [Path(p) for p in papers]
    machine = _machine()
    started = datetime.now(UTC).isoformat(timespec="seconds")

    with tempfile.TemporaryDirectory(prefix="enclave-bench-research-") as tmp:
        root = Path(tmp)
        work = _work_dir(root, "library", models.resolve())
        progress(0.01, "loading the embedder")
        # not the process-wide cached one: the bench must not leave sessions behind
        embedder = Embedder.from_registry(work, None, device)
        store = open_store(work)
        try:
            ingest = _bench_ingest(store, embedder, papers, progress)
            retrieval = _bench_retrieval(store, embedder, qa, progress)
            pdf_pages = _PdfPages()
            answers = {"extractive": _bench_answers(store, embedder, None, "extractive", qa, pdf_pages,
                                                    progress, (0.38, 0.45 if generative else 0.6))}
            if generative:
                from engine.models.generation import Generator

                progress(0.45, "loading the generator")
                generator = Generator.from_registry(work, None, device)
                answers["auto"] = _bench_answers(store, embedder, generator, "auto", qa, pdf_pages,
                                                 progress, (0.45, 0.6))
                answers["auto"]["generator"] = generator.model_id
            scale = _bench_scale(store, embedder, _work_dir(root, "synthetic", models.resolve()), qa,
                                 synthetic_chunks, search_queries, progress)
        finally:
            store.close()
            _forget_index(store, embedder.model_id)

    if hasattr(os, "getloadavg"):
        machine["load_average_after"] = round(os.getloadavg()[0], 2)
    machine["embedder"] = embedder.model_id
    machine["provider"] = embedder.provider
    verdicts = {
        "ingest_pages_per_s": {"value": ingest["pages_per_s"],
                               "met": ingest["pages_per_s"] >= TARGET["ingest_pages_per_s"]},
        "hit_at_5": {"value": retrieval["hit_at_5"], "met": retrieval["hit_at_5"] >= TARGET["hit_at_5"]},
        "citations_in_stored_page": {
            "value": min((a["in_stored_page"] for a in answers.values() if a["in_stored_page"] is not None),
                         default=None),
            "met": all(a["in_stored_page"] in (None, 1.0) for a in answers.values())},
        "search_p95_ms": {"value": scale["latency"]["p95_ms"],
                          "met": scale["latency"]["p95_ms"] <= TARGET["search_p95_ms"]},
    }
    settings = {"papers": [str(p) for p in papers], "qa_file": str(qa_file), "questions": len(qa),
                "synthetic_chunks": synthetic_chunks, "search_queries": search_queries,
                "generative": generative, "device": device, "seed": SEED}
    result = {"bench": "research", **settings, "ingest": ingest, "retrieval": retrieval,
              "answers": answers, "scale": scale, "target": TARGET, "target_met": verdicts,
              "machine": machine, "date": started}
    table = _markdown(result)
    result["table"] = table
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "research.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    (out_dir / "research.md").write_text(table + "\n", encoding="utf-8")
    progress(1.0, f"written {out_dir / 'research.md'}")
    return result


# -- the report ---------------------------------------------------------------------------

def _met(flag: bool) -> str:
    return "MET" if flag else "NOT MET"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def _markdown(r: dict) -> str:
    m, ing, ret, sc, v = r["machine"], r["ingest"], r["retrieval"], r["scale"], r["target_met"]
    t = r["target"]
    machine = (f"{m['machine']}, {m['cpu_count']} logical CPUs, {m['system']}, {m['threads']} ORT threads, "
               f"{m['embedder']} on {m['provider']}, onnxruntime {m['onnxruntime']}")
    if "load_average_before" in m:
        machine += f", load average {m['load_average_before']:.2f} before, {m['load_average_after']:.2f} after"
    lines = [f"# bench research — {ing['imported']} papers ({ing['pages']} pages), {r['questions']} questions, "
             f"search over {sc['chunks']:,} passages",
             "", f"Machine: {machine}. Date: {r['date']}.", "",
             "## Summary", "",
             "| measure | value | target | |", "|---|---:|---:|---|",
             f"| ingest pages/s | {ing['pages_per_s']} | ≥ {t['ingest_pages_per_s']:g} | "
             f"{_met(v['ingest_pages_per_s']['met'])} |",
             f"| retrieval hit@5 (answering paper in the top-5 documents) | {_pct(ret['hit_at_5'])} | "
             f"≥ {100 * t['hit_at_5']:g} % | {_met(v['hit_at_5']['met'])} |",
             f"| citations found in the stored cited page | {_pct(v['citations_in_stored_page']['value'])} | "
             f"100 % | {_met(v['citations_in_stored_page']['met'])} |",
             f"| search p95 at {sc['chunks']:,} passages | {sc['latency']['p95_ms']} ms | "
             f"≤ {t['search_p95_ms']:g} ms | {_met(v['search_p95_ms']['met'])} |",
             ""]
    busy = max([u.get("other_cores", 0.0) for u in (ing["cpu"], ing["ceiling"]["cpu"], sc["cpu"])]
               + [a["cpu"].get("other_cores", 0.0) for a in r["answers"].values()])
    if busy >= 0.3:
        lines += [f"**The machine was shared**: other processes used up to {busy} cores during a timed "
                  "stage (see each section), so the speeds below are lower than on an idle machine.", ""]
    lines += ["## 1. Ingest", "",
             f"{ing['imported']} of {ing['files']} files imported: {ing['pages']} pages, {ing['chunks']} chunks "
             f"({ing['embedded_chunks']} embedded; reference-list chunks are not) in {ing['wall_s']} s wall = "
             f"**{ing['pages_per_s']} pages/s**.", "",
             "| stage | seconds | share of wall |", "|---|---:|---:|"]
    for stage, seconds in ing["seconds"].items():
        lines.append(f"| {stage} | {seconds} | {_pct(ing['share'][stage])} |")
    ceiling = ing["ceiling"]
    ingest_rate = round(ing["embedded_chunks"] / ing["seconds"]["embed"], 1) if ing["seconds"]["embed"] else 0.0
    biggest = max((k for k in ing["seconds"] if k != "other"), key=lambda k: ing["seconds"][k])
    lines += ["",
              f"Ceiling: the embedder alone embeds the same {ing['embedded_chunks']} chunk texts (batch "
              f"{ceiling['batch_size']}) in {ceiling['embed_s']} s = {ceiling['chunks_per_s']} chunks/s, "
              f"which would allow **{ceiling['pages_per_s']} pages/s** if nothing else took time.",
              f"Where the time goes: {biggest} takes {_pct(ing['share'][biggest])} of the ingest; "
              + ("embedding bounds the ingest: it cannot beat the ceiling above without a faster "
                 "embedder or fewer embedded chunks." if biggest == "embed" else
                 "parsing and writing, not the embedder, are what to speed up first.")
              + f" Inside the ingest the embedder ran at {ingest_rate} chunks/s, against {ceiling['chunks_per_s']} "
              f"alone. CPU during the ingest: {_cpu_text(ing['cpu'])}; during the ceiling run: "
              f"{_cpu_text(ceiling['cpu'])}. Chunking is re-timed on the stored pages (the ingest does not time it); "
              "other = wall − the stages (duplicate checks, progress, Python).", ""]
    if ing["failed"]:
        lines += ["Not imported: " + "; ".join(f"{Path(f['path']).name} ({f['reason']})" for f in ing["failed"]), ""]
    lines += ["## 2. Retrieval", "",
              f"{ret['questions']} questions, hybrid search (BM25 + cosine, RRF). hit@5 = "
              f"**{_pct(ret['hit_at_5'])}**, MRR@10 of the answering paper's first passage = "
              f"**{ret['mrr_at_10']:.3f}**.", ""]
    if ret["misses"]:
        lines += ["| missed question | answering paper | top-5 documents | first rank |", "|---|---|---|---:|"]
        for miss in ret["misses"]:
            lines.append(f"| {miss['question']} | {miss['paper_file']} | {', '.join(miss['top5_documents'])} | "
                         f"{miss['first_rank'] or '> 10'} |")
        lines.append("")
    lines += ["## 3. Answers", "",
              "| asked as | modes | p50 ms | p95 ms | citations/answer | in stored page | in pdfium page | "
              "reference words in answer | cites the answering paper |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, a in r["answers"].items():
        modes = ", ".join(f"{k} {n}" for k, n in sorted(a["modes"].items()))
        label = name if name == "extractive" else f"{name} ({a.get('generator', '')})"
        lines.append(f"| {label} | {modes} | {a['latency']['p50_ms']} | {a['latency']['p95_ms']} | "
                     f"{a['citations_per_answer']} | {_pct(a['in_stored_page'])} ({a['citations']}) | "
                     f"{_pct(a['in_pdfium_page'])} ({a['pdfium_checked']}) | {_pct(a['reference_word_recall'])} | "
                     f"{_pct(a['cites_answering_paper'])} |")
    lines += ["",
              "CPU during the answers: " + "; ".join(f"{name}: {_cpu_text(a['cpu'])}"
                                                      for name, a in r["answers"].items()) + ".",
              "",
              "Citation check: a cited passage, whitespace-normalised, must be found verbatim in the stored text "
              "of the page it cites (the text the app shows), and in the page text pypdfium2 extracts from the "
              "PDF directly (`get_text_range()`, whitespace-normalised, its line-end hyphen mark U+FFFE read "
              "as a hyphen and a line break; non-PDF documents skipped). Reference "
              "words: the share of the reference answer's content words (lower-cased, > 2 letters, not stop "
              "words) found in the answer, averaged — a rough proxy, an extractive answer quotes the paper's "
              "wording, not the reference's. With U+FFFE kept as PDFium gives it, "
              + ", ".join(f"{_pct(a['in_pdfium_raw'])} ({name})" for name, a in r["answers"].items())
              + " of the citations are found in the raw text: the difference is passages across a "
              "hyphenated line end."]
    failures = [(name, f) for name, a in r["answers"].items() for f in a["citation_failures"]]
    if failures:
        lines += ["", "| asked as | question | document | page | in stored page | in pdfium page | passage |",
                  "|---|---|---|---:|---|---|---|"]
        for name, f in failures[:30]:
            passage = _flat(f["passage"])[:90].replace("|", "\\|")
            lines.append(f"| {name} | {f['id']} | {f['document']} | {f['page']} | {f['in_stored_page']} | "
                         f"{f['in_pdfium_page']} | {passage}… |")
        if len(failures) > 30:
            lines.append(f"| … {len(failures) - 30} more in research.json | | | | | | |")
    lat = sc["latency"]
    lines += ["", f"## 4. Search at scale — {sc['chunks']:,} passages in {sc['documents']} documents", "",
              f"Synthetic index: sentences of the real chunks recombined (~{SYNTHETIC_WORDS} words a passage), "
              f"vectors = real chunk vectors + Gaussian noise (σ {SYNTHETIC_NOISE} a component), renormalised, "
              f"float16; built in {sc['build_s']} s (generate {sc['generate_s']} s, write through the store "
              f"with FTS5 triggers {sc['write_s']} s), store {sc['db_mb']} MB. Loading the vector index "
              f"({sc['index_rows']:,} rows, {sc['index_mb']} MB float32) takes **{sc['index_load_s']} s** "
              f"(paid by the first search after a change to the library); the warm-up search took "
              f"{sc['warmup_search_ms']} ms.", "",
              f"| {sc['queries']} searches, limit 10 | p50 ms | p95 ms | max ms | mean ms |",
              "|---|---:|---:|---:|---:|",
              f"| whole search | {lat['p50_ms']} | {lat['p95_ms']} | {lat['max_ms']} | {lat['mean_ms']} |"]
    for stage, s in sc["stages"].items():
        lines.append(f"| stage: {stage} | {s['p50_ms']} | {s['p95_ms']} | {s['max_ms']} | {s['mean_ms']} |")
    share = sc["keyword_match_share"]
    lines += ["", f"CPU during the timed searches: {_cpu_text(sc['cpu'])}. "
              "Queries: the QA questions, repeated with one or two words dropped. The stages are timed "
              "separately on the same queries; the rest of a search is fusion, fetching the rows and "
              "building snippets. The vector stage includes the check that the in-memory index is current "
              "(two SQL counts).",
              "BM25 scores every passage that holds any of the query's terms, so the keyword stage grows "
              "with the passages matched: a question's terms match a median "
              f"{_pct(share['synthetic']['all_terms'])} of the synthetic passages "
              f"({_pct(share['library']['all_terms'])} of the real library's; the synthetic passages mix "
              "sentences of several chunks, so they match more often than real ones), the terms search "
              f"keeps (`selective_terms`) {_pct(share['synthetic']['terms_used'])} "
              f"({_pct(share['library']['terms_used'])} of the real library's)."]
    return "\n".join(lines)
