"""Journey (issue 19 item 5): from an empty store, the analyst builds a transformation on
the Transformations page by clicks and typing, tests it with two cases, saves it, edits
it, sees version 2 and what changed; then inserts it into a mapping from the designer and
the mapping runs with it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QListWidget, QPushButton
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.arg_editors import LineArgEditor
from fieldwright.app.designer.function_palette import FunctionPalette
from fieldwright.app.preview.model import FIXED_COLUMNS
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.theme import DARK, LIGHT, apply_theme
from fieldwright.app.transformations.page import TransformationPage
from fieldwright.domain import load, save
from fieldwright.service import Service, compile_mapping, run_file
from tests.app.conftest import HUBSPOT
from tests.app.journeys.gestures import TIMEOUT, click, in_modal, ok_button, retype

Left = Qt.MouseButton.LeftButton


def _page(window: MainWindow) -> TransformationPage:
    window.show_page("Transformations")
    page = window.transformations_page
    assert page is not None
    return page


def _add_step(page: TransformationPage, qtbot: QtBot, function: str) -> None:
    """Add step…: the function's name typed into the palette's search, then Add step."""

    def choose(palette: FunctionPalette) -> None:
        qtbot.keyClicks(palette.search, function)
        listing = palette.findChild(QListWidget, "function_list")
        assert listing is not None
        while palette.chosen() != function:
            row = listing.currentRow()
            qtbot.keyClick(listing, Qt.Key.Key_Down)
            assert listing.currentRow() != row, f"{function} is not in the palette"
        click(qtbot, ok_button(palette))

    errors = in_modal(FunctionPalette, choose)
    with qtbot.waitSignal(page.testsRan, timeout=TIMEOUT):  # the tests rerun on a pool thread
        click(qtbot, page.add_step_button)
    assert not errors, errors


def _results(page: TransformationPage) -> list[tuple[str, str, str]]:
    """(input, actual, result) per row of the test table."""
    table = page.table
    return [
        (table.item(row, 1).text(), table.item(row, 3).text(), table.item(row, 4).text())
        for row in range(table.rowCount())
    ]


def _add_case(page: TransformationPage, qtbot: QtBot, value: str, expected: str) -> None:
    with qtbot.waitSignal(page.testsRan, timeout=TIMEOUT):
        click(qtbot, page.add_case_button)
    with qtbot.waitSignal(page.testsRan, timeout=TIMEOUT):
        retype(qtbot, page.case_input, value, enter=True)
    with qtbot.waitSignal(page.testsRan, timeout=TIMEOUT):
        retype(qtbot, page.case_expected, expected, enter=True)


def _build_and_save_version_2(window: MainWindow, qtbot: QtBot, service: Service) -> None:
    page = _page(window)
    assert page.list.count() == 0 and page.document is None
    page.asker.new_name = lambda: "short_code"  # type: ignore[method-assign]
    click(qtbot, page.new_button)
    assert page.document is not None and page.document.key == "transform_short_code"
    _add_step(page, qtbot, "trim")
    _add_step(page, qtbot, "truncate")
    # The truncate step's length typed into the designer's argument editor.
    _param, length = page.args.editors[0]
    assert isinstance(length, LineArgEditor)
    with qtbot.waitSignal(page.testsRan, timeout=TIMEOUT):
        retype(qtbot, length.line, "3", enter=True)
    assert [page.steps.item(i).text() for i in range(page.steps.count())] == [
        "1. trim()",
        "2. truncate(3)",
    ]
    _add_case(page, qtbot, "  Hello ", '"Hel"')
    _add_case(page, qtbot, " ab", "AB")
    assert _results(page) == [
        ('"  Hello "', '"Hel"', "pass"),
        ('" ab"', '"ab"', "FAIL"),
    ]
    assert page.summary.text() == "1 passed, 1 failed"
    click(qtbot, page.save_button)
    assert page.base_version == 1 and page.list.count() == 1
    assert page.list.item(0).text() == "@short_code  v1"

    # Edit: an upper step; the first case now fails until its expected value is fixed.
    _add_step(page, qtbot, "upper")
    assert [r[2] for r in _results(page)] == ["FAIL", "pass"]
    page.table.selectRow(0)
    with qtbot.waitSignal(page.testsRan, timeout=TIMEOUT):
        retype(qtbot, page.case_expected, "HEL", enter=True)
    assert [r[2] for r in _results(page)] == ["pass", "pass"]
    # Edit → Undo on this page takes back the last edit, Redo puts it back.
    assert window.undo_group.activeStack() is page.stack
    with qtbot.waitSignal(page.testsRan, timeout=TIMEOUT):
        window.undo_group.undo()
    assert [r[2] for r in _results(page)] == ["FAIL", "pass"]
    with qtbot.waitSignal(page.testsRan, timeout=TIMEOUT):
        window.undo_group.redo()
    click(qtbot, page.save_button)
    assert page.base_version == 2 and page.stack.isClean()
    assert page.versions.count() == 2 and page.versions.item(0).text().startswith("v2 · alice")
    page.versions.setCurrentRow(0)
    diff = page.diff.toPlainText()
    assert "step 2 added: upper()" in diff and "test 'test 1' changed" in diff
    [stored] = service.transformations.list_transformations()
    assert (stored.name, stored.latest_version, stored.test_count) == ("short_code", 2, 2)


def _column(window: MainWindow, target: str) -> list[object]:
    model = window.preview.model
    column = model.targets.index(target) + len(FIXED_COLUMNS)
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_build_test_version_and_use_a_transformation_in_a_mapping(
    store_window: MainWindow, service: Service, qtbot: QtBot, tmp_path: Path
) -> None:
    window = store_window
    window.resize(1280, 820)
    _build_and_save_version_2(window, qtbot, service)

    # The designer: a mapping, its first_name field, Insert from Transformations….
    window.show_page("Designer")
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.documents.open_path(HUBSPOT)
    before = _column(window, "$.first_name")
    window.designer.select_mapping("$.first_name")
    insert = window.designer.inspector.findChild(QPushButton, "insert_stored_chain")
    assert insert is not None and insert.isVisible()

    def pick(dialog: QInputDialog) -> None:
        assert dialog.comboBoxItems() == ["@short_code"]
        dialog.setTextValue("@short_code")
        click(qtbot, ok_button(dialog))

    errors = in_modal(QInputDialog, pick)
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        click(qtbot, insert)
    assert not errors, errors
    document = window.session.document
    assert [s.fn for s in document.library["short_code"]] == ["trim", "truncate", "upper"]
    field = document.field("$.first_name")
    assert field is not None and field.transforms[-1].fn == "@short_code"
    after = _column(window, "$.first_name")
    assert after == [v if v is None else str(v).strip()[:3].upper() for v in before]
    assert any(after)

    # The mapping, saved beside its sample, runs with the chain as `fieldwright run` does.
    mapping_path = tmp_path / "mapping.fwmap.json"
    save(document, mapping_path)
    output = tmp_path / "out.json"
    result = run_file(compile_mapping(load(mapping_path)), HUBSPOT.parent / "contacts.json", output)
    counts = result.counts
    assert (counts.read, counts.failed) == (len(before), 0)
    assert counts.written + counts.filtered == counts.read
    written = [record.get("first_name") for record in json.loads(output.read_text())]
    assert written == [value for value in after if value]  # the filter drops the empty one


def test_screenshots_of_the_transformations_page(
    store_window: MainWindow, service: Service, qtbot: QtBot
) -> None:
    """The page with a transformation open, light and dark, at two sizes (to
    /tmp/shots/tbuilder/, to be looked at; skipped unless FW_SHOTS is set)."""
    if not os.environ.get("FW_SHOTS"):
        pytest.skip("FW_SHOTS is not set")
    out = Path("/tmp/shots/tbuilder")
    out.mkdir(parents=True, exist_ok=True)
    _page(store_window)  # empty: nothing stored, nothing open
    store_window.resize(1024, 700)
    QApplication.processEvents()
    store_window.grab().save(str(out / "transformations_empty_light_1024.png"))
    _build_and_save_version_2(store_window, qtbot, service)
    page = _page(store_window)
    page.table.selectRow(1)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for theme, name in ((LIGHT, "light"), (DARK, "dark")):
        apply_theme(app, theme)
        for width, height in ((1280, 820), (1024, 700)):
            store_window.resize(width, height)
            QApplication.processEvents()
            store_window.grab().save(str(out / f"transformations_{name}_{width}.png"))
    apply_theme(app, LIGHT)
