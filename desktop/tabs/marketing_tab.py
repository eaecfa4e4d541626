"""The Marketing workspace tab (an empty state until the workspace is built)."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.tabs.empty_state import EmptyState

TITLE = "Marketing"
DESCRIPTION = (
    "Describe a product and its audience and Enclave will draft copy variants for each "
    "channel and segment, check them for length, tone and claims, and work out the "
    "return on a campaign from its revenue and cost."
)


class MarketingTab(QWidget):
    """Marketing workspace."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_state = EmptyState(TITLE, DESCRIPTION)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty_state)
