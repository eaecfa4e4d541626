"""The paper library: ingest files into the store (documents, pages, chunks, FTS5,
embeddings), collections, listing and removal.

Ingest is one cancellable job: per file parse -> chunk -> embed -> one transaction, so a
cancel or a crash never leaves half a document; what was imported before stays.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.errors import Cancelled, EnclaveError
from engine.store.db import Store, utcnow
from engine.workspaces.research.chunking import chunk_pages, is_reference_section
from engine.workspaces.research.text import LINE_END_HYPHEN, joined, printed, readable  # noqa: F401

Progress = Callable[[float, str], None] | None
IsCancelled = Callable[[], bool] | None

VECTOR_DTYPE = np.float16  # 384 dims: 768 bytes a chunk; cosine error ~1e-3
EMBED_BATCH = 8  # long passages: small batches stay in cache (8 is ~10 % faster than 32 here)


@dataclass(frozen=True)
class FileOutcome:
    path: str
    status: str  # imported | skipped | failed | no_text | metadata (a BibTeX/RIS file applied)
    reason: str = ""
    document_id: int | None = None
    title: str = ""
    pages: int = 0
    chunks: int = 0
    warnings: tuple[str, ...] = ()


@dataclass
class IngestReport:
    files: list[FileOutcome] = field(default_factory=list)
    seconds: dict = field(default_factory=dict)  # parse / embed / write
    cancelled: bool = False

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def pages(self) -> int:
        return sum(f.pages for f in self.files if f.status == "imported")

    @property
    def chunks(self) -> int:
        return sum(f.chunks for f in self.files if f.status == "imported")

    def to_json(self) -> dict:
        return {"imported": self.count("imported"), "skipped": self.count("skipped"),
                "metadata": self.count("metadata"),
                "failed": self.count("failed"), "no_text": self.count("no_text"),
                "pages": self.pages, "chunks": self.chunks, "cancelled": self.cancelled,
                "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
                "files": [{"path": f.path, "status": f.status, "reason": f.reason,
                           "document_id": f.document_id, "title": f.title, "pages": f.pages,
                           "chunks": f.chunks, "warnings": list(f.warnings)} for f in self.files]}


BIBLIOGRAPHY_SUFFIXES = (".bib", ".ris")


def _key(text: str) -> str:
    """Compare titles ignoring case, spacing, punctuation and line-end hyphens."""
    return re.sub(r"[^a-z0-9]", "", joined(text).lower())


def apply_bibliography(store: Store, path: Path) -> FileOutcome:
    """Metadata from a BibTeX or RIS file for documents already in the library, matched
    by DOI (found on the document's first page) or by title."""
    from engine.workspaces.research.parsing import parse_bibtex, parse_ris

    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    entries = (parse_bibtex if path.suffix.lower() == ".bib" else parse_ris)(text)
    if not entries:
        return FileOutcome(str(path), "failed", "no references found in this file")
    docs = store.db.execute("select d.id, d.title, p.text from documents d left join pages p "
                            "on p.document_id = d.id and p.page = 1").fetchall()
    updated = []
    for entry in entries:
        title_key = _key(entry.get("title") or "")
        doi = (entry.get("doi") or "").lower()
        for doc_id, title, first_page in docs:
            first = (first_page or "")[:6000]
            by_doi = doi and doi in first.lower()
            by_title = len(title_key) >= 12 and (title_key == _key(title or "") or title_key in _key(first))
            if by_doi or by_title:
                changes = {k: v for k, v in (("title", entry.get("title")), ("year", entry.get("year")),
                                             ("abstract", entry.get("abstract"))) if v}
                if entry.get("authors"):
                    changes["authors"] = json.dumps(list(entry["authors"]))
                store.write(lambda db, doc_id=doc_id, changes=changes: db["documents"].update(doc_id, changes))
                updated.append(doc_id)
                break
    if updated:
        store.audit("research.bibliography", {"file": str(path), "documents": updated})
    return FileOutcome(str(path), "metadata",
                       f"{len(updated)} of {len(entries)} references matched documents in the library")


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[FileOutcome]]:
    """Files to ingest (folders walked recursively, supported types only, sorted) and
    outcomes for paths that do not exist."""
    from engine.workspaces.research.parsing import SUPPORTED_SUFFIXES

    files: list[Path] = []
    missing: list[FileOutcome] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES + BIBLIOGRAPHY_SUFFIXES
                                and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(FileOutcome(str(path), "failed", "no such file or folder"))
    seen: set[Path] = set()
    unique = []
    for f in files:
        if f.resolve() in seen:
            missing.append(FileOutcome(str(f), "skipped", "listed more than once"))
        else:
            seen.add(f.resolve())
            unique.append(f)
    # bibliographies last: their entries are matched to the documents imported with them
    unique.sort(key=lambda f: f.suffix.lower() in BIBLIOGRAPHY_SUFFIXES)
    return unique, missing


