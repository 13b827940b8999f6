"""The Schedules page's calendar: planned fire times and past executions per day, painted.

`CalendarData` holds what a period shows, in ONE display time zone: the planned fire
times of the active schedules (from the scheduler's `Plan` via the service, kept per schedule as
sorted UTC instants and cut into days by binary search on the local midnights, so a
month of 1,000 schedules stays cheap) and the past executions coloured by status. A day
cell shows one line per schedule and status ("01:30 Nightly sync", "00:00 Poll ×24"),
as many as fit, then "+k more"; the day's agenda lists every item.

`ScheduleCalendar` paints a month (6 weeks) or a week; one widget, no widget per entry.
"""

from __future__ import annotations

import calendar as pycalendar
import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import ScheduleExecutionRecord, ScheduleRecord
from fieldwright.service import Plan

__all__ = [
    "PLANNED",
    "STATUS_COLORS",
    "CalendarData",
    "CalendarItem",
    "DayGroup",
    "ScheduleCalendar",
    "local_midnight",
    "status_color",
]

#: The status of a fire time still to come.
PLANNED = "planned"
STATUS_COLORS = {
    PLANNED: "#5c6bc0",
    RunStatus.SCHEDULED.value: "#5c6bc0",
    RunStatus.RUNNING.value: "#1e88e5",
    RunStatus.COMPLETED.value: "#2e9d5b",
    RunStatus.FAILED.value: "#d23c3c",
    RunStatus.SKIPPED.value: "#c98a12",
    RunStatus.CANCELLED.value: "#8a94a3",
}
ONE_DAY = timedelta(days=1)


def status_color(status: str) -> QColor:
    """The colour of a status in the calendar, the agenda and the legend."""
    return QColor(STATUS_COLORS.get(status, "#8a94a3"))


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The UTC instant a day starts in a zone."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


class CalendarItem(NamedTuple):
    """One line of a day's agenda: a planned fire time or a past execution (a named
    tuple: a busy day has thousands)."""

    when: datetime  #: in the display zone
    schedule_key: str
    name: str
    mapping_key: str
    status: str  #: PLANNED or a RunStatus value
    attempt: int = 1
    run_key: str | None = None


class DayGroup(NamedTuple):
    """One line of a day cell: a schedule's items of one status that day."""

    first: datetime  #: in the display zone
    schedule_key: str
    name: str
    status: str
    #: How many items it stands for.
    fires: int

    @property
    def text(self) -> str:
        return f"{self.first:%H:%M} {self.name}"

    @property
    def times(self) -> str:
        """ "×24" for a schedule firing 24 times that day; "" for once."""
        return f"×{self.fires}" if self.fires > 1 else ""


