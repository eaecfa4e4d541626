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


def test_data_messages_stay_out_of_the_job_list_and_the_status_bar(qtbot):
    """A streamed draft travels as progress data for its page; the Jobs log and the
    status-bar indicator show status lines only (a long draft once grew the status bar)."""
    from desktop.job_indicator import JobIndicator
    from desktop.worker import DATA_PREFIX

    def stream(progress=None, cancelled=None):
        progress(0.2, "searching the library")
        for n in range(1, 40):
            progress(0.5, DATA_PREFIX + "draft:" + " word" * n + "\nsecond line")
        return "ok"

    center = JobCenter()
    indicator = JobIndicator()
    qtbot.addWidget(indicator)
    job = center.start("Answer", stream)
    indicator.track(job, "Answer")
    seen = []
    job.progress.connect(lambda f, m: seen.append(m))
    with qtbot.waitSignal(job.finished, timeout=10_000):
        pass
    record = center.records()[0]
    assert any(m.startswith(DATA_PREFIX) for m in seen)  # the page still receives the data
    assert all(DATA_PREFIX not in line for line in record.log)
    assert record.log and "searching the library" in record.log[0]
