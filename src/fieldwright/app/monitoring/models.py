"""Table models of the Monitoring page: rows of text built from a MonitoringSummary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from fieldwright.app.shell.theme import current_theme
from fieldwright.service import (
    ErrorPattern,
    Health,
    HealthCheck,
    IntegrationHealth,
    MonitoringTotals,
    ScheduleHealth,
)

__all__ = [
    "Row",
    "RowsModel",
    "check_rows",
    "integration_rows",
    "pattern_rows",
    "schedule_rows",
    "sparkline",
]

AnyIndex = QModelIndex | QPersistentModelIndex
_BARS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[str, ...]
    health: Health = Health.OK
    tip: str = ""


def sparkline(values: Sequence[int]) -> str:
    top = max(values, default=0)
    if top == 0:
        return "·" * len(values)
    return "".join(_BARS[min(7, v * 8 // (top + 1))] if v else "·" for v in values)


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%d %b %H:%M") if moment is not None else "–"


def _rate(totals: MonitoringTotals) -> str:
    return "–" if totals.success_rate is None else f"{totals.success_rate:.1%}"


def _seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.0f} s" if value < 120 else f"{value / 60:.1f} min"


def integration_rows(items: Sequence[IntegrationHealth]) -> list[Row]:
    return [
        Row(
            (
                i.health.value,
                i.label,
                f"{sum(i.totals.runs.values()):,}",
                _rate(i.totals),
                str(i.consecutive_failures),
                f"{i.totals.records_read:,}",
                f"{i.totals.records_failed:,}",
                "–" if i.totals.throughput is None else f"{i.totals.throughput:,.0f}/s",
                _seconds(i.totals.average_seconds),
                _when(i.last_started_at),
            ),
            i.health,
            f"{i.name} ({i.mapping_key})" + "".join(f"\n• {p}" for p in i.problems),
        )
        for i in items
    ]


def schedule_rows(items: Sequence[ScheduleHealth]) -> list[Row]:
    return [
        Row(
            (
                s.health.value,
                s.name,
                str(s.executions),
                str(s.missed),
                str(s.late),
                _seconds(s.longest_seconds),
                _seconds(s.sla.expected_seconds),
                s.sla.latest_finish or "–",
                "" if s.active else "paused",
            ),
            s.health,
            f"{s.key} → {s.mapping_key}" + "".join(f"\n• {p}" for p in s.problems),
        )
        for s in items
    ]


def check_rows(items: Sequence[HealthCheck]) -> list[Row]:
    return [Row((c.health.value, c.name, c.subject, c.detail), c.health, c.detail) for c in items]


def pattern_rows(items: Sequence[ErrorPattern]) -> list[Row]:
    return [
        Row(
            (f"{p.letters:,}", p.field or "–", p.pattern, sparkline(p.trend), p.step or "–"),
            Health.OK,
            f"{p.pattern}\nfirst {_when(p.first_at)}, last {_when(p.last_at)}",
        )
        for p in items
    ]


class RowsModel(QAbstractTableModel):
    """Read-only rows; a "health" first column is coloured by its level."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self.rows: list[Row] = []

    def set_rows(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tip or row.cells[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 0:
            theme = current_theme()
            if self.headers[0] == "Health" and row.health is not Health.OK:
                return QColor(theme.error if row.health is Health.FAILING else theme.untested)
            if self.headers[0] == "Health":
                return QColor(theme.valid)
        return None
