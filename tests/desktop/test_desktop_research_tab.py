"""The Research tab: import (button path and drag-and-drop), search, a cited answer,
the passage shown in its page, bad files in the import report."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from desktop.job_center import JobCenter
from desktop.tabs.research_tab import ResearchTab

WAIT_MS = 60_000

TRIAL = """# Apixaban versus warfarin in atrial fibrillation

Atrial fibrillation is the most common sustained cardiac arrhythmia in adults and multiplies
the risk of ischaemic stroke by five.

We enrolled 1,204 patients from twelve centres and compared apixaban with warfarin over a
median follow-up of 1.8 years.

Apixaban reduced stroke or systemic embolism by 21 percent compared with warfarin, and major
bleeding was 31 percent lower. Mortality did not differ significantly between the groups.
"""
SOIL = """Cover crops and soil carbon

Soil organic carbon declines under continuous tillage. Cover crops restore carbon stocks by
adding root biomass and reducing erosion between growing seasons. Fields with winter rye cover
gained 0.3 tonnes of carbon per hectare per year, while bare fallow fields lost carbon.
"""


@pytest.fixture
def tab(qtbot, model_data_dir):
    jobs = JobCenter()
    page = ResearchTab(model_data_dir, jobs, device="cpu")
    qtbot.addWidget(page)
    page.resize(1200, 800)
    return page


def finish(qtbot, job):
    with qtbot.waitSignal(job.finished, timeout=WAIT_MS):
        pass


def test_import_search_ask_and_open_the_passage(qtbot, tab, tmp_path):
    (tmp_path / "trial.md").write_text(TRIAL, encoding="utf-8")
    (tmp_path / "soil.txt").write_text(SOIL, encoding="utf-8")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    job = tab.ingest([str(tmp_path / "trial.md"), str(tmp_path / "soil.txt"), str(tmp_path / "broken.pdf")])
    finish(qtbot, job)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 2, timeout=WAIT_MS)
    assert "Imported 2" in tab.library_status.text() and "failed 1" in tab.library_status.text()
    assert "broken.pdf" in tab.library_status.toolTip()
    titles = {tab.table.item(r, 0).text() for r in range(2)}
    assert "Apixaban versus warfarin in atrial fibrillation" in titles

    finish(qtbot, tab.ingest([str(tmp_path / "trial.md")]))  # the same file again
    qtbot.waitUntil(lambda: "skipped 1" in tab.library_status.text(), timeout=WAIT_MS)
    assert tab.table.rowCount() == 2

    tab.query.setText("winter rye carbon")
    finish(qtbot, tab.search())
    assert tab.hits and "winter rye" in tab.hits[0].text
    assert "<b>" in tab.results.toHtml() or "font-weight" in tab.results.toHtml()

    tab.mode_box.setCurrentIndex(tab.mode_box.findData("extractive"))
    tab.query.setText("How much lower was major bleeding with apixaban?")
    finish(qtbot, tab.ask())
    assert tab.answer.mode == "extractive"
    assert "31 percent" in tab.output.text() and "[1]" in tab.output.text()
    assert tab.output.sources_list.count() == len(tab.answer.citations) >= 1
    assert tab.evidence.rowCount() == len(tab.answer.evidence)
    finish(qtbot, tab.show_passage(tab.answer.citations[0].document_id, tab.answer.citations[0].page,
                                   "trial", tab.answer.citations[0].passage))
    qtbot.waitUntil(lambda: "31 percent" in tab.passage.toPlainText(), timeout=WAIT_MS)
    assert "#fff3a0" in tab.passage.toHtml()  # the passage is highlighted in its page


def test_dropping_files_imports_them_into_the_chosen_collection(qtbot, tab, tmp_path):
    (tmp_path / "soil.txt").write_text(SOIL, encoding="utf-8")
    tab.new_collection("agronomy")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "soil.txt"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    tab.dropEvent(event)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=WAIT_MS)
    assert tab.collection_box.currentData() == "agronomy"
    assert "agronomy (1)" in [tab.collection_box.itemText(i) for i in range(tab.collection_box.count())]
    qtbot.waitUntil(lambda: not tab.jobs.running(), timeout=WAIT_MS)


def test_an_empty_question_and_an_empty_library_say_what_to_do(qtbot, tab):
    assert tab.ask() is None and "question" in tab.status.text()
    finish(qtbot, tab.refresh())
    assert "empty" in tab.library_count.text()
    tab.mode_box.setCurrentIndex(tab.mode_box.findData("extractive"))
    tab.query.setText("What reduces stroke?")
    finish(qtbot, tab.ask())
    assert tab.answer.mode == "no_answer" and "empty" in tab.output.text()


def test_report_for_the_collection_opens_in_the_answer_view(qtbot, tab, tmp_path):
    (tmp_path / "trial.md").write_text(TRIAL, encoding="utf-8")
    (tmp_path / "soil.txt").write_text(SOIL, encoding="utf-8")
    finish(qtbot, tab.ingest([str(tmp_path)]))
    qtbot.waitUntil(lambda: tab.table.rowCount() == 2, timeout=WAIT_MS)
    finish(qtbot, tab.write_report())
    assert tab.report is not None and len(tab.report.papers) == 2
    text = tab.output.text()
    assert "## Themes" in text and "## References" in text and "31 percent" in text
    assert tab.output.export_button.isEnabled() and tab.output.sources_list.count() >= 2


def test_documents_join_and_leave_collections(qtbot, tab, tmp_path):
    (tmp_path / "trial.md").write_text(TRIAL, encoding="utf-8")
    (tmp_path / "soil.txt").write_text(SOIL, encoding="utf-8")
    finish(qtbot, tab.ingest([str(tmp_path)]))
    qtbot.waitUntil(lambda: tab.table.rowCount() == 2, timeout=WAIT_MS)
    ids = [tab.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(2)]
    finish(qtbot, tab.add_to_collection(ids, "reading list"))
    qtbot.waitUntil(lambda: tab.collection_box.findData("reading list") > 0, timeout=WAIT_MS)
    tab.collection_box.setCurrentIndex(tab.collection_box.findData("reading list"))
    qtbot.waitUntil(lambda: tab.collection_box.currentText() == "reading list (2)", timeout=WAIT_MS)
    finish(qtbot, tab.change_collection(ids[:1], "reading list", False))
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=WAIT_MS)
    assert "taken out of" in tab.library_status.text()
    qtbot.waitUntil(lambda: not tab.jobs.running(), timeout=WAIT_MS)
