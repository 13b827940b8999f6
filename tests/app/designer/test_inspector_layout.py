"""The inspector fits its pane at the reference window sizes: no sideways scrolling, no clipped
label, and the selected field's name stays in view while the form scrolls."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea
from pytestqt.qtbot import QtBot

from fieldwright.app.shell.main_window import MainWindow
from tests.app.conftest import HUBSPOT


@pytest.mark.parametrize("size", [(1280, 820), (1024, 700)])
@pytest.mark.parametrize("target", ["$.full_name", "$.created_on", "$.company_ids"])
def test_the_inspector_never_scrolls_sideways(
    make_window: Callable[..., MainWindow], qtbot: QtBot, size: tuple[int, int], target: str
) -> None:
    window = make_window(HUBSPOT)
    window.resize(*size)
    window.show_page("Designer")
    window.designer.select_mapping(target)
    inspector = window.designer.inspector
    inspector.steps.setCurrentRow(0)  # the step's argument editors widen the form most
    scroll = inspector.findChild(QScrollArea, "inspector_scroll")
    assert scroll is not None
    qtbot.waitUntil(lambda: inspector.form.width() > 0)
    QApplication.processEvents()
    assert not scroll.horizontalScrollBar().isVisible()
    assert inspector.form.width() <= scroll.viewport().width()
    assert inspector.form.minimumSizeHint().width() <= scroll.viewport().width()
    for label in inspector.form.findChildren(QLabel):
        if label.isVisible() and label.objectName() != "field_sources" and not label.wordWrap():
            assert label.width() >= label.minimumSizeHint().width(), label.objectName()
    # The field's name is above the scrolling form, so it stays in view.
    assert inspector.title.isVisible()
    assert not scroll.isAncestorOf(inspector.title)
    assert target in inspector.title.text()
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    assert inspector.title.isVisible()
