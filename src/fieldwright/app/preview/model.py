"""The preview's output table: one row per sample record, one column per target field."""

from __future__ import annotations

import json
import re
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from fieldwright.app.shell.theme import current_theme
from fieldwright.service import PreviewRow

__all__ = ["FIXED_COLUMNS", "PreviewTableModel", "cell_text"]

ModelIndex = QModelIndex | QPersistentModelIndex
FIXED_COLUMNS = ("#", "Status")
_ITEM_INDEX = re.compile(r"\[\d+\]")


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


class PreviewTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[PreviewRow] = []
        self.targets: list[str] = []
        self.excluded: dict[str, str] = {}
        self._traces: list[dict[str, list[Any]]] = []

    def set_result(
        self, rows: list[PreviewRow], targets: list[str], excluded: dict[str, str]
    ) -> None:
        """A new result; with the same records and columns the cells change in place (the
        selection stays), else the table resets."""
        same_shape = len(rows) == len(self.rows) and targets == self.targets
        if not same_shape:
            self.beginResetModel()
        self.rows, self.targets, self.excluded = rows, targets, excluded
        self._traces = []
        for row in rows:
            by_target: dict[str, list[Any]] = {}
            for trace in row.trace.fields if row.trace is not None else ():
                by_target.setdefault(_ITEM_INDEX.sub("[*]", trace.target), []).append(trace)
            self._traces.append(by_target)
        if not same_shape:
            self.endResetModel()
        elif rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(rows) - 1, self.columnCount() - 1)
            )

    def column_key(self, column: int) -> str:
        """What a column shows: its target path, or the fixed column's header ("" if none)."""
        if 0 <= column < len(FIXED_COLUMNS):
            return FIXED_COLUMNS[column]
        offset = column - len(FIXED_COLUMNS)
        return self.targets[offset] if 0 <= offset < len(self.targets) else ""

    def column_for(self, key: str) -> int:
        """The column showing `key` (see `column_key`), -1 if none does."""
        if key in FIXED_COLUMNS:
            return FIXED_COLUMNS.index(key)
        if key in self.targets:
            return len(FIXED_COLUMNS) + self.targets.index(key)
        return -1

    def traces(self, row: int, column: int) -> list[Any]:
        """The FieldTraces behind a cell (several for per-item array targets)."""
        offset = column - len(FIXED_COLUMNS)
        if not 0 <= row < len(self._traces) or not 0 <= offset < len(self.targets):
            return []
        return self._traces[row].get(self.targets[offset], [])

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(FIXED_COLUMNS) + len(self.targets)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation is Qt.Orientation.Vertical:
            return None
        if section < len(FIXED_COLUMNS):
            return FIXED_COLUMNS[section]
        return self.targets[section - len(FIXED_COLUMNS)].removeprefix("$.")

    def status(self, row: int) -> str:
        trace = self.rows[row].trace
        return "unreadable" if trace is None else trace.result.status.value

    def _status_tip(self, row: int) -> str:
        preview = self.rows[row]
        if preview.trace is None:
            return f"{preview.item.position}: {preview.item.error or 'could not be read'}"
        result = preview.trace.result
        if result.status.value == "failed":
            return "Failed: " + result.reason()
        if result.status.value == "filtered":
            return "The mapping's filter dropped this record (select it to see why)."
        return "Mapped"

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        theme = current_theme()
        if column == 0:
            return str(row + 1) if role == Qt.ItemDataRole.DisplayRole else None
        if column == 1:
            status = self.status(row)
            if role == Qt.ItemDataRole.DisplayRole:
                return status
            if role == Qt.ItemDataRole.ToolTipRole:
                return self._status_tip(row)
            if role == Qt.ItemDataRole.ForegroundRole:
                colour = {"ok": theme.valid, "filtered": theme.muted}.get(status, theme.error)
                return QColor(colour)
            return None
        target = self.targets[column - len(FIXED_COLUMNS)]
        traces = self.traces(row, column)
        failing = [t.error for t in traces if t.error is not None]
        if role == Qt.ItemDataRole.DisplayRole:
            if target in self.excluded:
                return "—"
            if not traces:
                return ""
            values = [t.output for t in traces]
            if failing and all(e.handled_by == "fail" for e in failing):
                return "⚠ " + cell_text(traces[0].input)
            return cell_text(values[0] if len(values) == 1 else values)
        if role == Qt.ItemDataRole.ToolTipRole:
            if target in self.excluded:
                return f"Not previewed: {self.excluded[target]}"
            return "\n".join(str(e) for e in failing) or None
        if role == Qt.ItemDataRole.BackgroundRole and failing:
            fatal = any(e.handled_by == "fail" for e in failing)
            return QColor(theme.error_bg) if fatal else None
        if role == Qt.ItemDataRole.ForegroundRole and failing:
            fatal = any(e.handled_by == "fail" for e in failing)
            return QColor(theme.error if fatal else theme.untested)
        return None

    def counts(self) -> dict[str, int]:
        counts = {"records": len(self.rows), "ok": 0, "failed": 0, "filtered": 0}
        for row in range(len(self.rows)):
            status = self.status(row)
            key = "failed" if status == "unreadable" else status
            counts[key] = counts.get(key, 0) + 1
        return counts

    def failed_cell(self) -> QModelIndex:
        """The first cell of a failing field, if any (for screenshots and tests)."""
        for row in range(len(self.rows)):
            for column in range(len(FIXED_COLUMNS), self.columnCount()):
                if any(
                    t.error is not None and t.error.handled_by == "fail"
                    for t in self.traces(row, column)
                ):
                    return self.index(row, column)
        return QModelIndex()
