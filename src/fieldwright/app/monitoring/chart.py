"""Small painted widgets of the Monitoring page: KPI tiles and the runs-per-day bar chart.

Drawn with QPainter in the theme's colours (light and dark), so the page needs no
charting library: a stacked bar per day, one colour per run status, with a legend,
day labels that thin out to fit, and a tooltip naming a bar's counts.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QLabel, QToolTip, QVBoxLayout, QWidget

from fieldwright.app.shell.theme import current_theme
from fieldwright.domain.runs import RunStatus

__all__ = ["KpiTile", "RunsChart", "status_colour"]

#: The stacking order, bottom first.
ORDER = (
    RunStatus.COMPLETED,
    RunStatus.FAILED,
    RunStatus.CANCELLED,
    RunStatus.SKIPPED,
    RunStatus.RUNNING,
    RunStatus.SCHEDULED,
)


def status_colour(status: RunStatus) -> QColor:
    theme = current_theme()
    colours = {
        RunStatus.COMPLETED: theme.valid,
        RunStatus.FAILED: theme.error,
        RunStatus.SKIPPED: theme.untested,
        RunStatus.RUNNING: theme.accent,
        RunStatus.SCHEDULED: theme.accent,
    }
    return QColor(colours.get(status, theme.muted))


class KpiTile(QFrame):
    """A figure with a caption under it, on a card."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.setObjectName(f"kpi_{caption.lower().replace(' ', '_')}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        self.value = QLabel("–")
        self.alert = False
        self.restyle()
        self.caption = QLabel(caption)
        self.caption.setProperty("role", "muted")
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set_value(self, text: str, tip: str = "", *, alert: bool = False) -> None:
        self.value.setText(text)
        self.alert = alert
        self.restyle()
        self.setToolTip(tip)

    def restyle(self) -> None:
        """Colours from the current theme (called again when the theme changes)."""
        # Without an alert the figure takes the stylesheet's text colour, whichever theme.
        colour = f" color: {current_theme().error};" if self.alert else ""
        self.value.setStyleSheet(f"font-size: 17pt; font-weight: 600;{colour}")


class RunsChart(QWidget):
    """Runs started per day, stacked by status."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runs_chart")
        self.days: list[date] = []
        self.counts: dict[RunStatus, list[int]] = {}
        self.setMinimumSize(260, 160)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(460, 240)

    def set_data(self, days: list[date], counts: dict[RunStatus, list[int]]) -> None:
        self.days = list(days)
        self.counts = {status: list(values) for status, values in counts.items()}
        self.update()

    def totals(self) -> list[int]:
        return [sum(values[n] for values in self.counts.values()) for n in range(len(self.days))]

    def _plot(self) -> QRect:
        metrics = QFontMetrics(self.font())
        left = metrics.horizontalAdvance("00000") + 8
        return self.rect().adjusted(left, 8, -8, -(2 * metrics.height() + 12))

    def _bar_at(self, x: int) -> int | None:
        plot = self._plot()
        if not self.days or not plot.left() <= x <= plot.right():
            return None
        return min(len(self.days) - 1, (x - plot.left()) * len(self.days) // max(1, plot.width()))

    def event(self, event: object) -> bool:
        if isinstance(event, QHelpEvent):
            index = self._bar_at(event.pos().x())
            if index is None:
                QToolTip.hideText()
            else:
                parts = [
                    f"{self.counts[s][index]} {s.value}"
                    for s in ORDER
                    if s in self.counts and self.counts[s][index]
                ]
                text = f"{self.days[index]:%a %d %b}: " + (", ".join(parts) or "no runs")
                QToolTip.showText(event.globalPos(), text, self)
            return True
        return super().event(event)  # type: ignore[arg-type]

    def paintEvent(self, _event: QPaintEvent) -> None:
        theme = current_theme()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        metrics = QFontMetrics(self.font())
        plot = self._plot()
        painter.setPen(theme.color("muted"))
        if not self.days:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No runs in this window")
            return
        totals = self.totals()
        top = max(1, max(totals))
        # Horizontal grid lines with their counts.
        for step in (0, 0.5, 1):
            y = plot.bottom() - round(plot.height() * step)
            painter.setPen(theme.color("border"))
            painter.drawLine(plot.left(), y, plot.right(), y)
            painter.setPen(theme.color("muted"))
            label = QRect(0, y - metrics.height() // 2, plot.left() - 6, metrics.height())
            painter.drawText(label, Qt.AlignmentFlag.AlignRight, f"{round(top * step)}")
        slot = plot.width() / len(self.days)
        width = max(1, int(slot * 0.7))
        for n, _day in enumerate(self.days):
            x = plot.left() + int(n * slot + (slot - width) / 2)
            y = plot.bottom()
            for status in ORDER:
                value = self.counts.get(status, [0] * len(self.days))[n]
                if not value:
                    continue
                height = max(1, round(plot.height() * value / top))
                painter.fillRect(x, y - height, width, height, status_colour(status))
                y -= height
        # Day labels, thinned out so they never overlap.
        painter.setPen(theme.color("muted"))
        label_width = metrics.horizontalAdvance("00 Mmm") + 8
        every = max(1, int(label_width // max(slot, 1)) + 1)
        for n in range(0, len(self.days), every):
            text = f"{self.days[n]:%d %b}"
            half = metrics.horizontalAdvance(text) // 2
            x = plot.left() + int(n * slot + slot / 2)
            x = min(max(x, plot.left() + half), self.width() - half - 2)  # never cut off
            painter.drawText(QPoint(x - half, plot.bottom() + metrics.height()), text)
        # The legend, under the day labels.
        x = plot.left()
        y = plot.bottom() + 2 * metrics.height() + 6
        for status in ORDER:
            if status not in self.counts:
                continue
            painter.fillRect(x, y - metrics.ascent() + 2, 10, 10, status_colour(status))
            painter.setPen(theme.color("text"))
            painter.drawText(QPoint(x + 14, y), status.value)
            x += 14 + metrics.horizontalAdvance(status.value) + 14
        painter.end()
