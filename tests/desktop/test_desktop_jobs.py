"""JobCenter and the Jobs page: every background job listed with progress, log and Cancel."""

import threading

from desktop.job_center import CANCELLED, DONE, FAILED, JobCenter
from desktop.pages.jobs_page import JobsPage
from engine.errors import Cancelled, EnclaveError


def slow(steps, progress=None, cancelled=None):
    for i in range(steps):
        if cancelled():
            raise Cancelled("stopped")
        progress(i / steps, f"step {i}")
        threading.Event().wait(0.02)
    return "ok"


def failing(progress=None, cancelled=None):
    raise EnclaveError("folder is not a model\nsecond line")


def test_jobs_page_lists_progress_and_cancels(qtbot):
    center = JobCenter()
    page = JobsPage(center)
    qtbot.addWidget(page)
    page.show()
    assert page.empty_label.isVisible() and not page.table.isVisible()

    center.start("Export history", slow, 3)
    qtbot.waitUntil(lambda: center.records()[0].state == DONE, timeout=5000)
    long = center.start("Import model", slow, 10_000)
    qtbot.waitUntil(lambda: center.records()[0].fraction is not None, timeout=5000)
    assert page.table.rowCount() == 2 and page.table.item(0, 0).text() == "Import model"
    assert page.table.item(0, 1).text() == "Running" and page.table.item(1, 1).text() == "Done"

    page.table.selectRow(0)
    assert page.cancel_button.isEnabled() and "step" in page.log.toPlainText()
    page.cancel_button.click()
    qtbot.waitUntil(lambda: center.record(2).state == CANCELLED, timeout=5000)
    assert page.table.item(0, 1).text() == "Cancelled" and not page.cancel_button.isEnabled()
    assert "cancel requested" in page.log.toPlainText()
    qtbot.waitUntil(lambda: not long.is_running(), timeout=5000)


def test_failed_job_shows_one_line(qtbot):
    center = JobCenter()
    page = JobsPage(center)
    qtbot.addWidget(page)
    center.start("Import", failing)
    qtbot.waitUntil(lambda: center.records()[0].state == FAILED, timeout=5000)
    assert page.table.item(0, 4).text() == "folder is not a model"


def test_jobs_recorded_by_the_command_line_are_listed(qtbot, tmp_path):
    from engine.store import open_store

    with open_store(tmp_path) as store:
        job = store.start_job("models.import", "/media/usb/llama")
        store.update_job(job, status="error", message="architecture 'mamba' is not supported")
    page = JobsPage(JobCenter(), tmp_path)
    qtbot.addWidget(page)
    page.show()
    assert not page.recorded.isVisible()
    refreshing = page.refresh()
    qtbot.waitUntil(lambda: not refreshing.is_running(), timeout=5000)
    assert page.recorded.isVisible() and page.recorded.rowCount() == 1
    assert page.recorded.item(0, 0).text() == "models.import" and page.recorded.item(0, 1).text() == "Failed"
    assert "not supported" in page.recorded.item(0, 4).text()
