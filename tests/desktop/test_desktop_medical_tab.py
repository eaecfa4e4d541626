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
    with qtbot.waitSignal(tab.feedback(-1).finished, timeout=WAIT_MS):
        pass
    with open_store(tmp_path) as store:
        assert store.get_run(tab.run_id).feedback == -1
    qtbot.waitUntil(lambda: tab.history.count() == 1, timeout=WAIT_MS)
    assert "EMERGENCY" in tab.history.item(0).text()


def test_an_empty_message_cannot_be_assessed_and_says_to_contact_a_clinician(qtbot, tab):
    tab.text.setPlainText("")
    with qtbot.waitSignal(tab.triage().finished, timeout=WAIT_MS):
        pass
    assert tab.result.assessable is False and "could not assess" in tab.banner.text()
    assert "contact a clinician" in tab.banner.text()
    qtbot.waitUntil(lambda: tab.history.count() == 1, timeout=WAIT_MS)
