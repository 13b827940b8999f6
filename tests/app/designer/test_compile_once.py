"""One compile per document change, off the GUI thread, for the designer, preview and tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from fieldwright.app.shell.main_window import MainWindow
from fieldwright.authoring.edits import edit_mapping
from fieldwright.engine import compiler
from tests.app.conftest import HUBSPOT

Factory = Callable[..., MainWindow]
WAIT = 10_000


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every compile from now on (whichever door it comes through): on the GUI thread?"""
    compiles: list[bool] = []
    real = compiler._compile

    def counted(*args: Any, **kwargs: Any) -> Any:
        compiles.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(compiler, "_compile", counted)
    return compiles


def _settled(window: MainWindow, qtbot: QtBot, change: Callable[[], None]) -> None:
    """Make `change`, then wait until the preview and the tests show it."""
    with (
        qtbot.waitSignal(window.preview.previewUpdated, timeout=WAIT),
        qtbot.waitSignal(window.tests_panel.resultsReady, timeout=WAIT),
    ):
        change()


def test_an_edit_compiles_the_document_once_off_the_gui_thread(
    make_window: Factory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    _settled(window, qtbot, lambda: window.documents.open_path(HUBSPOT))
    compiles = _counting(monkeypatch)
    edit = edit_mapping(window.session.document, "$.first_name", "Trim", transforms=[])
    _settled(window, qtbot, lambda: window.session.push(edit))
    assert compiles == [False]  # one compile, on a worker
    _settled(window, qtbot, window.session.stack.undo)
    assert compiles == [False, False]


def test_a_broken_mapping_is_marked_by_the_same_compile(
    make_window: Factory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    _settled(window, qtbot, lambda: window.documents.open_path(HUBSPOT))
    compiles = _counting(monkeypatch)
    broken = edit_mapping(
        window.session.document, "$.first_name", "Break", transforms=[{"fn": "no_such_fn"}]
    )
    with qtbot.waitSignal(window.session.compiled.published, timeout=WAIT):
        window.session.push(broken)
    qtbot.waitUntil(lambda: "$.first_name" in window.preview.model.excluded, timeout=WAIT)
    assert "no_such_fn" in window.designer.problems["$.first_name"][0]
    assert compiles == [False]
