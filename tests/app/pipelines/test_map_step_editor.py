"""The map step's editor: a stored mapping chosen by key from the store's list (or a file
typed), an inline mapping replaced by a stored one and brought back with Undo, and the
chosen mapping opened in the Mapping Designer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from fieldwright.app.pipelines.page import PipelinePage
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.domain import MappingDocument
from fieldwright.domain.canonical import save
from fieldwright.domain.pipeline import MapStep
from fieldwright.service import Service
from tests.app.pipelines.gestures import Left, add_chip
from tests.service.helpers import MAPPING_KEY, simple_document

INLINE: dict[str, object] = {
    "fieldwright": 1,
    "key": "mapping_T_T_INLINE_20261203",
    "name": "inline one",
    "fields": [{"target": "$.id", "sources": ["$.id"]}],
}


def _combo(page: PipelinePage) -> QComboBox:
    combo = page.editor.findChild(QComboBox, "step_mapping")
    assert combo is not None
    return combo


def _opener(page: PipelinePage) -> QPushButton:
    button = page.editor.findChild(QPushButton, "step_open_mapping")
    assert button is not None
    return button


def _map_step(page: PipelinePage) -> MapStep:
    (step,) = page.session.document.steps
    assert isinstance(step, MapStep)
    return step


def _choose(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    combo.setFocus()
    wanted = combo.findText(text)
    assert wanted >= 0, text
    while combo.currentIndex() != wanted:
        key = Qt.Key.Key_Down if combo.currentIndex() < wanted else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)


def _page(window: MainWindow, qtbot: QtBot) -> PipelinePage:
    window.actions_by_name["new_pipeline"].trigger()
    page = window.pipelines_page
    qtbot.waitUntil(page.isVisible)
    return page


def test_a_stored_mapping_is_chosen_by_key_and_opened_in_the_designer(
    store_window: MainWindow, service: Service, qtbot: QtBot
) -> None:
    service.save_mapping(simple_document(), None)
    page = _page(store_window, qtbot)
    add_chip(qtbot, page, "map")
    combo = _combo(page)
    assert [combo.itemText(i) for i in range(combo.count())] == [MAPPING_KEY]
    assert combo.itemData(0, Qt.ItemDataRole.ToolTipRole) == "generated"
    assert _map_step(page).mapping == combo.currentText() == "mapping.fwmap.json"  # the new
    assert page.problem_texts() == [  # step's, checked as the store checks it: a problem
        "/steps/0/mapping: 'mapping.fwmap.json' is neither a stored mapping's key nor a "
        "mapping file"
    ]
    _choose(qtbot, combo, MAPPING_KEY)
    assert _map_step(page).mapping == MAPPING_KEY
    assert page.problem_texts() == ["No problems: the pipeline compiles."]
    with qtbot.waitSignal(store_window.documents.documentLoaded):
        qtbot.mouseClick(_opener(page), Left)
    assert store_window.page_names[store_window.navigation.currentRow()] == "Designer"
    assert store_window.session.document.key == MAPPING_KEY


def test_an_inline_mapping_is_replaced_by_a_stored_one_and_undo_brings_it_back(
    store_window: MainWindow, service: Service, qtbot: QtBot, tmp_path: Path
) -> None:
    service.save_mapping(simple_document(), None)
    path = tmp_path / "inline.fwpipe.json"
    document = {
        "fieldwright_pipeline": 1,
        "key": "pipeline_T_T_X_20261203",
        "name": "inline",
        "steps": [{"name": "shape", "type": "map", "mapping": INLINE}],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    page = _page(store_window, qtbot)
    assert page.open_path(path)
    tree = page.tree
    item = tree.item_at((0,))
    assert item is not None
    qtbot.mouseClick(tree.viewport(), Left, pos=tree.visualItemRect(item).center())
    combo = _combo(page)
    shown = "(inline: inline one, 1 field mappings)"
    assert combo.currentText() == shown
    assert not _opener(page).isEnabled()  # an inline mapping has no file or key to open
    _choose(qtbot, combo, MAPPING_KEY)
    assert _map_step(page).mapping == MAPPING_KEY
    undo = page.findChild(QToolButton, "undo_pipeline")
    assert undo is not None
    qtbot.mouseClick(undo, Left)
    inline = _map_step(page).mapping
    assert isinstance(inline, MappingDocument) and inline.name == "inline one"
    assert _combo(page).currentText() == shown


def test_a_mapping_file_is_typed_and_opened_from_the_pipelines_folder(
    make_window: Callable[..., MainWindow], qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window()
    save(simple_document(), tmp_path / "people.fwmap.json")
    path = tmp_path / "file.fwpipe.json"
    document = {
        "fieldwright_pipeline": 1,
        "key": "pipeline_T_T_X_20261203",
        "name": "file",
        "steps": [{"name": "shape", "type": "map", "mapping": "other.fwmap.json"}],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    page = _page(window, qtbot)
    assert page.open_path(path)
    tree = page.tree
    item = tree.item_at((0,))
    assert item is not None
    qtbot.mouseClick(tree.viewport(), Left, pos=tree.visualItemRect(item).center())
    combo = _combo(page)
    assert combo.count() == 0  # no store: nothing to list
    line = combo.lineEdit()
    assert line is not None
    line.selectAll()
    qtbot.keyClicks(line, "people.fwmap.json")
    assert _map_step(page).mapping == "people.fwmap.json"
    with qtbot.waitSignal(window.documents.documentLoaded):
        qtbot.mouseClick(_opener(page), Left)
    assert window.session.document.key == MAPPING_KEY
    assert window.page_names[window.navigation.currentRow()] == "Designer"
