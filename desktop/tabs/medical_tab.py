"""The Medical workspace tab (an empty state until the workspace is built)."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.tabs.empty_state import EmptyState

TITLE = "Medical"
DESCRIPTION = (
    "Describe symptoms and Enclave will suggest how urgently to seek care: fixed red-flag "
    "rules run first, local models add context with their sources, and every run is "
    "kept in an audit log. It supports clinical decisions; it never makes a diagnosis."
)


class MedicalTab(QWidget):
    """Medical workspace."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_state = EmptyState(TITLE, DESCRIPTION)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty_state)
