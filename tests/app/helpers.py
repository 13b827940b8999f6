"""Small helpers the GUI tests share: driving widgets as a user does."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

__all__ = ["choose"]


def choose(qtbot: QtBot, combo: QComboBox, data: str) -> None:
    """Pick the entry holding `data` with the keyboard, as a user can."""
    index = combo.findData(data)
    assert index >= 0, data
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(index):
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == data