def ensure_collection(store: Store, name: str) -> int:
    name = name.strip()
    if not name:
        raise EnclaveError("a collection needs a name")
    row = store.db.execute("select id from collections where name = ?", [name]).fetchone()
    if row:
        return row[0]
    return store.write(lambda db: db["collections"].insert({"name": name, "created": utcnow()}).last_pk)


def _add_to_collection(store: Store, document_id: int, collection_id: int | None) -> None:
    if collection_id is not None:
        store.write(lambda db: db["document_collections"].insert(
            {"document_id": document_id, "collection_id": collection_id}, ignore=True))


def _write_document(store: Store, parsed, chunks, vectors: dict[int, np.ndarray], model_id: str | None,
                    status: str, collection_id: int | None) -> int:
    def write(db) -> int:
        doc_id = db["documents"].insert({
            "path": str(parsed.path), "title": parsed.title, "sha256": parsed.sha256,
            "pages": len(parsed.pages), "added": utcnow(), "kind": parsed.kind,
            "authors": json.dumps(list(parsed.authors)), "year": parsed.year,
            "abstract": parsed.abstract, "status": status,
            "warnings": json.dumps(list(parsed.warnings)), "bytes": parsed.path.stat().st_size,
        }).last_pk
        db["pages"].insert_all({"document_id": doc_id, "page": i + 1, "text": printed(text)}
                               for i, text in enumerate(parsed.pages))
        db["chunks"].insert_all({"document_id": doc_id, "page": c.page, "ordinal": c.ordinal,
                                 "text": printed(c.text), "search_text": joined(c.text),
                                 "section": c.section,
                                 "start": c.start + parsed.pages[c.page - 1].count(LINE_END_HYPHEN, 0, c.start)}
                                for c in chunks)
        ids = [r[0] for r in db.execute("select id from chunks where document_id = ? order by ordinal",
                                        [doc_id])]
        if model_id is not None and vectors:
            db["embeddings"].insert_all(
                {"chunk_id": chunk_id, "model_id": model_id, "dim": len(vectors[i]),
                 "vector": vectors[i].astype(VECTOR_DTYPE).tobytes()}
                for i, chunk_id in enumerate(ids) if i in vectors)
        if collection_id is not None:
            db["document_collections"].insert({"document_id": doc_id, "collection_id": collection_id})
        return doc_id
    return store.write(write)


