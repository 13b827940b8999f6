"""The Schedules page's calendar: a month (6 weeks) or a week of schedule items, painted.

`ScheduleCalendar` paints the `CalendarData` (calendar_data.py) of the period it shows;
one widget, no widget per entry. A day cell shows one line per schedule and status, as
many as fit, then "+k more". It navigates by month or week, by click and by arrow keys.
"""

from __future__ import annotations

import calendar as pycalendar
import html
from datetime import date

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

from fieldwright.app.schedules.calendar_data import (
    ONE_DAY,
    PLANNED,
    CalendarData,
    DayGroup,
    month_days,
    week_days,
)
from fieldwright.domain.runs import RunStatus

__all__ = ["STATUS_COLORS", "ScheduleCalendar", "legend_html", "status_color"]

STATUS_COLORS = {
    PLANNED: "#5c6bc0",
    RunStatus.SCHEDULED.value: "#5c6bc0",
    RunStatus.RUNNING.value: "#1e88e5",
    RunStatus.COMPLETED.value: "#2e9d5b",
    RunStatus.FAILED.value: "#d23c3c",
    RunStatus.SKIPPED.value: "#c98a12",
    RunStatus.CANCELLED.value: "#8a94a3",
}


#: The statuses the legend shows, in its order.
LEGEND = (PLANNED, "running", "completed", "failed", "skipped", "cancelled")


def status_color(status: str) -> QColor:
    """The colour of a status in the calendar, the agenda and the legend."""
    return QColor(STATUS_COLORS.get(status, "#8a94a3"))


def legend_html() -> str:
    """The legend of the status colours, as rich text."""
    swatches = [
        f"<span style='color:{STATUS_COLORS[status]}'>■</span>&nbsp;{html.escape(status)}"
        for status in LEGEND
    ]
    return "&nbsp;&nbsp;&nbsp;".join(swatches)


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
