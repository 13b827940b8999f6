"""Thin table models for the Runs page: the run history and a run's dead letters.

Both hold the pages the service returned so far and ask for the next one when the
view scrolls to the end (`canFetchMore`/`fetchMore`); they never load everything.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget

from fieldwright.domain.runs import RunCounts, RunStatus
from fieldwright.domain.store_models import DeadLetterRecord, RunRecord

__all__ = ["DeadLetterModel", "RunHistoryModel", "compact_json", "duration_text", "when_text"]

AnyIndex = QModelIndex | QPersistentModelIndex

RUN_COLUMNS = (
    "Started",
    "Run",
    "Mapping",
    "Trigger",
    "Status",
    "Read",
    "Written",
    "Failed",
    "Filtered",
    "Duration",
)
_NUMBERS = {"Read": "read", "Written": "written", "Failed": "failed", "Filtered": "filtered"}
LETTER_COLUMNS = ("Position", "Field", "Reason", "Input")


def when_text(moment: datetime | None) -> str:
    """A start or end time in the user's local time, to the second."""
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def duration_text(record: RunRecord) -> str:
    if record.ended_at is None:
        return "running" if record.status is RunStatus.RUNNING else ""
    seconds = max((record.ended_at - record.started_at).total_seconds(), 0.0)
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes}:{rest:02d}"


def compact_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


class _PagedModel(QAbstractTableModel):
    """Rows from pages; `fetch_more` (set by the owner) appends the next page."""

    columns: tuple[str, ...] = ()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[Any] = []
        self.has_more = False
        #: Called by `fetchMore` (the view reached the end); the owner appends a page.
        self.fetch_more: Callable[[], None] | None = None

    def reset(self, items: list[Any], has_more: bool) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.has_more = has_more
        self.endResetModel()

    def append(self, items: list[Any], has_more: bool) -> None:
        self.has_more = has_more
        if items:
            first = len(self.items)
            self.beginInsertRows(QModelIndex(), first, first + len(items) - 1)
            self.items += items
            self.endInsertRows()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and self.has_more and self.fetch_more is not None

    def fetchMore(self, parent: AnyIndex) -> None:
        if self.canFetchMore(parent) and self.fetch_more is not None:
            self.fetch_more()


class RunHistoryModel(_PagedModel):
    """The batch processing log, newest first, a page at a time."""

    items: list[RunRecord]

    columns = RUN_COLUMNS

    def keys(self) -> list[str]:
        return [record.key for record in self.items]

    def row_of(self, key: str) -> int | None:
        return next((row for row, record in enumerate(self.items) if record.key == key), None)

    def merge(self, records: list[RunRecord]) -> int:
        """Take in a fresh first page: rows of runs shown already change in place, new
        runs are inserted where the page has them (newest first). Views keep their
        selection, as no row is reset. Returns how many rows were inserted."""
        inserted = 0
        position = 0
        for record in records:
            row = self.row_of(record.key)
            if row is None:
                self.beginInsertRows(QModelIndex(), position, position)
                self.items.insert(position, record)
                self.endInsertRows()
                inserted += 1
                position += 1
            else:
                self.replace(row, record)
                position = row + 1
        return inserted

    def replace(self, row: int, record: RunRecord) -> None:
        """Show a run's new state (status, counts, end) in its row."""
        if self.items[row] == record:
            return
        self.items[row] = record
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))

    def update_counts(self, key: str, counts: RunCounts) -> bool:
        """A running run's counts so far; False when the run has no row."""
        row = self.row_of(key)
        if row is None:
            return False
        record = self.items[row]
        if record.status is RunStatus.RUNNING:
            self.replace(row, record.model_copy(update={"counts": counts}))
        return True

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        record = self.items[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column in _NUMBERS:
                return f"{getattr(record.counts, _NUMBERS[column]):,}"
            texts = {
                "Started": when_text(record.started_at),
                "Run": record.key,
                "Mapping": record.mapping_key
                + (f" v{record.mapping_version}" if record.mapping_version else ""),
                "Trigger": record.trigger.value,
                "Status": record.status.value,
                "Duration": duration_text(record),
            }
            return texts[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and (
            column in _NUMBERS or column == "Duration"
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return record.error_summary or record.key
        return None


class DeadLetterModel(_PagedModel):
    """A run's dead letters: where, which field, why, and the input as compact JSON."""

    items: list[DeadLetterRecord]

    columns = LETTER_COLUMNS

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        letter = self.items[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "Position":
                return letter.position_text
            if column == "Field":
                return letter.field or ""
            if column == "Reason":
                return letter.reason
            if letter.input is not None:
                return compact_json(letter.input)
            return letter.raw or ""
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "Input" and letter.input is not None:
                return json.dumps(letter.input, ensure_ascii=False, indent=2, default=str)
            return letter.reason if column == "Reason" else letter.raw
        return None
