"""Item models change rows instead of resetting: selection and expansion survive edits."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.schema_model import PATH_ROLE
from fieldwright.app.designer.schema_view import SchemaPanel
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.authoring.edits import SetSchema, map_fields
from fieldwright.authoring.suite_edits import AddTest, RemoveTest
from fieldwright.domain import SchemaField, TestCase
from tests.app.conftest import HUBSPOT

Factory = Callable[..., MainWindow]
DEEP = "$.associations.companies"
PICKED = "$.properties.email"


def _expanded(panel: SchemaPanel, path: str) -> bool:
    return panel.tree.isExpanded(panel.proxy.mapFromSource(panel.model.index_for_path(path)))


def _current(panel: SchemaPanel) -> str:
    return str(panel.tree.currentIndex().data(PATH_ROLE) or "")


def _resets(panel: SchemaPanel) -> list[bool]:
    resets: list[bool] = []
    panel.model.modelReset.connect(lambda: resets.append(True))
    return resets


def test_selection_and_expansion_survive_a_schema_edit_and_its_undo(
    make_window: Factory,
) -> None:
    window = make_window(HUBSPOT)
    source = window.designer.source
    source.tree.expand(source.proxy.mapFromSource(source.model.index_for_path(DEEP)))
    source.select_path(PICKED)
    assert _expanded(source, DEEP) and _current(source) == PICKED
    resets = _resets(source)
    fields = window.session.document.source.fields
    window.session.push(SetSchema("source", [SchemaField(name="added"), *fields]))
    assert source.model.rowCount(QModelIndex()) == len(fields) + 1
    assert _expanded(source, DEEP) and _current(source) == PICKED
    window.session.stack.undo()
    assert source.model.rowCount(QModelIndex()) == len(fields)
    assert _expanded(source, DEEP) and _current(source) == PICKED
    assert resets == []


def test_selection_and_expansion_survive_a_mapping_edit_and_its_undo(
    make_window: Factory,
) -> None:
    window = make_window(HUBSPOT)
    source = window.designer.source
    source.tree.expand(source.proxy.mapFromSource(source.model.index_for_path(DEEP)))
    source.select_path(PICKED)
    resets = _resets(source)
    window.session.push(map_fields(window.session.document, "$.properties.phone", "$.email"))
    assert _expanded(source, DEEP) and _current(source) == PICKED
    window.session.stack.undo()
    assert _expanded(source, DEEP) and _current(source) == PICKED
    assert resets == []


def test_the_tests_table_inserts_and_removes_rows_and_keeps_the_selection(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = make_window(HUBSPOT)
    panel = window.tests_panel
    model = panel.model
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    count = model.rowCount()
    panel.select_test(1)
    chosen = model.tests[1].name
    with qtbot.waitSignal(model.rowsInserted):
        window.session.push(AddTest(TestCase(name="first", input={}, expected={}), 0))
    assert model.rowCount() == count + 1 and model.tests[0].name == "first"
    assert [model.tests[r].name for r in panel.selected_rows()] == [chosen]
    with qtbot.waitSignal(model.rowsRemoved):
        window.session.push(RemoveTest(0, "first"))
    assert [model.tests[r].name for r in panel.selected_rows()] == [chosen]
    assert resets == []
