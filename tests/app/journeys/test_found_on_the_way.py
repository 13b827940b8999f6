"""Layout faults the journeys' screenshots showed, fixed, and kept fixed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton, QSplitter, QWidget
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.endpoint_dialog import EndpointDialog
from fieldwright.app.shell.main_window import MainWindow

Factory = Callable[..., MainWindow]


def test_a_runs_detail_starts_wide_enough_to_read_at_1024x700(
    store_window: MainWindow, qtbot: QtBot
) -> None:
    window = store_window
    window.resize(1024, 700)
    window.show_page("Runs")
    panel = window.runs_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.loaded)
    lower = panel.findChild(QSplitter, "run_detail_splitter")
    assert lower is not None
    qtbot.waitUntil(lambda: sum(lower.sizes()) > 0)
    detail, letters = lower.sizes()
    # Its stretch factors say 2 : 3; it started as narrow as its size hint (a run key
    # broken over two lines, the counts cut off).
    assert detail >= 0.35 * (detail + letters), lower.sizes()


def test_the_target_endpoint_keeps_test_under_the_file_form(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = make_window()
    dialog = EndpointDialog("target", window.session.document, None, None, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    group = dialog.findChild(QWidget, "endpoint_file_group")
    test = dialog.findChild(QPushButton, "endpoint_test")
    assert group is not None and test is not None
    # Without a preview table the spare height went between the rows, not under them.
    gap = (
        test.mapTo(dialog, test.rect().topLeft()).y()
        - group.mapTo(dialog, group.rect().bottomLeft()).y()
    )
    assert 0 <= gap < 30, gap
