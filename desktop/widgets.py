"""Small pieces every page and dialog shares: a read-only table, a one-line error."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)


def read_only_table(columns: Sequence[str], stretch: str, multi_select: bool = False) -> QTableWidget:
    """Rows selected whole, nothing editable, columns sized to their contents except
    `stretch`, which takes the remaining width."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if multi_select
                           else QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    for column in range(len(columns)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(list(columns).index(stretch), QHeaderView.ResizeMode.Stretch)
    return table


def heading(text: str, scale: float = 1.0) -> QLabel:
    """A bold label, `scale` times the normal font size."""
    label = QLabel(text)
    font = label.font()
    if scale != 1.0:
        font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label


def hint(text: str = "") -> QLabel:
    """A word-wrapped secondary line in the palette's placeholder colour (both themes)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(placeholder-text);")
    return label


def first_line(message: str) -> str:
    return (message.strip().splitlines() or [""])[0]


def show_error(label: QLabel, what: str, message: str) -> None:
    """'✗ what: first line of message' in `label`, the whole message in its tooltip."""
    line = first_line(message)
    label.setText(f"✗ {what}: {line}" if line else f"✗ {what}")
    label.setToolTip(message)


def fill_with_panes(owner: QWidget, first: QWidget, second: QWidget, stretch: tuple[int, int]) -> QSplitter:
    """Lay `owner` out as two panes side by side in a splitter, sized by `stretch`."""
    split = QSplitter(Qt.Orientation.Horizontal)
    split.addWidget(first)
    split.addWidget(second)
    split.setStretchFactor(0, stretch[0])
    split.setStretchFactor(1, stretch[1])
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addWidget(split)
    return split
