"""What an analyst's hands do in the journeys: type, click, drag, answer a modal dialog.

Nothing here writes a document: every change goes through the app's widgets, so the
journeys fail where a widget is missing or broken.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import pytest
from PySide6.QtCore import QModelIndex, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QDrag, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QListWidget,
    QPushButton,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.function_palette import FunctionPalette
from fieldwright.app.designer.schema_view import SchemaPanel
from fieldwright.app.shell.main_window import MainWindow

Left = Qt.MouseButton.LeftButton
TIMEOUT = 20_000
D = TypeVar("D", bound=QDialog)


def click(qtbot: QtBot, button: QWidget) -> None:
    qtbot.mouseClick(button, Left)


def retype(qtbot: QtBot, edit: QLineEdit, text: str, *, enter: bool = False) -> None:
    """Select what the line holds, delete it and type `text` (then Enter)."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)
    if enter:
        qtbot.keyClick(edit, Qt.Key.Key_Return)


def ok_button(dialog: QDialog) -> QPushButton:
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None, type(dialog).__name__
    button = buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert button is not None and button.isEnabled(), type(dialog).__name__
    return button


def in_modal(kind: type[D], drive: Callable[[D], None]) -> list[BaseException]:
    """Drive the next modal `kind` once its loop runs; a failure closes it (no hang) and
    is kept for the test to assert after the loop."""
    errors: list[BaseException] = []

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(10, act)
            return
        try:
            drive(dialog)
        except (AssertionError, pytest.fail.Exception) as exc:
            errors.append(exc)
        finally:
            if dialog.isVisible():  # never leave the modal loop running
                dialog.reject()

    QTimer.singleShot(0, act)
    return errors


# -- the schema trees ------------------------------------------------------------------


def view_index(panel: SchemaPanel, path: str) -> QModelIndex:
    index = panel.proxy.mapFromSource(panel.model.index_for_path(path))
    assert index.isValid(), path
    return index


def add_target_field(window: MainWindow, qtbot: QtBot, name: str) -> None:
    """The target's + button, then the name typed into the editor the tree opens."""
    button = window.findChild(QToolButton, "target_add_field")
    assert button is not None
    click(qtbot, button)
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, name)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not editor)


@contextmanager
def mouse_drags(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Real presses and moves on the source tree; the platform's drag loop, which the
    offscreen platform lacks, replaced by the enter, move and drop events it would send
    to the target tree (as tests/app/designer/test_designer.py does)."""
    aim: list[QPoint] = []
    target_viewport: list[QWidget] = []
    results: list[Qt.DropAction] = []

    def platform_drag_loop(drag: QDrag, *args: object) -> Qt.DropAction:
        mime, end, viewport = drag.mimeData(), aim[-1], target_viewport[-1]
        buttons, mods = Left, Qt.KeyboardModifier.NoModifier
        action = Qt.DropAction.CopyAction
        try:  # PySide6 6.11 takes a QPoint for these two, 6.12 a QPointF.
            enter = QDragEnterEvent(end, action, mime, buttons, mods)
            move = QDragMoveEvent(end, action, mime, buttons, mods)
        except TypeError:
            enter = QDragEnterEvent(QPointF(end), action, mime, buttons, mods)
            move = QDragMoveEvent(QPointF(end), action, mime, buttons, mods)
        QApplication.sendEvent(viewport, enter)
        QApplication.sendEvent(viewport, move)
        if not move.isAccepted():
            results.append(Qt.DropAction.IgnoreAction)
            return results[-1]
        drop = QDropEvent(QPointF(end), action, mime, buttons, mods)
        QApplication.sendEvent(viewport, drop)
        results.append(drop.dropAction() if drop.isAccepted() else Qt.DropAction.IgnoreAction)
        return results[-1]

    monkeypatch.setattr(QDrag, "exec", platform_drag_loop)

    def drag(window: MainWindow, source: str, target: str) -> None:
        source_tree, target_tree = window.designer.source.tree, window.designer.target.tree
        from_index = view_index(window.designer.source, source)
        to_index = view_index(window.designer.target, target)
        source_tree.scrollTo(from_index)
        target_tree.scrollTo(to_index)
        start = source_tree.visualRect(from_index).center()
        aim.append(target_tree.visualRect(to_index).center())
        target_viewport.append(target_tree.viewport())
        viewport = source_tree.viewport()
        before = len(results)
        QTest.mousePress(viewport, Left, Qt.KeyboardModifier.NoModifier, start)
        step = QApplication.startDragDistance() + 5
        QTest.mouseMove(viewport, start + QPoint(step, 0))
        QTest.mouseMove(viewport, start + QPoint(2 * step, 0))
        QTest.mouseRelease(
            viewport, Left, Qt.KeyboardModifier.NoModifier, start + QPoint(2 * step, 0)
        )
        assert results[before:] == [Qt.DropAction.CopyAction], f"drag {source} → {target}"

    yield drag


# -- steps -----------------------------------------------------------------------------


def add_step(window: MainWindow, qtbot: QtBot, function: str) -> None:
    """Inspector → Add step: type the function's name into the palette's search, Add step."""

    def choose(palette: FunctionPalette) -> None:
        qtbot.keyClicks(palette.search, function)
        listing = palette.findChild(QListWidget, "function_list")
        assert listing is not None
        # The search keeps every function naming it; pick the exact one with the keys.
        while palette.chosen() != function:
            row = listing.currentRow()
            qtbot.keyClick(listing, Qt.Key.Key_Down)
            assert listing.currentRow() != row, f"{function} is not in the palette"
        click(qtbot, ok_button(palette))

    errors = in_modal(FunctionPalette, choose)
    button = window.designer.inspector.findChild(QPushButton, "add_step")
    assert button is not None
    click(qtbot, button)
    assert not errors, errors


class Stopwatch:
    """The wall time of a journey, printed (with -s) and recorded in the test report."""

    def __init__(self, record_property: Callable[[str, object], None], name: str) -> None:
        self.record, self.name, self.start = record_property, name, time.perf_counter()
        self.laps: list[tuple[str, float]] = []

    def lap(self, what: str) -> None:
        self.laps.append((what, time.perf_counter() - self.start))

    def stop(self) -> float:
        elapsed = time.perf_counter() - self.start
        self.record(f"{self.name}_seconds", round(elapsed, 2))
        laps = ", ".join(f"{what} {at:.1f}s" for what, at in self.laps)
        print(f"\njourney {self.name}: {elapsed:.1f} s ({laps})")
        return elapsed
