"""The enrich step's editor offers a file, a SQL table or query, or an HTTP endpoint: an
analyst turns a new enrich step into a lookup in a saved SQL connection by real typing,
sees bad settings refused as typed, and previews a sample through it."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from fieldwright.app.pipelines.page import PipelinePage
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.theme import DARK, LIGHT, apply_theme
from fieldwright.domain.pipeline import EnrichStep
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service import Service
from tests.app.pipelines.gestures import Left, add_chip, line, retype, rows, type_cell
from tests.conftest import MemoryKeyring
from tests.connectors.enrich_api import serve_employees

TIMEOUT = 20_000


def _choose(qtbot: QtBot, page: PipelinePage, key: str, text: str) -> None:
    """Pick `text` in the editor's combo box `key` with the keyboard."""
    combo = page.editor.findChild(QComboBox, f"step_{key}")
    assert combo is not None, key
    combo.setFocus()
    target = combo.findText(text)
    assert target >= 0, text
    while combo.currentIndex() != target:
        key_ = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
        qtbot.keyClick(combo, key_)


def _shown(page: PipelinePage, key: str) -> bool:
    widget = page.editor.findChild(QWidget, f"step_{key}")
    assert widget is not None, key
    return page.editor.form.isRowVisible(widget)


def _enrich(page: PipelinePage) -> EnrichStep:
    (step,) = page.session.document.steps
    assert isinstance(step, EnrichStep)
    return step


@pytest.fixture
def hr_db(service: Service, tmp_path: Path) -> Path:
    path = tmp_path / "hr.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE employees (emp_id INTEGER, dept TEXT)")
        db.executemany("INSERT INTO employees VALUES (?, ?)", [(1, "R&D"), (2, "Ops")])
    service.connections.save(
        ConnectionRecord(name="hr_db", kind="sql", settings={"url": f"sqlite:///{path}"})
    )
    return path


def _tool(page: PipelinePage, name: str) -> QToolButton:
    button = page.findChild(QToolButton, name)
    assert button is not None, name
    return button


def _open_page(window: MainWindow, qtbot: QtBot) -> PipelinePage:
    window.actions_by_name["new_pipeline"].trigger()
    page = window.pipelines_page
    qtbot.waitUntil(page.isVisible)
    return page


def _design_sql_lookup(qtbot: QtBot, page: PipelinePage) -> None:
    add_chip(qtbot, page, "enrich")
    assert _shown(page, "source_path") and not _shown(page, "source_table")
    _choose(qtbot, page, "source_type", "SQL table or query")
    assert not _shown(page, "source_path") and _shown(page, "source_table")
    assert not _shown(page, "records_path")  # an HTTP setting
    assert page.editor.connection_names == ["hr_db"]
    retype(qtbot, line(page, "source_connection"), "hr_db")
    retype(qtbot, line(page, "source_table"), "employees")
    assert not _shown(page, "batch_size")  # read whole: nothing to batch
    _choose(qtbot, page, "mode", "lookup")
    assert _shown(page, "batch_size") and _shown(page, "cache_size")
    on = rows(page, "on")
    type_cell(qtbot, on, 0, 0, "$.emp")
    type_cell(qtbot, on, 0, 1, "$.emp_id")
    fields = rows(page, "fields")
    qtbot.mouseClick(fields.add_button, Left)
    type_cell(qtbot, fields, 0, 0, "dept")
    type_cell(qtbot, fields, 0, 1, "$.dept")


def test_an_enrich_step_typed_into_a_lookup_in_a_saved_sql_connection(
    store_window: MainWindow, hr_db: Path, qtbot: QtBot, tmp_path: Path
) -> None:
    page = _open_page(store_window, qtbot)
    _design_sql_lookup(qtbot, page)
    step = _enrich(page)
    assert step.source.kind == "sql" and step.source.connection == "hr_db"
    assert step.source.settings == {"table": "employees"}
    assert step.mode.value == "lookup" and step.on == {"$.emp": "$.emp_id"}
    assert step.fields == {"dept": "$.dept"}

    # Bad settings are refused as they are typed, and nothing is edited.
    error = page.editor.findChild(QLabel, "step_editor_error")
    assert error is not None
    retype(qtbot, line(page, "batch_size"), "0")
    assert error.isVisible() and "batch_size" in error.text()
    assert _enrich(page).batch_size == 500
    retype(qtbot, line(page, "batch_size"), "50")
    assert not error.isVisible() and _enrich(page).batch_size == 50

    # An unknown connection is a problem at its pointer.
    retype(qtbot, line(page, "source_connection"), "payroll")
    qtbot.waitUntil(
        lambda: any(
            "/steps/0/source/connection" in page.problems.item(i).text()
            for i in range(page.problems.count())
        )
    )
    retype(qtbot, line(page, "source_connection"), "hr_db")
    qtbot.waitUntil(
        lambda: page.problems.count() == 0 or "No problems" in page.problems.item(0).text()
    )

    # The per-step preview looks the sample's keys up in the saved connection.
    sample = tmp_path / "hours.ndjson"
    sample.write_text(
        "".join(json.dumps({"emp": n, "h": 8}) + "\n" for n in (1, 2, 3)), encoding="utf-8"
    )
    retype(qtbot, page.preview.sample, str(sample))
    run = page.preview.findChild(QPushButton, "pipeline_preview_run")
    assert run is not None
    with qtbot.waitSignal(page.preview.previewed, timeout=TIMEOUT):
        qtbot.mouseClick(run, Left)
    trace = page.preview.trace
    assert trace is not None and trace.error is None, trace and trace.error
    assert trace.steps[0].records == [
        {"emp": 1, "h": 8, "dept": "R&D"},
        {"emp": 2, "h": 8, "dept": "Ops"},
        {"emp": 3, "h": 8},
    ]


