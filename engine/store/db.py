"""One SQLite file (WAL), migrated at open, written by one writer thread.

Reads use a connection per thread (sqlite connections are never shared across
threads); every write goes through `Store.write`, which runs it on the single writer
thread, so concurrent jobs never interleave half-transactions.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from engine.errors import EnclaveError
from engine.store.migrations import MIGRATIONS

SCHEMA_VERSION = len(MIGRATIONS)
EXPORT_FORMATS = ("json", "csv", "md")
_RUN_COLUMNS = ("id", "workspace", "kind", "input", "output", "model_id", "provider",
                "timings", "status", "created", "feedback")


JOB_STATES = ("queued", "running", "done", "error", "cancelled", "interrupted")
INTERRUPTED_MESSAGE = "interrupted: the process running it ended (killed or crashed)"


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def schema_version(db: Database) -> int:
    if not db["schema_version"].exists():
        return 0
    row = db.execute("SELECT version FROM schema_version").fetchone()
    return row[0] if row else 0


def migrate(conn: sqlite3.Connection, migrations=MIGRATIONS) -> list[int]:
    """Bring the store up to date; returns the versions applied (empty when current).

    BEGIN IMMEDIATE takes the write lock first, so two processes opening a fresh store
    at once (two `enclave setup`s) migrate it exactly once.
    """
    db = Database(conn)
    if schema_version(db) >= len(migrations):
        return []
    applied = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = schema_version(db)
        if not db["schema_version"].exists():
            conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
            conn.execute("INSERT INTO schema_version VALUES (0)")
        for version in range(current + 1, len(migrations) + 1):
            migrations[version - 1](db)
            conn.execute("UPDATE schema_version SET version = ?", [version])
            applied.append(version)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return applied


@dataclass(frozen=True)
class RunRecord:
    id: int
    workspace: str
    kind: str
    input: str
    output: Any
    model_id: str | None
    provider: str | None
    timings: dict
    status: str
    created: str
    feedback: int | None

    @classmethod
    def from_row(cls, row: dict) -> RunRecord:
        def load(text, default):
            try:
                return json.loads(text) if text else default
            except ValueError:
                return text
        values = {k: row.get(k) for k in _RUN_COLUMNS}
        values["output"] = load(values["output"], None)
        values["timings"] = load(values["timings"], {})
        return cls(**values)


@dataclass(frozen=True)
class LabelledExample:
    """A text with its right label for a task's training (e.g. a triage and its level)."""

    id: int
    task: str
    text: str
    label: str
    run_id: int | None  # the run it labels (None: not from a run, or the run was deleted)
    source: str  # "feedback": a user marked a run right or wrong
    actor: str | None
    created: str


