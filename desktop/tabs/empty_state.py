"""The friendly placeholder a workspace shows before it has anything to show."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

LOCAL_NOTE = (
    "Everything runs locally: models, documents and history stay on this computer, "
    "and nothing is sent over the network."
)


class EmptyState(QFrame):
    """A centred title, a paragraph about the workspace and the runs-locally promise."""

    def __init__(self, title: str, description: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(title)
        self.title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.title.setFont(font)
        self.description = _paragraph(description)
        font = self.description.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.description.setFont(font)
        self.local_note = _paragraph(LOCAL_NOTE)
        self.local_note.setObjectName("localNote")
        self.local_note.setStyleSheet("color: palette(placeholder-text);")

        # The text sits in a column of readable width, centred by stretches either side.
        # (Aligning word-wrapped labels inside the layout instead breaks their height.)
        content = QWidget()
        content.setMaximumWidth(640)
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(16)
        for label in (self.title, self.description, self.local_note):
            column.addWidget(label)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(content, 4)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 48, 48, 48)
        outer.addStretch(2)
        outer.addLayout(row)
        outer.addStretch(3)


def _paragraph(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
    return label


class WorkspaceTab(QWidget):
    """A workspace tab that shows its empty state; subclasses set TITLE and DESCRIPTION."""

    TITLE = ""
    DESCRIPTION = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_state = EmptyState(self.TITLE, self.DESCRIPTION)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty_state)