class CalendarData:
    """The planned and past items of the days `first`…`last` in the zone `tz`."""

    def __init__(self, first: date, last: date, tz: ZoneInfo) -> None:
        self.first, self.last, self.tz = first, last, tz
        self.days = [first + ONE_DAY * n for n in range((last - first).days + 1)]
        #: UTC instants of each day's local midnight, and the one after the last day.
        self.bounds = [local_midnight(day, tz) for day in [*self.days, last + ONE_DAY]]
        self.schedules: dict[str, ScheduleRecord] = {}
        self._planned: dict[str, list[datetime]] = {}
        #: Per day: (first fire time UTC, schedule name, key, start, stop) of each schedule
        #: firing that day; `_planned[key][start:stop]` are its fire times that day.
        self._ranges: dict[date, list[tuple[datetime, str, str, int, int]]] = {}
        self._past: dict[date, list[CalendarItem]] = {}
        self._groups: dict[date, list[DayGroup]] = {}
        self._lines: dict[tuple[date, int], tuple[list[DayGroup], int]] = {}

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[-1]

    @classmethod
    def build(
        cls,
        first: date,
        last: date,
        tz: ZoneInfo,
        plans: Mapping[str, tuple[ScheduleRecord, Plan]],
        executions: Iterable[ScheduleExecutionRecord],
        now: datetime,
    ) -> CalendarData:
        """Planned fire times from `now` on (earlier ones are in the executions)."""
        data = cls(first, last, tz)
        data.schedules = {key: record for key, (record, _plan) in plans.items()}
        low = max(data.start, now)
        for key, (record, plan) in plans.items():
            if record.active and low < data.end:
                data.add_planned(key, plan.between(low, data.end))
        for execution in executions:
            data.add_execution(execution)
        return data

    def add_planned(self, key: str, times: list[datetime]) -> None:
        """A schedule's fire times (sorted UTC instants inside the period)."""
        if not times:
            return
        self._planned[key] = times
        bounds, count = self.bounds, len(times)
        name = self._schedule(key)[0]
        index = 0
        day = bisect_right(bounds, times[0]) - 1
        while index < count and day < len(self.days):
            stop = bisect_left(times, bounds[day + 1], index)
            if stop > index:
                entry = (times[index], name, key, index, stop)
                self._ranges.setdefault(self.days[day], []).append(entry)
                index = stop
            day += 1
        self._groups.clear()
        self._lines.clear()

    def add_execution(self, execution: ScheduleExecutionRecord) -> None:
        moment = execution.scheduled_at
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        local = moment.astimezone(self.tz)
        if not self.first <= local.date() <= self.last:
            return
        record = self.schedules.get(execution.schedule_key)
        item = CalendarItem(
            local,
            execution.schedule_key,
            record.name if record else execution.schedule_key,
            record.mapping_key if record else "",
            execution.status.value,
            execution.attempt,
            execution.run_key,
        )
        self._past.setdefault(local.date(), []).append(item)
        self._groups.clear()
        self._lines.clear()

    def _schedule(self, key: str) -> tuple[str, str]:
        record = self.schedules.get(key)
        return (record.name, record.mapping_key) if record else (key, "")

    def items(self, day: date) -> list[CalendarItem]:
        """Every item of a day, by time: its agenda."""
        out = list(self._past.get(day, []))
        for _first, name, key, start, stop in self._ranges.get(day, []):
            mapping = self._schedule(key)[1]
            out.extend(
                CalendarItem(moment.astimezone(self.tz), key, name, mapping, PLANNED)
                for moment in self._planned[key][start:stop]
            )
        out.sort(key=lambda item: (item.when, item.name, item.schedule_key))
        return out

    def _past_groups(self, day: date) -> list[DayGroup]:
        past: dict[tuple[str, str], list[CalendarItem]] = {}
        for item in self._past.get(day, []):
            past.setdefault((item.schedule_key, item.status), []).append(item)
        return [
            DayGroup(min(item.when for item in items), key, items[0].name, status, len(items))
            for (key, status), items in past.items()
        ]

    def _planned_group(self, entry: tuple[datetime, str, str, int, int]) -> DayGroup:
        first, name, key, start, stop = entry
        return DayGroup(first.astimezone(self.tz), key, name, PLANNED, stop - start)

    def groups(self, day: date) -> list[DayGroup]:
        """Every line a day cell could show, by first time."""
        cached = self._groups.get(day)
        if cached is None:
            cached = [self._planned_group(e) for e in self._ranges.get(day, [])]
            cached.extend(self._past_groups(day))
            cached.sort(key=_group_order)
            self._groups[day] = cached
        return cached

    def lines(self, day: date, limit: int) -> tuple[list[DayGroup], int]:
        """The first `limit` lines of a day cell, and how many it has: a cell shows a few
        of hundreds, so only those few are made (the month view of 1,000 schedules)."""
        cached = self._lines.get((day, limit))
        if cached is None:
            ranges = self._ranges.get(day, [])
            past = self._past_groups(day)
            firsts = [self._planned_group(e) for e in heapq.nsmallest(limit, ranges)]
            shown = sorted(firsts + past, key=_group_order)[: max(limit, 0)]
            cached = self._lines[(day, limit)] = (shown, len(ranges) + len(past))
        return cached

    def count(self, day: date) -> int:
        planned = sum(entry[4] - entry[3] for entry in self._ranges.get(day, []))
        return planned + len(self._past.get(day, []))

    def statuses(self, day: date) -> dict[str, int]:
        """How many items of each status a day has."""
        out: dict[str, int] = {}
        for group in self.groups(day):
            out[group.status] = out.get(group.status, 0) + group.fires
        return out


def _group_order(group: DayGroup) -> tuple[datetime, str, str]:
    return group.first, group.name, group.status


def month_days(anchor: date) -> tuple[date, date]:
    """The six weeks (Monday first) a month view of `anchor`'s month shows."""
    first = anchor.replace(day=1)
    start = first - ONE_DAY * first.weekday()
    return start, start + ONE_DAY * 41


def week_days(anchor: date) -> tuple[date, date]:
    start = anchor - ONE_DAY * anchor.weekday()
    return start, start + ONE_DAY * 6


