"""The SQLite store: migrations, WAL, single writer, history search/export/purge."""

import csv
import io
import json
import sqlite3
import subprocess
import sys
import threading

import pytest

from engine.errors import EnclaveError
from engine.store import SCHEMA_VERSION, Store, open_store
from engine.store.db import migrate
from engine.store.migrations import MIGRATIONS


@pytest.fixture
def fresh_store(tmp_path):
    store = open_store(tmp_path)
    yield store
    store.close()


def schema_dump(path):
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    version = conn.execute("SELECT version FROM schema_version").fetchone()[0]
    conn.close()
    return rows, version


def test_migrations_from_an_empty_file(tmp_path):
    path = tmp_path / "enclave.db"
    path.touch()  # an empty file is a valid, empty SQLite database
    store = Store(path)
    assert store.migrations_applied == list(range(1, SCHEMA_VERSION + 1))
    assert store.schema_version == SCHEMA_VERSION
    assert store.journal_mode == "wal"
    tables = set(store.db.table_names())
    assert {"runs", "runs_fts", "documents", "chunks", "chunks_fts", "embeddings", "models",
            "jobs", "audit", "schema_version"} <= tables
    store.close()


def test_reopening_an_up_to_date_store_changes_nothing(tmp_path):
    with open_store(tmp_path) as store:
        store.add_run("medical", "triage", "headache", {"level": "routine"})
    before = schema_dump(tmp_path / "enclave.db")
    with open_store(tmp_path) as store:
        assert store.migrations_applied == []
        assert len(store.list_runs()) == 1
    assert schema_dump(tmp_path / "enclave.db") == before


def test_a_failing_migration_leaves_the_store_as_it_was(tmp_path):
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)

    def bad(db):
        db["half"].create({"id": int}, pk="id")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        migrate(conn, [bad])
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []
    conn.close()


