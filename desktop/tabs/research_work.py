"""Worker functions for the Research tab: each runs on a pool thread through
`desktop.worker.run_job` (engine calls and SQL, never widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.worker import DATA_PREFIX

DRAFT_PREFIX = DATA_PREFIX + "draft:"  # a progress message carrying the generator's draft so far


@dataclass(frozen=True)
class LibraryView:
    documents: tuple  # engine.workspaces.research.library.DocumentInfo
    collections: tuple[tuple[str, int], ...]


def load_library(data_dir: Path, collection: str | None = None, progress=None,
                 cancelled=None) -> LibraryView:
    from engine.store import open_store
    from engine.workspaces.research import library

    with open_store(data_dir) as store:
        return LibraryView(tuple(library.list_documents(store, collection)),
                           tuple(library.collections(store)))


def ingest(data_dir: Path, paths: list[str], collection: str | None, device: str,
           progress=None, cancelled=None):
    from engine.workspaces.research.workspace import ingest_paths

    return ingest_paths(data_dir, paths, collection=collection, device=device, progress=progress,
                        cancelled=cancelled)


def search(data_dir: Path, query: str, device: str, filters: dict, progress=None, cancelled=None):
    from engine.workspaces.research.workspace import search_library

    return search_library(data_dir, query, device=device, limit=20, **filters)


def ask(data_dir: Path, question: str, device: str, mode: str, filters: dict,
        progress=None, cancelled=None):
    """The cited answer; the generator's draft streams as progress messages (the whole
    draft each time, so a dropped message loses nothing)."""
    from engine.workspaces.research.workspace import ask_question

    draft: list[str] = []

    def on_text(piece: str) -> None:
        draft.append(piece)
        if progress:
            progress(0.5, DRAFT_PREFIX + "".join(draft))
    if progress:
        progress(0.05, "searching the library")
    return ask_question(data_dir, question, device=device, mode=mode, on_text=on_text,
                        cancelled=cancelled, **filters)


def page_text(data_dir: Path, document_id: int, page: int, progress=None, cancelled=None) -> str:
    from engine.store import open_store
    from engine.workspaces.research.search import page_text as read_page

    with open_store(data_dir) as store:
        return read_page(store, document_id, page) or ""


def remove_documents(data_dir: Path, ids: list[int], progress=None, cancelled=None) -> int:
    from engine.store import open_store
    from engine.workspaces.research.library import remove_document

    with open_store(data_dir) as store:
        return sum(1 for i in ids if remove_document(store, i))


def report(data_dir: Path, collection: str | None, device: str, progress=None, cancelled=None):
    from engine.workspaces.research.workspace import write_report

    return write_report(data_dir, collection=collection, device=device, progress=progress,
                        cancelled=cancelled)


def set_collection(data_dir: Path, ids: list[int], name: str, member: bool, progress=None, cancelled=None) -> int:
    from engine.store import open_store
    from engine.workspaces.research.library import set_collection as change

    with open_store(data_dir) as store:
        return change(store, ids, name, member)
