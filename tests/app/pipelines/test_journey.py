"""An analyst designs a branching pipeline from nothing on the Pipelines page, with real widgets:
New pipeline → unwind, aggregate and route from the palette (a double-click, a drag) →
settings typed into each step's editor → a step dragged to another place → undo / redo →
a per-step preview on a sample → a record's lineage → save to a file and to the store;
then the saved file runs headless (`fieldwright run FILE`) with the output the preview showed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QTableWidget, QToolButton
from pytestqt.qtbot import QtBot

from fieldwright.app.pipelines.example import EXAMPLE_ORDERS
from fieldwright.app.pipelines.page import PipelinePage
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.theme import DARK, LIGHT, apply_theme
from fieldwright.cli.main import cli
from fieldwright.service import Service, open_pipeline
from tests.app.pipelines.gestures import (
    Left,
    add_chip,
    choose_cell,
    line,
    mouse_drags,
    retype,
    rows,
    type_cell,
)

TIMEOUT = 20_000


def _names(page: PipelinePage) -> list[str]:
    return [step.name for step in page.session.document.steps]


def _button(page: PipelinePage, name: str) -> QToolButton:
    button = page.findChild(QToolButton, name)
    assert button is not None, name
    return button


def _read(path: Path) -> list[dict[str, object]]:
    return [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]


def test_design_a_branching_pipeline_preview_it_save_it_and_run_it(
    store_window: MainWindow,
    service: Service,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = store_window
    sample = tmp_path / "orders.ndjson"
    sample.write_text("".join(json.dumps(o) + "\n" for o in EXAMPLE_ORDERS), encoding="utf-8")
    window.actions_by_name["new_pipeline"].trigger()
    page = window.pipelines_page
    qtbot.waitUntil(page.isVisible)  # a page built on first use shows on the next loop turn
    assert window.current_page() is page
    assert window.page_names.index("Pipelines") == window.navigation.currentRow()

    # -- an unwind from the palette (double-click), its settings typed --------------------
    add_chip(qtbot, page, "unwind")
    assert _names(page) == ["unwind"]
    retype(qtbot, line(page, "name"), "lines")
    retype(qtbot, line(page, "path"), "$.items")
    carry = rows(page, "carry")
    qtbot.mouseClick(carry.add_button, Left)
    type_cell(qtbot, carry, 0, 0, "order_id")
    type_cell(qtbot, carry, 0, 1, "$.order_id")
    qtbot.mouseClick(carry.add_button, Left)
    type_cell(qtbot, carry, 1, 0, "country")
    type_cell(qtbot, carry, 1, 1, "$.country")

    # -- an aggregate dragged from the palette below it -----------------------------------
    tree = page.tree
    with mouse_drags(monkeypatch) as drag:
        palette = page.step_palette
        chip = palette.visualItemRect(palette.item_for("aggregate")).center()
        below = tree.visualItemRect(tree.topLevelItem(0)).bottomLeft()
        drag(palette, chip, tree, below + below.__class__(30, 40))
        assert _names(page) == ["lines", "aggregate"]
        retype(qtbot, line(page, "name"), "per country")
        group_by = rows(page, "group_by")
        qtbot.mouseClick(group_by.add_button, Left)
        type_cell(qtbot, group_by, 0, 0, "$.country")
        aggregates = rows(page, "aggregates")
        type_cell(qtbot, aggregates, 0, 0, "orders")
        choose_cell(qtbot, aggregates, 0, 1, "count_distinct")
        assert "needs the field" in page.editor.error.text()  # shown, nothing edited
        type_cell(qtbot, aggregates, 0, 2, "$.order_id")
        qtbot.mouseClick(aggregates.add_button, Left)
        type_cell(qtbot, aggregates, 1, 0, "qty")
        choose_cell(qtbot, aggregates, 1, 1, "sum")
        type_cell(qtbot, aggregates, 1, 2, "$.qty")
        assert page.editor.error.isHidden()

        # -- a route with a branch to its own file; its predicate checked as typed --------
        add_chip(qtbot, page, "route")
        assert _names(page) == ["lines", "per country", "route"]
        retype(qtbot, line(page, "name"), "split")
        branches = rows(page, "branches")
        check = page.editor.findChild(QLabel, "step_branches_check")
        assert check is not None
        type_cell(qtbot, branches, 0, 0, "big")
        type_cell(qtbot, branches, 0, 1, "qty >")
        assert check.text().startswith("✗ branch big: invalid JMESPath")
        type_cell(qtbot, branches, 0, 1, "qty > `5`")
        assert check.text() == "✓ every When is valid JMESPath"
        type_cell(qtbot, branches, 0, 2, "big.ndjson")
        assert page.problem_texts() == ["No problems: the pipeline compiles."]
        designed = page.session.document.model_copy(deep=True)

        # -- drag the route to the top, undo, redo, undo ----------------------------------
        route_row = tree.visualItemRect(tree.item_at((2,))).center()
        top = tree.visualItemRect(tree.item_at((0,)))
        drag(tree, route_row, tree, top.topLeft() + top.topLeft().__class__(20, 2))
    assert _names(page) == ["split", "lines", "per country"]
    undo, redo = _button(page, "undo_pipeline"), _button(page, "redo_pipeline")
    qtbot.mouseClick(undo, Left)
    assert _names(page) == ["lines", "per country", "split"]
    qtbot.mouseClick(redo, Left)
    assert _names(page) == ["split", "lines", "per country"]
    window.actions_by_name["undo"].trigger()  # Edit → Undo acts on the page shown
    assert page.session.document == designed

    # -- preview on the sample; a record's lineage ---------------------------------------
    retype(qtbot, page.preview.sample, str(sample))
    run = page.preview.findChild(QPushButton, "pipeline_preview_run")
    assert run is not None
    with qtbot.waitSignal(page.preview.previewed, timeout=TIMEOUT):
        qtbot.mouseClick(run, Left)
    trace = page.preview.trace
    assert trace is not None and trace.error is None
    page.preview.select_step("per country")
    records = page.preview.findChild(QTableWidget, "pipeline_preview_records")
    assert records is not None
    assert records.rowCount() == 2  # us and de; fr failed (qty "two"), jp had no items
    us = records.visualItemRect(records.item(0, 0))
    qtbot.mouseClick(records.viewport(), Left, pos=us.center())
    lineage = page.preview.lineage_text()
    assert lineage[0] == "per country: 1 record(s)"
    assert lineage[2] == "lines: 3 record(s)"
    assert lineage[6] == "sample: 2 record(s)"
    assert lineage[7].startswith("line 1") and '"A-1001"' in lineage[7]
    assert lineage[8].startswith("line 3") and '"A-1003"' in lineage[8]
    letters = page.preview.findChild(QTableWidget, "pipeline_preview_letters")
    assert letters is not None and letters.rowCount() == 1
    assert "not a number" in letters.item(0, 2).text()

    # -- save to a file and to the store -------------------------------------------------
    saved = tmp_path / "out" / "per_country.fwpipe.json"
    saved.parent.mkdir()
    page.asker.save_path = lambda _suggested: saved  # type: ignore[method-assign]
    qtbot.mouseClick(_button(page, "save_pipeline"), Left)
    assert saved.is_file() and not page.session.dirty
    qtbot.mouseClick(_button(page, "store_pipeline"), Left)
    stored = service.pipelines.list_pipelines()
    assert [(p.key, p.latest_version) for p in stored] == [("pipeline_UNTITLED", 1)]
    assert service.pipelines.open("pipeline_UNTITLED").steps == page.session.document.steps

    # -- the saved file runs headless with the output the preview showed -----------------
    output = tmp_path / "run" / "counts.ndjson"
    done = CliRunner().invoke(
        cli, ["run", str(saved), "-i", str(sample), "-o", str(output)], catch_exceptions=False
    )
    assert done.exit_code == 3, done.output  # completed with a failed record (exit 3)
    assert _read(output) == trace.steps[-1].records
    assert _read(output.parent / "big.ndjson") == trace.steps[-1].targets["big"]
    assert len(_read(output.parent / "counts.ndjson.dead-letters.ndjson")) == 1


def test_a_step_is_deleted_and_comes_back_with_undo(
    make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window()
    window.actions_by_name["new_pipeline"].trigger()
    page = window.pipelines_page
    qtbot.waitUntil(page.isVisible)
    for kind in ("filter", "sort"):
        add_chip(qtbot, page, kind)
    tree = page.tree
    first = tree.visualItemRect(tree.item_at((0,))).center()
    qtbot.mouseClick(tree.viewport(), Left, pos=first)
    qtbot.mouseClick(_button(page, "delete_step"), Left)
    assert _names(page) == ["sort"]
    window.actions_by_name["undo"].trigger()
    assert _names(page) == ["filter", "sort"]
    window.show_page("Designer")  # Edit → Undo is the mapping's again
    assert not window.actions_by_name["undo"].isEnabled()


def test_a_predicate_is_checked_as_typed_and_one_undo_takes_the_typing_back(
    make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window()
    window.actions_by_name["new_pipeline"].trigger()
    page = window.pipelines_page
    qtbot.waitUntil(page.isVisible)
    add_chip(qtbot, page, "filter")
    check = page.editor.findChild(QLabel, "step_predicate_check")
    assert check is not None and check.text() == "✓ valid JMESPath"
    retype(qtbot, line(page, "predicate"), "total > ")
    assert check.text().startswith("✗ invalid JMESPath")
    assert any(t.startswith("/steps/0/predicate:") for t in page.problem_texts())
    qtbot.keyClicks(line(page, "predicate"), "`100`")
    assert check.text() == "✓ valid JMESPath"
    assert page.problem_texts() == ["No problems: the pipeline compiles."]
    window.actions_by_name["undo"].trigger()
    assert page.session.document.steps[0].predicate == "status == 'active'"  # type: ignore[union-attr]
    assert line(page, "predicate").text() == "status == 'active'"


def test_a_stored_pipeline_opens_from_the_store(
    store_window: MainWindow, service: Service, qtbot: QtBot, tmp_path: Path
) -> None:
    from fieldwright.app.pipelines.example import write_example

    pipeline, _sample = write_example(tmp_path)
    service.pipelines.save(open_pipeline(pipeline), None, base_dir=tmp_path)
    store_window.actions_by_name["new_pipeline"].trigger()
    page = store_window.pipelines_page
    qtbot.waitUntil(page.isVisible)
    offered: list[list[str]] = []

    def choose(keys: list[str]) -> str:
        offered.append(keys)
        return keys[0]

    page.asker.stored_key = choose  # type: ignore[method-assign]
    qtbot.mouseClick(_button(page, "open_stored_pipeline"), Left)
    assert offered == [["pipeline_SHOP_BI_DEMO_20261203"]]
    assert _names(page) == ["lines", "per country", "split"]
    assert "pipeline_SHOP_BI_DEMO_20261203 (version 1)" in page.title.toolTip()
    # A branch's steps are under it: the sort of branch "small".
    assert page.tree.item_at((2, 1, 0)) is not None


def test_editing_a_check_keeps_the_rules_the_table_has_no_column_for(
    make_window: Callable[..., MainWindow], qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "checks.fwpipe.json"
    path.write_text(
        json.dumps(
            {
                "fieldwright_pipeline": 1,
                "key": "pipeline_T_T_X_20261203",
                "name": "checks",
                "steps": [
                    {
                        "name": "check",
                        "type": "validate",
                        "checks": [{"field": "$.sku", "required": True, "max_length": 8}],
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    window = make_window()
    window.actions_by_name["new_pipeline"].trigger()
    page = window.pipelines_page
    qtbot.waitUntil(page.isVisible)
    assert page.open_path(path)
    tree = page.tree
    qtbot.mouseClick(tree.viewport(), Left, pos=tree.visualItemRect(tree.item_at((0,))).center())
    type_cell(qtbot, rows(page, "checks"), 0, 3, "^[A-Z]+$")
    check = page.session.document.steps[0].checks[0]  # type: ignore[union-attr]
    assert (check.regex, check.max_length, check.required) == ("^[A-Z]+$", 8, True)


def test_editing_a_route_keeps_a_branchs_sql_target(
    make_window: Callable[..., MainWindow], qtbot: QtBot, tmp_path: Path
) -> None:
    sql = {"kind": "sql", "connection": "warehouse", "settings": {"table": "b_rows"}}
    path = tmp_path / "route.fwpipe.json"
    path.write_text(
        json.dumps(
            {
                "fieldwright_pipeline": 1,
                "key": "pipeline_T_T_X_20261203",
                "name": "route",
                "steps": [
                    {
                        "name": "split",
                        "type": "route",
                        "branches": [
                            {"name": "bs", "when": "kind == 'b'", "target": {"connector": sql}},
                            {
                                "name": "fs",
                                "target": {
                                    "connector": {"kind": "csv", "settings": {"path": "f.csv"}}
                                },
                            },
                        ],
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    window = make_window()
    window.actions_by_name["new_pipeline"].trigger()
    page = window.pipelines_page
    qtbot.waitUntil(page.isVisible)
    assert page.open_path(path)
    tree = page.tree
    route_row = tree.item_at((0,))
    assert route_row is not None
    assert "→ sql: warehouse/b_rows" in route_row.child(0).text(1)
    assert "→ f.csv" in route_row.child(1).text(1)
    qtbot.mouseClick(tree.viewport(), Left, pos=tree.visualItemRect(tree.item_at((0,))).center())
    branches = rows(page, "branches")
    assert branches.rows()[0][2] == "sql: warehouse/b_rows"
    type_cell(qtbot, branches, 0, 1, "kind == 'B'")
    route = page.session.document.steps[0]
    first, second = route.branches  # type: ignore[union-attr]
    assert first.when == "kind == 'B'"
    assert first.target is not None and first.target.connector is not None
    assert first.target.connector.model_dump(mode="json", exclude_none=True) == sql
    assert second.target is not None and second.target.connector is not None
    assert second.target.connector.settings == {"path": "f.csv"}
    if os.environ.get("FW_SHOTS"):  # the route's editor, to /tmp/shots/pipesql/, looked at
        _shots(window, "route_sql_target")
    # Retyping the target as a file replaces it with that file.
    type_cell(qtbot, branches, 0, 2, "b.ndjson")
    first = page.session.document.steps[0].branches[0]  # type: ignore[union-attr]
    assert first.target is not None and first.target.connector is not None
    assert (first.target.connector.kind, first.target.connector.settings) == (
        "ndjson",
        {"path": "b.ndjson"},
    )


def _shots(window: MainWindow, name: str) -> None:
    out = Path("/tmp/shots/pipesql")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for theme, shade in ((LIGHT, "light"), (DARK, "dark")):
        apply_theme(app, theme)
        for width, height in ((1280, 820), (1024, 700)):
            window.resize(width, height)
            QApplication.processEvents()
            window.grab().save(str(out / f"{name}_{shade}_{width}.png"))


def test_a_pipeline_file_is_imported_into_the_store_and_opened(
    store_window: MainWindow,
    service: Service,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from fieldwright.app.pipelines.example import write_example

    pipeline, sample = write_example(tmp_path / "project")
    document = json.loads(pipeline.read_text(encoding="utf-8"))
    document["source"] = {"connector": {"kind": "ndjson", "settings": {"path": sample.name}}}
    pipeline.write_text(json.dumps(document), encoding="utf-8")
    key = "pipeline_SHOP_BI_DEMO_20261203"
    store_window.actions_by_name["new_pipeline"].trigger()
    page = store_window.pipelines_page
    qtbot.waitUntil(page.isVisible)
    chosen: list[str] = []

    def choose(_parent: object, title: str, *_a: object, **_k: object) -> tuple[str, str]:
        chosen.append(title)
        return str(pipeline), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", choose)
    import_button = _button(page, "import_pipeline")
    assert import_button.isVisible()
    said = f"Imported {pipeline.name} as {key} (version 1) in the store"
    with qtbot.waitSignal(page.message, check_params_cb=lambda text: text == said):
        qtbot.mouseClick(import_button, Left)
    assert chosen == ["Import pipeline file"]
    assert [(p.key, p.latest_version) for p in service.pipelines.list_pipelines()] == [(key, 1)]
    stored = service.pipelines.open(key)
    assert stored.source.connector is not None
    assert stored.source.connector.settings["path"] == str(sample)  # made absolute
    assert _names(page) == ["lines", "per country", "split"]
    assert f"{key} (version 1)" in page.title.toolTip()
    assert not page.session.dirty

    # The File menu's entry imports it again: a new version of the same key, opened.
    store_window.actions_by_name["import_pipeline"].trigger()
    assert [v.version for v in service.pipelines.history(key)] == [2, 1]
    assert f"{key} (version 2)" in page.title.toolTip()

    # A file that is not a pipeline is refused with its name; nothing is stored.
    broken = tmp_path / "broken.fwpipe.json"
    broken.write_text('{"fieldwright_pipeline": 1, "steps": 3}', encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(broken), ""))
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    qtbot.mouseClick(import_button, Left)
    assert len(warned) == 1 and str(broken) in warned[0]
    assert [v.version for v in service.pipelines.history(key)] == [2, 1]
    assert f"{key} (version 2)" in page.title.toolTip()


def test_screenshots_of_the_page_after_an_import(
    store_window: MainWindow,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page with its Import file… button, light and dark, at two sizes (to
    /tmp/shots/pipesmall/, to be looked at; skipped unless FW_SHOTS is set)."""
    import os

    from PySide6.QtWidgets import QApplication, QFileDialog

    from fieldwright.app.pipelines.example import write_example
    from fieldwright.app.shell.theme import DARK, LIGHT, apply_theme

    if not os.environ.get("FW_SHOTS"):
        pytest.skip("FW_SHOTS is not set")
    pipeline, _sample = write_example(tmp_path)
    store_window.actions_by_name["new_pipeline"].trigger()
    page = store_window.pipelines_page
    qtbot.waitUntil(page.isVisible)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(pipeline), ""))
    qtbot.mouseClick(_button(page, "import_pipeline"), Left)
    assert _names(page) == ["lines", "per country", "split"]
    out = Path("/tmp/shots/pipesmall")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for theme, name in ((LIGHT, "light"), (DARK, "dark")):
        apply_theme(app, theme)
        for width, height in ((1280, 820), (1024, 700)):
            store_window.resize(width, height)
            QApplication.processEvents()
            store_window.grab().save(str(out / f"import_{name}_{width}.png"))
    apply_theme(app, LIGHT)
