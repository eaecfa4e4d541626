"""The Research workspace: the paper library (import by button or drag-and-drop), hybrid
search, cited answers, and the passage shown in its page.

Every engine call runs through the window's JobCenter (research_work.py); this file only
builds widgets and shows results.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.job_center import JobCenter
from desktop.output_view import OutputView
from desktop.tabs import research_work as work
from desktop.widgets import fill_with_panes, heading, hint, read_only_table, show_error
from desktop.worker import Job, run_job
from engine.workspaces.research.text import readable

TITLE = "Research"
DESCRIPTION = (
    "Bring your own papers, reports and notes. Enclave will index them, answer questions "
    "from the passages it finds and cite the document and page behind every answer, "
    "then help you turn the findings into a report."
)
ALL_COLLECTIONS = "All documents"
FILE_FILTER = ("Documents (*.pdf *.txt *.md *.markdown *.html *.htm *.docx);;"
               "References (*.bib *.ris);;All files (*)")
_STATUS_TEXT = {"indexed": "Indexed", "no_text": "No text (OCR not available)"}


def _snippet_html(snippet: str) -> str:
    """The engine marks query terms **like this**; show them bold, everything else escaped."""
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(snippet))


class ResearchTab(QWidget):
    """Library on the left; ask / search and the evidence on the right."""

    TITLE = TITLE
    DESCRIPTION = DESCRIPTION

    def __init__(self, data_dir: Path, jobs: JobCenter, device: str = "auto",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.jobs = jobs
        self.device = device
        self.documents: tuple = ()
        self.hits: list = []
        self.answer = None
        self.report = None
        self._busy: Job | None = None
        self._loads = 0
        self._new_collections: set[str] = set()  # chosen, not yet holding a document
        self.setAcceptDrops(True)

        # -- library ------------------------------------------------------------------
        self.add_files_button = QPushButton("Add files…")
        self.add_files_button.clicked.connect(self.add_files)
        self.add_folder_button = QPushButton("Add folder…")
        self.add_folder_button.clicked.connect(self.add_folder)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.collection_box = QComboBox()
        self.collection_box.addItem(ALL_COLLECTIONS)
        self.collection_box.setToolTip("Search, answers and the list cover this collection")
        self.collection_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.new_collection_button = QPushButton("New…")
        self.new_collection_button.setToolTip("Documents you add next go into the new collection")
        self.new_collection_button.clicked.connect(self.new_collection)
        self.table = read_only_table(("Title", "Year", "Pages", "Status"), stretch="Title",
                                     multi_select=True)
        self.table.itemSelectionChanged.connect(self._sync)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._library_menu)
        self.library_count = hint()
        self.library_status = hint("Drop PDF, text, Markdown, HTML or Word files here, or use Add files.")

        buttons = QHBoxLayout()
        for button in (self.add_files_button, self.add_folder_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(heading("Library", 1.2))
        left_layout.addLayout(buttons)
        self.report_button = QPushButton("Report")
        self.report_button.setToolTip("Themes, per-paper findings, agreement, open questions and "
                                      "references for the chosen collection, every line quoted and cited")
        self.report_button.clicked.connect(self.write_report)
        collections_row = QHBoxLayout()
        collections_row.addWidget(self.collection_box, 1)
        collections_row.addWidget(self.new_collection_button)
        collections_row.addWidget(self.report_button)
        left_layout.addLayout(collections_row)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.library_count)
        left_layout.addWidget(self.library_status)

        # -- question -----------------------------------------------------------------
        self.query = QLineEdit()
        self.query.setPlaceholderText("Ask a question about your documents, or type search words")
        self.query.returnPressed.connect(self.ask)
        self.ask_button = QPushButton("Ask")
        self.ask_button.setDefault(True)
        self.ask_button.clicked.connect(self.ask)
        self.search_button = QPushButton("Search")
        self.search_button.clicked.connect(self.search)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.mode_box = QComboBox()
        self.mode_box.addItem("Local model, checked", "auto")
        self.mode_box.addItem("Quotes only", "extractive")
        self.mode_box.setToolTip("Local model: the generator writes the answer, and every sentence is checked "
                                 "against the passages (unsupported ones are removed). Quotes only: the "
                                 "passages' own sentences.")
        self.year_from = QSpinBox()
        self.year_to = QSpinBox()
        for box, label in ((self.year_from, "from"), (self.year_to, "to")):
            box.setRange(0, 2100)
            box.setSpecialValueText("any")
            box.setPrefix(f"{label} ")
            box.setToolTip(f"Only documents published {label} this year")
        row = QHBoxLayout()
        row.addWidget(self.query, 1)
        for widget in (self.ask_button, self.search_button, self.cancel_button):
            row.addWidget(widget)
        options = QHBoxLayout()
        options.addWidget(self.mode_box)
        options.addWidget(self.year_from)
        options.addWidget(self.year_to)
        options.addStretch(1)

        self.output = OutputView(self.data_dir)
        self.output.source_activated.connect(self._open_source)
        self.results = QTextBrowser()
        self.results.setOpenLinks(False)
        self.results.anchorClicked.connect(self._open_result)
        self.results.setPlaceholderText("Search results appear here.")
        self.evidence = read_only_table(("Document", "Page", "Score", "Similarity"), stretch="Document")
        self.evidence.cellActivated.connect(lambda r, _c: self._open_hit(r, from_evidence=True))
        self.evidence.cellClicked.connect(lambda r, _c: self._open_hit(r, from_evidence=True))
        self.evidence_status = hint()
        evidence = QWidget()
        evidence_layout = QVBoxLayout(evidence)
        evidence_layout.setContentsMargins(0, 0, 0, 0)
        evidence_layout.addWidget(self.evidence, 1)
        evidence_layout.addWidget(self.evidence_status)
        self.views = QTabWidget()
        self.views.addTab(self.output, "Answer")
        self.views.addTab(self.results, "Search results")
        self.views.addTab(evidence, "Evidence")

        self.passage_title = heading("Passage")
        self.passage = QTextBrowser()
        self.passage.setPlaceholderText("Click a source or a result to read the passage in its page.")
        passage = QWidget()
        passage_layout = QVBoxLayout(passage)
        passage_layout.setContentsMargins(0, 0, 0, 0)
        passage_layout.addWidget(self.passage_title)
        passage_layout.addWidget(self.passage, 1)

        right_split = QSplitter(Qt.Orientation.Vertical)
        right_split.addWidget(self.views)
        right_split.addWidget(passage)
        right_split.setStretchFactor(0, 3)
        right_split.setStretchFactor(1, 2)
        self.status = hint(DESCRIPTION)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addLayout(row)
        right_layout.addLayout(options)
        right_layout.addWidget(self.status)
        right_layout.addWidget(right_split, 1)

        fill_with_panes(self, left, right, stretch=(2, 3))
        self._sync()

    # -- state --------------------------------------------------------------------
    def _collection(self) -> str | None:
        text = self.collection_box.currentData()
        return text or None

    def _filters(self) -> dict:
        return {"collection": self._collection(), "year_from": self.year_from.value() or None,
                "year_to": self.year_to.value() or None}

    def _sync(self) -> None:
        busy = self._busy is not None
        for widget in (self.ask_button, self.search_button, self.report_button):
            widget.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.remove_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def _run(self, title: str, fn, *args, status: str = "", busy: bool = False, listed: bool = True) -> Job:
        """Start `fn` off the GUI thread; `listed` jobs (imports, answers) show in the Jobs
        page and the status bar, quick reads do not."""
        job = self.jobs.start(title, fn, *args) if listed else run_job(fn, *args)
        if busy:
            self._busy = job
            job.finished.connect(lambda: (setattr(self, "_busy", None), self._sync()))
        if status:
            self.status.setText(status)
        self._sync()
        return job

    # -- library ------------------------------------------------------------------
    def refresh(self) -> Job:
        """Reload the document list and the collections (off the GUI thread)."""
        self._loads += 1
        job = self._run("Load the research library", work.load_library, self.data_dir,
                        self._collection(), listed=False)
        job.result.connect(lambda view, seq=self._loads: self._show_library(view, seq))
        job.error.connect(lambda message: show_error(self.library_status, "Library not loaded", message))
        return job

    def _show_library(self, view: work.LibraryView, seq: int) -> None:
        if seq != self._loads:
            return  # a newer load is on its way
        self.documents = view.documents
        current = self._collection()
        self.collection_box.blockSignals(True)
        self.collection_box.clear()
        self.collection_box.addItem(ALL_COLLECTIONS, None)
        for name, count in view.collections:
            self.collection_box.addItem(f"{name} ({count})", name)
        self._new_collections -= {name for name, _ in view.collections}
        for name in sorted(self._new_collections):
            self.collection_box.addItem(f"{name} (0)", name)
        index = self.collection_box.findData(current)
        self.collection_box.setCurrentIndex(max(index, 0))
        self.collection_box.blockSignals(False)
        self.table.setRowCount(len(view.documents))
        for row, doc in enumerate(view.documents):
            title = QTableWidgetItem(doc.title)
            title.setToolTip(f"{doc.title}\n{', '.join(doc.authors)}\n{doc.path}")
            title.setData(Qt.ItemDataRole.UserRole, doc.id)
            cells = (title, QTableWidgetItem(str(doc.year or "")), QTableWidgetItem(str(doc.pages)),
                     QTableWidgetItem(_STATUS_TEXT.get(doc.status, doc.status)))
            for column, item in enumerate(cells):
                self.table.setItem(row, column, item)
        pages = sum(d.pages for d in view.documents)
        self.library_count.setText(
            f"{len(view.documents)} document{'s' if len(view.documents) != 1 else ''}, {pages} pages"
            if view.documents else "The library is empty: drop PDF, text, Markdown, HTML or Word "
                                   "files here, or use Add files.")
        self._sync()

    def add_files(self) -> Job | None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add documents", "", FILE_FILTER)
        return self.ingest(files) if files else None

    def add_folder(self) -> Job | None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of documents")
        return self.ingest([folder]) if folder else None

    def ingest(self, paths: list[str], collection: str | None = None) -> Job:
        """Import files/folders as a background job; the import report shows when it ends."""
        collection = collection if collection is not None else self._collection()
        names = ", ".join(Path(p).name for p in paths[:3]) + (" …" if len(paths) > 3 else "")
        job = self._run(f"Import {names}", work.ingest, self.data_dir, list(paths), collection, self.device)
        self.library_status.setText(f"Importing {names}…")
        job.progress.connect(lambda _f, message: self.library_status.setText(message))
        job.result.connect(self._after_ingest)
        job.error.connect(lambda message: show_error(self.library_status, "Import failed", message))
        job.cancelled.connect(lambda: (self.library_status.setText("Import cancelled; documents imported "
                                                                   "before the cancel are kept."),
                                       self.refresh()))
        return job

    def _after_ingest(self, report) -> None:
        data = report.to_json()
        summary = (f"Imported {data['imported']}, skipped {data['skipped']}, failed {data['failed']}"
                   + (f", {data['no_text']} without text" if data["no_text"] else "")
                   + (f", {data['metadata']} reference files applied" if data["metadata"] else "") + ".")
        problems = [f"{Path(f.path).name}: {f.reason}" for f in report.files if f.reason]
        self.library_status.setText(summary + (" " + problems[0] if problems else ""))
        self.library_status.setToolTip("\n".join(problems))
        self.refresh()

    def remove_selected(self) -> Job | None:
        ids = self._selected_ids()
        if not ids or QMessageBox.question(
                self, "Remove documents",
                f"Remove {len(ids)} document{'s' if len(ids) > 1 else ''} from the library? "
                "The files on disk are not touched.") != QMessageBox.StandardButton.Yes:
            return None
        job = self._run("Remove documents", work.remove_documents, self.data_dir, ids)
        job.result.connect(lambda n: (self.library_status.setText(f"Removed {n} document{'s' if n != 1 else ''}."),
                                      self.refresh()))
        return job

    def _selected_ids(self) -> list[int]:
        return [self.table.item(i.row(), 0).data(Qt.ItemDataRole.UserRole)
                for i in self.table.selectionModel().selectedRows()]

    def _library_menu(self, position) -> None:
        ids = self._selected_ids()
        if not ids:
            return
        menu = QMenu(self)
        menu.addAction("Add to collection…", lambda: self.add_to_collection(ids))
        current = self._collection()
        if current:
            menu.addAction(f"Remove from “{current}”", lambda: self.change_collection(ids, current, False))
        menu.addSeparator()
        menu.addAction("Remove from library…", self.remove_selected)
        menu.exec(self.table.viewport().mapToGlobal(position))

    def add_to_collection(self, ids: list[int], name: str | None = None) -> Job | None:
        if name is None:
            names = [self.collection_box.itemData(i) for i in range(1, self.collection_box.count())]
            name, ok = QInputDialog.getItem(self, "Add to collection", "Collection (choose or type a new name):",
                                            names, 0, True)
            if not ok:
                return None
        return self.change_collection(ids, name, True) if name and name.strip() else None

    def change_collection(self, ids: list[int], name: str, member: bool) -> Job:
        job = self._run("Change a collection", work.set_collection, self.data_dir, ids, name.strip(), member,
                        listed=False)
        verb = "added to" if member else "taken out of"
        job.result.connect(lambda n: (self.library_status.setText(
            f"{n} document{'s' if n != 1 else ''} {verb} “{name.strip()}”."), self.refresh()))
        job.error.connect(lambda message: show_error(self.library_status, "Collection not changed", message))
        return job

    def new_collection(self, name: str | None = None) -> str | None:
        """Select a new (still empty) collection: the next documents added go into it."""
        if name is None:
            name, ok = QInputDialog.getText(self, "New collection", "Name of the collection:")
            if not ok:
                return None
        name = name.strip()
        if not name:
            return None
        if self.collection_box.findData(name) < 0:
            self._new_collections.add(name)
            self.collection_box.blockSignals(True)
            self.collection_box.addItem(f"{name} (0)", name)
            self.collection_box.blockSignals(False)
        self.collection_box.setCurrentIndex(self.collection_box.findData(name))
        self.library_status.setText(f"Documents you add now go into “{name}”.")
        return name

    # -- drag and drop ------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.ingest(paths)

    # -- search and ask -----------------------------------------------------------
    def search(self) -> Job | None:
        text = self.query.text().strip()
        if not text:
            self.status.setText("Type a few words to search for.")
            return None
        job = self._run("Search the library", work.search, self.data_dir, text, self.device,
                        self._filters(), status="Searching…", busy=True, listed=False)
        job.result.connect(self._show_hits)
        job.error.connect(lambda message: show_error(self.status, "Search failed", message))
        return job

    def _show_hits(self, hits: list) -> None:
        self.hits = list(hits)
        self.views.setCurrentWidget(self.results)
        if not hits:
            self.results.setHtml("<p>No passage matches. Try other words, or another collection.</p>")
            self.status.setText("No matching passages.")
            return
        blocks = [f"<p><a href='hit:{i}'><b>{html.escape(h.document)}</b> — page {h.page}</a>"
                  f" <span style='color:gray'>score {h.score:.3f}</span><br>{_snippet_html(h.snippet)}</p>"
                  for i, h in enumerate(hits)]
        self.results.setHtml("".join(blocks))
        self.status.setText(f"{len(hits)} passages. Click one to read it in its page.")

    def ask(self) -> Job | None:
        question = self.query.text().strip()
        if not question:
            self.status.setText("Type a question first.")
            return None
        if self._busy is not None:
            return None
        self.views.setCurrentWidget(self.output)
        self.output.begin("Searching the library…")
        job = self._run("Answer a research question", work.ask, self.data_dir, question, self.device,
                        self.mode_box.currentData(), self._filters(), status="Finding passages…", busy=True)
        job.progress.connect(self._on_ask_progress)
        job.result.connect(self._show_answer)
        job.error.connect(lambda message: (self.output.finish(status=""),
                                           show_error(self.status, "No answer", message)))
        job.cancelled.connect(lambda: (self.output.finish(status="Cancelled"),
                                       self.status.setText("Cancelled.")))
        return job

    def _on_ask_progress(self, _fraction: float, message: str) -> None:
        if message.startswith(work.DRAFT_PREFIX):
            self.output.set_text(message[len(work.DRAFT_PREFIX):])
            self.status.setText("The local model is writing a draft; it is checked against the passages next.")
        else:
            self.status.setText(message)

    def _show_answer(self, answer) -> None:
        self.answer = answer
        self.hits = list(answer.evidence)
        self.output.begin("")
        self.output.set_text(answer.answer)
        sources = [{"document": c.document, "title": c.document, "page": c.page, "text": readable(c.passage),
                    "document_id": c.document_id, "chunk_id": c.chunk_id} for c in answer.citations]
        via = {"generative": "written by the local model and checked against the passages",
               "extractive": "quoted from the passages",
               "no_answer": "no relevant passage found"}[answer.mode]
        device = f" on {answer.provider.replace('ExecutionProvider', '')}" if answer.provider else ""
        self.output.finish(answer.run_id, sources, status=f"Answer {via}{device}.")
        notes = "; ".join(answer.notes)
        self.status.setText(notes[:1].upper() + notes[1:] + "." if notes else "")
        self.evidence.setRowCount(len(answer.evidence))
        for row, hit in enumerate(answer.evidence):
            cells = (hit.document, str(hit.page), f"{hit.score:.4f}",
                     "" if hit.cosine is None else f"{hit.cosine:.3f}")
            for column, text in enumerate(cells):
                self.evidence.setItem(row, column, QTableWidgetItem(text))
        model = f"{answer.model} on {answer.provider}" if answer.model else "no model"
        self.evidence_status.setText(f"{len(answer.evidence)} passages retrieved; {model}; "
                                     f"{answer.timings.get('total_s', 0):.1f} s.")

    def write_report(self) -> Job | None:
        """The report for the chosen collection, as a cancellable job; shown in the Answer
        view, from where Export writes Markdown, HTML or PDF."""
        if self._busy is not None:
            return None
        collection = self._collection()
        self.views.setCurrentWidget(self.output)
        self.output.begin("Writing the report…")
        job = self._run(f"Research report: {collection or 'the whole library'}", work.report, self.data_dir,
                        collection, self.device, status="Writing the report…", busy=True)
        job.progress.connect(lambda _f, message: self.status.setText(message))
        job.result.connect(self._show_report)
        job.error.connect(lambda message: (self.output.finish(status=""),
                                           show_error(self.status, "No report", message)))
        job.cancelled.connect(lambda: (self.output.finish(status="Cancelled"), self.status.setText("Cancelled.")))
        return job

    def _show_report(self, report) -> None:
        self.answer = None
        self.report = report
        self.output.set_text(report.to_markdown())
        sources = [{"document": q.document, "title": q.document, "page": q.page, "text": q.text,
                    "document_id": q.document_id} for q in report.quotes()]
        self.output.finish(None, sources, status=f"Report: {len(report.papers)} papers, "
                                                 f"{len(report.themes)} themes, {report.seconds:.1f} s.")
        self.status.setText("Export writes it as Markdown, HTML or PDF.")

    def cancel(self) -> None:
        if self._busy is not None:
            self._busy.cancel()

    # -- passages -----------------------------------------------------------------
    def _open_result(self, url: QUrl) -> None:
        if url.scheme() == "hit":
            self._open_hit(int(url.path()))

    def _open_hit(self, index: int, from_evidence: bool = False) -> None:
        hits = list(self.answer.evidence) if from_evidence and self.answer else self.hits
        if 0 <= index < len(hits):
            hit = hits[index]
            self.show_passage(hit.document_id, hit.page, hit.document, hit.text)

    def _open_source(self, source: dict) -> None:
        self.show_passage(source["document_id"], source["page"], source["document"], source["text"])

    def show_passage(self, document_id: int, page: int, title: str, passage: str) -> Job:
        """The page's text with `passage` highlighted and scrolled into view."""
        self.passage_title.setText(f"{title} — page {page}")
        job = self._run(f"Open {title}, page {page}", work.page_text, self.data_dir, document_id, page,
                        listed=False)
        job.result.connect(lambda text: self._show_page(text, passage))
        job.error.connect(lambda message: self.passage.setPlainText(f"Page not available: {message}"))
        return job

    def _show_page(self, text: str, passage: str) -> None:
        flat_page = readable(" ".join(text.split()))  # line-end hyphens joined for reading
        flat_passage = readable(" ".join(passage.split()))
        start = flat_page.find(flat_passage) if flat_passage else -1
        if start < 0:
            self.passage.setHtml(f"<p>{html.escape(flat_page)}</p>")
            return
        end = start + len(flat_passage)
        self.passage.setHtml(
            f"<p>{html.escape(flat_page[:start])}<a name='passage'></a>"
            f"<span style='background-color:#fff3a0; color:#000'>{html.escape(flat_page[start:end])}</span>"
            f"{html.escape(flat_page[end:])}</p>")
        self.passage.scrollToAnchor("passage")
