"""The step editor takes a variadic text argument (parse_date's formats) as one value or a list."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.step_editor import parse_variadic
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.resources import examples_dir

QBT = examples_dir() / "qbt_to_wfn" / "mapping.fwmap.json"


@pytest.mark.parametrize(
    ("kind", "text", "values"),
    [
        ("string", "%m/%d/%Y", ["%m/%d/%Y"]),
        ("string", '["%m/%d/%Y", "%Y-%m-%d"]', ["%m/%d/%Y", "%Y-%m-%d"]),
        ("string", '"%d.%m.%Y"', ["%d.%m.%Y"]),
        ("number", "[1, 2.5]", [1, 2.5]),
        ("number", "3", [3]),
    ],
)
def test_a_variadic_argument_is_one_value_or_a_json_list(
    kind: str, text: str, values: list[object]
) -> None:
    assert parse_variadic(kind, text) == values


def test_a_number_list_that_is_not_json_says_so() -> None:
    with pytest.raises(ValueError, match="a JSON list of number values"):
        parse_variadic("number", "1, two")


def test_the_formats_of_parse_date_are_shown_without_error_and_edited(
    make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window(QBT)
    window.show_page("Designer")
    target = next(
        f.target
        for f in window.session.document.fields
        if f.transforms and f.transforms[0].fn == "parse_date"
    )
    window.designer.select_mapping(target)
    inspector = window.designer.inspector
    inspector.steps.setCurrentRow(0)
    formats = inspector.args.findChild(QLineEdit, "arg_formats")
    message = inspector.args.findChild(QLabel, "step_message")
    assert formats is not None and message is not None
    assert formats.text() == '["%m/%d/%Y", "%Y-%m-%d"]'
    assert message.isHidden(), message.text()  # the bundled example shows no error
    formats.setFocus()
    formats.selectAll()
    qtbot.keyClicks(formats, "%d.%m.%Y")
    qtbot.keyClick(formats, Qt.Key.Key_Return)
    step = window.session.document.field(target).transforms[0]  # type: ignore[union-attr]
    assert step.args == ["%d.%m.%Y"]
    assert message.isHidden(), message.text()
    window.session.stack.undo()
    step = window.session.document.field(target).transforms[0]  # type: ignore[union-attr]
    assert step.args == ["%m/%d/%Y", "%Y-%m-%d"]
