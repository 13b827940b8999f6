"""Mapping → Lookups… and Mapping → Filter…, driven through their widgets.

The journey: add a table, type two rows into the grid, set its default, OK;
a lookup step using the table changes the Preview; a filter typed wrong then
right; the Preview counts the records it drops and a dropped row's lineage
says why; Undo puts the previous filter back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QDialogButtonBox, QLineEdit, QTreeWidgetItem
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.filter_dialog import FilterDialog
from fieldwright.app.designer.lookups_dialog import LookupsDialog
from fieldwright.app.preview.model import FIXED_COLUMNS
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.authoring.edits import edit_mapping
from fieldwright.domain import TransformStep
from tests.app.conftest import HUBSPOT

Factory = Callable[..., MainWindow]
TIMEOUT = 10_000


def _opened(make_window: Factory, qtbot: QtBot) -> MainWindow:
    window = make_window()
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.documents.open_path(HUBSPOT)
    return window


def _replace_text(qtbot: QtBot, widget: QLineEdit, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    qtbot.keyClicks(widget, text)


def _type_into_cell(qtbot: QtBot, dialog: LookupsDialog, row: int, column: int, text: str) -> None:
    """Double-click a grid cell (unless its editor is open), type into its editor, Enter."""
    grid = dialog.grid
    index = dialog.model.index(row, column)
    rect = grid.visualRect(index)
    editing = QAbstractItemView.State.EditingState
    if not (grid.state() == editing and grid.currentIndex() == index):
        # A double-click as a hand makes it: press and release, then the double-click.
        qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editors = [
        e
        for e in grid.viewport().findChildren(QLineEdit)
        if e.isVisible() and e.geometry().contains(rect.center())
    ]
    assert len(editors) == 1, "the cell did not open one editor"
    editor = editors[0]
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: grid.state() != editing)


def _ok(dialog: LookupsDialog | FilterDialog) -> None:
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    button = buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert button.isEnabled()
    button.click()


def _cell(window: MainWindow, row: int, target: str) -> object:
    model = window.preview.model
    return model.index(row, model.targets.index(target) + len(FIXED_COLUMNS)).data()


def _lineage(window: MainWindow) -> list[tuple[str, str]]:
    tree = window.preview.lineage
    items: list[QTreeWidgetItem] = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    return [(item.text(0), item.text(1)) for item in items]


def test_a_table_typed_into_the_grid_feeds_a_lookup_step_in_the_preview(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = _opened(make_window, qtbot)
    window.actions_by_name["lookups"].trigger()
    dialog = window.findChild(LookupsDialog)
    assert dialog is not None and dialog.isVisible()
    assert [dialog.tables.item(i).text() for i in range(dialog.tables.count())] == [
        "lifecycle_stage",
        "country",
    ]

    _replace_text(qtbot, dialog.new_name, "stage_codes")
    qtbot.mouseClick(dialog.add_table_button, Qt.MouseButton.LeftButton)
    assert dialog.tables.currentItem().text() == "stage_codes"
    for row, (key, value) in enumerate([("customer", "C"), ("lead", "L")]):
        qtbot.mouseClick(dialog.add_row_button, Qt.MouseButton.LeftButton)
        _type_into_cell(qtbot, dialog, row, 0, key)
        _type_into_cell(qtbot, dialog, row, 1, value)
    # A repeated key is named and holds OK back until it is fixed.
    qtbot.mouseClick(dialog.add_row_button, Qt.MouseButton.LeftButton)
    _type_into_cell(qtbot, dialog, 2, 0, "lead")
    assert not dialog.problem.isHidden(), (dialog.model.rows, dialog.problem.text())
    assert "repeats the key 'lead'" in dialog.problem.text()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.grid.selectRow(2)
    qtbot.mouseClick(dialog.delete_rows_button, Qt.MouseButton.LeftButton)
    assert dialog.problem.isHidden()
    _replace_text(qtbot, dialog.default, "?")
    assert window.session.document.lookups.get("stage_codes") is None  # nothing until OK
    _ok(dialog)

    document = window.session.document
    assert document.lookups["stage_codes"] == {"customer": "C", "lead": "L"}
    assert document.lookup_defaults == {"stage_codes": "?"}
    assert window.session.stack.undoText() == "Edit lookup tables"

    lookup = [TransformStep(fn="lower"), TransformStep(fn="lookup", args=["stage_codes"])]
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.session.push(edit_mapping(document, "$.stage", "Use stage codes", transforms=lookup))
    assert [_cell(window, row, "$.stage") for row in range(3)] == ["C", "?", "L"]

    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.session.stack.undo()
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.session.stack.undo()
    assert "stage_codes" not in window.session.document.lookups


def test_the_filter_is_checked_as_typed_and_the_preview_counts_and_explains_drops(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = _opened(make_window, qtbot)
    original = window.session.document.filter
    assert "1 dropped by the filter" in window.preview.counts.text()

    window.actions_by_name["record_filter"].trigger()
    dialog = window.findChild(FilterDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.expression.toPlainText() == original
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.expression.setFocus()
    dialog.expression.selectAll()
    qtbot.keyClick(dialog.expression, Qt.Key.Key_Delete)
    qtbot.keyClicks(dialog.expression, "archived ==")
    assert dialog.problem.property("role") == "error"
    assert dialog.problem.text().startswith("Invalid JMESPath expression")
    assert not ok.isEnabled()
    qtbot.keyClicks(dialog.expression, " `false` && properties.lifecyclestage != 'lead'")
    assert dialog.problem.property("role") == "muted"
    assert dialog.problem.text() == "Valid: keeps 6 of the 8 sample records, drops 2."
    assert ok.isEnabled()
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        _ok(dialog)

    assert window.session.document.filter == (
        "archived == `false` && properties.lifecyclestage != 'lead'"
    )
    assert window.preview.counts.text() == "8 records · 6 ok · 0 failed · 2 dropped by the filter"
    table = window.preview.table
    rect = table.visualRect(window.preview.model.index(2, 1))  # record 202, a lead
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    lineage = _lineage(window)
    assert ("Status", "filtered") in lineage
    assert ("Dropped by filter", window.session.document.filter) in lineage
    assert ("Filter read", "archived = false") in lineage
    assert ("Filter read", 'properties.lifecyclestage = "lead"') in lineage
    # Its target cells say the same, after why they are empty.
    rect = table.visualRect(window.preview.model.index(2, len(FIXED_COLUMNS)))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert ("Filtered", "The mapping's filter dropped this record") in _lineage(window)
    assert ("Filter read", "archived = false") in _lineage(window)

    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.session.stack.undo()
    assert window.session.document.filter == original
    assert "1 dropped by the filter" in window.preview.counts.text()


def test_import_and_paste_add_rows_and_a_bad_file_names_its_line(
    make_window: Factory, qtbot: QtBot, tmp_path: Path
) -> None:
    window = _opened(make_window, qtbot)
    window.actions_by_name["lookups"].trigger()
    dialog = window.findChild(LookupsDialog)
    assert dialog is not None
    good = tmp_path / "countries.csv"
    good.write_text("name,code\nSpain,ES\nFrance,FX\n", encoding="utf-8")
    dialog.tables.setCurrentRow(1)  # country
    dialog.import_file(good)
    assert dialog.working.lookups["country"]["Spain"] == "ES"
    assert dialog.working.lookups["country"]["France"] == "FX"  # an existing key updated
    bad = tmp_path / "bad.csv"
    bad.write_text("name,code\nItaly,IT\n,XX\n", encoding="utf-8")
    dialog.import_file(bad)
    assert "bad.csv, line 3: the key (first column) is empty" in dialog.problem.text()
    assert "Italy" not in dialog.working.lookups["country"]

    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().setText("Italy\tIT\nPortugal\tPT\n")
    qtbot.mouseClick(dialog.paste_button, Qt.MouseButton.LeftButton)
    assert dialog.working.lookups["country"]["Portugal"] == "PT"
    # Rename in place: the list item is edited; the steps using the table follow.
    qtbot.mouseClick(dialog.rename_button, Qt.MouseButton.LeftButton)
    editors = [e for e in dialog.tables.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    editors[0].selectAll()
    qtbot.keyClicks(editors[0], "countries")
    qtbot.keyClick(editors[0], Qt.Key.Key_Return)  # the view commits on its next turn
    qtbot.waitUntil(lambda: dialog.tables.state() != QAbstractItemView.State.EditingState)
    assert list(dialog.working.lookups) == ["lifecycle_stage", "countries"]
    country_code = dialog.working.field("$.country_code")
    assert country_code is not None and country_code.transforms[0].args[0] == "countries"
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert list(dialog.working.lookups) == ["lifecycle_stage"]
    dialog.reject()
    assert list(window.session.document.lookups) == ["lifecycle_stage", "country"]
    assert dialog.model.index(0, 0) != QModelIndex()
