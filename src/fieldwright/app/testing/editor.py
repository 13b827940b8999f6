"""Edit one test case: name, kind, input and expected JSON, validated as you type.

Invalid JSON shows "Line L, column C: why" under its editor and keeps Save
disabled; Save emits the edited `TestCase`, which the panel pushes as an
undoable edit.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.shell.forms import Form
from fieldwright.domain import TestCase, TestKind

__all__ = ["JsonEdit", "TestEditor", "parse_json"]


def parse_json(text: str, *, what: str, allow_null: bool) -> tuple[Any, str]:
    """(value, "") or (None, a message naming the line and column of the problem)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"{what}: line {exc.lineno}, column {exc.colno}: {exc.msg}"
    if value is None and allow_null:
        return None, ""
    if not isinstance(value, dict):
        wanted = "a JSON object or null" if allow_null else "a JSON object"
        return None, f"{what} must be {wanted}"
    return value, ""


class JsonEdit(QWidget):
    """A monospace JSON editor with its error line underneath."""

    changed = Signal()

    def __init__(self, name: str, what: str, *, allow_null: bool) -> None:
        super().__init__()
        self.what = what
        self.allow_null = allow_null
        self.edit = QPlainTextEdit()
        self.edit.setObjectName(f"{name}_edit")
        self.edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.edit.setTabChangesFocus(True)
        self.error = QLabel()
        self.error.setObjectName(f"{name}_error")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.error)
        self.edit.textChanged.connect(self._validate)
        self.value: Any = None
        self.valid = False

    def set_value(self, value: Any) -> None:
        self.edit.setPlainText(json.dumps(value, indent=2, ensure_ascii=False))

    def _validate(self) -> None:
        self.value, message = parse_json(
            self.edit.toPlainText(), what=self.what, allow_null=self.allow_null
        )
        self.valid = not message
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.changed.emit()


class TestEditor(QWidget):
    """The form for one test case; `saveRequested` carries the edited case."""

    __test__ = False  # not a pytest class

    saveRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("test_editor")
        self.original: TestCase | None = None
        self._problem = ""
        self.ui = Form("test_editor.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        self.name = self.ui.child(QLineEdit, "test_name")
        self.kind = self.ui.child(QComboBox, "test_kind")
        for kind in TestKind:
            self.kind.addItem(kind.value.replace("_", " "), kind.value)
        self.expect_failure = self.ui.child(QCheckBox, "test_expect_failure")
        self.input = JsonEdit("test_input", "Input", allow_null=False)
        self.expected = JsonEdit("test_expected", "Expected", allow_null=True)
        self.expected.edit.setPlaceholderText("null: the filter must drop the record")
        self._column("input_column").addWidget(self.input, 1)
        self._column("expected_column").addWidget(self.expected, 1)
        self.problem = self.ui.child(QLabel, "test_editor_problem")
        self.save = self.ui.child(QPushButton, "save_test")
        self.revert = self.ui.child(QPushButton, "revert_test")
        self.name.textChanged.connect(self._update)
        self.kind.currentIndexChanged.connect(self._update)
        self.expect_failure.toggled.connect(self._update)
        self.input.changed.connect(self._update)
        self.expected.changed.connect(self._update)
        self.save.clicked.connect(self._save)
        self.revert.clicked.connect(lambda: self.load(self.original))
        self.load(None)

    def _column(self, name: str) -> QVBoxLayout:
        """A column of the form, under its title, where a JSON editor goes."""
        column = self.ui.widget.findChild(QVBoxLayout, name)
        if column is None:
            raise LookupError(f"{self.ui.name} has no column layout named {name!r}")
        return column

    def load(self, case: TestCase | None) -> None:
        """Show `case` (None: nothing to edit)."""
        self.original = case
        self.setEnabled(case is not None)
        if case is None:
            self.name.clear()
            self.input.edit.clear()
            self.expected.edit.clear()
        else:
            self.name.setText(case.name)
            self.kind.setCurrentIndex(max(self.kind.findData(case.kind.value), 0))
            self.expect_failure.setChecked(case.expect_failure)
            self.input.set_value(case.input)
            self.expected.set_value(case.expected)
        self._update()

    def edited(self) -> TestCase | None:
        """The case as edited, or None while something is invalid (see `problem`)."""
        if self.original is None or not (self.input.valid and self.expected.valid):
            return None
        data = self.original.model_dump()
        data.update(
            name=self.name.text().strip(),
            kind=self.kind.currentData(),
            expect_failure=self.expect_failure.isChecked(),
            input=self.input.value,
            expected=self.expected.value,
        )
        try:
            return TestCase.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "test"
            self._problem = f"{where.capitalize()}: {first['msg']}"
            return None

    def _update(self) -> None:
        self._problem = ""
        case = self.edited()
        if self.original is not None and not self.name.text().strip():
            self._problem = "Name: a test needs a name"
            case = None
        self.problem.setText(self._problem)
        self.save.setEnabled(case is not None and case != self.original)
        self.revert.setEnabled(self.original is not None)

    def _save(self) -> None:
        case = self.edited()
        if case is not None and case != self.original:
            self.saveRequested.emit(case)
