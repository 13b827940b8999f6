"""The Mapping Designer: drag and drop, undo/redo, lines, Del, inspector edits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QModelIndex, QPoint, QPointF, Qt
from PySide6.QtGui import QDrag, QDragEnterEvent, QDragMoveEvent, QDropEvent, QUndoStack
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.schema_model import FIELD_PATH_MIME, decode_field_path
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.domain import SchemaField, dumps
from tests.app.conftest import HUBSPOT

Factory = Callable[..., MainWindow]


def _source_index(window: MainWindow, path: str) -> QModelIndex:
    panel = window.designer.source
    return panel.proxy.mapFromSource(panel.model.index_for_path(path))


def _target_index(window: MainWindow, path: str) -> QModelIndex:
    panel = window.designer.target
    return panel.proxy.mapFromSource(panel.model.index_for_path(path))


def _without(window: MainWindow, target: str) -> None:
    """Remove a mapping, and forget that edit (a clean starting point for the test)."""
    window.designer.select_mapping(target)
    assert window.designer.delete_selected()
    window.session.stack.clear()


def test_mime_data_carries_the_field_path_and_the_drop_creates_a_mapping(
    make_window: Factory,
) -> None:
    window = make_window(HUBSPOT)
    _without(window, "$.phone")
    source, target = window.designer.source, window.designer.target
    mime = source.proxy.mimeData([_source_index(window, "$.properties.phone")])
    assert mime.hasFormat(FIELD_PATH_MIME)
    assert decode_field_path(mime) == ("source", "$.properties.phone")
    drop_on = _target_index(window, "$.phone")
    assert target.proxy.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, drop_on)
    assert target.proxy.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, drop_on)
    mapping = window.session.document.field("$.phone")
    assert mapping is not None and mapping.sources == ["$.properties.phone"]
    assert window.isWindowModified()


def test_second_source_makes_the_mapping_multi_source(make_window: Factory) -> None:
    window = make_window(HUBSPOT)
    target = window.designer.target
    mime = window.designer.source.proxy.mimeData([_source_index(window, "$.properties.company")])
    target.proxy.dropMimeData(
        mime, Qt.DropAction.CopyAction, -1, -1, _target_index(window, "$.email")
    )
    mapping = window.session.document.field("$.email")
    assert mapping is not None
    assert mapping.sources == ["$.properties.email", "$.properties.company"]


def test_drops_that_make_no_sense_are_refused(make_window: Factory) -> None:
    window = make_window(HUBSPOT)
    source, target = window.designer.source, window.designer.target
    # A field dropped on its own tree moves, but only among its siblings.
    from_target = target.proxy.mimeData([_target_index(window, "$.email")])
    assert not source.proxy.canDropMimeData(
        from_target, Qt.DropAction.CopyAction, -1, -1, _source_index(window, "$.archived")
    )
    from_source = source.proxy.mimeData([_source_index(window, "$.id")])
    assert not source.proxy.canDropMimeData(
        from_source, Qt.DropAction.CopyAction, -1, -1, _source_index(window, "$.properties.email")
    )


def test_undo_and_redo_restore_the_document_exactly(make_window: Factory) -> None:
    window = make_window(HUBSPOT)
    document = window.session.document
    original = dumps(document)
    designer = window.designer
    designer.map_fields("$.properties.company", "$.email")
    designer.select_mapping("$.stage")
    designer.inspector._commit("field_notes", "new notes")
    designer.select_mapping("$.phone")
    designer.delete_selected()
    edited = dumps(window.session.document)
    stack: QUndoStack = window.session.stack
    assert stack.count() == 3
    window.actions_by_name["undo"].trigger()
    window.actions_by_name["undo"].trigger()
    window.actions_by_name["undo"].trigger()
    assert dumps(window.session.document) == original
    assert not window.isWindowModified()
    for _ in range(3):
        window.actions_by_name["redo"].trigger()
    assert dumps(window.session.document) == edited
    assert window.isWindowModified()


def test_del_removes_the_selected_mapping_line(make_window: Factory, qtbot: QtBot) -> None:
    window = make_window(HUBSPOT)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    lines = window.designer.lines
    drawn = {line.target: curve for line, curve, _ in lines.paths()}
    assert "$.email" in drawn
    point = drawn["$.email"].pointAtPercent(0.5)
    QTest.mouseClick(
        lines, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point.toPoint()
    )
    assert window.designer.selected == "$.email"
    lines.setFocus()
    QTest.keyClick(lines, Qt.Key.Key_Delete)
    assert window.session.document.field("$.email") is None
    assert all(line.target != "$.email" for line in lines.lines)


def test_lines_attach_to_the_visible_parent_when_collapsed(make_window: Factory) -> None:
    window = make_window(HUBSPOT)
    source = window.designer.source
    path = "$.properties.email"
    parent = _source_index(window, "$.properties")
    source.tree.expand(parent)
    assert source.view_index(path) == _source_index(window, path)
    source.tree.collapse(parent)
    assert source.view_index(path) == parent
    # Filtering hides the field: the line attaches to what stays visible.
    source.filter.setText("archived")
    assert source.view_index("$.archived").isValid()


def test_inspector_edits_are_undoable_commands(make_window: Factory) -> None:
    window = make_window(HUBSPOT)
    original = dumps(window.session.document)
    window.designer.select_mapping("$.phone")
    inspector = window.designer.inspector
    required = inspector.form.findChild(type(inspector.form), "Inspector")
    assert required is None or required is inspector.form
    inspector.append_step("upper")
    mapping = window.session.document.field("$.phone")
    assert mapping is not None and mapping.transforms[-1].fn == "upper"
    inspector._commit("field_on_error", "null")
    assert window.session.document.field("$.phone").on_error.value == "null"  # type: ignore[union-attr]
    while window.session.stack.canUndo():
        window.session.stack.undo()
    assert dumps(window.session.document) == original


def test_a_real_mouse_drag_from_source_tree_to_target_tree(
    make_window: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Press on a source field, move past the drag distance, drop on a target field.

    The offscreen platform has no drag loop: QDrag.exec() returns at once. So
    the mouse press and moves are real (QTest on the source viewport, which
    makes the view start a drag with the model's mime data), and QDrag.exec is
    replaced by what the platform loop would do: drag-enter, drag-move and
    drop events on the target viewport over the target row, then the release.
    """
    window = make_window(HUBSPOT)
    _without(window, "$.phone")
    source, target = window.designer.source.tree, window.designer.target.tree
    start = source.visualRect(_source_index(window, "$.properties.phone")).center()
    end = target.visualRect(_target_index(window, "$.phone")).center()
    results: list[Qt.DropAction] = []

    def platform_drag_loop(drag: QDrag, *args: object) -> Qt.DropAction:
        mime = drag.mimeData()
        viewport = target.viewport()
        buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        action = Qt.DropAction.CopyAction
        # PySide6 6.11 takes a QPoint for these two, 6.12 a QPointF.
        try:
            enter = QDragEnterEvent(end, action, mime, buttons, mods)
            move = QDragMoveEvent(end, action, mime, buttons, mods)
        except TypeError:
            enter = QDragEnterEvent(QPointF(end), action, mime, buttons, mods)
            move = QDragMoveEvent(QPointF(end), action, mime, buttons, mods)
        QApplication.sendEvent(viewport, enter)
        assert enter.isAccepted()
        QApplication.sendEvent(viewport, move)
        assert move.isAccepted(), "the target tree refuses the drop"
        drop = QDropEvent(QPointF(end), action, mime, buttons, mods)
        QApplication.sendEvent(viewport, drop)
        results.append(drop.dropAction() if drop.isAccepted() else Qt.DropAction.IgnoreAction)
        return results[-1]

    monkeypatch.setattr(QDrag, "exec", platform_drag_loop)
    viewport = source.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    step = QApplication.startDragDistance() + 5
    QTest.mouseMove(viewport, start + QPoint(step, 0))
    QTest.mouseMove(viewport, start + QPoint(2 * step, 0))
    QTest.mouseRelease(
        viewport,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        start + QPoint(2 * step, 0),
    )
    assert results == [Qt.DropAction.CopyAction], "the press and moves did not start a drag"
    mapping = window.session.document.field("$.phone")
    assert mapping is not None and mapping.sources == ["$.properties.phone"]
    assert window.designer.selected == "$.phone"


def test_a_ten_thousand_field_schema_opens_lazily(make_window: Factory) -> None:
    window = make_window()
    fields = [
        SchemaField(
            name=f"group_{g}",
            type="object",
            fields=[SchemaField(name=f"f_{g}_{i}") for i in range(99)],
        )
        for g in range(100)
    ]
    window.designer.target.set_fields(fields)
    model = window.designer.target.model
    assert model.rowCount() == 100
    assert model.index_for_path("$.group_99.f_99_98").isValid()
