"""The shared output view: streaming Markdown, sources, Copy, Export, feedback."""

from PySide6.QtGui import QGuiApplication

from desktop.output_view import OutputView, markdown_document
from engine.store import open_store

SOURCES = [{"title": "Smith 2021, Lancet", "page": 4, "text": "Aspirin reduced events by 20%."},
           {"document": "notes.pdf", "text": "Follow-up was 3 years."}]


def make_view(qtbot, data_dir):
    view = OutputView(data_dir)
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    return view


def test_streams_pieces_and_renders_markdown(qtbot, tmp_path):
    view = make_view(qtbot, tmp_path)
    view.begin()
    assert not view.copy_button.isEnabled()
    for piece in ["## Fin", "dings\n\n", "The drug **reduced** ", "events [1].\n\n- one\n- two"]:
        view.append(piece)
    qtbot.waitUntil(lambda: "reduced" in view.browser.toPlainText(), timeout=2000)
    view.finish(run_id=None, sources=SOURCES, status="Done")
    html = view.browser.toHtml()
    assert "font-weight:700" in html or "font-weight:600" in html  # bold rendered, not **stars**
    assert "**" not in view.browser.toPlainText() and "Findings" in view.browser.toPlainText()
    assert view.sources_list.count() == 2 and view.sources_list.isVisible()
    assert view.sources_list.item(0).text().startswith("[1] Smith 2021, Lancet, p. 4")
    with qtbot.waitSignal(view.source_activated) as signal:
        view.sources_list.itemClicked.emit(view.sources_list.item(1))
    assert signal.args[0]["document"] == "notes.pdf"


def test_copy_and_export_markdown_html_pdf(qtbot, tmp_path, monkeypatch):
    view = make_view(qtbot, tmp_path)
    view.begin()
    view.append("Paris is the capital of **France**.")
    view.finish(sources=SOURCES[:1])
    view.copy()
    assert QGuiApplication.clipboard().text() == markdown_document(view.text(), SOURCES[:1])
    assert "## Sources" in QGuiApplication.clipboard().text()
    for name in ("answer.md", "answer.html", "answer.pdf"):
        target = tmp_path / name
        monkeypatch.setattr(view, "_ask_export_path", lambda t=target: t)
        with qtbot.waitSignal(view.exported, timeout=10000):
            view.export()
        assert target.stat().st_size > 0
    assert (tmp_path / "answer.md").read_text().startswith("Paris is the capital of **France**.")
    assert "<b>France</b>" in (tmp_path / "answer.html").read_text() or \
        "font-weight" in (tmp_path / "answer.html").read_text()
    assert (tmp_path / "answer.pdf").read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob(".*.tmp"))
    monkeypatch.setattr(view, "_ask_export_path", lambda: tmp_path / "answer.docx")
    job = view.export()
    qtbot.waitUntil(lambda: "Export failed" in view.status.text(), timeout=5000)
    assert "not supported" in view.status.text() and not job.is_running()


def test_feedback_is_stored_with_the_run(qtbot, tmp_path):
    with open_store(tmp_path) as store:
        run_id = store.add_run("research", "ask", "question", {"text": "answer"})
    view = make_view(qtbot, tmp_path)
    view.begin()
    view.append("answer")
    view.finish(run_id=run_id)
    assert view.up_button.isEnabled()
    with qtbot.waitSignal(view.feedback_saved, timeout=5000):
        view.up_button.click()
    with open_store(tmp_path) as store:
        assert store.get_run(run_id).feedback == 1
    with qtbot.waitSignal(view.feedback_saved, timeout=5000):
        view.down_button.click()
    assert view.down_button.isChecked() and not view.up_button.isChecked()
    with open_store(tmp_path) as store:
        assert store.get_run(run_id).feedback == -1
