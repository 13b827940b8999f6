"""Small widget helpers the pages share: a read-only record table and a yes/no question."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QMessageBox, QTableView, QWidget

__all__ = ["confirm", "record_table"]


def record_table(name: str, *, stretch_last: bool = False) -> QTableView:
    """A read-only table of records: whole rows selected one at a time, no wrapping."""
    table = QTableView()
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(26)
    table.horizontalHeader().setHighlightSections(False)
    table.horizontalHeader().setStretchLastSection(stretch_last)
    return table


def confirm(parent: QWidget, title: str, text: str) -> bool:
    """Ask before something that cannot be undone; the safe answer is the default."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes
