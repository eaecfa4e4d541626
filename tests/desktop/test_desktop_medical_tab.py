"""The Medical tab: a message in, the level as a banner with advice, red flags and reasons,
the disclaimer always shown, feedback stored, recent triages listed."""

from __future__ import annotations

import pytest

from desktop.job_center import JobCenter
from desktop.tabs.medical_tab import MedicalTab
from engine.store import open_store

WAIT_MS = 60_000


@pytest.fixture
def tab(qtbot, tmp_path):
    page = MedicalTab(tmp_path, JobCenter(), device="cpu")  # no classifier installed: the rules alone
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    return page


def test_triage_shows_the_banner_reasons_and_disclaimer_and_keeps_feedback(qtbot, tab, tmp_path):
    assert "not a diagnosis" in tab.disclaimer.text() and tab.disclaimer.isVisible()
    tab.text.setPlainText("My 6 week old baby has a temperature of 38.2 and is very sleepy")
    with qtbot.waitSignal(tab.triage().finished, timeout=WAIT_MS):
        pass
    assert tab.result.level == "emergency" and tab.banner.isVisible()
    assert "EMERGENCY" in tab.banner.text() and "#b3261e" in tab.banner.styleSheet()
    assert "38.2" in tab.details.toPlainText() and "NICE" in tab.details.toPlainText()
    assert tab.right_button.isEnabled()
    with qtbot.waitSignal(tab.feedback(None).finished, timeout=WAIT_MS):
        pass
    with open_store(tmp_path) as store:
        assert store.get_run(tab.run_id).feedback == 1
    qtbot.waitUntil(lambda: tab.history.count() == 1, timeout=WAIT_MS)
    assert "EMERGENCY" in tab.history.item(0).text()


def test_wrong_level_asks_for_the_right_one_and_stores_it_for_retraining(qtbot, tab, tmp_path):
    tab.text.setPlainText("My 6 week old baby has a temperature of 38.2 and is very sleepy")
    with qtbot.waitSignal(tab.triage().finished, timeout=WAIT_MS):
        pass
    assert tab.wrong_button.menu() is tab.wrong_menu
    actions = {a.data(): a for a in tab.wrong_menu.actions()}
    assert [a.text() for a in actions.values()] == ["Emergency — now", "Urgent — within 24 hours",
                                                    "Routine — within about a week", "Self-care — at home"]
    assert not actions["emergency"].isEnabled() and actions["urgent"].isEnabled()  # the shown level is not "wrong"
    actions["urgent"].trigger()
    qtbot.waitUntil(lambda: "stored as Urgent" in tab.status.text(), timeout=WAIT_MS)
    assert "marked wrong" in tab.status.text() and "1 labelled triages" in tab.status.text()
    with open_store(tmp_path) as store:
        (example,) = store.labelled_examples("triage")
        assert (example.label, example.run_id, example.source) == ("urgent", tab.run_id, "feedback")
        assert "38.2" in example.text and store.get_run(tab.run_id).feedback == -1

    with qtbot.waitSignal(tab.retrain().finished, timeout=WAIT_MS):  # a label, but no embedder: it says why
        assert not tab.retrain_button.isEnabled()
    assert "Retraining failed" in tab.status.text() and "embedder" in tab.status.text()
    assert tab.retrain_button.isEnabled()
    assert [r.title for r in tab.jobs.records()][0] == "Retrain the triage classifier"


def test_retrain_without_labels_says_there_is_nothing_to_learn(qtbot, tab):
    with qtbot.waitSignal(tab.retrain().finished, timeout=WAIT_MS):
        pass
    assert "Nothing to retrain on" in tab.status.text()


def test_an_empty_message_cannot_be_assessed_and_says_to_contact_a_clinician(qtbot, tab):
    tab.text.setPlainText("")
    with qtbot.waitSignal(tab.triage().finished, timeout=WAIT_MS):
        pass
    assert tab.result.assessable is False and "could not assess" in tab.banner.text()
    assert "contact a clinician" in tab.banner.text()
    qtbot.waitUntil(lambda: tab.history.count() == 1, timeout=WAIT_MS)