class ScheduleCalendar(QWidget):
    """A painted month or week of schedule items; click a day to select it."""

    #: The selected day changed (a `date`).
    daySelected = Signal(object)
    #: The shown period changed: (first, last) days; load its data and `set_data` it.
    periodChanged = Signal(object, object)

    MONTH, WEEK = "month", "week"

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("schedule_calendar")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.mode = self.MONTH
        self.today = today
        self.anchor = today
        self.selected = today
        self.data: CalendarData | None = None

    def sizeHint(self) -> QSize:
        return QSize(760, 520)

    def minimumSizeHint(self) -> QSize:
        return QSize(420, 300)

    # -- the period -----------------------------------------------------------------------

    def period(self) -> tuple[date, date]:
        return month_days(self.anchor) if self.mode == self.MONTH else week_days(self.anchor)

    def visible_days(self) -> list[date]:
        first, last = self.period()
        return [first + ONE_DAY * n for n in range((last - first).days + 1)]

    def title(self) -> str:
        if self.mode == self.MONTH:
            return f"{pycalendar.month_name[self.anchor.month]} {self.anchor.year}"
        first, last = self.period()
        week = first.isocalendar().week
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y} · week {week}"

    def set_mode(self, mode: str) -> None:
        if mode != self.mode:
            self.mode = mode
            self.anchor = self.selected
            self._period_changed()

    def step(self, steps: int) -> None:
        """Show the next (`steps` > 0) or previous month or week."""
        if self.mode == self.MONTH:
            months = self.anchor.year * 12 + self.anchor.month - 1 + steps
            year, month = divmod(months, 12)
            last_day = pycalendar.monthrange(year, month + 1)[1]
            self.anchor = date(year, month + 1, min(self.selected.day, last_day))
        else:
            self.anchor += ONE_DAY * 7 * steps
        self.selected = self.anchor
        self._period_changed()
        self.daySelected.emit(self.selected)

    def go_to(self, day: date) -> None:
        """Show the period holding `day`, with it selected."""
        before = self.period()
        self.anchor = self.selected = day
        if self.period() != before:
            self._period_changed()
        self.update()
        self.daySelected.emit(day)

    def _period_changed(self) -> None:
        first, last = self.period()
        self.periodChanged.emit(first, last)
        self.update()

    def set_data(self, data: CalendarData | None) -> None:
        self.data = data
        self.update()

    def select(self, day: date) -> None:
        if day != self.selected:
            first, last = self.period()
            if not first <= day <= last:
                self.go_to(day)
                return
            self.selected = day
            self.update()
            self.daySelected.emit(day)

    # -- geometry -------------------------------------------------------------------------

    def _header_height(self) -> int:
        return QFontMetrics(self.font()).height() + 10

    def cell_rect(self, day: date) -> QRect:
        days = self.visible_days()
        index = days.index(day)
        rows = len(days) // 7
        area = self.rect().adjusted(0, self._header_height(), -1, -1)
        width, height = area.width() / 7, area.height() / rows
        row, column = divmod(index, 7)
        left, top = round(area.left() + column * width), round(area.top() + row * height)
        right = round(area.left() + (column + 1) * width)
        bottom = round(area.top() + (row + 1) * height)
        return QRect(left, top, right - left, bottom - top)

    def day_at(self, point: QPoint) -> date | None:
        for day in self.visible_days():
            if self.cell_rect(day).contains(point):
                return day
        return None

    def _line_height(self) -> int:
        return QFontMetrics(self._entry_font()).height() + 3

    def _entry_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.92))
        return font

    def _top_space(self) -> int:
        """Room above a cell's lines: the day number (a week's header names the days)."""
        return 6 if self.mode == self.WEEK else QFontMetrics(self.font()).height() + 8

    def capacity(self, day: date) -> int:
        """How many lines fit under the day number of a cell."""
        rect = self.cell_rect(day)
        return max(0, (rect.height() - self._top_space() - 4) // self._line_height())

    def cell_lines(self, day: date) -> tuple[list[DayGroup], int]:
        """The lines a cell shows, and how many more it has ("+k more"). A week's tall
        cells list every item when they fit; otherwise a line stands for a schedule's
        items of one status that day."""
        data = self.data
        if data is None:
            return [], 0
        room = self.capacity(day)
        groups, total = data.lines(day, room)
        if self.mode == self.WEEK and total < data.count(day) <= room:
            groups = [
                DayGroup(item.when, item.schedule_key, item.name, item.status, 1)
                for item in data.items(day)
            ]
            return groups, 0
        if total <= room:
            return groups, 0
        shown = groups[: max(0, room - 1)]
        return shown, total - len(shown)

    # -- painting -------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        grid = QColor(muted)
        grid.setAlpha(70)
        accent = palette.color(QPalette.ColorRole.Highlight)
        painter.fillRect(self.rect(), base)
        days = self.visible_days()
        month = self.anchor.month
        header = self._header_height()
        for column in range(7):
            rect = self.cell_rect(days[column])
            label = pycalendar.day_abbr[column]
            painter.setPen(muted)
            if self.mode == self.WEEK:
                label = f"{label} {days[column].day} {pycalendar.month_abbr[days[column].month]}"
                if days[column] == self.today:
                    label = f"{label} · today"
                    painter.setPen(accent)
            painter.drawText(
                QRect(rect.left(), 0, rect.width(), header),
                Qt.AlignmentFlag.AlignCenter,
                label,
            )
        entry_font = self._entry_font()
        entry_metrics = QFontMetrics(entry_font)
        line = self._line_height()
        for day in days:
            rect = self.cell_rect(day)
            outside = self.mode == self.MONTH and day.month != month
            if outside:
                shade = QColor(palette.color(QPalette.ColorRole.AlternateBase))
                painter.fillRect(rect, shade)
            if day == self.selected:
                tint = QColor(accent)
                tint.setAlpha(28)
                painter.fillRect(rect, tint)
            painter.setPen(QPen(grid, 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
            if self.mode == self.MONTH:
                self._paint_day_number(painter, day, rect, muted if outside else text)
            if day == self.selected:
                painter.setPen(QPen(accent, 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(rect.adjusted(1, 1, -1, -1))
            shown, more = self.cell_lines(day)
            painter.setFont(entry_font)
            top = rect.top() + self._top_space()
            for group in shown:
                self._paint_group(
                    painter,
                    group,
                    QRect(rect.left() + 4, top, rect.width() - 8, line - 1),
                    entry_metrics,
                    text,
                )
                top += line
            if more:
                painter.setPen(muted)
                painter.drawText(
                    QRect(rect.left() + 8, top, rect.width() - 12, line - 1),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    f"+{more} more",
                )

    def _paint_day_number(self, painter: QPainter, day: date, rect: QRect, color: QColor) -> None:
        """The day's number at the top left of a month cell; today's on an accent badge."""
        palette = self.palette()
        metrics = QFontMetrics(self.font())
        number = f"1 {day:%b}" if day.day == 1 else str(day.day)
        area = QRect(rect.left() + 6, rect.top() + 4, rect.width() - 12, metrics.height())
        painter.setFont(self.font())
        painter.setPen(color)
        if day == self.today:
            width = metrics.horizontalAdvance(number) + 10
            badge = QRectF(area.left() - 4, area.top() - 1, width, metrics.height() + 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(badge, 6, 6)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
        painter.drawText(area, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, number)

    def _paint_group(
        self, painter: QPainter, group: DayGroup, rect: QRect, metrics: QFontMetrics, text: QColor
    ) -> None:
        color = status_color(group.status)
        background = QColor(color)
        background.setAlpha(30 if group.status == PLANNED else 48)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        painter.drawRoundedRect(QRectF(rect), 3, 3)
        painter.setBrush(color)
        painter.drawRoundedRect(QRectF(rect.left(), rect.top(), 4, rect.height()), 2, 2)
        right = 2
        if group.times:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                rect.adjusted(8, 0, -3, 0),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                group.times,
            )
            right += metrics.horizontalAdvance(group.times) + 5
        label = metrics.elidedText(
            group.text, Qt.TextElideMode.ElideRight, rect.width() - 8 - right
        )
        painter.setPen(text)
        painter.drawText(
            rect.adjusted(8, 0, -right, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            label,
        )

    # -- input ----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        day = self.day_at(event.position().toPoint())
        if day is not None:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.select(day)
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {
            Qt.Key.Key_Left: -1,
            Qt.Key.Key_Right: 1,
            Qt.Key.Key_Up: -7,
            Qt.Key.Key_Down: 7,
        }.get(Qt.Key(event.key()))
        if steps is None:
            super().keyPressEvent(event)
            return
        self.select(self.selected + ONE_DAY * steps)
