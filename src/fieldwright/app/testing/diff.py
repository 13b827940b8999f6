"""A failed test's result: expected and actual side by side, differing lines highlighted,
and the list of differences (path, expected, actual)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.shell.theme import current_theme
from fieldwright.authoring.suite_status import json_lines, touches

if TYPE_CHECKING:
    from fieldwright.domain import TestCase
    from fieldwright.service import Difference, TestResult

__all__ = ["JsonView", "ResultView", "value_text"]


def value_text(value: Any) -> str:
    """A difference's side as one line; a missing key or item reads "(missing)"."""
    if repr(value) == "<missing>":  # the engine's MISSING marker (engine types stay behind)
        return "(missing)"
    return json.dumps(value, ensure_ascii=False, default=str)


class JsonView(QPlainTextEdit):
    """Read-only pretty JSON; the lines of some JSONPaths get the error background."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        #: Numbers (0-based) of the highlighted lines, for tests and tooltips.
        self.highlighted: list[int] = []
        self.paths: list[str] = []

    def show_value(self, value: Any, paths: list[str]) -> None:
        lines = [("null", "$")] if value is None else json_lines(value)
        self.setPlainText("\n".join(text for text, _ in lines))
        self.paths = [path for _, path in lines]
        self.highlighted = [
            number
            for number, (_, path) in enumerate(lines)
            if any(touches(path, p) and len(path) >= len(p) for p in paths)
        ]
        background = QColor(current_theme().error_bg)
        selections = []
        document = self.document()
        for number in self.highlighted:
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(background)
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            cursor = QTextCursor(document.findBlockByNumber(number))
            selection.cursor = cursor
            selections.append(selection)
        self.setExtraSelections(selections)
        if self.highlighted:
            block = document.findBlockByNumber(self.highlighted[0])
            self.setTextCursor(QTextCursor(block))
            self.centerCursor()

    def clear_value(self) -> None:
        self.setPlainText("")
        self.paths, self.highlighted = [], []
        self.setExtraSelections([])


def _side(title: str, view: JsonView) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    label = QLabel(title)
    label.setProperty("role", "muted")
    layout.addWidget(label)
    layout.addWidget(view, 1)
    return box


class ResultView(QWidget):
    """The selected test's outcome: a message, the two records, the differences."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("test_result")
        self.message = QLabel()
        self.message.setObjectName("test_result_message")
        self.message.setWordWrap(True)
        self.expected = JsonView("expected_json")
        self.actual = JsonView("actual_json")
        sides = QWidget()
        sides_layout = QHBoxLayout(sides)
        sides_layout.setContentsMargins(0, 0, 0, 0)
        sides_layout.addWidget(_side("Expected", self.expected))
        sides_layout.addWidget(_side("Actual", self.actual))

        self.differences = QTableWidget(0, 3)
        self.differences.setObjectName("differences")
        self.differences.setHorizontalHeaderLabels(["Path", "Expected", "Actual"])
        self.differences.verticalHeader().hide()
        self.differences.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.differences.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.differences.setWordWrap(False)
        self.differences.verticalHeader().setDefaultSectionSize(24)
        header = self.differences.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("test_result_splitter")
        self.splitter.addWidget(sides)
        self.splitter.addWidget(self.differences)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.message)
        layout.addWidget(self.splitter, 1)

    def show_result(
        self,
        expected: Any,
        actual: Any,
        differences: list[Difference],
        message: str,
        *,
        error: bool,
    ) -> None:
        paths = [d.path for d in differences]
        self.expected.show_value(expected, paths)
        if actual is None and error:
            self.actual.clear_value()
        else:
            self.actual.show_value(actual, paths)
        self.message.setText(message)
        color = current_theme().error if error else current_theme().text
        self.message.setStyleSheet(f"color: {color};")
        self.differences.setRowCount(len(differences))
        for row, difference in enumerate(differences):
            cells = (
                difference.path,
                value_text(difference.expected),
                value_text(difference.actual),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.differences.setItem(row, column, item)
        self.differences.setVisible(bool(differences))

    def show_test(self, case: TestCase, result: TestResult, *, passed: bool) -> None:
        """A test's last result: why it failed (or how fast it passed) and the diff."""
        if passed:
            message = f"Passed in {result.seconds * 1000:.1f} ms"
        elif result.message:
            message = result.message[0].upper() + result.message[1:]
        else:
            count = len(result.differences)
            message = f"{count} difference{'s' if count != 1 else ''} from the expected output"
        self.show_result(
            case.expected, result.actual, result.differences, message, error=not passed
        )

    def clear_result(self, message: str) -> None:
        self.expected.clear_value()
        self.actual.clear_value()
        self.differences.setRowCount(0)
        self.differences.hide()
        self.message.setText(message)
        self.message.setStyleSheet(f"color: {current_theme().muted};")
