"""The shared view for model text: streams pieces, renders Markdown, lists the sources.

Every workspace shows its answers here. `begin()` clears it, `append(piece)` streams a
piece (the Markdown is re-rendered at most every 80 ms, so a fast model cannot flood the
GUI thread), `finish(run_id, sources)` ends the answer. Sources are clickable items
(`source_activated(dict)`); Copy puts the Markdown on the clipboard; Export writes
Markdown, HTML or PDF in a background job; thumbs up / down store feedback with the run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.worker import Job, run_job
from engine.errors import EnclaveError

RENDER_INTERVAL_MS = 80
EXPORT_FILTER = "Markdown (*.md);;HTML (*.html);;PDF (*.pdf)"


def source_label(source: dict) -> str:
    """One line for a source: title (or document), page, and a short quote."""
    title = source.get("title") or source.get("document") or source.get("id") or "source"
    page = source.get("page")
    where = f", p. {page}" if page not in (None, "") else ""
    quote = str(source.get("text") or source.get("quote") or "").strip().replace("\n", " ")
    return f"{title}{where}" + (f" — “{quote[:120]}{'…' if len(quote) > 120 else ''}”" if quote else "")


def markdown_document(text: str, sources: list[dict]) -> str:
    """The answer with its sources as one Markdown document (what Copy and Export write)."""
    if not sources:
        return text
    lines = [text.rstrip(), "", "## Sources", ""]
    lines += [f"{i}. {source_label(s)}" for i, s in enumerate(sources, start=1)]
    return "\n".join(lines) + "\n"


def export_answer(markdown: str, path: Path, progress: Callable | None = None,
                  cancelled: Callable | None = None) -> Path:
    """Worker: write `markdown` as .md, .html or .pdf (by suffix), atomically."""
    from PySide6.QtGui import QPageSize, QPdfWriter, QTextDocument

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".md", ".html", ".pdf"):
        raise EnclaveError(f"export format {suffix or '(none)'} is not supported: use .md, .html or .pdf")
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if suffix == ".md":
            tmp.write_text(markdown, encoding="utf-8")
        else:
            document = QTextDocument()  # created on this (worker) thread; no widgets involved
            document.setMarkdown(markdown)
            if suffix == ".html":
                tmp.write_text(document.toHtml(), encoding="utf-8")
            else:
                writer = QPdfWriter(str(tmp))
                writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
                writer.setResolution(300)
                writer.setTitle("Enclave answer")
                document.setPageSize(writer.pageLayout().paintRectPixels(writer.resolution()).size().toSizeF())
                document.print_(writer)
                del writer  # closes the file
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def store_feedback(data_dir: Path, run_id: int, value: int | None, progress=None, cancelled=None) -> int | None:
    """Worker: the thumbs up (+1) / down (-1) / none stored with the run."""
    from engine.store import open_store

    with open_store(data_dir) as store:
        store.set_feedback(run_id, value)
    return value


class OutputView(QWidget):
    """Streaming Markdown answer + sources + Copy / Export / feedback."""

    source_activated = Signal(dict)
    exported = Signal(str)
    feedback_saved = Signal(object)

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.run_id: int | None = None
        self.sources: list[dict] = []
        self._text = ""
        self._streaming = False
        self._feedback: int | None = None
        self._jobs: list[Job] = []

        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.setPlaceholderText("Answers appear here as they are written.")
        self.sources_label = QLabel("Sources")
        self.sources_list = QListWidget()
        self.sources_list.setMaximumHeight(140)
        self.sources_list.itemActivated.connect(self._on_source)
        self.sources_list.itemClicked.connect(self._on_source)
        self.status = QLabel("")
        self.status.setStyleSheet("color: palette(placeholder-text);")
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(self.copy)
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self.export)
        self.up_button = QPushButton("▲ Helpful")  # text, not emoji: many desktops lack an emoji font
        self.up_button.setCheckable(True)
        self.up_button.setToolTip("A good answer (stored with this run)")
        self.up_button.clicked.connect(lambda: self.set_feedback(1 if self.up_button.isChecked() else None))
        self.down_button = QPushButton("▼ Not helpful")
        self.down_button.setCheckable(True)
        self.down_button.setToolTip("A poor answer (stored with this run)")
        self.down_button.clicked.connect(lambda: self.set_feedback(-1 if self.down_button.isChecked() else None))

        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for button in (self.up_button, self.down_button, self.copy_button, self.export_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.sources_label)
        layout.addWidget(self.sources_list)
        layout.addLayout(buttons)

        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(RENDER_INTERVAL_MS)
        self._render_timer.timeout.connect(self._render)
        self._sync()

    # -- streaming ------------------------------------------------------------------
    def begin(self, status: str = "Writing…") -> None:
        self._text, self.sources, self.run_id, self._feedback = "", [], None, None
        self._streaming = True
        self.status.setText(status)
        self.browser.clear()
        self.sources_list.clear()
        self._sync()

    def append(self, piece: str) -> None:
        self._text += piece
        if not self._render_timer.isActive():
            self._render_timer.start()

    def set_text(self, text: str) -> None:
        """Replace the text shown so far (a draft that is rewritten as a whole)."""
        self._text = text
        if not self._render_timer.isActive():
            self._render_timer.start()

    def finish(self, run_id: int | None = None, sources: list[dict] | None = None,
               status: str = "") -> None:
        self._streaming = False
        self.run_id = run_id
        self.sources = list(sources or [])
        self._render_timer.stop()
        self._render()
        self.sources_list.clear()
        for number, source in enumerate(self.sources, start=1):
            item = QListWidgetItem(f"[{number}] {source_label(source)}")
            item.setToolTip(str(source.get("text") or source.get("quote") or ""))
            self.sources_list.addItem(item)
        self.status.setText(status)
        self._sync()

    def text(self) -> str:
        return self._text

    def markdown(self) -> str:
        return markdown_document(self._text, self.sources)

    def _render(self) -> None:
        bar = self.browser.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        self.browser.setMarkdown(self._text)
        if at_end:
            bar.setValue(bar.maximum())

    def _sync(self) -> None:
        has_text = bool(self._text) and not self._streaming
        for button in (self.copy_button, self.export_button):
            button.setEnabled(has_text)
        for button in (self.up_button, self.down_button):
            button.setEnabled(has_text and self.run_id is not None)
        self.up_button.setChecked(self._feedback == 1)
        self.down_button.setChecked(self._feedback == -1)
        self.sources_label.setVisible(bool(self.sources))
        self.sources_list.setVisible(bool(self.sources))

    def _on_source(self, item: QListWidgetItem) -> None:
        index = self.sources_list.row(item)
        if 0 <= index < len(self.sources):
            self.source_activated.emit(self.sources[index])

    # -- actions --------------------------------------------------------------------
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.markdown())
        self.status.setText("Copied as Markdown")

    def _ask_export_path(self) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self, "Export answer", "answer.md", EXPORT_FILTER)
        return Path(path) if path else None

    def export(self) -> Job | None:
        path = self._ask_export_path()
        if path is None:
            return None
        if not path.suffix:
            path = path.with_suffix(".md")
        self.status.setText(f"Exporting to {path.name}…")
        job = run_job(export_answer, self.markdown(), path)
        job.result.connect(lambda written: (self.status.setText(f"Exported to {written}"),
                                            self.exported.emit(str(written))))
        job.error.connect(lambda message: self.status.setText(f"Export failed: {message}"))
        return self._keep(job)

    def set_feedback(self, value: int | None) -> Job | None:
        if self.run_id is None:
            return None
        self._feedback = value
        self._sync()
        job = run_job(store_feedback, self.data_dir, self.run_id, value)
        job.result.connect(lambda saved: (self.status.setText("Thanks — feedback saved" if saved else
                                                              "Feedback cleared"),
                                          self.feedback_saved.emit(saved)))
        job.error.connect(lambda message: self.status.setText(f"Feedback not saved: {message}"))
        return self._keep(job)

    def _keep(self, job: Job) -> Job:
        self._jobs.append(job)
        job.finished.connect(lambda: self._jobs.remove(job) if job in self._jobs else None)
        return job
