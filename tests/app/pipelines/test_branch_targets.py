"""A route branch's target is set in the designer: a file, or a SQL table through a saved
connection chosen from the store's list (or a database URL), insert or upsert by keys.
Settings are checked as they are typed (a target the run could not open edits nothing),
edits are undoable, and a stored pipeline keeps the target and writes the table."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QToolButton
from pytestqt.qtbot import QtBot

from fieldwright.app.pipelines.branch_target import BranchTargetEditor, target_problems
from fieldwright.app.pipelines.page import PipelinePage
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.theme import DARK, LIGHT, apply_theme
from fieldwright.domain import ConnectorRef
from fieldwright.domain.pipeline import RouteStep
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service import Service
from tests.app.pipelines.gestures import Left, add_chip, retype, rows, type_cell

ORDERS = [{"n": 1, "qty": 9}, {"n": 2, "qty": 1}, {"n": 3, "qty": 7}]


def _target_editor(page: PipelinePage) -> BranchTargetEditor:
    editor = page.editor.findChild(BranchTargetEditor, "step_branch_target")
    assert editor is not None
    return editor


def _choose(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    """Pick `text` in `combo` with the keyboard, as an analyst does."""
    combo.setFocus()
    wanted = combo.findText(text)
    assert wanted >= 0, (text, [combo.itemText(i) for i in range(combo.count())])
    while combo.currentIndex() != wanted:
        key = Qt.Key.Key_Down if combo.currentIndex() < wanted else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)


def _field(editor: BranchTargetEditor, key: str) -> QLineEdit:
    edit = editor.findChild(QLineEdit, f"step_{key}")
    assert edit is not None, key
    return edit


def _route(page: PipelinePage) -> RouteStep:
    (step,) = page.session.document.steps
    assert isinstance(step, RouteStep)
    return step


def _branch_target(page: PipelinePage) -> dict[str, Any] | None:
    target = _route(page).branches[0].target
    if target is None or target.connector is None:
        return None
    return target.connector.model_dump(mode="json", exclude_none=True)


def _select_branch(qtbot: QtBot, page: PipelinePage, row: int) -> None:
    view = rows(page, "branches").table
    item = view.item(row, 0)
    assert item is not None
    qtbot.mouseClick(view.viewport(), Left, pos=view.visualItemRect(item).center())


def _select_step(qtbot: QtBot, page: PipelinePage) -> None:
    tree = page.tree
    item = tree.item_at((0,))
    assert item is not None
    qtbot.mouseClick(tree.viewport(), Left, pos=tree.visualItemRect(item).center())


@pytest.fixture
def warehouse(service: Service, tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE big_orders (n INTEGER PRIMARY KEY, qty INTEGER)")
        db.execute("INSERT INTO big_orders VALUES (3, 0)")  # upserted by the run
    service.connections.save(
        ConnectionRecord(name="warehouse", kind="sql", settings={"url": f"sqlite:///{path}"})
    )
    service.connections.save(
        ConnectionRecord(name="crm_api", kind="http", settings={"url": "https://crm.test"})
    )
    return path


def test_a_branch_gets_a_sql_target_chosen_typed_saved_reopened_and_run(
    store_window: MainWindow, service: Service, warehouse: Path, qtbot: QtBot, tmp_path: Path
) -> None:
    window = store_window
    window.actions_by_name["new_pipeline"].trigger()  # File → New pipeline
    page = window.pipelines_page
    qtbot.waitUntil(page.isVisible)
    add_chip(qtbot, page, "route")
    branches = rows(page, "branches")
    type_cell(qtbot, branches, 0, 0, "big")
    type_cell(qtbot, branches, 0, 1, "qty > `5`")
    _select_branch(qtbot, page, 0)
    editor = _target_editor(page)
    assert editor.isEnabled() and editor.title() == "Target of branch 'big'"
    check = editor.findChild(QLabel, "step_target_check")
    assert check is not None
    assert editor.kind.currentText().startswith("None")
    assert not editor.form.isRowVisible(editor.table)

    # SQL table: the connections offered are the store's SQL ones, fetched through the service.
    _choose(qtbot, editor.kind, "SQL table")
    assert editor.form.isRowVisible(editor.table) and editor.form.isRowVisible(editor.url)
    offered = [editor.connection.itemText(i) for i in range(editor.connection.count())]
    assert offered == ["(none: the URL below)", "warehouse"]  # not the HTTP one
    assert check.text().splitlines() == [
        "✗ choose a saved connection, or give the database URL",
        "✗ give the table's name",
    ]
    assert _branch_target(page) is None  # refused as typed: nothing edited
    _choose(qtbot, editor.connection, "warehouse")
    assert not editor.form.isRowVisible(editor.url)  # the connection's database
    retype(qtbot, _field(editor, "target_table"), "1st_orders")  # wrong from its first key
    assert check.text() == "✗ '1st_orders' is not a table name: letters, digits and _"
    assert _branch_target(page) is None
    retype(qtbot, _field(editor, "target_table"), "big_orders")
    assert check.text() == "✓ the run can write this target"
    inserted = {"kind": "sql", "connection": "warehouse", "settings": {"table": "big_orders"}}
    assert _branch_target(page) == inserted
    assert branches.rows()[0][2] == "sql: warehouse/big_orders"
    _choose(qtbot, editor.mode, "upsert")
    assert check.text() == "✗ upsert needs the key columns that find a row (e.g. id)"
    assert _branch_target(page) == inserted
    retype(qtbot, _field(editor, "target_keys"), "n")
    upserted = {
        "kind": "sql",
        "connection": "warehouse",
        "settings": {"table": "big_orders", "mode": "upsert", "key": ["n"]},
    }
    assert _branch_target(page) == upserted
    assert page.problem_texts() == ["No problems: the pipeline compiles."]

    # Undoable: the keys' edit goes back, and comes again.
    undo, redo = (page.findChild(QToolButton, n) for n in ("undo_pipeline", "redo_pipeline"))
    assert undo is not None and redo is not None
    qtbot.mouseClick(undo, Left)
    assert _branch_target(page) == inserted
    editor = _target_editor(page)  # the form is built anew, the branch still selected
    assert (editor.title(), editor.mode.currentText()) == ("Target of branch 'big'", "insert")
    qtbot.mouseClick(redo, Left)
    assert _branch_target(page) == upserted
    assert _target_editor(page).keys.text() == "n"
    branches = rows(page, "branches")

    # Editing the route elsewhere keeps the target whole.
    type_cell(qtbot, branches, 0, 1, "qty > `4`")
    assert _route(page).branches[0].when == "qty > `4`"
    assert _branch_target(page) == upserted
    if os.environ.get("FW_SHOTS"):
        _select_branch(qtbot, page, 0)
        _shots(window, "route_sql_branch_target")

    # Saved to the store, then reopened: the target is there, in the tree and the editor.
    page.asker.stored_key = lambda keys: keys[0]  # type: ignore[method-assign]
    store = page.findChild(QToolButton, "store_pipeline")
    assert store is not None
    qtbot.mouseClick(store, Left)
    page.new()
    assert page.session.document.steps == []
    opened = page.findChild(QToolButton, "open_stored_pipeline")
    assert opened is not None
    qtbot.mouseClick(opened, Left)
    route_row = page.tree.item_at((0,))
    assert route_row is not None
    assert "→ sql: warehouse/big_orders" in route_row.child(0).text(1)
    _select_step(qtbot, page)
    _select_branch(qtbot, page, 0)
    editor = _target_editor(page)
    assert editor.kind.currentText() == "SQL table"
    assert editor.connection.currentText() == "warehouse"
    assert (editor.table.text(), editor.mode.currentText(), editor.keys.text()) == (
        "big_orders",
        "upsert",
        "n",
    )

    # The stored pipeline's run writes the table (row 3 upserted, 1 inserted).
    source = tmp_path / "orders.ndjson"
    source.write_text("".join(json.dumps(o) + "\n" for o in ORDERS), encoding="utf-8")
    output = tmp_path / "rest.ndjson"
    result = service.start_run(
        page.session.document.key,
        source=ConnectorRef(kind="ndjson", settings={"path": str(source)}),
        target=ConnectorRef(kind="ndjson", settings={"path": str(output)}),
    ).wait()
    assert result.status is RunStatus.COMPLETED, result.message
    with sqlite3.connect(warehouse) as db:
        assert db.execute("SELECT n, qty FROM big_orders ORDER BY n").fetchall() == [
            (1, 9),
            (3, 7),
        ]
    assert [json.loads(x) for x in output.read_text().splitlines()] == [ORDERS[1]]


def test_a_file_target_and_a_database_url_are_set_and_cleared(
    store_window: MainWindow, warehouse: Path, qtbot: QtBot
) -> None:
    window = store_window
    window.actions_by_name["new_pipeline"].trigger()
    page = window.pipelines_page
    qtbot.waitUntil(page.isVisible)
    add_chip(qtbot, page, "route")
    branches = rows(page, "branches")
    qtbot.mouseClick(branches.add_button, Left)  # a second branch, new in this form
    type_cell(qtbot, branches, 1, 0, "rest")
    _select_branch(qtbot, page, 1)
    editor = _target_editor(page)
    _choose(qtbot, editor.kind, "File beside the output")
    retype(qtbot, _field(editor, "target_path"), "out/rest.csv")
    check = editor.findChild(QLabel, "step_target_check")
    assert check is not None and "give a name, not a path" in check.text()
    retype(qtbot, _field(editor, "target_path"), "rest.csv")
    rest = _route(page).branches[1]
    assert rest.target is not None and rest.target.connector is not None
    assert (rest.target.connector.kind, rest.target.connector.settings) == (
        "csv",
        {"path": "rest.csv"},
    )
    assert branches.rows()[1][2] == "rest.csv"
    _choose(qtbot, editor.kind, "SQL table")
    retype(qtbot, _field(editor, "target_url"), "warehouse.db")
    assert "is not a database URL" in check.text()
    retype(qtbot, _field(editor, "target_url"), f"sqlite:///{warehouse}")
    retype(qtbot, _field(editor, "target_table"), "big_orders")
    rest = _route(page).branches[1]
    assert rest.target is not None and rest.target.connector is not None
    assert rest.target.connector.model_dump(mode="json", exclude_none=True) == {
        "kind": "sql",
        "settings": {"url": f"sqlite:///{warehouse}", "table": "big_orders"},
    }
    _choose(qtbot, editor.kind, "None: the records go on")
    assert _route(page).branches[1].target is None and branches.rows()[1][2] == ""
    assert _route(page).branches[0].target is None  # the first branch untouched


def test_target_problems_name_what_the_run_could_not_open() -> None:
    def sql(**settings: Any) -> dict[str, Any]:
        return {"connector": {"kind": "sql", "settings": settings}}

    assert target_problems(None) == []
    assert target_problems(sql(url="sqlite:///a.db", table="t")) == []
    named = {"connector": {"kind": "sql", "connection": "dw", "settings": {"table": "t"}}}
    assert target_problems(named, ["dw"]) == []
    assert target_problems(named, None) == []  # the list is unknown: the name is not judged
    assert target_problems(named, ["other"]) == [
        "'dw' is not a saved SQL connection (the store has: other)"
    ]
    assert target_problems(sql(url="sqlite:///a.db", table="t", mode="upsert", key=["a b"])) == [
        "a b: not column names"
    ]
    file = {"connector": {"kind": "ndjson", "settings": {"path": ""}}}
    assert target_problems(file) == ["give the file's name (it is written beside the run's output)"]


def _shots(window: MainWindow, name: str) -> None:
    out = Path("/tmp/shots/pipedesign")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for theme, shade in ((LIGHT, "light"), (DARK, "dark")):
        apply_theme(app, theme)
        for width, height in ((1280, 820), (1024, 700)):
            window.resize(width, height)
            QApplication.processEvents()
            window.grab().save(str(out / f"{name}_{shade}_{width}.png"))
            page = window.pipelines_page  # the branch target's rows, scrolled to
            bar = page.editor.scroller.verticalScrollBar()
            bar.setValue(bar.maximum())
            window.grab().save(str(out / f"{name}_{shade}_{width}_scrolled.png"))
            bar.setValue(0)
    apply_theme(app, LIGHT)


def test_a_branch_gets_an_http_target_through_a_saved_connection(
    store_window: MainWindow, warehouse: Path, qtbot: QtBot
) -> None:
    window = store_window
    window.actions_by_name["new_pipeline"].trigger()
    page = window.pipelines_page
    qtbot.waitUntil(page.isVisible)
    add_chip(qtbot, page, "route")
    _select_branch(qtbot, page, 0)
    editor = _target_editor(page)
    check = editor.findChild(QLabel, "step_target_check")
    assert check is not None
    _choose(qtbot, editor.kind, "HTTP endpoint")
    assert not editor.form.isRowVisible(editor.table) and editor.form.isRowVisible(editor.method)
    offered = [editor.connection.itemText(i) for i in range(editor.connection.count())]
    assert offered == ["(none: the URL below)", "crm_api"]  # the HTTP ones only
    retype(qtbot, _field(editor, "target_url"), "ftp://crm.test/x")
    assert check.text() == "✗ 'ftp://crm.test/x' is not an http:// or https:// URL"
    assert _branch_target(page) is None
    _choose(qtbot, editor.connection, "crm_api")
    retype(qtbot, _field(editor, "target_url"), "/overtime")
    assert _branch_target(page) == {
        "kind": "http",
        "connection": "crm_api",
        "settings": {"url": "/overtime"},
    }
    _choose(qtbot, editor.method, "PUT")
    retype(qtbot, _field(editor, "target_batch_size"), "0")
    assert check.text() == "✗ 0: the records per request are a whole number, 1 or more"
    retype(qtbot, _field(editor, "target_batch_size"), "50")
    assert _branch_target(page) == {
        "kind": "http",
        "connection": "crm_api",
        "settings": {"url": "/overtime", "method": "PUT", "batch_size": 50},
    }
    assert rows(page, "branches").rows()[0][2] == "http: crm_api /overtime"
    assert page.problem_texts() == ["No problems: the pipeline compiles."]
    # To a SQL table: the HTTP connection is not offered, nothing is edited until it is whole.
    _choose(qtbot, editor.kind, "SQL table")
    offered = [editor.connection.itemText(i) for i in range(editor.connection.count())]
    assert offered == ["(none: the URL below)", "warehouse"]
    assert editor.connection.currentText() == "(none: the URL below)"
    still = _branch_target(page)
    assert still is not None and still["kind"] == "http"
