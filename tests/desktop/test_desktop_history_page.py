"""The History page: list, search, filter, open, export, delete and purge past runs."""

import threading

import pytest
from PySide6.QtCore import Qt

from desktop.job_center import DONE, JobCenter
from desktop.pages import history_page, history_work
from desktop.pages.history_page import HistoryPage, format_when, since_for
from desktop.worker import active_jobs
from engine.store import open_store

RESEARCH_OUTPUT = {
    "answer": "Aspirin is contraindicated with warfarin because both raise bleeding risk.",
    "sources": [
        {"title": "drug-interactions.pdf", "page": 12, "text": "Warfarin and aspirin ..."},
        "formulary-2024.md",
    ],
}


def seed(data_dir):
    """Five runs in three workspaces, oldest first; returns their ids."""
    with open_store(data_dir) as store:
        return [
            store.add_run("research", "ask", "Can I take aspirin with warfarin?", RESEARCH_OUTPUT,
                          model_id="smollm2-135m", provider="CUDAExecutionProvider",
                          timings={"total_s": 1.25}),
            store.add_run("marketing", "campaign", "Launch copy for a trail running shoe",
                          {"text": "Light, breathable, built for the long run."},
                          model_id="smollm2-135m", provider="CPUExecutionProvider"),
            store.add_run("medical", "triage", "Sudden crushing chest pain radiating to the arm",
                          {"text": "Urgent: possible heart attack.", "urgency": "high"}, model_id="triage-v1",
                          provider="CPUExecutionProvider"),
            store.add_run("research", "ask", "What is BERT pre-trained on?",
                          {"answer": "Masked words in a sentence."}, model_id="smollm2-135m",
                          provider="CPUExecutionProvider"),
            store.add_run("marketing", "campaign", "Spring sale email", "Plain text output",
                          model_id="smollm2-135m", provider="CPUExecutionProvider"),
        ]


def column(page, name):
    index = history_page.COLUMNS.index(name)
    return [page.table.item(row, index).text() for row in range(page.table.rowCount())]


def table_ids(page):
    return [page.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
            for row in range(page.table.rowCount())]


@pytest.fixture
def make_page(qtbot, tmp_path):
    def make(seeded=True):
        ids = seed(tmp_path) if seeded else []
        page = HistoryPage(tmp_path, JobCenter())
        qtbot.addWidget(page)
        page.resize(1100, 700)
        page.show()
        with qtbot.waitSignal(page.loaded, timeout=5000):
            page.refresh()
        return page, ids

    return make


def settle(qtbot):
    """Wait until the jobs an action chained (e.g. delete, then reload) have all finished."""
    qtbot.waitUntil(lambda: not active_jobs(), timeout=5000)


def reload(qtbot, page):
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.refresh()


def test_lists_every_run_newest_first(make_page):
    page, ids = make_page()
    assert table_ids(page) == ids[::-1]
    assert column(page, "Workspace") == ["Marketing", "Research", "Medical", "Marketing",
                                         "Research"]
    assert column(page, "Input")[2] == "Sudden crushing chest pain radiating to the arm"
    assert column(page, "Device")[-1] == "CUDA"
    assert all(when.startswith("Today ") for when in column(page, "When"))
    assert page.status_label.text() == "5 runs"
    assert page.stack.currentWidget() is page.content
    names = [page.workspace_filter.itemText(i) for i in range(page.workspace_filter.count())]
    assert names == ["All workspaces", "Marketing", "Medical", "Research"]
    assert not page.export_button.isEnabled() and not page.purge_button.isEnabled()


def test_empty_store_shows_the_empty_state(make_page):
    page, _ = make_page(seeded=False)
    assert page.stack.currentWidget() is page.empty_state
    assert page.empty_state.isVisible()
    assert page.empty_state.title.text() == "No history yet"
    assert "Runs from every workspace appear here" in page.empty_state.description.text()
    assert not page.search_box.isVisible(), "nothing to search yet"


