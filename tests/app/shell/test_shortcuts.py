"""Keyboard shortcuts: none is bound twice, and the ones bound twice before work from a field.

Qt treats a key sequence that two enabled actions of a window share (or that one
action lists twice) as ambiguous and runs neither; Save As, Redo and Quit were
bound that way (the standard key plus the same string) and did nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QFileDialog, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from fieldwright.app.shell.main_window import MainWindow
from tests.app.conftest import HUBSPOT

Factory = Callable[..., MainWindow]
Key = Qt.Key
Ctrl, Shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


def key_bindings(window: QWidget) -> dict[str, list[str]]:
    """Every key sequence bound in the window: the actions and shortcuts that bind it."""
    bound: dict[str, list[str]] = defaultdict(list)
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            if sequence.isEmpty():  # a standard key this platform leaves unbound
                continue
            bound[sequence.toString()].append(action.text().replace("&", "") or repr(action))
    for shortcut in window.findChildren(QShortcut):
        for sequence in shortcut.keys():  # noqa: SIM118 (a QShortcut, not a dict)
            bound[sequence.toString()].append(f"shortcut of {shortcut.parent().objectName()}")
    return bound


def clashes(bound: dict[str, list[str]]) -> list[str]:
    """Sequences bound more than once, and sequences another one starts with (Qt waits)."""
    found = [f"{keys}: {', '.join(names)}" for keys, names in bound.items() if len(names) > 1]
    for keys in bound:
        for other in bound:
            partial = QKeySequence(other).matches(QKeySequence(keys))
            if keys != other and partial == QKeySequence.SequenceMatch.PartialMatch:
                found.append(f"{other} starts {keys}")
    return found


def test_no_shortcut_is_bound_twice_or_ambiguous(store_window: MainWindow) -> None:
    window = store_window
    for page in ("Runs", "Schedules", "Connections", "Settings"):  # build the lazy pages
        window.show_page(page)
        window.current_page()
    bound = key_bindings(window)
    assert {"Ctrl+Shift+S", "Ctrl+Shift+Z", "Ctrl+Y", "Ctrl+Q", "Ctrl+S"} <= bound.keys()
    assert clashes(bound) == []


def test_save_as_redo_and_quit_have_their_keys_once(make_window: Factory) -> None:
    actions = make_window().actions_by_name
    keys = {name: [s.toString() for s in actions[name].shortcuts()] for name in actions}
    assert keys["save_as"] == ["Ctrl+Shift+S"]
    assert keys["redo"] == ["Ctrl+Shift+Z", "Ctrl+Y"]
    assert keys["quit"] == ["Ctrl+Q"]


def test_the_check_catches_a_standard_key_bound_again_as_text() -> None:
    doubled = {"Ctrl+Q": ["Quit", "Quit"], "Ctrl+K": ["Go"], "Ctrl+K, Ctrl+D": ["Go deeper"]}
    assert clashes(doubled) == ["Ctrl+Q: Quit, Quit", "Ctrl+K starts Ctrl+K, Ctrl+D"]


def _focus_an_inspector_field(
    window: MainWindow, qtbot: QtBot, kind: type[QWidget] = QLineEdit, name: str = "field_default"
) -> QWidget:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.designer.select_mapping("$.email")
    field = window.designer.inspector.findChild(kind, name)
    assert field is not None and field.isEnabled()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    return field


def test_save_as_from_a_field_asks_for_a_file(
    make_window: Factory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    window = make_window(HUBSPOT)
    asked: list[str] = []

    def save_file_name(*args: object, **kwargs: object) -> tuple[str, str]:
        asked.append(str(args[1]))
        return str(tmp_path / "mine.fwmap.json"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_file_name)
    field = _focus_an_inspector_field(window, qtbot)
    qtbot.keyClick(field, Key.Key_S, Ctrl | Shift)
    assert asked == ["Save mapping"]
    assert window.session.location == tmp_path / "mine.fwmap.json"


@pytest.mark.parametrize("keys", [(Key.Key_Z, Ctrl | Shift), (Key.Key_Y, Ctrl)])
def test_redo_from_a_field_redoes_the_undone_edit(
    make_window: Factory, qtbot: QtBot, keys: tuple[Key, Qt.KeyboardModifier]
) -> None:
    window = make_window(HUBSPOT)
    window.designer.map_fields("$.properties.company", "$.email")
    mapped = window.session.document.field("$.email")
    assert mapped is not None and mapped.sources[-1] == "$.properties.company"
    window.session.stack.undo()
    # A text field keeps Qt's own undo and redo keys for its text: the on-error choice.
    field = _focus_an_inspector_field(window, qtbot, QComboBox, "field_on_error")
    before = window.session.stack.index()
    qtbot.keyClick(field, *keys)
    assert window.session.stack.index() == before + 1
    redone = window.session.document.field("$.email")
    assert redone is not None and redone.sources[-1] == "$.properties.company"


def test_quit_from_a_field_closes_the_window(make_window: Factory, qtbot: QtBot) -> None:
    window = make_window(HUBSPOT)
    field = _focus_an_inspector_field(window, qtbot)
    qtbot.keyClick(field, Key.Key_Q, Ctrl)
    qtbot.waitUntil(lambda: not window.isVisible())