def test_corrupt_store_file_gives_a_clear_error(tmp_path):
    (tmp_path / "enclave.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(EnclaveError, match="cannot open store"):
        open_store(tmp_path)


def test_history_add_get_list_newest_first(fresh_store):
    a = fresh_store.add_run("research", "ask", "what is RoBERTa", {"answer": "a BERT variant"},
                            model_id="m", provider="CPUExecutionProvider", timings={"total_s": 0.5})
    b = fresh_store.add_run("marketing", "roi", "revenue 300 cost 100", {"roi": 2.0})
    assert [r.id for r in fresh_store.list_runs()] == [b, a]
    run = fresh_store.get_run(a)
    assert run.output == {"answer": "a BERT variant"}
    assert run.provider == "CPUExecutionProvider" and run.timings == {"total_s": 0.5}
    assert [r.id for r in fresh_store.list_runs("research")] == [a]
    assert fresh_store.get_run(9999) is None


def test_history_full_text_search(fresh_store):
    fresh_store.add_run("medical", "triage", "crushing chest pain and sweating", {"level": "emergency"})
    fresh_store.add_run("bi", "insights", "superstore sales by region", {"insights": []})
    hits = fresh_store.search_runs("chest pains")  # porter stemming: pains ~ pain
    assert [h.workspace for h in hits] == ["medical"]
    assert fresh_store.search_runs("emergency")[0].kind == "triage"  # outputs are searched too
    assert fresh_store.search_runs("sales", workspace="medical") == []
    assert fresh_store.search_runs('unbalanced "quote AND (') == []  # user text never breaks FTS


def test_history_export_formats(fresh_store):
    fresh_store.add_run("research", "ask", "BERT, \"masked\" LM", {"answer": "ok"})
    data = json.loads(fresh_store.export_runs("json"))
    assert data[0]["input"] == 'BERT, "masked" LM' and data[0]["output"] == {"answer": "ok"}
    rows = list(csv.DictReader(io.StringIO(fresh_store.export_runs("csv"))))
    assert rows[0]["input"] == 'BERT, "masked" LM' and json.loads(rows[0]["output"]) == {"answer": "ok"}
    md = fresh_store.export_runs("md")
    assert "## Run 1 — research / ask" in md and '"answer": "ok"' in md
    with pytest.raises(EnclaveError, match="unknown export format"):
        fresh_store.export_runs("xml")


def test_purge_per_workspace_and_all_is_audited(fresh_store):
    for ws in ("research", "research", "medical"):
        fresh_store.add_run(ws, "k", "text", {})
    assert fresh_store.purge_runs("research") == 2
    assert [r.workspace for r in fresh_store.list_runs()] == ["medical"]
    assert fresh_store.search_runs("text")[0].workspace == "medical"  # FTS kept in sync
    assert fresh_store.purge_runs() == 1
    assert fresh_store.list_runs() == []
    audit = list(fresh_store.db["audit"].rows_where("action = 'purge_runs'"))
    assert [json.loads(a["detail"])["runs"] for a in audit] == [2, 1]


def test_concurrent_writers_are_serialised(fresh_store):
    errors = []

    def writer(n):
        try:
            for i in range(25):
                fresh_store.add_run("bi", "ask", f"thread {n} question {i}", {"i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(fresh_store.list_runs(limit=None)) == 100


def test_failed_write_rolls_back_and_the_writer_keeps_going(fresh_store):
    def half_then_fail(db):
        db["runs"].insert({"workspace": "x", "kind": "k", "status": "ok", "created": "now"})
        raise ValueError("nope")

    with pytest.raises(ValueError):
        fresh_store.write(half_then_fail)
    assert fresh_store.list_runs() == []
    fresh_store.add_run("x", "k", "after", {})
    assert len(fresh_store.list_runs()) == 1


def test_two_processes_opening_a_fresh_store_migrate_once(tmp_path):
    import subprocess
    import sys

    code = "import sys; from engine.store import open_store; s = open_store(sys.argv[1]); print(s.migrations_applied); s.close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
                              text=True) for _ in range(3)]
    outs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sorted(outs) == [str(list(range(1, SCHEMA_VERSION + 1))), "[]", "[]"]


def test_delete_and_export_selected_runs(fresh_store):
    ids = [fresh_store.add_run("research", "ask", f"question {i}", {"answer": i}) for i in range(4)]
    exported = json.loads(fresh_store.export_runs("json", run_ids=ids[:2]))
    assert sorted(r["id"] for r in exported) == ids[:2]
    assert fresh_store.delete_runs([ids[0], ids[2], 999]) == 2
    assert [r.id for r in fresh_store.list_runs()] == [ids[3], ids[1]]
    assert fresh_store.delete_runs([]) == 0


def test_jobs_record_progress_and_end_state(fresh_store):
    job = fresh_store.start_job("models.import", "/media/usb/model")
    fresh_store.update_job(job, progress=0.5, message="exporting")
    assert fresh_store.get_job(job)["status"] == "running" and fresh_store.get_job(job)["progress"] == 0.5
    fresh_store.update_job(job, status="cancelled")
    assert fresh_store.list_jobs()[0]["status"] == "cancelled"
    with pytest.raises(EnclaveError, match="unknown job status"):
        fresh_store.update_job(job, status="exploded")


def test_history_off_records_no_runs(tmp_path):
    from engine.config import Settings, save_settings

    save_settings(tmp_path, Settings(keep_history=False))
    with open_store(tmp_path) as store:
        assert store.add_run("research", "ask", "private question", {"a": 1}) is None
        assert store.list_runs() == []
    save_settings(tmp_path, Settings(keep_history=True))
    with open_store(tmp_path) as store:
        assert store.add_run("research", "ask", "question", {"a": 1}) == 1


def test_last_runs_by_model_and_last_run(fresh_store):
    assert fresh_store.last_run() is None and fresh_store.last_runs_by_model() == {}
    fresh_store.add_run("chat", "turn", "a", {}, model_id="gen", provider="CPUExecutionProvider")
    fresh_store.add_run("research", "search", "b", {}, model_id="emb", provider="CPUExecutionProvider")
    fresh_store.add_run("chat", "turn", "c", {}, model_id="gen", provider="CUDAExecutionProvider")
    fresh_store.add_run("research", "note", "d", {})
    latest = fresh_store.last_runs_by_model()
    assert latest["gen"].provider == "CUDAExecutionProvider" and latest["gen"].input == "c"
    assert set(latest) == {"gen", "emb"}
    assert fresh_store.last_run().input == "c"


def test_a_store_from_schema_1_gains_job_owners_and_keeps_its_rows(tmp_path):
    conn = sqlite3.connect(tmp_path / "enclave.db", isolation_level=None)
    migrate(conn, MIGRATIONS[:1])
    conn.execute("insert into jobs (kind, status, progress, message, log, created, updated) "
                 "values ('models.import', 'done', 1.0, 'old', '', '2026-01-01', '2026-01-01')")
    conn.close()
    with open_store(tmp_path) as store:
        assert store.migrations_applied == list(range(2, SCHEMA_VERSION + 1))
        (job,) = store.list_jobs()
        assert job["message"] == "old" and job["status"] == "done" and job["pid"] is None


def test_a_job_left_running_by_a_process_that_died_reads_as_interrupted(tmp_path):
    """A killed `enclave models import` must not show as running forever."""
    code = ("import os, sys; from engine.store import open_store; "
            "s = open_store(sys.argv[1]); print(s.start_job('models.import', 'big.gguf'), flush=True); "
            "os._exit(9)")  # ends without finishing the job, as SIGKILL would
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    dead_job = int(proc.stdout)
    with open_store(tmp_path) as store:
        live_job = store.start_job("models.export", "ours")  # this process is alive
        assert store.get_job(dead_job)["status"] == "interrupted"
        assert "killed or crashed" in store.get_job(dead_job)["message"]
        assert store.reap_jobs() == 0
        assert store.get_job(live_job)["status"] == "running"


def test_a_store_from_schema_5_gains_labelled_examples_and_keeps_its_rows(tmp_path):
    conn = sqlite3.connect(tmp_path / "enclave.db", isolation_level=None)
    migrate(conn, MIGRATIONS[:5])
    conn.execute("insert into runs (workspace, kind, input, output, status, created) "
                 "values ('medical', 'triage', 'old headache', '{\"level\": \"routine\"}', 'ok', '2026-01-01')")
    conn.close()
    with open_store(tmp_path) as store:
        assert store.migrations_applied == [6]
        (run,) = store.list_runs()
        assert run.input == "old headache" and run.output == {"level": "routine"}
        store.add_labelled_example("triage", run.input, "urgent", run_id=run.id, feedback=-1)
        assert [e.label for e in store.labelled_examples("triage")] == ["urgent"]
        assert store.get_run(run.id).feedback == -1


def test_labelled_examples_replace_per_run_and_list_per_task(fresh_store):
    run = fresh_store.add_run("medical", "triage", "chest pain", {"level": "urgent"})
    first = fresh_store.add_labelled_example("triage", "chest pain", "emergency", run_id=run, actor="dr.a",
                                             feedback=-1)
    fresh_store.add_labelled_example("triage", "a free-standing example", "routine", source="import")
    fresh_store.add_labelled_example("verdict", "another task", "supports")
    again = fresh_store.add_labelled_example("triage", "chest pain", "urgent", run_id=run, actor="dr.b",
                                             feedback=1)
    examples = fresh_store.labelled_examples("triage")
    assert [(e.text, e.label, e.source) for e in examples] == [
        ("a free-standing example", "routine", "import"), ("chest pain", "urgent", "feedback")]
    assert again != first and examples[1].run_id == run and examples[1].actor == "dr.b"
    assert fresh_store.get_run(run).feedback == 1
    assert fresh_store.count_labelled_examples("triage") == 2
    assert fresh_store.count_labelled_examples("verdict") == 1
    # purging the history keeps the labelled data, unlinked from the deleted run
    assert fresh_store.purge_runs("medical") == 1
    assert [e.run_id for e in fresh_store.labelled_examples("triage")] == [None, None]
