"""The key/value grid of one lookup table: a thin Qt table model over (key, value) rows.

The rows are the grid's own while the analyst types (a blank row just added, a
key typed twice); the dialog turns them into the document's table
(`authoring.lookup_rows`) whenever they make one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import JsonValue
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from fieldwright.authoring.lookup_rows import Row

__all__ = ["COLUMNS", "LookupRowsModel", "value_text"]

ModelIndex = QModelIndex | QPersistentModelIndex
COLUMNS = ("Key", "Value")


def value_text(value: JsonValue) -> str:
    """A value as the grid shows it: text as it is, anything else as JSON."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class LookupRowsModel(QAbstractTableModel):
    """Rows of (key, value); `rowsEdited` after any change the analyst makes."""

    rowsEdited = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[Row] = []

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation is Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return str(section + 1)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        key, value = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return key if index.column() == 0 else value_text(value)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 1 and value is not None:
            return value_text(value)
        return None

    def setData(self, index: ModelIndex, value: Any, role: int = 0) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        text = "" if value is None else str(value)
        key, old = self.rows[index.row()]
        if index.column() == 0:
            if text.strip() == key:
                return False
            self.rows[index.row()] = (text.strip(), old)
        else:
            if text == value_text(old):
                return False  # unchanged: a number stays a number
            self.rows[index.row()] = (key, text)
        self.dataChanged.emit(index, index)
        self.rowsEdited.emit()
        return True

    def add_row(self) -> int:
        """Append a blank row; returns its index."""
        at = len(self.rows)
        self.beginInsertRows(QModelIndex(), at, at)
        self.rows.append(("", ""))
        self.endInsertRows()
        self.rowsEdited.emit()
        return at

    def remove(self, rows: Sequence[int]) -> None:
        """Remove the rows at these indexes."""
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self.rows):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.rows[row]
                self.endRemoveRows()
        self.rowsEdited.emit()

    def merge(self, rows: Sequence[Row]) -> tuple[int, int]:
        """Pasted or imported rows: a key already in the grid takes the new value, a new
        key is appended (in place of trailing blank rows). Returns (updated, added)."""
        self.beginResetModel()
        while self.rows and not self.rows[-1][0] and self.rows[-1][1] in ("", None):
            self.rows.pop()
        where = {key: index for index, (key, _value) in enumerate(self.rows)}
        updated = added = 0
        for key, value in rows:
            if key in where:
                self.rows[where[key]] = (key, value)
                updated += 1
            else:
                where[key] = len(self.rows)
                self.rows.append((key, value))
                added += 1
        self.endResetModel()
        self.rowsEdited.emit()
        return updated, added