def ingest(paths: Iterable[str | Path], store: Store, embedder=None, *, collection: str | None = None,
           progress: Progress = None, cancelled: IsCancelled = None) -> IngestReport:
    """Import files and folders into the library; returns what happened to each file.

    `embedder`: an Embedder (None: keyword search only, the chunks are embedded later
    by `embed_missing`). Duplicates (same bytes) are skipped and named; unreadable files
    get a one-line reason; a cancel stops between files or embedding batches and keeps
    everything imported before it.
    """
    from engine.workspaces.research.parsing import DocumentError, parse_document

    progress = progress or (lambda f, m: None)
    files, missing = expand_paths(paths)
    report = IngestReport(files=list(missing))
    report.seconds = {"parse": 0.0, "embed": 0.0, "write": 0.0}
    if not files and not missing:
        raise EnclaveError("no supported files found (PDF, text, Markdown, HTML, DOCX, BibTeX, RIS)")
    collection_id = ensure_collection(store, collection) if collection else None
    model_id = getattr(embedder, "model_id", None)
    for index, path in enumerate(files):
        base = index / max(len(files), 1)
        step = 1 / max(len(files), 1)
        if cancelled and cancelled():
            report.cancelled = True
            break
        progress(base, f"{path.name}: reading ({index + 1}/{len(files)})")
        if path.suffix.lower() in BIBLIOGRAPHY_SUFFIXES:
            try:
                report.files.append(apply_bibliography(store, path))
            except OSError as exc:
                report.files.append(FileOutcome(str(path), "failed", f"cannot read: {exc.strerror or exc}"))
            continue
        t0 = time.perf_counter()
        try:
            parsed = parse_document(path, cancelled=cancelled)
        except Cancelled:
            report.cancelled = True
            break
        except DocumentError as exc:
            report.files.append(FileOutcome(str(path), "failed", str(exc)))
            continue
        except Exception as exc:  # a parser bug must not lose the other files
            report.files.append(FileOutcome(str(path), "failed",
                                            f"could not be read ({type(exc).__name__}: {str(exc)[:200]})"))
            continue
        finally:
            report.seconds["parse"] += time.perf_counter() - t0
        duplicate = store.db.execute("select id, title from documents where sha256 = ?",
                                     [parsed.sha256]).fetchone()
        if duplicate:
            _add_to_collection(store, duplicate[0], collection_id)
            report.files.append(FileOutcome(str(path), "skipped",
                                            f"already in the library as “{duplicate[1]}”", duplicate[0],
                                            duplicate[1]))
            continue
        chunks = chunk_pages(parsed.pages) if parsed.has_text else []
        # Reference lists stay keyword-searchable; embedding them buys nothing (answers
        # never quote them) and costs a tenth of the ingest.
        to_embed = [i for i, c in enumerate(chunks) if not is_reference_section(c.section)]
        vectors = {}
        if embedder is not None and to_embed:
            progress(base + step * 0.3, f"{path.name}: embedding {len(to_embed)} passages")
            t0 = time.perf_counter()
            try:
                embedded = embedder.embed(
                    [joined(chunks[i].text) for i in to_embed], batch_size=EMBED_BATCH, cancelled=cancelled,
                    progress=lambda f, m, base=base, step=step, name=path.name:
                    progress(base + step * (0.3 + 0.6 * f), f"{name}: {m}"))
                vectors = dict(zip(to_embed, embedded, strict=True))
            except Cancelled:
                report.cancelled = True
                break
            finally:
                report.seconds["embed"] += time.perf_counter() - t0
        status = "indexed" if parsed.has_text else "no_text"
        t0 = time.perf_counter()
        doc_id = _write_document(store, parsed, chunks, vectors, model_id if chunks else None,
                                 status, collection_id)
        report.seconds["write"] += time.perf_counter() - t0
        if parsed.has_text:
            report.files.append(FileOutcome(str(path), "imported", "", doc_id, parsed.title,
                                            len(parsed.pages), len(chunks), parsed.warnings))
        else:
            report.files.append(FileOutcome(
                str(path), "no_text", "no text layer (a scanned document?): listed, but OCR is not "
                "available, so it cannot be searched", doc_id, parsed.title, len(parsed.pages), 0,
                parsed.warnings))
    progress(1.0, "cancelled" if report.cancelled else "done")
    return report


def embed_missing(store: Store, embedder, progress: Progress = None, cancelled: IsCancelled = None,
                  batch: int = 512) -> int:
    """Embed chunks that have no vector for `embedder` (a new embedder, or an ingest that
    ran without one). Returns how many were embedded."""
    model_id = embedder.model_id
    total = store.db.execute(
        "select count(*) from chunks where id not in (select chunk_id from embeddings where model_id = ?)",
        [model_id]).fetchone()[0]  # references included: an upper bound for the progress
    done = last = 0
    while True:
        rows = store.db.execute(
            "select id, search_text, section from chunks where id not in "
            "(select chunk_id from embeddings where model_id = ?) and id > ? order by id limit ?",
            [model_id, last, batch]).fetchall()
        if not rows:
            return done
        last = rows[-1][0]
        rows = [r for r in rows if not is_reference_section(r[2] or "")]
        if not rows:
            continue
        vectors = embedder.embed([r[1] for r in rows], batch_size=EMBED_BATCH, cancelled=cancelled)
        store.write(lambda db, rows=rows, vectors=vectors: db["embeddings"].insert_all(
            {"chunk_id": r[0], "model_id": model_id, "dim": vectors.shape[1],
             "vector": vectors[i].astype(VECTOR_DTYPE).tobytes()} for i, r in enumerate(rows)))
        done += len(rows)
        if progress:
            progress(done / max(total, 1), f"embedded {done}/{total} passages")


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    title: str
    path: str
    kind: str
    authors: tuple[str, ...]
    year: int | None
    pages: int
    chunks: int
    status: str
    added: str
    collections: tuple[str, ...]
    abstract: str | None = None


