"""Small read-only tables of the approval dialogs, and how they write a moment."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

__all__ = ["fill_table", "when"]


def when(moment: datetime | None) -> str:
    """A moment in local time, to the minute."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)
    return item


def fill_table(
    table: QTableWidget, headers: list[str], rows: list[list[str]], *, stretch: int = -1
) -> None:
    """Show `rows` under `headers`, one line each (a long text is elided; its tooltip
    holds it whole): every column fits its text but `stretch` (default: the last),
    which takes the room left, so the table never scrolls sideways."""
    table.setWordWrap(False)
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(rows))
    for row, values in enumerate(rows):
        for column, value in enumerate(values):
            table.setItem(row, column, _cell(value))
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    stretched = stretch % len(headers) if headers else 0
    for column in range(len(headers)):
        mode = QHeaderView.ResizeMode.ResizeToContents
        if column == stretched:
            mode = QHeaderView.ResizeMode.Stretch
        header.setSectionResizeMode(column, mode)
