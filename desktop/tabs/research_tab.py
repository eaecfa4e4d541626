"""The Research workspace tab (an empty state until the workspace is built)."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.tabs.empty_state import EmptyState

TITLE = "Research"
DESCRIPTION = (
    "Bring your own papers, reports and notes. Enclave will index them, answer questions "
    "from the passages it finds and cite the document and page behind every answer, "
    "then help you turn the findings into a report."
)


class ResearchTab(QWidget):
    """Research workspace."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_state = EmptyState(TITLE, DESCRIPTION)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty_state)
