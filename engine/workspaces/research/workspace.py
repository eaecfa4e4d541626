"""The Research workspace's entry points for the CLI and the desktop: each opens the
store, loads the installed models it needs (cached per process) and records the run in
the history."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from engine.errors import EnclaveError
from engine.store import open_store
from engine.workspaces.research import answer as answering
from engine.workspaces.research import library
from engine.workspaces.research.search import SearchHit, search

Progress = Callable[[float, str], None] | None
IsCancelled = Callable[[], bool] | None
WORKSPACE = "research"

_generators: dict[tuple, object] = {}
_generators_lock = threading.Lock()


def load_embedder(data_dir: Path, device: str = "auto"):
    """The default embedder, or None when none is installed (keyword search only)."""
    from engine.models.embedding import get_embedder
    from engine.models.registry import ModelRegistry

    if ModelRegistry(data_dir).default_id("embedding") is None:
        return None
    return get_embedder(Path(data_dir), None, device)


def load_generator(data_dir: Path, device: str = "auto"):
    """The default generator (cached), or None when none is installed."""
    from engine.models.generation import Generator
    from engine.models.registry import ModelRegistry

    if ModelRegistry(data_dir).default_id("generation") is None:
        return None
    key = (str(data_dir), device)
    with _generators_lock:
        if key not in _generators:
            _generators[key] = Generator.from_registry(Path(data_dir), None, device)
        return _generators[key]


def ingest_paths(data_dir: Path, paths: Iterable[str | Path], *, collection: str | None = None,
                 device: str = "auto", progress: Progress = None,
                 cancelled: IsCancelled = None) -> library.IngestReport:
    """Import files/folders into the library; the import report is kept in the history."""
    paths = [str(p) for p in paths]
    if not paths:
        raise EnclaveError("nothing to import: give one or more files or folders")
    embedder = load_embedder(data_dir, device)
    with open_store(data_dir) as store:
        report = library.ingest(paths, store, embedder, collection=collection, progress=progress,
                                cancelled=cancelled)
        payload = report.to_json()
        if embedder is None:
            payload["notes"] = ["no embedder installed: keyword search only until `enclave setup`"]
        store.add_run(WORKSPACE, "ingest", "\n".join(paths), payload,
                      model_id=getattr(embedder, "model_id", None),
                      provider=getattr(embedder, "provider", None), timings=report.seconds,
                      status="cancelled" if report.cancelled else "ok")
    return report


def search_library(data_dir: Path, query: str, *, device: str = "auto", limit: int = 10,
                   collection: str | None = None, year_from: int | None = None,
                   year_to: int | None = None) -> list[SearchHit]:
    if not query.strip():
        raise EnclaveError("empty search: type a few words")
    embedder = load_embedder(data_dir, device)
    with open_store(data_dir) as store:
        return search(store, query, embedder, limit=limit, collection=collection,
                      year_from=year_from, year_to=year_to)


def ask_question(data_dir: Path, question: str, *, device: str = "auto", mode: str = "auto",
                 collection: str | None = None, year_from: int | None = None,
                 year_to: int | None = None, on_text: Callable[[str], None] | None = None,
                 cancelled: IsCancelled = None) -> answering.Answer:
    """A cited answer from the library; the run (with its citations) goes to the history."""
    started = time.perf_counter()
    embedder = load_embedder(data_dir, device)
    generator = load_generator(data_dir, device) if mode != "extractive" else None
    with open_store(data_dir) as store:
        result = answering.ask(store, question, embedder, generator, collection=collection,
                               year_from=year_from, year_to=year_to, mode=mode, on_text=on_text,
                               cancelled=cancelled)
        result = replace(result, timings={**result.timings, "total_s": time.perf_counter() - started})
        run_id = store.add_run(WORKSPACE, "ask", question, result.to_json(), model_id=result.model,
                               provider=result.provider, timings=result.timings)
    return replace(result, run_id=run_id)


def documents(data_dir: Path, collection: str | None = None) -> list[library.DocumentInfo]:
    with open_store(data_dir) as store:
        return library.list_documents(store, collection)


REPORT_FORMATS = (".md", ".html", ".json")


def write_report(data_dir: Path, *, collection: str | None = None, title: str | None = None,
                 out: Path | None = None, device: str = "auto", progress: Progress = None,
                 cancelled: IsCancelled = None):
    """Build the research report for a collection; with `out`, write it (.md, .html or
    .json, atomically). The run is kept in the history."""
    import os

    from engine.workspaces.research.report import build_report

    if out is not None and Path(out).suffix.lower() not in REPORT_FORMATS:
        hint = " (PDF: open the report in the window and use Export)" if Path(out).suffix.lower() == ".pdf" else ""
        raise EnclaveError(f"report format {Path(out).suffix or '(none)'} is not supported here: "
                           f"use {', '.join(REPORT_FORMATS)}{hint}")
    embedder = load_embedder(data_dir, device)
    with open_store(data_dir) as store:
        report = build_report(store, embedder, collection=collection, title=title, progress=progress,
                              cancelled=cancelled)
        store.add_run(WORKSPACE, "report", f"report: {collection or 'the library'}", report.to_json(),
                      model_id=getattr(embedder, "model_id", None), provider=getattr(embedder, "provider", None),
                      timings={"total_s": report.seconds})
    if out is not None:
        out = Path(out)
        suffix = out.suffix.lower()
        text = (report.to_markdown() if suffix == ".md" else report.to_html() if suffix == ".html"
                else json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        tmp = out.with_name(f".{out.name}.tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, out)
        except OSError as exc:
            raise EnclaveError(f"cannot write {out}: {exc.strerror or exc}") from None
        finally:
            tmp.unlink(missing_ok=True)
    return report