def list_documents(store: Store, collection: str | None = None) -> list[DocumentInfo]:
    where, params = "", []
    if collection:
        where = ("where d.id in (select document_id from document_collections dc join collections c "
                 "on c.id = dc.collection_id where c.name = ?)")
        params = [collection]
    rows = store.db.execute(
        "select d.id, d.title, d.path, d.kind, d.authors, d.year, d.pages, d.status, d.added, d.abstract, "
        "(select count(*) from chunks where document_id = d.id), "
        "(select group_concat(c.name, '\u001f') from document_collections dc join collections c "
        f"on c.id = dc.collection_id where dc.document_id = d.id) from documents d {where} "
        "order by d.added desc, d.id desc", params).fetchall()
    return [DocumentInfo(r[0], r[1], r[2], r[3] or "", tuple(json.loads(r[4] or "[]")), r[5], r[6] or 0,
                         r[10], r[7] or "indexed", r[8], tuple((r[11] or "").split("\u001f")) if r[11] else (),
                         r[9]) for r in rows]


def collections(store: Store) -> list[tuple[str, int]]:
    """(name, number of documents) for every collection."""
    return [(r[0], r[1]) for r in store.db.execute(
        "select c.name, count(dc.document_id) from collections c left join document_collections dc "
        "on dc.collection_id = c.id group by c.id order by c.name")]


def set_collection(store: Store, document_ids: list[int], name: str, member: bool = True) -> int:
    """Put documents into collection `name` (created when new), or take them out
    (`member=False`; the documents stay in the library). Returns how many changed."""
    known = {r[0] for r in store.db.execute(
        f"select id from documents where id in ({', '.join('?' * len(document_ids))})", list(document_ids))} \
        if document_ids else set()
    unknown = sorted(set(document_ids) - known)
    if unknown:
        raise EnclaveError(f"no document with id {', '.join(map(str, unknown))} in the library")
    if member:
        collection_id = ensure_collection(store, name)
    else:
        row = store.db.execute("select id from collections where name = ?", [name.strip()]).fetchone()
        if row is None:
            raise EnclaveError(f"no collection named “{name}”")
        collection_id = row[0]

    def change(db) -> int:
        before = db.execute("select count(*) from document_collections where collection_id = ?",
                            [collection_id]).fetchone()[0]
        for doc_id in known:
            if member:
                db.execute("insert or ignore into document_collections (document_id, collection_id) "
                           "values (?, ?)", [doc_id, collection_id])
            else:
                db.execute("delete from document_collections where document_id = ? and collection_id = ?",
                           [doc_id, collection_id])
        after = db.execute("select count(*) from document_collections where collection_id = ?",
                           [collection_id]).fetchone()[0]
        return abs(after - before)
    return store.write(change)


def remove_document(store: Store, document_id: int) -> bool:
    """Delete a document with its pages, chunks (and their FTS rows) and vectors."""
    def delete(db) -> bool:
        if not db.execute("select 1 from documents where id = ?", [document_id]).fetchone():
            return False
        db.execute("delete from embeddings where chunk_id in (select id from chunks where document_id = ?)",
                   [document_id])
        db.execute("delete from chunks where document_id = ?", [document_id])
        db.execute("delete from pages where document_id = ?", [document_id])
        db.execute("delete from document_collections where document_id = ?", [document_id])
        db.execute("delete from documents where id = ?", [document_id])
        return True
    removed = store.write(delete)
    if removed:
        store.audit("research.remove_document", {"document_id": document_id})
    return removed
