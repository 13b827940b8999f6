"""The step editor: a variadic list of date formats with rows, regex and JMESPath checked as you
type, lookup names picked from the document's tables, optional arguments reset to their default.
Every edit goes through the undoable edit of the step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.arg_editors import LineArgEditor
from fieldwright.app.designer.arg_lists import ArgList
from fieldwright.app.designer.inspector import Inspector
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.resources import examples_dir
from tests.app.conftest import HUBSPOT

QBT = examples_dir() / "qbt_to_wfn" / "mapping.fwmap.json"


def _inspect(window: MainWindow, target: str, row: int) -> Inspector:
    window.show_page("Designer")
    window.designer.select_mapping(target)
    inspector = window.designer.inspector
    inspector.steps.setCurrentRow(row)
    return inspector


def _args(window: MainWindow, target: str, row: int) -> list[object]:
    mapping = window.session.document.field(target)
    assert mapping is not None
    return list(mapping.transforms[row].args)


def _retype(qtbot: QtBot, line: QLineEdit, text: str, *, finish: bool = True) -> None:
    line.setFocus()
    line.selectAll()
    qtbot.keyClick(line, Qt.Key.Key_Delete)
    qtbot.keyClicks(line, text)
    if finish:
        qtbot.keyClick(line, Qt.Key.Key_Return)


@pytest.mark.parametrize(
    "example", sorted(examples_dir().glob("*/mapping.fwmap.json")), ids=lambda p: p.parent.name
)
def test_every_step_of_the_bundled_examples_shows_its_arguments_without_error(
    make_window: Callable[..., MainWindow], example: Path
) -> None:
    window = make_window(example)
    window.show_page("Designer")
    inspector = window.designer.inspector
    seen = 0
    for mapping in window.session.document.fields:
        window.designer.select_mapping(mapping.target)
        for row, step in enumerate(mapping.transforms):
            inspector.steps.setCurrentRow(row)
            assert inspector.args.spec is not None and inspector.args.spec.name == step.fn
            assert inspector.args.message.isHidden(), (
                mapping.target,
                inspector.args.message.text(),
            )
            seen += 1
    assert seen > 5


def test_date_formats_are_rows_with_a_live_example_that_add_remove_and_undo(
    make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window(QBT)
    qtbot.waitUntil(lambda: bool(window.preview.model.rows))  # the example's own sample
    inspector = _inspect(window, "$.pay_date", 0)
    formats = inspector.args.findChild(ArgList, "list_formats")
    assert formats is not None
    rows = formats.editors()
    assert [r.line.text() for r in rows if isinstance(r, LineArgEditor)] == ["%m/%d/%Y", "%Y-%m-%d"]
    assert inspector.args.message.isHidden()
    first, second = rows
    assert isinstance(first, LineArgEditor) and isinstance(second, LineArgEditor)
    qtbot.waitUntil(first.note.isVisible)  # new rows show once the event loop runs
    # The value the step receives in the Preview, read with each format as typed.
    assert first.note.text() == "e.g. '07/21/2025' reads as 2025-07-21"
    assert second.note.text().startswith("e.g. now → '")  # not this one's format: now, written
    assert inspector.args.example.text() == 'In the Preview: "07/21/2025" → "2025-07-21"'

    _retype(qtbot, first.line, "dd/mm/yyyy", finish=False)  # what an analyst might try first
    assert first.note.property("role") == "error"
    assert "no % directive" in first.note.text()
    assert first.line.property("invalid") is True
    qtbot.keyClick(first.line, Qt.Key.Key_Return)
    assert _args(window, "$.pay_date", 0) == ["%m/%d/%Y", "%Y-%m-%d"]  # refused, unchanged

    _retype(qtbot, first.line, "%d/%m/%Y")
    assert first.note.property("role") == "muted"
    assert first.note.text().startswith("e.g. now → '")
    assert _args(window, "$.pay_date", 0) == ["%d/%m/%Y", "%Y-%m-%d"]
    assert inspector.args.example.text().startswith(
        "In the Preview: \"07/21/2025\" → parse_date gives an error for '07/21/2025'"
    )

    add = formats.findChild(QPushButton, "add_formats")
    assert add is not None and add.text() == "Add format"
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    third = formats.editors()[2]
    assert isinstance(third, LineArgEditor)
    _retype(qtbot, third.line, "%Y%m%d")
    assert _args(window, "$.pay_date", 0) == ["%d/%m/%Y", "%Y-%m-%d", "%Y%m%d"]

    remove = formats.rows[1][0].findChild(QToolButton, "remove_row")
    assert remove is not None
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert _args(window, "$.pay_date", 0) == ["%d/%m/%Y", "%Y%m%d"]
    assert len(formats.editors()) == 2

    for _ in range(3):
        window.session.stack.undo()
    assert _args(window, "$.pay_date", 0) == ["%m/%d/%Y", "%Y-%m-%d"]
    assert [e.line.text() for e in formats.editors() if isinstance(e, LineArgEditor)] == [
        "%m/%d/%Y",
        "%Y-%m-%d",
    ]


def test_a_regex_is_checked_as_you_type(
    make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window(HUBSPOT)
    inspector = _inspect(window, "$.phone", 0)
    inspector.append_step("regex_replace")
    pattern = inspector.args.findChild(QLineEdit, "arg_pattern")
    note = inspector.args.findChild(QLabel, "note_pattern")
    assert pattern is not None and note is not None
    _retype(qtbot, pattern, r"(\d", finish=False)
    qtbot.waitUntil(note.isVisible)
    assert "invalid regular expression" in note.text()
    assert pattern.property("invalid") is True
    qtbot.keyClicks(pattern, ")")
    assert note.isHidden()
    assert pattern.property("invalid") is False
    qtbot.keyClick(pattern, Qt.Key.Key_Return)
    replacement = inspector.args.findChild(QLineEdit, "arg_replacement")
    assert replacement is not None
    _retype(qtbot, replacement, r"<\1>")
    assert _args(window, "$.phone", 1) == [r"(\d)", r"<\1>"]


def test_a_jmespath_expression_is_checked_as_you_type(
    make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window(HUBSPOT)
    inspector = _inspect(window, "$.company", 0)
    inspector.append_step("jmespath_record")
    expression = inspector.args.findChild(QLineEdit, "arg_expression")
    note = inspector.args.findChild(QLabel, "note_expression")
    assert expression is not None and note is not None
    _retype(qtbot, expression, "properties.[=", finish=False)
    qtbot.waitUntil(note.isVisible)
    assert "invalid JMESPath expression" in note.text()
    _retype(qtbot, expression, "properties.company")
    assert note.isHidden()
    assert _args(window, "$.company", 2) == ["properties.company"]


def test_a_lookup_is_picked_from_the_documents_tables_and_an_option_reset_to_default(
    make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window(HUBSPOT)
    inspector = _inspect(window, "$.country_code", 0)
    table = inspector.args.findChild(QComboBox, "arg_table")
    assert table is not None
    names = [table.itemText(i) for i in range(table.count())]
    assert names == sorted(window.session.document.lookups)
    assert table.currentText() == "country"
    index = names.index("lifecycle_stage")
    table.setCurrentIndex(index)
    table.activated.emit(index)
    assert _args(window, "$.country_code", 0) == ["lifecycle_stage", None, True]

    ignore_case = inspector.args.findChild(QComboBox, "arg_ignore_case")
    assert ignore_case is not None and ignore_case.currentText() == "true"
    assert ignore_case.itemText(0) == "default (false)"
    ignore_case.setCurrentIndex(0)
    ignore_case.activated.emit(0)
    assert _args(window, "$.country_code", 0) == ["lifecycle_stage", None]

    default = inspector.args.findChild(QLineEdit, "arg_default")
    reset = inspector.args.findChild(QToolButton, "reset_default")
    assert default is not None and reset is not None and default.text() == "null"
    qtbot.mouseClick(reset, Qt.MouseButton.LeftButton)
    assert _args(window, "$.country_code", 0) == ["lifecycle_stage"]
    assert default.text() == "" and default.placeholderText() == "default: null"

    _retype(qtbot, table.lineEdit(), "nope", finish=False)
    note = inspector.args.findChild(QLabel, "note_table")
    assert note is not None and "no lookup table is named 'nope'" in note.text()
    assert inspector.args.message.isHidden()  # said once, under the field
    window.session.stack.undo()
    assert _args(window, "$.country_code", 0) == ["lifecycle_stage", None]


def test_a_new_step_says_which_required_argument_is_missing_and_takes_empty_text(
    make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window(HUBSPOT)
    inspector = _inspect(window, "$.company", 0)
    inspector.append_step("replace")
    assert inspector.args.message.text() == (
        "replace needs argument 'old' (the text to find (exactly, case-sensitive))\n"
        "replace needs argument 'new' (the text to put instead)"
    )
    old = inspector.args.findChild(QLineEdit, "arg_old")
    new = inspector.args.findChild(QLineEdit, "arg_new")
    assert old is not None and new is not None
    _retype(qtbot, old, " Inc.")
    assert inspector.args.message.text() == (
        "replace needs argument 'new' (the text to put instead)"
    )
    new.setFocus()
    qtbot.keyClicks(new, "x")
    qtbot.keyClick(new, Qt.Key.Key_Backspace)  # the empty text, chosen
    assert new.placeholderText() == "(empty text)"
    qtbot.keyClick(new, Qt.Key.Key_Return)
    assert _args(window, "$.company", 2) == [" Inc.", ""]
    assert inspector.args.message.isHidden()
