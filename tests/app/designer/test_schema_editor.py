"""The schema editor, driven from File → New by clicks, keys and typing in the real widgets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QLineEdit,
    QMessageBox,
    QToolButton,
)
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.schema_field_dialog import FieldDialog
from fieldwright.app.designer.schema_model import VANISHED_TIP
from fieldwright.app.designer.schema_view import SchemaPanel
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.domain import FieldType, dumps

Factory = Callable[..., MainWindow]
Key = Qt.Key


def _new_window(make_window: Factory, qtbot: QtBot) -> MainWindow:
    window = make_window()
    window.documents.new_mapping()  # an empty mapping, without the New mapping guide
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def _panel(window: MainWindow, side: str) -> SchemaPanel:
    return window.designer.source if side == "source" else window.designer.target


def _view_index(panel: SchemaPanel, path: str) -> QModelIndex:
    return panel.proxy.mapFromSource(panel.model.index_for_path(path))


def _type_name(qtbot: QtBot, name: str) -> None:
    """Type over the name editor the tree opened, then Enter."""
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit), "the field's name is being edited"
    editor.selectAll()
    qtbot.keyClicks(editor, name)
    qtbot.keyClick(editor, Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not editor)  # Qt commits queued


def _select(qtbot: QtBot, panel: SchemaPanel, path: str) -> None:
    index = _view_index(panel, path)
    assert index.isValid(), path
    panel.tree.scrollTo(index)
    rect = panel.tree.visualRect(index)
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.current_path() == path


def _choose(window: MainWindow, qtbot: QtBot, side: str, action: str) -> None:
    """Run `action` of the side's Schema menu, enabled as the menu shows it for the selection.

    (The offscreen platform hands activation to a popup after it closes, which would
    end the in-place name editor a menu item opens; a desktop gives it back.)
    """
    editor = window.designer.source_editor if side == "source" else window.designer.target_editor
    button = window.findChild(QToolButton, f"{side}_schema_button")
    assert button is not None and button.menu() is editor.menu
    editor.menu.aboutToShow.emit()
    target = editor.actions[action]
    assert target.isEnabled(), action
    target.trigger()


def _add(window: MainWindow, qtbot: QtBot, side: str, action: str, name: str) -> None:
    if action == "add_field":
        button = window.findChild(QToolButton, f"{side}_add_field")
        assert button is not None
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    else:
        _choose(window, qtbot, side, action)
    _type_name(qtbot, name)


def _answer_next_question(button: QMessageBox.StandardButton, asked: list[str]) -> None:
    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        box.button(button).click()

    QTimer.singleShot(0, answer)


def _names(window: MainWindow, side: str) -> list[str]:
    return [path for path, _field in getattr(window.session.document, side).walk()]


def test_build_a_target_with_an_object_and_an_array_then_rename_and_delete(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = _new_window(make_window, qtbot)
    target, source = _panel(window, "target"), _panel(window, "source")
    # The source: two fields, by the + button and by Insert.
    _add(window, qtbot, "source", "add_field", "first")
    qtbot.keyClick(source.tree, Key.Key_Insert)
    _type_name(qtbot, "mail")
    assert _names(window, "source") == ["$.first", "$.mail"]
    # The target: a field, an object with a child, an array of objects with a child.
    _add(window, qtbot, "target", "add_field", "full_name")
    _add(window, qtbot, "target", "add_object", "contact")
    _add(window, qtbot, "target", "add_child", "email")
    _select(qtbot, target, "$.contact")
    _add(window, qtbot, "target", "add_array", "lines")
    _add(window, qtbot, "target", "add_child", "sku")
    assert _names(window, "target") == [
        "$.full_name",
        "$.contact",
        "$.contact.email",
        "$.lines",
        "$.lines[*].sku",
    ]
    lines = window.session.document.target.paths()["$.lines"]
    assert (lines.type, lines.items) == (FieldType.ARRAY, FieldType.OBJECT)
    # Map mail → contact.email by a drop; then rename contact with F2: the mapping follows.
    mime = source.proxy.mimeData([_view_index(source, "$.mail")])
    target.proxy.dropMimeData(
        mime, Qt.DropAction.CopyAction, -1, -1, _view_index(target, "$.contact.email")
    )
    assert window.session.document.field("$.contact.email") is not None
    _select(qtbot, target, "$.contact")
    qtbot.keyClick(target.tree, Key.Key_F2)
    _type_name(qtbot, "person")
    mapping = window.session.document.fields[0]
    assert (mapping.target, mapping.sources) == ("$.person.email", ["$.mail"])
    assert target.tree.isExpanded(_view_index(target, "$.person")), "the row was kept"
    # Delete the mapped field with Delete: it asks, names the mapping, takes it along.
    before = dumps(window.session.document)
    _select(qtbot, target, "$.person.email")
    asked: list[str] = []
    _answer_next_question(QMessageBox.StandardButton.Yes, asked)
    qtbot.keyClick(target.tree, Key.Key_Delete)
    assert "$.person.email" in asked[0]
    assert "$.person.email" not in window.session.document.target.paths()
    assert window.session.document.fields == []
    # One undo restores the field and its mapping.
    window.actions_by_name["undo"].trigger()
    assert dumps(window.session.document) == before


def test_delete_answered_no_changes_nothing(make_window: Factory, qtbot: QtBot) -> None:
    window = _new_window(make_window, qtbot)
    _add(window, qtbot, "target", "add_field", "id")
    before = dumps(window.session.document)
    asked: list[str] = []
    _answer_next_question(QMessageBox.StandardButton.No, asked)
    _choose(window, qtbot, "target", "delete")
    assert asked and dumps(window.session.document) == before


def test_the_field_dialog_sets_type_required_description_and_example(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = _new_window(make_window, qtbot)
    target = _panel(window, "target")
    _add(window, qtbot, "target", "add_field", "signup")

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, FieldDialog)
        kind = dialog.findChild(QComboBox, "field_type")
        assert kind is not None
        kind.setCurrentIndex(kind.findText("date"))
        required = dialog.findChild(QCheckBox, "field_required")
        assert required is not None
        qtbot.keyClick(required, Key.Key_Space)
        for name, text in (("field_description", "Joined on"), ("field_example", "2024-07-04")):
            edit = dialog.findChild(QLineEdit, name)
            assert edit is not None
            qtbot.keyClicks(edit, text)
        buttons = dialog.findChild(QDialogButtonBox, "field_buttons")
        assert buttons is not None
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, fill)
    rect = target.tree.visualRect(_view_index(target, "$.signup"))
    qtbot.mouseClick(target.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(target.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    field = window.session.document.target.paths()["$.signup"]
    assert (field.type, field.required, field.description, field.example) == (
        FieldType.DATE,
        True,
        "Joined on",
        "2024-07-04",
    )
    assert target.model.index_for_path("$.signup").siblingAtColumn(1).data() == "date"
    window.actions_by_name["undo"].trigger()
    assert window.session.document.target.paths()["$.signup"].type is FieldType.STRING


def test_a_field_dropped_on_a_sibling_moves_there(make_window: Factory, qtbot: QtBot) -> None:
    window = _new_window(make_window, qtbot)
    target = _panel(window, "target")
    for name in ("a", "b", "c"):
        _add(window, qtbot, "target", "add_field", name)
    mime = target.proxy.mimeData([_view_index(target, "$.c")])
    on_a = _view_index(target, "$.a")
    assert target.proxy.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, on_a)
    assert target.proxy.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, on_a)
    assert _names(window, "target") == ["$.c", "$.a", "$.b"]
    assert target.current_path() == "$.c"
    _choose(window, qtbot, "target", "move_down")
    assert _names(window, "target") == ["$.a", "$.c", "$.b"]


def test_update_from_sample_adds_fields_and_marks_vanished_ones(
    make_window: Factory, qtbot: QtBot, tmp_path: Path
) -> None:
    window = _new_window(make_window, qtbot)
    source = _panel(window, "source")
    _add(window, qtbot, "source", "add_field", "id")
    _add(window, qtbot, "source", "add_field", "fax")
    sample = tmp_path / "people.csv"
    sample.write_text("id,first,email\n1,Ada,ada@example.com\n", encoding="utf-8")
    with qtbot.waitSignal(window.session.changed, timeout=10_000):
        window.designer.source_editor.update_from_sample(sample)
    assert _names(window, "source") == ["$.id", "$.fax", "$.first", "$.email"]
    fax = source.model.index_for_path("$.fax")
    assert VANISHED_TIP in str(fax.data(Qt.ItemDataRole.ToolTipRole))
    assert source.model.vanished() == {"$.fax"}
    assert VANISHED_TIP not in str(
        source.model.index_for_path("$.id").data(Qt.ItemDataRole.ToolTipRole)
    )
    window.actions_by_name["undo"].trigger()  # the update goes, and its marks with it
    assert _names(window, "source") == ["$.id", "$.fax"]
    assert source.model.vanished() == set()


@pytest.mark.parametrize("side", ["source", "target"])
def test_a_name_already_taken_is_refused_with_a_message(
    make_window: Factory, qtbot: QtBot, side: str
) -> None:
    window = _new_window(make_window, qtbot)
    _add(window, qtbot, side, "add_field", "id")
    _add(window, qtbot, side, "add_field", "name")
    messages: list[str] = []
    window.designer.message.connect(messages.append)
    panel = _panel(window, side)
    _select(qtbot, panel, f"$.{'name'}")
    qtbot.keyClick(panel.tree, Key.Key_F2)
    _type_name(qtbot, "id")
    assert _names(window, side) == ["$.id", "$.name"]
    assert any("already a field named id" in m for m in messages)
