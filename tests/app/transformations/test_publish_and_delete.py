"""Publish a designer chain to Transformations, open it on the page, keep or discard
unsaved edits, delete it (issue 19, item 5)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QPushButton
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.chains import SaveChainDialog
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.service import Service
from tests.app.conftest import HUBSPOT
from tests.app.journeys.gestures import TIMEOUT, click, retype


def _save_chain(window: MainWindow, qtbot: QtBot, name: str) -> None:
    inspector = window.designer.inspector
    click(qtbot, inspector.findChild(QPushButton, "save_chain"))
    dialog = inspector.findChild(SaveChainDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.name, name)
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))


def test_publish_open_discard_and_delete(
    store_window: MainWindow, service: Service, qtbot: QtBot
) -> None:
    window = store_window
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.documents.open_path(HUBSPOT)
    window.designer.select_mapping("$.first_name")
    _save_chain(window, qtbot, "clean_name")
    messages: list[str] = []
    window.designer.inspector.chains.message = messages.append
    click(qtbot, window.designer.inspector.findChild(QPushButton, "publish_chain"))
    assert messages == ["Published to Transformations: @clean_name v1."]
    stored = service.transformations.open_chain("clean_name")
    assert [s.fn for s in stored.steps] == ["normalize_whitespace", "title"]

    window.show_page("Transformations")
    page = window.transformations_page
    assert page is not None
    assert page.list.item(0).text() == "@clean_name  v1"
    rect = page.list.visualItemRect(page.list.item(0))
    # The tests run on a pool thread; the summary is shown when they have run.
    with qtbot.waitSignal(page.testsRan, timeout=TIMEOUT):
        qtbot.mouseClick(page.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.document is not None and page.document.name == "clean_name"
    assert page.summary.text() == "No test cases yet: Add test."
    retype(qtbot, page.description_edit, "Tidy names", enter=True)
    assert page.document.description == "Tidy names" and not page.stack.isClean()

    # New with unsaved edits: asked first; "keep them" leaves the page as it was.
    page.asker.new_name = lambda: "other"  # type: ignore[method-assign]
    asked: list[str] = []
    page.asker.discard_changes = lambda name: asked.append(name) or False  # type: ignore[method-assign]
    click(qtbot, page.new_button)
    assert asked == ["clean_name"] and page.document.name == "clean_name"
    # Undo takes the edit back; the page is clean again and New asks nothing.
    window.undo_group.undo()
    assert page.document.description == "" and page.stack.isClean()
    click(qtbot, page.new_button)
    assert asked == ["clean_name"] and page.document.name == "other"
    assert page.base_version is None and not page.delete_button.isEnabled()

    page.asker.discard_changes = lambda name: True  # type: ignore[method-assign]
    qtbot.mouseClick(page.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.document.name == "clean_name" and page.delete_button.isEnabled()
    page.asker.confirm_delete = lambda name, versions: (name, versions) == ("clean_name", 1)  # type: ignore[method-assign]
    click(qtbot, page.delete_button)
    assert page.list.count() == 0 and page.document is None
    assert service.transformations.list_transformations() == []


def test_screenshots_of_the_designer_chain_buttons(store_window: MainWindow, qtbot: QtBot) -> None:
    """The inspector with Insert from / Publish to Transformations, light and dark, at two
    sizes (to /tmp/shots/tbuilder/; skipped unless FW_SHOTS is set)."""
    import os
    from pathlib import Path

    import pytest
    from PySide6.QtWidgets import QApplication

    from fieldwright.app.shell.theme import DARK, LIGHT, apply_theme

    if not os.environ.get("FW_SHOTS"):
        pytest.skip("FW_SHOTS is not set")
    window = store_window
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.documents.open_path(HUBSPOT)
    window.show_page("Designer")
    window.designer.select_mapping("$.first_name")
    inspector = window.designer.inspector
    publish = inspector.findChild(QPushButton, "publish_chain")
    assert publish is not None
    out = Path("/tmp/shots/tbuilder")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for theme, name in ((LIGHT, "light"), (DARK, "dark")):
        apply_theme(app, theme)
        for width, height in ((1280, 820), (1024, 700)):
            window.resize(width, height)
            QApplication.processEvents()
            inspector.scroll_area.ensureWidgetVisible(publish)
            QApplication.processEvents()
            window.grab().save(str(out / f"designer_chains_{name}_{width}.png"))
    apply_theme(app, LIGHT)
