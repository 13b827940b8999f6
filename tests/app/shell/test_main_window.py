"""The main window: welcome page, opening and saving, the unsaved-changes prompt, settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from fieldwright.app.settings.app_settings import AppSettings
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.menus import shortcut_text
from fieldwright.domain import dumps, load
from tests.app.conftest import HUBSPOT

Factory = Callable[..., MainWindow]
Button = QMessageBox.StandardButton


def _answer(monkeypatch: pytest.MonkeyPatch, button: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []

    def question(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return button

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def _edit(window: MainWindow) -> None:
    window.designer.map_fields("$.properties.company", "$.email")
    assert window.session.dirty


def test_welcome_page_shows_first_with_an_example_one_click_away(make_window: Factory) -> None:
    window = make_window()
    assert window.pages.currentWidget() is window.welcome
    buttons = window.welcome.example_buttons
    assert buttons, "an example is offered"
    hubspot = next(b for b in buttons if "hubspot" in b.objectName())
    hubspot.click()
    assert window.pages.currentWidget() is window.work_splitter
    assert window.session.document.key == "mapping_HUBSPOT_CRM_DEMO_20250724"
    assert "mapping.fwmap.json" in window.status.store_label.text()
    assert window.welcome.recent.count() == 1


def test_menus_hold_the_standard_shortcuts(make_window: Factory) -> None:
    window = make_window()
    shortcuts = {name: shortcut_text(a) for name, a in window.actions_by_name.items()}
    assert "Ctrl+S" in shortcuts["save"]
    assert "Ctrl+Z" in shortcuts["undo"]
    assert "Ctrl+Shift+Z" in shortcuts["redo"]
    assert "Ctrl+F" in shortcuts["find"]
    assert "Del" in shortcuts["delete"]
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles[:2] == ["File", "Edit"] and "Run" in titles and "Help" in titles


@pytest.mark.parametrize(("answer", "closes"), [(Button.Cancel, False), (Button.Discard, True)])
def test_closing_with_unsaved_changes_asks(
    make_window: Factory, monkeypatch: pytest.MonkeyPatch, answer: Button, closes: bool
) -> None:
    window = make_window(HUBSPOT)
    _edit(window)
    asked = _answer(monkeypatch, answer)
    assert window.close() is closes
    assert len(asked) == 1 and "HubSpot" in asked[0]
    assert window.isVisible() is not closes


def test_save_from_the_prompt_writes_the_file(
    make_window: Factory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.fwmap.json"
    copy.write_text(HUBSPOT.read_text(encoding="utf-8"), encoding="utf-8")
    window = make_window(copy)
    _edit(window)
    _answer(monkeypatch, Button.Save)
    assert window.documents.open_path(HUBSPOT)  # opening another mapping asks first
    saved = load(copy)
    assert saved.field("$.email").sources[-1] == "$.properties.company"  # type: ignore[union-attr]
    assert window.session.location == HUBSPOT and not window.session.dirty


def test_cancel_keeps_the_current_mapping_open(
    make_window: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(HUBSPOT)
    _edit(window)
    before = dumps(window.session.document)
    _answer(monkeypatch, Button.Cancel)
    window.documents.new_mapping()
    assert dumps(window.session.document) == before


def test_save_as_then_the_unsaved_mark_follows_the_undo_stack(
    make_window: Factory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    window = make_window(HUBSPOT)
    target = tmp_path / "mine.fwmap.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    _edit(window)
    assert window.isWindowModified()
    assert window.documents.save_as()
    assert not window.isWindowModified()
    assert window.status.save_label.text().startswith("Saved ")
    assert dumps(load(target)) == dumps(window.session.document)
    window.session.stack.undo()
    assert window.isWindowModified()
    window.session.stack.redo()
    assert not window.isWindowModified()


def test_a_broken_mapping_file_is_reported_not_raised(
    make_window: Factory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.fwmap.json"
    broken.write_text(json.dumps({"fieldwright": 1, "key": "k"}), encoding="utf-8")
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(str(a[2])))
    window = make_window()
    assert not window.documents.open_path(broken)
    assert warnings and "/name" in warnings[0]


def test_geometry_splitters_and_recent_files_persist_in_the_given_settings(
    make_window: Factory, settings_path: Path, qtbot: QtBot
) -> None:
    window = make_window(HUBSPOT)
    window.resize(790, 540)
    window.work_splitter.setSizes([300, 200])
    expected = window.geometry()
    window.close()
    store = AppSettings(QSettings(str(settings_path), QSettings.Format.IniFormat))
    assert store.recent_files() == [HUBSPOT.resolve()]
    assert not store.geometry().isEmpty()
    assert len(store.splitter_sizes("work_splitter")) == 2
    again = make_window()
    assert again.welcome.recent.count() == 1
    assert again.size() == expected.size()
    assert settings_path.is_file()


def test_find_focuses_the_filter(make_window: Factory, qtbot: QtBot) -> None:
    window = make_window(HUBSPOT)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.actions_by_name["find"].trigger()
    assert window.designer.source.filter.hasFocus()
