"""The inspector's expression editor: typed with the keyboard, checked as it is typed,
committed as an undoable edit; a target nothing maps gets a mapping from its expression."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from fieldwright.app.preview.model import FIXED_COLUMNS
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.domain import dumps
from tests.app.conftest import HUBSPOT

Factory = Callable[..., MainWindow]


def _type(qtbot: QtBot, window: MainWindow, text: str) -> None:
    box = window.designer.inspector.expression.edit
    box.setFocus()
    qtbot.keyClicks(box, text)


def test_typing_an_expression_checks_it_and_ctrl_enter_sets_it(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = make_window(HUBSPOT)
    window.show_page("Designer")
    original = dumps(window.session.document)
    window.designer.select_mapping("$.phone")
    editor = window.designer.inspector.expression
    assert editor.isEnabled() and editor.edit.toPlainText() == ""
    _type(qtbot, window, "properties.phone &")
    assert editor.message.text() == "line 1, column 19: unexpected end of expression"
    assert editor.edit.property("invalid") is True
    assert window.session.document.field("$.phone").expression is None  # type: ignore[union-attr]
    _type(qtbot, window, ' " (" & $uppercase(properties.country) & ")"')
    assert editor.message.text() == "Valid expression."
    assert editor.edit.property("invalid") is False
    qtbot.keyClick(editor.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    mapping = window.session.document.field("$.phone")
    assert mapping is not None
    assert mapping.expression == 'properties.phone & " (" & $uppercase(properties.country) & ")"'
    assert mapping.sources == []
    assert window.designer.inspector.ui.child(type(editor.message), "field_sources").text() == (
        "(expression)"
    )
    window.actions_by_name["undo"].trigger()
    assert dumps(window.session.document) == original
    assert editor.edit.toPlainText() == ""


def test_an_unknown_function_is_named_under_the_box(make_window: Factory, qtbot: QtBot) -> None:
    window = make_window(HUBSPOT)
    window.designer.select_mapping("$.phone")
    _type(qtbot, window, "$uper(properties.phone)")
    message = window.designer.inspector.expression.message.text()
    assert message.startswith("line 1, column 1: unknown function $uper; did you mean")


def test_a_target_nothing_maps_is_mapped_by_its_expression(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = make_window(HUBSPOT)
    window.show_page("Designer")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    designer = window.designer
    designer.select_mapping("$.phone")
    assert designer.delete_selected()
    window.session.stack.clear()
    designer.target.select_path("$.email")
    designer.target.select_path("$.phone")
    inspector = designer.inspector
    assert "Not mapped" in inspector.title.text()
    assert inspector.expression.isEnabled()
    mapping_group = inspector.ui.child(QGroupBox, "mapping_group")
    assert not mapping_group.isEnabled()
    _type(qtbot, window, "$count(associations.companies.results)")
    qtbot.waitUntil(inspector.expression.edit.hasFocus)
    designer.target.tree.setFocus()  # leaving the box commits it too
    qtbot.waitUntil(lambda: window.session.document.field("$.phone") is not None)
    mapping = window.session.document.field("$.phone")
    assert mapping is not None
    assert mapping.expression == "$count(associations.companies.results)"
    assert window.session.stack.undoText() == "Map expression → $.phone"
    assert designer.selected == "$.phone"
    assert mapping_group.isEnabled()


def test_the_preview_lineage_shows_the_expression_and_its_value(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = make_window()
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=10_000):
        window.documents.open_path(HUBSPOT)
    window.designer.select_mapping("$.company")
    editor = window.designer.inspector.expression
    _type(qtbot, window, '$uppercase(properties.company) & " / " & $count(properties)')
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=10_000):
        qtbot.keyClick(editor.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    model = window.preview.model
    column = model.targets.index("$.company") + len(FIXED_COLUMNS)
    window.preview.table.setCurrentIndex(model.index(0, column))
    lineage = window.preview.lineage
    rows = {
        lineage.topLevelItem(i).text(0): lineage.topLevelItem(i).text(1)  # type: ignore[union-attr]
        for i in range(lineage.topLevelItemCount())
    }
    label = 'Expression $uppercase(properties.company) & " / " & $count(properties)'
    assert rows[label] == "ANALYTICAL ENGINES LTD / 1"
    assert rows["Output"] == "ANALYTICAL ENGINES LTD / 1"


def test_the_expression_step_takes_its_expression_as_text_checked_as_typed(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = make_window(HUBSPOT)
    window.show_page("Designer")
    window.designer.select_mapping("$.company")
    inspector = window.designer.inspector
    inspector.append_step("expression")
    inspector.steps.setCurrentRow(inspector.steps.count() - 1)
    edit = inspector.args.findChild(QLineEdit, "arg_expression")
    note = inspector.args.findChild(QLabel, "note_expression")
    assert edit is not None and note is not None
    edit.setFocus()
    qtbot.keyClicks(edit, "$value &")
    assert note.text() == "expression: line 1, column 9: unexpected end of expression"
    assert note.property("role") == "error"
    qtbot.keyClicks(edit, ' " / " & properties.country')
    assert note.isHidden() or note.property("role") != "error", note.text()
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    step = window.session.document.field("$.company").transforms[-1]  # type: ignore[union-attr]
    assert step.args == ['$value & " / " & properties.country']