def test_the_http_source_shows_its_own_settings_and_checks_the_url_as_typed(
    store_window: MainWindow, qtbot: QtBot
) -> None:
    page = _open_page(store_window, qtbot)
    add_chip(qtbot, page, "enrich")
    _choose(qtbot, page, "source_type", "HTTP endpoint")
    assert _shown(page, "source_url") and not _shown(page, "source_table")
    assert not _shown(page, "records_path")  # a lookup's setting
    _choose(qtbot, page, "mode", "lookup")
    assert _shown(page, "records_path") and _shown(page, "batch_param")
    error = page.editor.findChild(QLabel, "step_editor_error")
    assert error is not None
    retype(qtbot, line(page, "source_url"), "https://hr.example/people/{user}")
    assert error.isVisible() and "placeholder {user} is not a key" in error.text()
    retype(qtbot, line(page, "source_url"), "https://hr.example/people/{id}")
    retype(qtbot, line(page, "records_path"), "$.data")
    assert not error.isVisible()
    step = _enrich(page)
    assert step.source.kind == "http"
    assert step.source.settings == {"url": "https://hr.example/people/{id}"}
    assert step.records_path == "$.data" and step.mode.value == "lookup"


def test_screenshots_of_the_enrich_editor(
    store_window: MainWindow, hr_db: Path, qtbot: QtBot
) -> None:
    """The editor with a SQL lookup, light and dark, at two sizes (to /tmp/shots/enrich/,
    to be looked at; skipped unless FW_SHOTS is set)."""
    if not os.environ.get("FW_SHOTS"):
        pytest.skip("FW_SHOTS is not set")
    page = _open_page(store_window, qtbot)
    _design_sql_lookup(qtbot, page)
    out = Path("/tmp/shots/enrich")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for theme, name in ((LIGHT, "light"), (DARK, "dark")):
        apply_theme(app, theme)
        for width, height in ((1280, 820), (1024, 700)):
            store_window.resize(width, height)
            QApplication.processEvents()
            store_window.grab().save(str(out / f"enrich_{name}_{width}.png"))
    apply_theme(app, LIGHT)


BRANCHED = {
    "fieldwright_pipeline": 1,
    "key": "pipeline_BRANCHED",
    "name": "Branched",
    "steps": [
        {
            "name": "split",
            "type": "route",
            "branches": [
                {
                    "name": "us",
                    "when": "country == 'us'",
                    "steps": [
                        {"name": "lines", "type": "unwind", "path": "$.items"},
                        {
                            "name": "per sku",
                            "type": "aggregate",
                            "group_by": ["$.sku"],
                            "aggregates": [{"name": "qty", "fn": "sum", "field": "$.qty"}],
                        },
                    ],
                },
                {
                    "name": "fr",
                    "when": "country == 'fr'",
                    "target": {"connector": {"kind": "ndjson", "settings": {"path": "fr.ndjson"}}},
                },
            ],
        }
    ],
}
ORDERS = [
    {"id": "A", "country": "us", "items": [{"sku": "x", "qty": 2}, {"sku": "y", "qty": 1}]},
    {"id": "B", "country": "fr", "items": []},
    {"id": "C", "country": "us", "items": [{"sku": "x", "qty": 3}]},
]


def _click_record(qtbot: QtBot, page: PipelinePage, row: int) -> None:
    records = page.preview.findChild(QTableWidget, "pipeline_preview_records")
    assert records is not None
    item = records.item(row, 0)
    assert item is not None
    qtbot.mouseClick(records.viewport(), Left, pos=records.visualItemRect(item).center())


