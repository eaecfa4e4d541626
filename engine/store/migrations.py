"""Schema migrations, oldest first. Migration N takes the store from version N-1 to N.

A migration is a plain function of a sqlite_utils.Database; it runs inside the
transaction that also bumps `schema_version`, so a store is never half-migrated.
Never edit a migration that has shipped: add the next one (and a test from the schema
before it).
"""

from __future__ import annotations

from sqlite_utils import Database


def m001_initial(db: Database) -> None:
    db["runs"].create(
        {
            "id": int,
            "workspace": str,
            "kind": str,
            "input": str,
            "output": str,  # JSON of the result shown to the user
            "model_id": str,
            "provider": str,
            "timings": str,  # JSON {"total_s": ..., ...}
            "status": str,  # ok | error | cancelled
            "created": str,  # ISO-8601 UTC
            "feedback": int,  # +1 / -1 / NULL
        },
        pk="id",
        not_null={"workspace", "kind", "created", "status"},
    )
    db["runs"].create_index(["workspace", "created"])
    db["runs"].enable_fts(["input", "output"], create_triggers=True, tokenize="porter")

    db["documents"].create(
        {"id": int, "path": str, "title": str, "sha256": str, "pages": int, "added": str},
        pk="id",
    )
    db["documents"].create_index(["sha256"], unique=True)
    db["chunks"].create(
        {"id": int, "document_id": int, "page": int, "ordinal": int, "text": str},
        pk="id",
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["chunks"].create_index(["document_id", "ordinal"])
    db["chunks"].enable_fts(["text"], create_triggers=True, tokenize="porter")
    db["embeddings"].create(
        {"chunk_id": int, "model_id": str, "dim": int, "vector": bytes},
        pk=("chunk_id", "model_id"),
        foreign_keys=[("chunk_id", "chunks", "id")],
    )

    db["models"].create(
        {"id": str, "task": str, "path": str, "manifest": str, "verified": int, "registered": str},
        pk="id",
    )
    db["jobs"].create(
        {
            "id": int,
            "kind": str,
            "status": str,  # queued | running | done | error | cancelled
            "progress": float,
            "message": str,
            "log": str,
            "created": str,
            "updated": str,
        },
        pk="id",
    )
    db["audit"].create(
        {"id": int, "ts": str, "actor": str, "action": str, "detail": str},
        pk="id",
        not_null={"ts", "action"},
    )


def m002_job_owner(db: Database) -> None:
    """Which process runs a job, so one left 'running' by a killed process can be told apart."""
    db["jobs"].add_column("pid", int)
    db["jobs"].add_column("host", str)


def m003_research_library(db: Database) -> None:
    """The research library: document metadata and state, page texts (to show a passage
    in its page and to check citations), chunk sections and offsets, collections."""
    for name, kind in (("kind", str), ("authors", str), ("year", int), ("abstract", str),
                       ("status", str), ("warnings", str), ("bytes", int)):
        db["documents"].add_column(name, kind)
    db["pages"].create({"document_id": int, "page": int, "text": str},
                       pk=("document_id", "page"), foreign_keys=[("document_id", "documents", "id")])
    db["chunks"].add_column("section", str)
    db["chunks"].add_column("start", int)  # offset of the chunk in its page text
    # What FTS5 and the embedder read: the text with line-end hyphenation joined
    # ("representa-\ntion" -> "representation"); `text` stays as printed, for citations.
    db["chunks"].add_column("search_text", str)
    db.execute("UPDATE chunks SET search_text = text")
    db["chunks"].disable_fts()
    db["chunks"].enable_fts(["search_text"], create_triggers=True, tokenize="porter")
    db["collections"].create({"id": int, "name": str, "created": str}, pk="id")
    db["collections"].create_index(["name"], unique=True)
    db["document_collections"].create(
        {"document_id": int, "collection_id": int}, pk=("document_id", "collection_id"),
        foreign_keys=[("document_id", "documents", "id"), ("collection_id", "collections", "id")])


def m004_chunk_vocabulary(db: Database) -> None:
    """Per-term document counts of the passage index (FTS5's own vocabulary table):
    search leaves out the terms most passages contain, which would make BM25 score
    nearly the whole library for every question."""
    db.execute("CREATE VIRTUAL TABLE chunks_fts_vocab USING fts5vocab(chunks_fts, 'row')")


def m005_library_version(db: Database) -> None:
    """A counter that every change to the passages or their vectors bumps (triggers), so a
    search process knows its in-memory vector index is stale. Row ids alone cannot tell:
    SQLite reuses them after a delete, so remove + import can look unchanged."""
    db.execute("CREATE TABLE library_state (version INTEGER NOT NULL)")
    db.execute("INSERT INTO library_state VALUES (0)")
    for table in ("chunks", "embeddings"):
        for event, when in (("INSERT", "ai"), ("DELETE", "ad"), ("UPDATE", "au")):
            db.execute(f"CREATE TRIGGER {table}_version_{when} AFTER {event} ON {table} "
                       "BEGIN UPDATE library_state SET version = version + 1; END")


def m006_labelled_examples(db: Database) -> None:
    """Labelled examples for training, of any task: a text and its right label, from a
    user's feedback on a run (or another source). One label per (task, run): relabelling a
    run replaces its label. Purging history keeps the label and only unlinks the run."""
    db.execute(
        "CREATE TABLE labelled_examples ("
        " id INTEGER PRIMARY KEY,"
        " task TEXT NOT NULL,"
        " text TEXT NOT NULL,"
        " label TEXT NOT NULL,"
        " run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,"
        " source TEXT NOT NULL,"
        " actor TEXT,"
        " created TEXT NOT NULL)")
    db.execute("CREATE INDEX labelled_examples_task ON labelled_examples (task, id)")
    db.execute("CREATE UNIQUE INDEX labelled_examples_run ON labelled_examples (task, run_id) "
               "WHERE run_id IS NOT NULL")


MIGRATIONS = [m001_initial, m002_job_owner, m003_research_library, m004_chunk_vocabulary,
              m005_library_version, m006_labelled_examples]