def test_typing_a_search_filters_the_table_after_a_pause(qtbot, make_page):
    page, ids = make_page()
    qtbot.keyClicks(page.search_box, "chest pain")
    assert page.table.rowCount() == 5, "the search waits for the typing to pause"
    qtbot.waitUntil(lambda: table_ids(page) == [ids[2]], timeout=3000)
    assert page.status_label.text() == "1 run matches “chest pain”"

    # Outputs are searched too, and Enter searches at once; results stay newest first.
    page.search_box.setText("smollm2")
    with qtbot.waitSignal(page.loaded, timeout=5000):
        qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    page.search_box.setText("")
    reload(qtbot, page)
    assert table_ids(page) == ids[::-1]


def test_search_tolerates_fts_syntax(qtbot, make_page):
    page, _ = make_page()
    page.search_box.setText('aspirin" OR (')
    reload(qtbot, page)
    assert "Could not" not in page.status_label.text()


def test_workspace_and_date_filters(qtbot, make_page):
    page, ids = make_page()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.workspace_filter.setCurrentIndex(page.workspace_filter.findData("research"))
    assert table_ids(page) == [ids[3], ids[0]]
    assert page.status_label.text() == "2 runs in Research"
    assert page.purge_button.isEnabled()

    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.date_filter.setCurrentIndex(page.date_filter.findText("Today"))
    assert table_ids(page) == [ids[3], ids[0]]
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.workspace_filter.setCurrentIndex(0)
    assert len(table_ids(page)) == 5

    # A run from last year is outside "Last 30 days".
    with open_store(page.data_dir) as store:
        store.db.execute("UPDATE runs SET created = '2020-01-02T03:04:05.000+00:00' WHERE id = ?",
                         [ids[1]])
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.date_filter.setCurrentIndex(page.date_filter.findText("Last 30 days"))
    assert ids[1] not in table_ids(page) and len(table_ids(page)) == 4


def test_selecting_a_run_opens_it(make_page):
    page, ids = make_page()
    page.table.selectRow(table_ids(page).index(ids[0]))
    text = page.detail.toPlainText()
    assert "Can I take aspirin with warfarin?" in text
    assert RESEARCH_OUTPUT["answer"] in text
    assert "smollm2-135m" in text
    assert "CUDA (CUDAExecutionProvider)" in text
    assert "Sources (2)" in text and "drug-interactions.pdf (page 12)" in text
    assert "formulary-2024.md" in text
    assert "total 1.25 s" in text
    assert "Full output" not in text, "answer and sources are all there is; no repeat"
    assert page.export_button.isEnabled() and page.delete_button.isEnabled()

    page.table.selectRow(table_ids(page).index(ids[2]))
    text = page.detail.toPlainText()
    assert "Urgent: possible heart attack." in text
    assert "Full output" in text and '"urgency": "high"' in text
    assert "CPU (CPUExecutionProvider)" in text

    page.table.selectRow(table_ids(page).index(ids[4]))
    assert "Plain text output" in page.detail.toPlainText()
    page.table.clearSelection()
    assert page.detail.toPlainText() == ""


def select(page, run_ids):
    page.table.clearSelection()
    for row, run_id in enumerate(table_ids(page)):
        if run_id in run_ids:
            page.table.selectionModel().select(
                page.table.model().index(row, 0),
                page.table.selectionModel().SelectionFlag.Select
                | page.table.selectionModel().SelectionFlag.Rows)


def test_export_selected_runs_to_markdown(qtbot, make_page, tmp_path, monkeypatch):
    page, ids = make_page()
    select(page, {ids[0], ids[2]})
    assert page.selected_ids() == [ids[2], ids[0]]
    target = tmp_path / "out" / "history.md"
    target.parent.mkdir()
    monkeypatch.setattr(page, "_ask_save_path", lambda: str(target))

    job = page.export_selected()
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Enclave history")
    assert f"## Run {ids[0]} — research / ask" in text and "chest pain" in text
    assert "BERT" not in text and "Spring sale" not in text
    assert list(target.parent.iterdir()) == [target], "no temporary file is left behind"
    record = page.jobs.records()[0]
    assert record.title == "Export 2 runs to history.md" and record.state == DONE
    assert page.status_label.text() == f"Exported to {target}"