class Store:
    """Enclave's local store. Use `open_store(data_dir)`; close() when done."""

    def __init__(self, path: Path, keep_history: bool = True):
        self.path = Path(path)
        self.keep_history = keep_history  # False: add_run records nothing (privacy setting)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = _connect(self.path)
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self.migrations_applied = migrate(conn)
            conn.close()
        except sqlite3.DatabaseError as exc:
            raise EnclaveError(f"cannot open store {self.path}: {exc}") from None
        except OSError as exc:
            raise EnclaveError(f"cannot open store {self.path}: {exc.strerror or exc}") from None
        self.journal_mode = mode
        self._local = threading.local()
        self._queue: queue.Queue = queue.Queue()
        self._writer = threading.Thread(target=self._write_loop,
                                        name="enclave-store-writer", daemon=True)
        self._writer.start()
        self._closed = False

    # -- plumbing ---------------------------------------------------------------
    def _write_loop(self) -> None:
        conn = _connect(self.path)  # created here: the writer thread owns it
        db = Database(conn)
        while True:
            item = self._queue.get()
            if item is None:
                break
            fn, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                with conn:  # one transaction per write call
                    conn.execute("BEGIN IMMEDIATE")
                    result = fn(db)
                future.set_result(result)
            except BaseException as exc:  # delivered to the caller
                future.set_exception(exc)
        conn.close()

    def write(self, fn: Callable[[Database], Any]) -> Any:
        """Run `fn(db)` in one transaction on the writer thread and return its result."""
        if self._closed:
            raise EnclaveError("store is closed")
        future: Future = Future()
        self._queue.put((fn, future))
        return future.result()

    @property
    def db(self) -> Database:
        """A read connection for the calling thread."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = Database(_connect(self.path))
            self._local.db = db
        return db

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._writer.join(timeout=10)
            db = getattr(self._local, "db", None)
            if db is not None:
                db.conn.close()
                self._local.db = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def schema_version(self) -> int:
        return schema_version(self.db)

    # -- history ----------------------------------------------------------------
    def add_run(self, workspace: str, kind: str, input: str, output: Any, *,
                model_id: str | None = None, provider: str | None = None,
                timings: dict | None = None, status: str = "ok") -> int | None:
        """Record one run of a workspace; returns its id (None when history is off)."""
        if not self.keep_history:
            return None
        row = {
            "workspace": workspace, "kind": kind, "input": input,
            "output": output if isinstance(output, str) else json.dumps(output, ensure_ascii=False),
            "model_id": model_id, "provider": provider,
            "timings": json.dumps(timings or {}), "status": status, "created": utcnow(),
        }
        return self.write(lambda db: db["runs"].insert(row).last_pk)

    def get_run(self, run_id: int) -> RunRecord | None:
        rows = list(self.db["runs"].rows_where("id = ?", [run_id]))
        return RunRecord.from_row(rows[0]) if rows else None

    def list_runs(self, workspace: str | None = None, limit: int | None = 50) -> list[RunRecord]:
        """Runs newest first, optionally of one workspace."""
        where, args = ("workspace = ?", [workspace]) if workspace else (None, None)
        rows = self.db["runs"].rows_where(where, args, order_by="id desc", limit=limit)
        return [RunRecord.from_row(r) for r in rows]

    def search_runs(self, query: str, workspace: str | None = None,
                    limit: int = 50) -> list[RunRecord]:
        """Full-text search over run inputs and outputs (words, any order), best first."""
        if not query.strip():
            return self.list_runs(workspace, limit)
        where, args = ("workspace = :ws", {"ws": workspace}) if workspace else (None, None)
        rows = self.db["runs"].search(query, where=where, where_args=args, limit=limit,
                                      quote=True)
        return [RunRecord.from_row(r) for r in rows]

    def set_feedback(self, run_id: int, value: int | None) -> None:
        self.write(lambda db: db["runs"].update(run_id, {"feedback": value}))

    # -- labelled examples: training data from feedback ---------------------------------
    def add_labelled_example(self, task: str, text: str, label: str, *, run_id: int | None = None,
                             source: str = "feedback", actor: str | None = None,
                             feedback: int | None = None) -> int:
        """Store `text` labelled `label` for `task`; returns its id. With `run_id`, it replaces
        an earlier label of that run and `feedback` (+1 / -1), when given, is stored with the
        run in the same transaction."""
        row = {"task": task, "text": text, "label": label, "run_id": run_id, "source": source,
               "actor": actor, "created": utcnow()}

        def add(db: Database) -> int:
            if run_id is not None:
                db.execute("DELETE FROM labelled_examples WHERE task = ? AND run_id = ?", [task, run_id])
                if feedback is not None:
                    db["runs"].update(run_id, {"feedback": feedback})
            return db["labelled_examples"].insert(row).last_pk
        return self.write(add)

    def labelled_examples(self, task: str, limit: int | None = None) -> list[LabelledExample]:
        """A task's labelled examples, oldest first."""
        rows = self.db["labelled_examples"].rows_where("task = ?", [task], order_by="id", limit=limit)
        return [LabelledExample(**row) for row in rows]

    def count_labelled_examples(self, task: str) -> int:
        return self.db.execute("SELECT count(*) FROM labelled_examples WHERE task = ?", [task]).fetchone()[0]

    def last_runs_by_model(self) -> dict[str, RunRecord]:
        """The newest run of each model: which provider really ran it, and when."""
        rows = self.db.execute(
            f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs WHERE id IN "
            "(SELECT max(id) FROM runs WHERE model_id IS NOT NULL GROUP BY model_id)").fetchall()
        return {r.model_id: r for r in (RunRecord.from_row(dict(zip(_RUN_COLUMNS, row, strict=True)))
                                        for row in rows)}

    def last_run(self) -> RunRecord | None:
        """The newest run that used a model (the status bar's 'last inference')."""
        rows = list(self.db["runs"].rows_where("model_id IS NOT NULL", order_by="id desc", limit=1))
        return RunRecord.from_row(rows[0]) if rows else None

    def workspaces(self) -> list[str]:
        """The distinct workspaces that have runs, sorted."""
        return [row[0] for row in self.db.execute("SELECT DISTINCT workspace FROM runs ORDER BY workspace")]

    def delete_runs(self, run_ids: list[int]) -> int:
        """Delete the given runs (audited); returns how many were deleted."""
        ids = [int(i) for i in run_ids]
        if not ids:
            return 0

        marks = ",".join("?" * len(ids))
        return self._delete_runs_where(f"id IN ({marks})", ids, "delete_runs",
                                       lambda count: {"runs": ids, "deleted": count})

    def export_runs(self, fmt: str = "json", workspace: str | None = None,
                    run_ids: list[int] | None = None) -> str:
        """History as JSON, CSV or Markdown text."""
        if fmt not in EXPORT_FORMATS:
            raise EnclaveError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
        runs = self.list_runs(workspace, limit=None)
        if run_ids is not None:
            wanted = {int(i) for i in run_ids}
            runs = [r for r in runs if r.id in wanted]
        dicts = [r.__dict__ for r in runs]
        if fmt == "json":
            return json.dumps(dicts, indent=2, ensure_ascii=False)
        if fmt == "csv":
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=_RUN_COLUMNS)
            writer.writeheader()
            for d in dicts:
                writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list))
                                 else v for k, v in d.items()})
            return buf.getvalue()
        lines = ["# Enclave history", ""]
        for r in runs:
            lines += [f"## Run {r.id} — {r.workspace} / {r.kind}", "",
                      f"- created: {r.created}", f"- status: {r.status}",
                      f"- model: {r.model_id or '-'} on {r.provider or '-'}", "",
                      "**Input**", "", r.input or "", "", "**Output**", "",
                      "```json", json.dumps(r.output, indent=2, ensure_ascii=False), "```", ""]
        return "\n".join(lines)

    def purge_runs(self, workspace: str | None = None) -> int:
        """Delete the history of one workspace (or all); returns how many runs went."""
        where, args = ("workspace = ?", [workspace]) if workspace else ("1", [])
        return self._delete_runs_where(where, args, "purge_runs",
                                       lambda count: {"workspace": workspace, "runs": count})

    def _delete_runs_where(self, where: str, args: list, action: str,
                           detail: Callable[[int], dict]) -> int:
        """Delete the matching runs and audit it, in one write; returns how many went."""
        def delete(db: Database) -> int:
            count = db.execute(f"SELECT count(*) FROM runs WHERE {where}", args).fetchone()[0]
            db.execute(f"DELETE FROM runs WHERE {where}", args)
            db["audit"].insert({"ts": utcnow(), "actor": "user", "action": action,
                                "detail": json.dumps(detail(count))})
            return count
        return self.write(delete)

    # -- jobs: long work (imports, exports) with progress and an end state --------------
    def start_job(self, kind: str, message: str = "") -> int:
        now = utcnow()
        return self.write(lambda db: db["jobs"].insert(
            {"kind": kind, "status": "running", "progress": 0.0, "message": message, "log": "",
             "created": now, "updated": now, "pid": os.getpid(), "host": platform.node()}).last_pk)

    def reap_jobs(self) -> int:
        """Mark jobs that a process on this machine left queued or running, and that
        process is gone (killed, crashed, power cut), as interrupted. Returns how many."""
        import psutil

        host = platform.node()
        orphans = [row["id"] for row in self.db["jobs"].rows_where(
            "status in ('queued', 'running') and host = ?", [host], select="id, pid")
            if row["pid"] is not None and not psutil.pid_exists(row["pid"])]
        if orphans:
            marks = ", ".join("?" * len(orphans))
            self.write(lambda db: db.execute(
                f"update jobs set status = 'interrupted', message = ?, updated = ? "
                f"where id in ({marks})", [INTERRUPTED_MESSAGE, utcnow(), *orphans]))
        return len(orphans)

    def update_job(self, job_id: int, *, progress: float | None = None, message: str | None = None,
                   status: str | None = None) -> None:
        if status is not None and status not in JOB_STATES:
            raise EnclaveError(f"unknown job status {status!r}")
        changes = {k: v for k, v in (("progress", progress), ("message", message), ("status", status))
                   if v is not None}
        self.write(lambda db: db["jobs"].update(job_id, {**changes, "updated": utcnow()}))

    def get_job(self, job_id: int) -> dict | None:
        rows = list(self.db["jobs"].rows_where("id = ?", [job_id]))
        return rows[0] if rows else None

    def list_jobs(self, limit: int = 20) -> list[dict]:
        return list(self.db["jobs"].rows_where(order_by="id desc", limit=limit))

    def audit(self, action: str, detail: dict | None = None, actor: str = "system") -> None:
        self.write(lambda db: db["audit"].insert(
            {"ts": utcnow(), "actor": actor, "action": action, "detail": json.dumps(detail or {})}))


def open_store(data_dir: Path) -> Store:
    """Open (creating and migrating) the store in `data_dir`, honouring the user's
    "keep a history of runs" setting."""
    from engine.config import load_settings

    store = Store(Path(data_dir) / "enclave.db", keep_history=load_settings(Path(data_dir)).keep_history)
    store.reap_jobs()
    return store
