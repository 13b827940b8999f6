"""What an analyst's hands do on the Pipelines page: double-click a chip, drag, type in cells.

Every change goes through the page's widgets; nothing here edits a document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDrag, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from fieldwright.app.pipelines.page import PipelinePage
from fieldwright.app.pipelines.rows_table import RowsTable

Left = Qt.MouseButton.LeftButton


def retype(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    """Select what the line holds, delete it and type `text`, key by key."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def line(page: PipelinePage, key: str) -> QLineEdit:
    edit = page.editor.findChild(QLineEdit, f"step_{key}")
    assert edit is not None, key
    return edit


def rows(page: PipelinePage, key: str) -> RowsTable:
    table = page.editor.findChild(RowsTable, f"step_{key}")
    assert table is not None, key
    return table


def add_chip(qtbot: QtBot, page: PipelinePage, kind: str) -> None:
    """Double-click the palette's chip of `kind`."""
    palette = page.step_palette
    rect = palette.visualItemRect(palette.item_for(kind))
    qtbot.mouseClick(palette.viewport(), Left, pos=rect.center())
    qtbot.mouseDClick(palette.viewport(), Left, pos=rect.center())


def type_cell(qtbot: QtBot, table: RowsTable, row: int, column: int, text: str) -> None:
    """Click a cell, F2, type `text` over what it holds, Enter."""
    view: QTableWidget = table.table
    item = view.item(row, column)
    assert item is not None
    view.scrollToItem(item)
    qtbot.mouseClick(view.viewport(), Left, pos=view.visualItemRect(item).center())
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not editor)


def choose_cell(qtbot: QtBot, table: RowsTable, row: int, column: int, text: str) -> None:
    """Pick `text` in a choice cell with the keyboard."""
    combo = table.table.cellWidget(row, column)
    assert isinstance(combo, QComboBox)
    combo.setFocus()
    target = combo.findText(text)
    assert target >= 0, text
    while combo.currentIndex() != target:
        key = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)


@contextmanager
def mouse_drags(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Qt.DropAction]]:
    """Real presses and moves on the drag's source; the platform's drag loop (which the
    offscreen platform lacks) replaced by the enter, move and drop events it would send."""
    aim: list[tuple[QWidget, QPoint]] = []

    def platform_drag_loop(drag: QDrag, *args: object) -> Qt.DropAction:
        viewport, end = aim[-1]
        mime, buttons, mods = drag.mimeData(), Left, Qt.KeyboardModifier.NoModifier
        action = Qt.DropAction.MoveAction
        try:  # PySide6 6.11 takes a QPoint for these two, 6.12 a QPointF.
            enter = QDragEnterEvent(end, action, mime, buttons, mods)
            move = QDragMoveEvent(end, action, mime, buttons, mods)
        except TypeError:
            enter = QDragEnterEvent(QPointF(end), action, mime, buttons, mods)
            move = QDragMoveEvent(QPointF(end), action, mime, buttons, mods)
        QApplication.sendEvent(viewport, enter)
        QApplication.sendEvent(viewport, move)
        if not move.isAccepted():
            return Qt.DropAction.IgnoreAction
        drop = QDropEvent(QPointF(end), action, mime, buttons, mods)
        QApplication.sendEvent(viewport, drop)
        return drop.dropAction() if drop.isAccepted() else Qt.DropAction.IgnoreAction

    monkeypatch.setattr(QDrag, "exec", platform_drag_loop)

    def drag(
        source: QAbstractItemView, start: QPoint, target: QAbstractItemView, end: QPoint
    ) -> None:
        aim.append((target.viewport(), end))
        viewport = source.viewport()
        QTest.mousePress(viewport, Left, Qt.KeyboardModifier.NoModifier, start)
        step = QApplication.startDragDistance() + 5
        QTest.mouseMove(viewport, start + QPoint(step, 0))
        QTest.mouseMove(viewport, start + QPoint(2 * step, 0))
        QTest.mouseRelease(
            viewport, Left, Qt.KeyboardModifier.NoModifier, start + QPoint(2 * step, 0)
        )

    yield drag
