"""The Business Intelligence workspace tab (an empty state until the workspace is built)."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.tabs.empty_state import EmptyState

TITLE = "Business Intelligence"
DESCRIPTION = (
    "Open a CSV or spreadsheet and Enclave will surface trends, outliers and changes "
    "worth a look, with recommendations that point back to the numbers, and answer "
    "plain-language questions through safe, read-only queries."
)


class BusinessIntelligenceTab(QWidget):
    """Business Intelligence workspace."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_state = EmptyState(TITLE, DESCRIPTION)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty_state)
