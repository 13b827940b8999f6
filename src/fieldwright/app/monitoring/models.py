"""Table models of the Monitoring page: rows of text built from a MonitoringSummary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

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
    "TREND_ROLE",
    "Row",
    "RowsModel",
    "TrendDelegate",
    "check_rows",
    "integration_rows",
    "pattern_rows",
    "schedule_rows",
    "sparkline",
]

AnyIndex = QModelIndex | QPersistentModelIndex
#: The role a row's per-day trend is read with (a list of ints, or None).
TREND_ROLE = Qt.ItemDataRole.UserRole + 1
_BARS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[str, ...]
    health: Health = Health.OK
    tip: str = ""
    #: Per-day values a delegate draws as bars (the error patterns' trend).
    trend: list[int] | None = None


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
                f"{i.totals.records_failed:,}",
                _when(i.last_started_at),
            ),
            i.health,
            f"{i.health.value}: {i.name} ({i.mapping_key})\n{i.totals.records_read:,} records "
            f"read, {_seconds(i.totals.average_seconds)} per run"
            + ("" if i.totals.throughput is None else f", {i.totals.throughput:,.0f} records/s")
            + "".join(f"\n• {p}" for p in i.problems),
        )
        for i in items
    ]


def schedule_rows(items: Sequence[ScheduleHealth]) -> list[Row]:
    return [
        Row(
            (
                s.health.value,
                s.name if s.active else f"{s.name} (paused)",
                str(s.executions),
                str(s.missed),
                str(s.late),
                _seconds(s.longest_seconds),
                _seconds(s.sla.expected_seconds),
                s.sla.latest_finish or "–",
            ),
            s.health,
            f"{s.health.value}: {s.key} → {s.mapping_key}"
            + "".join(f"\n• {p}" for p in s.problems),
        )
        for s in items
    ]


def check_rows(items: Sequence[HealthCheck]) -> list[Row]:
    return [
        Row(
            (c.health.value, c.name, c.subject, c.detail), c.health, f"{c.health.value}: {c.detail}"
        )
        for c in items
    ]


def pattern_rows(items: Sequence[ErrorPattern]) -> list[Row]:
    return [
        Row(
            (f"{p.letters:,}", sparkline(p.trend), p.field or "–", p.pattern),
            Health.OK,
            f"{p.pattern}\nstep {p.step or '–'}, "
            f"first {_when(p.first_at)}, last {_when(p.last_at)}",
            list(p.trend),
        )
        for p in items
    ]


class TrendDelegate(QStyledItemDelegate):
    """Draws a row's trend as small bars filling the cell, in the theme's error colour."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        values = index.data(TREND_ROLE)
        if not isinstance(values, list) or not values:
            super().paint(painter, option, index)
            return
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        item.text = ""
        widget = item.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)
        rect = item.rect.adjusted(6, 5, -6, -5)
        top = max(values) or 1
        slot = rect.width() / len(values)
        colour = QColor(current_theme().error)
        painter.save()
        for n, value in enumerate(values):
            if not value:
                continue
            height = max(1, round(rect.height() * value / top))
            x = rect.left() + int(n * slot)
            painter.fillRect(x, rect.bottom() - height + 1, max(1, int(slot) - 1), height, colour)
        painter.restore()


class RowsModel(QAbstractTableModel):
    """Read-only rows; with `health`, the first column is a dot coloured by the row's level
    (the level in words in its tooltip)."""

    def __init__(
        self, headers: Sequence[str], parent: QObject | None = None, *, health: bool = False
    ) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self.health = health
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
        dot = self.health and index.column() == 0
        if role == Qt.ItemDataRole.DisplayRole:
            return "●" if dot else row.cells[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and dot:
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tip or row.cells[index.column()]
        if role == TREND_ROLE:
            return row.trend
        if role == Qt.ItemDataRole.ForegroundRole and dot:
            theme = current_theme()
            colours = {Health.OK: theme.valid, Health.WARNING: theme.untested}
            return QColor(colours.get(row.health, theme.error))
        return None