def test_the_lineage_view_goes_through_a_branchs_steps(
    store_window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "branched.fwpipe.json"
    path.write_text(json.dumps(BRANCHED), encoding="utf-8")
    sample = tmp_path / "orders.ndjson"
    sample.write_text("".join(json.dumps(o) + "\n" for o in ORDERS), encoding="utf-8")
    page = _open_page(store_window, qtbot)
    page.asker.open_path = lambda _folder: path  # type: ignore[method-assign]
    qtbot.mouseClick(_tool(page, "open_pipeline"), Left)
    assert page.session.document.name == "Branched"
    retype(qtbot, page.preview.sample, str(sample))
    run = page.preview.findChild(QPushButton, "pipeline_preview_run")
    assert run is not None
    with qtbot.waitSignal(page.preview.previewed, timeout=TIMEOUT):
        qtbot.mouseClick(run, Left)
    page.preview.select_step("split")
    _click_record(qtbot, page, 0)  # sku x: 5, from A's and C's lines
    lineage = page.preview.lineage_text()
    titles = [line for line in lineage if "record(s)" in line]
    assert titles == [
        "split: 1 record(s)",
        "split/us/per sku: 1 record(s)",
        "split/us/lines: 2 record(s)",
        "sample: 2 record(s)",
    ]
    assert lineage[-2].startswith("line 1") and lineage[-1].startswith("line 3")
    # The fr branch's own target: its record's lineage is the sample's line 2.
    steps = page.preview.findChild(QTableWidget, "pipeline_preview_steps")
    assert steps is not None
    target_row = next(
        r
        for r in range(steps.rowCount())
        if "fr (target)" in (steps.item(r, 0) or QTableWidgetItem()).text()
    )
    qtbot.mouseClick(
        steps.viewport(), Left, pos=steps.visualItemRect(steps.item(target_row, 0)).center()
    )
    _click_record(qtbot, page, 0)
    lineage = page.preview.lineage_text()
    assert lineage[0] == "split/fr (target): 1 record(s)"
    assert lineage[-1].startswith("line 2") and '"B"' in lineage[-1]
    if os.environ.get("FW_SHOTS"):
        page.preview.select_step("split")
        _click_record(qtbot, page, 0)
        out = Path("/tmp/shots/enrich")
        out.mkdir(parents=True, exist_ok=True)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        for theme, name in ((LIGHT, "light"), (DARK, "dark")):
            apply_theme(app, theme)
            for width, height in ((1280, 820), (1024, 700)):
                store_window.resize(width, height)
                QApplication.processEvents()
                store_window.grab().save(str(out / f"lineage_{name}_{width}.png"))
        apply_theme(app, LIGHT)


def test_the_preview_looks_keys_up_in_a_saved_http_connection(
    store_window: MainWindow,
    service: Service,
    qtbot: QtBot,
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    secret: str,
) -> None:
    with serve_employees(secret) as api:
        host, port = api.server_address[:2]
        service.connections.save(
            ConnectionRecord(
                name="hr_api",
                kind="http",
                settings={"url": f"http://{host}:{port}", "auth": {"type": "bearer"}},
            ),
            secret=secret,
        )
        page = _open_page(store_window, qtbot)
        add_chip(qtbot, page, "enrich")
        _choose(qtbot, page, "source_type", "HTTP endpoint")
        _choose(qtbot, page, "mode", "lookup")
        retype(qtbot, line(page, "source_connection"), "hr_api")
        # a path: on the connection's host
        retype(qtbot, line(page, "source_url"), "/employees/{user_id}")
        retype(qtbot, line(page, "records_path"), "$.data")
        on = rows(page, "on")
        type_cell(qtbot, on, 0, 0, "$.emp")
        type_cell(qtbot, on, 0, 1, "$.user_id")
        fields = rows(page, "fields")
        qtbot.mouseClick(fields.add_button, Left)
        type_cell(qtbot, fields, 0, 0, "name")
        type_cell(qtbot, fields, 0, 1, "$.name")
        step = _enrich(page)
        assert step.source.connection == "hr_api" and step.records_path == "$.data"
        sample = tmp_path / "hours.ndjson"
        sample.write_text(
            "".join(json.dumps({"emp": n}) + "\n" for n in (7, 4, 1)), encoding="utf-8"
        )
        retype(qtbot, page.preview.sample, str(sample))
        run = page.preview.findChild(QPushButton, "pipeline_preview_run")
        assert run is not None
        with qtbot.waitSignal(page.preview.previewed, timeout=TIMEOUT):
            qtbot.mouseClick(run, Left)
        trace = page.preview.trace
        assert trace is not None and trace.error is None, trace and trace.error
        assert trace.steps[0].records == [
            {"emp": 7, "name": "Edsger"},
            {"emp": 4},  # 404: no match, kept
            {"emp": 1, "name": "Ada"},
        ]
        assert sorted(api.seen) == ["/employees/1", "/employees/4", "/employees/7"]