def test_export_cancelled_dialog_starts_nothing(make_page, monkeypatch):
    page, _ = make_page()
    page.table.selectRow(0)
    monkeypatch.setattr(page, "_ask_save_path", lambda: None)
    assert page.export_selected() is None
    assert page.jobs.records() == []


def test_delete_selected_asks_first_then_removes_them(qtbot, make_page, monkeypatch):
    page, ids = make_page()
    select(page, {ids[1], ids[3]})
    questions = []
    monkeypatch.setattr(page, "_confirm", lambda text: questions.append(text) or False)
    assert page.delete_selected() is None
    assert questions == ["Delete 2 selected runs? This cannot be undone."]

    monkeypatch.setattr(page, "_confirm", lambda text: True)
    job = page.delete_selected()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        pass
    settle(qtbot)
    assert not job.is_running()
    with open_store(page.data_dir) as store:
        assert [r.id for r in store.list_runs()] == [ids[4], ids[2], ids[0]]
    assert table_ids(page) == [ids[4], ids[2], ids[0]]
    assert page.status_label.text() == "Deleted 2 runs · 3 runs"
    assert page.jobs.records()[0].state == DONE


def test_purge_the_filtered_workspace(qtbot, make_page, monkeypatch):
    page, ids = make_page()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.workspace_filter.setCurrentIndex(page.workspace_filter.findData("marketing"))
    monkeypatch.setattr(page, "_confirm", lambda text: "Marketing" in text)
    page.purge_workspace()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        pass
    settle(qtbot)
    with open_store(page.data_dir) as store:
        assert {r.workspace for r in store.list_runs()} == {"research", "medical"}
    assert page.table.rowCount() == 0
    assert page.status_label.text() == "Purged 2 Marketing runs · No runs in Marketing"
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.workspace_filter.setCurrentIndex(0)
    names = [page.workspace_filter.itemData(i) for i in range(page.workspace_filter.count())]
    assert names == [None, "medical", "research"]


def test_the_gui_thread_never_opens_the_store(qtbot, make_page, monkeypatch, tmp_path):
    page, ids = make_page()
    threads = []
    real_open = history_work.open_store

    def recording_open(data_dir):
        threads.append(threading.get_ident())
        return real_open(data_dir)

    monkeypatch.setattr(history_work, "open_store", recording_open)
    reload(qtbot, page)
    page.table.selectRow(0)  # opening a run shows what the query already loaded
    assert page.detail.toPlainText()
    monkeypatch.setattr(page, "_ask_save_path", lambda: str(tmp_path / "h.json"))
    with qtbot.waitSignal(page.export_selected().finished, timeout=5000):
        pass
    monkeypatch.setattr(page, "_confirm", lambda text: True)
    page.delete_selected()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        pass
    settle(qtbot)
    assert len(threads) == 4  # load, export, delete, reload
    assert threading.get_ident() not in threads


def test_a_stale_result_is_dropped(qtbot, make_page):
    page, ids = make_page()
    page.search_box.setText("chest")
    first = page.refresh()
    page.search_box.setText("")
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.refresh()
    qtbot.waitUntil(lambda: not first.is_running(), timeout=5000)
    assert table_ids(page) == ids[::-1]


def test_when_reads_as_local_time():
    from datetime import UTC, datetime

    now = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
    assert format_when(now.isoformat(), now).startswith("Today ")
    assert format_when("2025-03-02T10:00:00+00:00", now).startswith("2 Mar, ")
    assert format_when("2023-03-02T10:00:00+00:00", now).startswith("2 Mar 2023, ")
    assert format_when("garbage", now) == "garbage"
    assert since_for(None) is None
    assert since_for(7, now) == "2025-06-08T12:00:00.000+00:00"
