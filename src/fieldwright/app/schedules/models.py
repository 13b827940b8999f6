"""The Schedules page's two tables: the schedules, and the agenda of the selected day;
the rows of the one and the heading of the other."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget

from fieldwright.app.schedules.calendar import status_color
from fieldwright.app.schedules.calendar_data import CalendarItem
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import ScheduleKind, ScheduleRecord
from fieldwright.service import Plan, describe_schedule

__all__ = [
    "KIND_WORDS",
    "AgendaModel",
    "ScheduleRow",
    "ScheduleTableModel",
    "agenda_title",
    "schedule_rows",
]

_Index = QModelIndex | QPersistentModelIndex
KIND_WORDS = {
    ScheduleKind.CRON: "cron",
    ScheduleKind.INTERVAL: "interval",
    ScheduleKind.FIXED_TIME: "fixed times",
    ScheduleKind.EVENT_BASED: "event",
    ScheduleKind.MANUAL: "manual",
}


class _ColumnsModel(QAbstractTableModel):
    """A flat table with fixed, named columns over a list of rows."""

    columns: tuple[str, ...] = ()

    def _count(self) -> int:
        raise NotImplementedError

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count()

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    record: ScheduleRecord
    description: str
    next_run: datetime | None
    problem: str = ""


class ScheduleTableModel(_ColumnsModel):
    """The schedules: name, mapping, type, description, next run, active."""

    columns = ("Name", "Mapping", "Type", "Description", "Next run", "Active")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ScheduleRow] = []
        self.zone = ZoneInfo("UTC")

    def reset(self, rows: list[ScheduleRow], zone: ZoneInfo) -> None:
        self.beginResetModel()
        self.rows, self.zone = rows, zone
        self.endResetModel()

    def keys(self) -> list[str]:
        return [row.record.key for row in self.rows]

    def _count(self) -> int:
        return len(self.rows)

    def text(self, row: ScheduleRow, column: int) -> str:
        record = row.record
        if column == 0:
            return record.name
        if column == 1:
            return f"{record.mapping_key} (pipeline)" if record.pipeline else record.mapping_key
        if column == 2:
            return KIND_WORDS[record.kind]
        if column == 3:
            return row.description
        if column == 4:
            if row.problem:
                return f"cannot fire: {row.problem}"
            if not record.active:
                return "— (paused)"
            if row.next_run is None:
                return "—"
            return f"{row.next_run.astimezone(self.zone):%a %d %b %Y %H:%M}"
        return "active" if record.active else "paused"

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self.text(row, index.column())
            if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
                return f"{row.record.key} · times in {row.record.timezone}"
            return text
        if role == Qt.ItemDataRole.ForegroundRole:
            if index.column() == 4 and row.problem:
                return status_color(RunStatus.FAILED.value)
            if index.column() == 5 and not row.record.active:
                return status_color(RunStatus.CANCELLED.value)
        return None


class AgendaModel(_ColumnsModel):
    """A day's items: time, schedule, mapping, status."""

    columns = ("Time", "Schedule", "Mapping", "Status")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[CalendarItem] = []
        #: Mapping key → name, to show names (the key is in the tooltip).
        self.mapping_names: dict[str, str] = {}

    def reset(self, items: list[CalendarItem]) -> None:
        self.beginResetModel()
        self.items = items
        self.endResetModel()

    def _count(self) -> int:
        return len(self.items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.items[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return f"{item.when:%H:%M}"
            if column == 1:
                return item.name
            if column == 2:
                return self.mapping_names.get(item.mapping_key, item.mapping_key)
            status = item.status
            return f"{status} (attempt {item.attempt})" if item.attempt > 1 else status
        if role == Qt.ItemDataRole.DecorationRole and column == 3:
            return status_color(item.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            run = f"\nrun {item.run_key}" if item.run_key else ""
            return f"{item.schedule_key} · {item.mapping_key}\n{item.when:%Y-%m-%d %H:%M %Z}{run}"
        return None


def schedule_rows(
    records: Iterable[ScheduleRecord],
    plans: Mapping[str, tuple[ScheduleRecord, Plan]],
    problems: Mapping[str, str],
    now: datetime,
) -> list[ScheduleRow]:
    """The list's rows: each schedule in words, its next fire time from `now` (an active
    schedule with a plan) and its problem."""
    rows = []
    for record in records:
        plan = plans.get(record.key)
        next_run = plan[1].first_from(now) if plan and record.active else None
        rows.append(
            ScheduleRow(record, describe_schedule(record), next_run, problems.get(record.key, ""))
        )
    return rows


def agenda_title(day: date, count: int, zone: ZoneInfo) -> str:
    """The agenda's heading: the day, how many items it has and the zone of their times."""
    items = f"{count:,} item{'s' if count != 1 else ''}" if count else "nothing"
    return (
        f"<b>{day:%A %d %B %Y}</b> — {items}<br>"
        f"<span style='color:gray'>times in {html.escape(zone.key)}</span>"
    )
