"""The strip between the two trees where mapping lines are drawn and selected.

Each line joins the row of a source field to the row of its target field. A
field inside a collapsed parent attaches to the visible parent; a field
scrolled out of view attaches to the edge of its tree (dashed). Lines are
coloured by state: valid, error, untested; the selected mapping is thicker.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from fieldwright.app.designer.schema_view import SchemaPanel
from fieldwright.app.shell.theme import current_theme

__all__ = ["LineState", "MappingLine", "MappingLines"]

HIT_DISTANCE = 6.0


class LineState:
    VALID = "valid"  #: valid, and checked by a passing test (or no test run yet)
    ERROR = "error"  #: invalid, or a failing test's output differs on its target
    UNTESTED = "untested"  #: valid, but no test's expected output checks its target
    INACTIVE = "inactive"


@dataclass(frozen=True, slots=True)
class MappingLine:
    source: str
    target: str
    state: str


class MappingLines(QWidget):
    """Paints the mapping lines between a source and a target `SchemaPanel`."""

    lineSelected = Signal(str)  #: the target path of the clicked mapping ("" for none)

    def __init__(self, source: SchemaPanel, target: SchemaPanel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mapping_lines")
        self.source_panel = source
        self.target_panel = target
        self.lines: list[MappingLine] = []
        self.selected = ""
        self.setMinimumWidth(60)
        self.setMouseTracking(False)
        for panel in (source, target):
            tree = panel.tree
            tree.verticalScrollBar().valueChanged.connect(self.update)
            tree.expanded.connect(self.update)
            tree.collapsed.connect(self.update)
            panel.proxy.layoutChanged.connect(self.update)
            panel.proxy.modelReset.connect(self.update)
            panel.proxy.rowsInserted.connect(self.update)
            panel.proxy.rowsRemoved.connect(self.update)

    def sizeHint(self) -> QSize:
        return QSize(110, 400)

    def set_lines(self, lines: list[MappingLine]) -> None:
        self.lines = lines
        self.update()

    def set_selected(self, target: str) -> None:
        self.selected = target
        self.update()

    # -- geometry -----------------------------------------------------------------------

    def _anchor(self, panel: SchemaPanel, path: str) -> tuple[float, bool] | None:
        """The y of `path`'s row in this widget, and whether it is clamped to an edge."""
        index = panel.view_index(path)
        if not index.isValid() and path.endswith("[*]"):  # an array's items: its row
            index = panel.view_index(path.removesuffix("[*]"))
        if not index.isValid():
            return None
        viewport = panel.tree.viewport()
        rect: QRect = panel.tree.visualRect(index)
        top = viewport.mapTo(self.window(), QPoint(0, 0))
        top_here = self.mapFrom(self.window(), top).y()
        height = viewport.height()
        centre = rect.center().y()
        clamped = centre < 0 or centre > height
        centre = min(max(centre, 0), height)
        return float(top_here + centre), clamped

    def paths(self) -> list[tuple[MappingLine, QPainterPath, bool]]:
        """Each visible line with its curve and whether an end is off-screen."""
        out: list[tuple[MappingLine, QPainterPath, bool]] = []
        width = float(self.width())
        for line in self.lines:
            start = self._anchor(self.source_panel, line.source)
            end = self._anchor(self.target_panel, line.target)
            if start is None or end is None:
                continue
            curve = QPainterPath(QPointF(2.0, start[0]))
            curve.cubicTo(
                QPointF(width * 0.5, start[0]),
                QPointF(width * 0.5, end[0]),
                QPointF(width - 2.0, end[0]),
            )
            out.append((line, curve, start[1] or end[1]))
        return out

    def line_at(self, point: QPointF) -> MappingLine | None:
        best: tuple[float, MappingLine] | None = None
        for line, curve, _clamped in self.paths():
            for step in range(41):
                p = curve.pointAtPercent(step / 40)
                distance = ((p.x() - point.x()) ** 2 + (p.y() - point.y()) ** 2) ** 0.5
                if distance <= HIT_DISTANCE and (best is None or distance < best[0]):
                    best = (distance, line)
        return best[1] if best is not None else None

    # -- events -------------------------------------------------------------------------

    def _color(self, state: str) -> QColor:
        theme = current_theme()
        color = {
            LineState.VALID: theme.valid,
            LineState.ERROR: theme.error,
            LineState.UNTESTED: theme.untested,
        }.get(state, theme.muted)
        return QColor(color)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), current_theme().color("window"))
        drawn = self.paths()
        # The selected mapping is drawn last, on top.
        drawn.sort(key=lambda item: item[0].target == self.selected)
        for line, curve, clamped in drawn:
            color = self._color(line.state)
            selected = line.target == self.selected
            pen = QPen(color, 3.2 if selected else 1.6)
            if clamped or line.state == LineState.INACTIVE:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(curve)
            painter.setBrush(color)
            radius = 4.0 if selected else 3.0
            painter.drawEllipse(curve.pointAtPercent(0), radius, radius)
            painter.drawEllipse(curve.pointAtPercent(1), radius, radius)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        line = self.line_at(event.position())
        self.lineSelected.emit(line.target if line is not None else "")
        event.accept()
