"""The step's argument editors fit the inspector at the reference window sizes: a list of date
formats with its notes, and a regex whose problem is shown under it, never scroll sideways."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QScrollArea
from pytestqt.qtbot import QtBot

from fieldwright.app.shell.main_window import MainWindow
from fieldwright.resources import examples_dir

QBT = examples_dir() / "qbt_to_wfn" / "mapping.fwmap.json"


@pytest.mark.parametrize("size", [(1280, 820), (1024, 700)])
def test_date_formats_and_a_wrong_regex_fit_the_inspector(
    make_window: Callable[..., MainWindow], qtbot: QtBot, size: tuple[int, int]
) -> None:
    window = make_window(QBT)
    window.resize(*size)
    window.show_page("Designer")
    inspector = window.designer.inspector
    scroll = inspector.findChild(QScrollArea, "inspector_scroll")
    assert scroll is not None
    for target, step, args in (
        ("$.pay_date", None, None),
        ("$.memo", "regex_replace", [r"(\d", r"<\1>"]),
    ):
        window.designer.select_mapping(target)
        if step is not None:
            inspector.append_step(step, args)
        inspector.steps.setCurrentRow(inspector.steps.count() - 1 if step else 0)
        qtbot.waitUntil(lambda: all(e.isVisible() for _p, e in inspector.args.editors))
        QApplication.processEvents()
        assert not scroll.horizontalScrollBar().isVisible()
        assert inspector.form.minimumSizeHint().width() <= scroll.viewport().width()
        right = scroll.viewport().width()
        for edit in inspector.args.findChildren(QLineEdit):
            if edit.isVisible():
                assert edit.mapTo(inspector.form, edit.rect().topRight()).x() <= right
        for label in inspector.args.findChildren(QLabel):
            if label.isVisible() and not label.wordWrap():
                assert label.width() >= label.minimumSizeHint().width(), label.text()
    note = inspector.args.findChild(QLabel, "note_pattern")
    assert note is not None and note.isVisible() and "missing )" in note.text()


def test_a_new_steps_arguments_come_into_view_at_1024x700(
    make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window(QBT)
    window.resize(1024, 700)
    window.show_page("Designer")
    inspector = window.designer.inspector
    scroll = inspector.findChild(QScrollArea, "inspector_scroll")
    assert scroll is not None
    window.designer.select_mapping("$.memo")
    scroll.verticalScrollBar().setValue(0)
    inspector.append_step("pad_left", [8])

    def editors_in_view() -> bool:
        top = inspector.args.mapTo(scroll.viewport(), inspector.args.rect().topLeft()).y()
        return 0 <= top < scroll.viewport().height() and bool(inspector.args.editors)

    qtbot.waitUntil(editors_in_view)
