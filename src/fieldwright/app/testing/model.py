"""The Tests panel's table: the document's test cases with kind and last outcome.

A thin `QAbstractTableModel` over `session.document.tests` and the results of
the last run. When the tests change, rows of tests that stay (matched by name, or
edited in place) are kept and updated, and the others inserted or removed, so
the selection survives; each result moves with its test while it keeps its name.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap

from fieldwright.app.shell.theme import current_theme
from fieldwright.authoring.suite_status import Outcome, outcome
from fieldwright.domain import TestCase

if TYPE_CHECKING:
    from fieldwright.service import TestResult

__all__ = ["OUTCOME_ROLE", "TestTableModel", "outcome_icon"]

OUTCOME_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Test", "Kind", "Status", "Time")
ModelIndex = QModelIndex | QPersistentModelIndex

_GLYPHS = {Outcome.PASSED: "✓", Outcome.FAILED: "✗", Outcome.ERROR: "!", Outcome.NOT_RUN: ""}


def _outcome_color(value: Outcome) -> str:
    theme = current_theme()
    return {
        Outcome.PASSED: theme.valid,
        Outcome.FAILED: theme.error,
        Outcome.ERROR: theme.untested,
        Outcome.NOT_RUN: theme.muted,
    }[value]


def outcome_icon(value: Outcome, size: int = 16) -> QIcon:
    """A round badge in the outcome's colour: ✓ passed, ✗ failed, ! error, hollow not run."""
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(_outcome_color(value))
    rect = QRectF(1.5, 1.5, size - 3.0, size - 3.0)
    if value is Outcome.NOT_RUN:
        painter.setPen(QPen(color, 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(rect)
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(rect)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(size * 0.7))
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, _GLYPHS[value])
    painter.end()
    return QIcon(pixmap)


def kind_text(case: TestCase) -> str:
    return case.kind.value.replace("_", " ")


class TestTableModel(QAbstractTableModel):
    """One row per test case of the document."""

    __test__ = False  # not a pytest class

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.tests: list[TestCase] = []
        self.results: dict[int, TestResult] = {}
        #: Why no test could run (the mapping does not compile), shown on every row.
        self.error = ""
        self._icons: dict[Outcome, QIcon] = {}

    def set_tests(self, tests: list[TestCase]) -> None:
        """The document's tests changed: keep each result while its test keeps its name."""
        shown = list(self.tests)
        results = self.results
        matcher = SequenceMatcher(None, [t.name for t in shown], [t.name for t in tests])
        kept: dict[int, TestResult] = {}
        # From the end, so that the rows of each step are still where the matcher saw them.
        for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
            if tag == "equal" or i2 - i1 == j2 - j1:  # kept, or edited in place (renamed)
                kept |= {j1 + k: results[i1 + k] for k in range(i2 - i1) if i1 + k in results}
                shown[i1:i2] = tests[j1:j2]
                continue
            if i2 > i1:
                self.beginRemoveRows(QModelIndex(), i1, i2 - 1)
                del shown[i1:i2]
                self.tests = shown
                self.endRemoveRows()
            if j2 > j1:
                self.beginInsertRows(QModelIndex(), i1, i1 + j2 - j1 - 1)
                shown[i1:i1] = tests[j1:j2]
                self.tests = shown
                self.endInsertRows()
        self.tests = list(tests)  # a copy: the document's list changes before we are told
        self.results = {i: r for i, r in kept.items() if tests[i].name == r.name}
        if tests:
            self.dataChanged.emit(self.index(0, 0), self.index(len(tests) - 1, len(COLUMNS) - 1))

    def set_results(
        self, results: dict[int, TestResult], *, replace: bool, error: str = ""
    ) -> None:
        """A run's results; a run of some tests keeps the others' results (rows stay)."""
        self.results = dict(results) if replace else {**self.results, **results}
        self.error = error
        if self.tests:
            last = self.index(len(self.tests) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def outcome(self, row: int) -> Outcome:
        if self.error:
            return Outcome.ERROR
        return outcome(self.results.get(row))

    def result(self, row: int) -> TestResult | None:
        return self.results.get(row)

    def counts(self) -> dict[Outcome, int]:
        found = dict.fromkeys(Outcome, 0)
        for row in range(len(self.tests)):
            found[self.outcome(row)] += 1
        return found

    def _icon(self, value: Outcome) -> QIcon:
        if value not in self._icons:
            self._icons[value] = outcome_icon(value)
        return self._icons[value]

    # -- QAbstractTableModel ------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.tests)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        if not index.isValid() or index.row() >= len(self.tests):
            return None
        row, column = index.row(), index.column()
        case = self.tests[row]
        value = self.outcome(row)
        result = self.results.get(row)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return case.name
            if column == 1:
                return kind_text(case)
            if column == 2:
                return value.value
            if result is not None:
                return f"{result.seconds * 1000:.1f} ms"
            return ""
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return self._icon(value)
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            return QColor(_outcome_color(value))
        if role == Qt.ItemDataRole.ForegroundRole and column in (1, 3):
            return QColor(current_theme().muted)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [case.name]
            if case.description:
                lines.append(case.description)
            if self.error:
                lines.append(self.error)
            elif result is not None and result.message:
                lines.append(result.message)
            elif result is not None and result.differences:
                lines.append(f"{len(result.differences)} differences")
            return "\n".join(lines)
        if role == OUTCOME_ROLE:
            return value.value
        return None
