"""The Qt bindings keep Python's reference counts right: PySide6 6.12.0 on CPython 3.11 drops
a reference to None on every call of a method that returns nothing, and the app aborts
("deallocating None") once enough calls have been made. pyproject pins below it; this
test fails on any installed version that has the fault."""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot


def test_methods_that_return_nothing_keep_none_alive(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    font, color = QFont(), QColor()
    before = sys.getrefcount(None)
    for n in range(500):
        label.setText(str(n))
        font.setBold(n % 2 == 0)
        color.setAlpha(n % 256)
    # Other threads may hold or drop a few references meanwhile; the fault drops 1,500.
    assert sys.getrefcount(None) - before > -100
