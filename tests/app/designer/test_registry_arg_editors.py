"""Every function of the registry can be written with its argument editors.

One window walks the whole library: for each documented example it adds the
function as a step, fills the step's editors the way an analyst does (typing
into line edits, picking from lists, adding rows to a list) and checks the
document's step holds exactly the example's arguments.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.arg_editors import ArgEditor, LineArgEditor
from fieldwright.app.designer.arg_lists import ArgList
from fieldwright.app.designer.arg_pickers import Picker
from fieldwright.app.designer.inspector import Inspector
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.service import call_function, function_library
from tests.app.conftest import HUBSPOT

TARGET = "$.full_name"


def _document_with_example_lookups(tmp_path: Path) -> Path:
    """The HubSpot example plus every lookup table the library's examples name."""
    data = json.loads(HUBSPOT.read_text(encoding="utf-8"))
    for spec in function_library():
        for example in spec.examples:
            for name, table in example.lookups.items():
                data["lookups"][name] = dict(table)
    for field in data["fields"]:
        if field["target"] == TARGET:
            field["transforms"] = [{"fn": "trim", "args": []}]
    path = tmp_path / "mapping.fwmap.json"
    for sample in HUBSPOT.parent.iterdir():  # the sample the document's source names
        if sample.is_file() and sample != HUBSPOT:
            (tmp_path / sample.name).write_bytes(sample.read_bytes())
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _type(qtbot: QtBot, line: QLineEdit, text: str) -> None:
    """Type `text` key by key; QTest only knows ASCII keys, so others go as key events' text."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(line, char)
        else:
            event = QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, char)
            QApplication.sendEvent(line, event)


def _type_into(qtbot: QtBot, editor: LineArgEditor, value: Any) -> None:
    line = editor.line
    line.setFocus()
    line.selectAll()
    qtbot.keyClick(line, Qt.Key.Key_Delete)
    text = editor.format(value)
    if text:
        _type(qtbot, line, text)
    else:  # an empty text the analyst chose (not the default): type and erase
        qtbot.keyClicks(line, "x")
        qtbot.keyClick(line, Qt.Key.Key_Backspace)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def _pick(editor: Picker, value: Any) -> None:
    index = editor.index_of(value)
    assert index >= 0, (editor.param.name, value)
    editor.combo.setCurrentIndex(index)
    editor.combo.activated.emit(index)


def _fill(qtbot: QtBot, editor: ArgEditor, value: Any) -> None:
    if isinstance(editor, LineArgEditor):
        _type_into(qtbot, editor, value)
    else:
        assert isinstance(editor, Picker), type(editor)
        _pick(editor, value)


def _fill_step(qtbot: QtBot, inspector: Inspector, args: tuple[Any, ...]) -> None:
    index = 0
    for _param, editor in list(inspector.args.editors):
        if isinstance(editor, ArgList):
            for value in args[index:]:
                qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
                row = editor.editors()[-1]
                _fill(qtbot, row, value)
            index = len(args)
            continue
        if index >= len(args):
            break
        _fill(qtbot, editor, args[index])
        index += 1


def test_every_documented_example_can_be_entered_with_the_editors(
    make_window: Callable[..., MainWindow], qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window(_document_with_example_lookups(tmp_path))
    window.show_page("Designer")
    window.designer.select_mapping(TARGET)
    inspector = window.designer.inspector
    checked = 0
    for spec in function_library():
        for example in spec.examples:
            inspector.steps.setCurrentRow(0)
            inspector.remove_step()
            inspector.append_step(spec.name)
            inspector.steps.setCurrentRow(0)
            assert inspector.args.spec is not None and inspector.args.spec.name == spec.name
            _fill_step(qtbot, inspector, example.args)
            mapping = window.session.document.field(TARGET)
            assert mapping is not None
            (step,) = mapping.transforms
            assert step.fn == spec.name
            expected = json.dumps(list(example.args), sort_keys=True)
            assert json.dumps(step.args, sort_keys=True) == expected, (
                spec.name,
                inspector.args.message.text(),
            )
            assert inspector.args.message.isHidden(), (spec.name, inspector.args.message.text())
            # The arguments as entered compute the documented output.
            output = call_function(
                spec.name, example.value, step.args, example.lookups, example.record
            )
            assert output == example.output, spec.name
            checked += 1
    assert checked >= len(function_library())
