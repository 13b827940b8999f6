"""Journey (b) of issue 14: an NDJSON sample into a database table through a saved connection.

The connection is made on the Connections page (its editor's widgets), the mapping with
File → New (an NDJSON sample source, the saved connection's table as the target: its
columns become the target fields), fields mapped by mouse drags, a step chosen in the
palette; Save into the store, Run now, and the rows are in the table. Against SQLite
always, and against PostgreSQL when FIELDWRIGHT_TEST_PG_URL names a database.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pytestqt.qtbot import QtBot

from fieldwright.app.documents.new_mapping_dialog import NewMappingDialog
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.authoring.documents import StoredMapping
from fieldwright.authoring.schema_sources import StartFrom
from fieldwright.domain.runs import RunStatus
from fieldwright.service import RunResult, Service
from tests.app.helpers import choose
from tests.app.journeys.gestures import (
    TIMEOUT,
    Stopwatch,
    add_step,
    click,
    in_modal,
    mouse_drags,
    retype,
)
from tests.conftest import MemoryKeyring

PG_URL = os.environ.get("FIELDWRIGHT_TEST_PG_URL", "")
PEOPLE = [
    {"id": 1, "name": "Ann Lee", "email": "ANN@Example.com", "team": "a"},
    {"id": 2, "name": "Bo Kim", "email": "bo@example.com", "team": "b"},
    {"id": 3, "name": "Cy Ray", "email": "Cy@Example.COM", "team": "a"},
]
EXPECTED = [
    (1, "Ann Lee", "ann@example.com"),
    (2, "Bo Kim", "bo@example.com"),
    (3, "Cy Ray", "cy@example.com"),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A database URL and an empty table `contacts…` in it (made with SQLAlchemy)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'crm.db'}"
    elif not PG_URL:
        pytest.skip("FIELDWRIGHT_TEST_PG_URL is not set: no PostgreSQL to write into")
    else:
        url = PG_URL
    table = f"contacts_{uuid.uuid4().hex[:8]}"  # unique: a shared server may hold others
    engine = sa.create_engine(url)
    contacts = sa.Table(
        table,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("email", sa.String(120), nullable=False),
    )
    contacts.create(engine)
    try:
        yield url, table
    finally:
        contacts.drop(engine)
        engine.dispose()


def _rows(url: str, table: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        contacts = sa.Table(table, sa.MetaData(), autoload_with=engine)
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(sa.select(contacts).order_by("id"))]
    finally:
        engine.dispose()


def _save_connection(window: MainWindow, qtbot: QtBot, url: str) -> None:
    """Connections → New: name, kind, the URL without its password (typed in the password
    field instead, which keeps it in the keyring), Save."""
    window.show_page("Connections")
    panel = window.connections_panel
    assert panel is not None
    click(qtbot, panel.new_button)
    editor = panel.editor
    qtbot.keyClicks(editor.name, "crm_db")
    choose(qtbot, editor.kind, "sql")
    parsed = sa.engine.make_url(url)
    without_password = parsed._replace(password=None).render_as_string(hide_password=False)
    qtbot.keyClicks(editor.sql.url, without_password)
    if parsed.password:
        qtbot.keyClicks(editor.secret_edit, parsed.password)
    click(qtbot, panel.save_button)
    assert [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())] == ["crm_db"]


def _new_mapping(window: MainWindow, qtbot: QtBot, sample: Path, table: str) -> None:
    def drive(guide: NewMappingDialog) -> None:
        retype(qtbot, guide.source.path, str(sample))
        click(qtbot, guide.next_button)
        qtbot.waitUntil(
            lambda: guide.step == 1 or not guide.source.problem.isHidden(), timeout=TIMEOUT
        )
        assert guide.step == 1, guide.source.problem.text()
        choose(qtbot, guide.target.kind, StartFrom.CONNECTION.value)
        choose(qtbot, guide.target.connection, "crm_db")
        retype(qtbot, guide.target.table, table)
        click(qtbot, guide.next_button)
        qtbot.waitUntil(
            lambda: guide.step == 2 or not guide.target.problem.isHidden(), timeout=TIMEOUT
        )
        assert guide.step == 2, guide.target.problem.text()
        for edit, text in (
            (guide.source_system, "feed"),
            (guide.target_system, "crm"),
            (guide.client, "acme"),
            (guide.name, "Feed to CRM table"),
        ):
            retype(qtbot, edit, text)
        click(qtbot, guide.finish_button)

    errors = in_modal(NewMappingDialog, drive)
    window.actions_by_name["new"].trigger()
    assert not errors, errors


def test_ndjson_into_a_table_through_a_saved_connection(
    store_window: MainWindow,
    service: Service,
    database: tuple[str, str],
    tmp_path: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
    record_property: Callable[[str, object], None],
) -> None:
    url, table = database
    watch = Stopwatch(record_property, f"ndjson_to_{sa.engine.make_url(url).get_backend_name()}")
    window = store_window
    window.resize(1280, 820)
    sample = tmp_path / "people.ndjson"
    sample.write_text("".join(json.dumps(p) + "\n" for p in PEOPLE), encoding="utf-8")

    _save_connection(window, qtbot, url)
    watch.lap("connection")
    _new_mapping(window, qtbot, sample, table)
    document = window.session.document
    assert [f.name for f in document.target.fields] == ["id", "name", "email"]
    target = document.target.connector
    assert target is not None and target.connection == "crm_db"
    assert target.settings["table"] == table
    watch.lap("new")

    with mouse_drags(monkeypatch) as drag:
        for name in ("id", "name", "email"):
            drag(window, f"$.{name}", f"$.{name}")
        add_step(window, qtbot, "lower")  # on email, selected by its drop
    assert [(f.target, f.sources) for f in window.session.document.fields] == [
        ("$.id", ["$.id"]),
        ("$.name", ["$.name"]),
        ("$.email", ["$.email"]),
    ]
    watch.lap("mapped")

    window.actions_by_name["save"].trigger()
    key = window.session.document.key
    assert window.session.location == StoredMapping(key, 1)
    with qtbot.waitSignal(window.run_now.finished, timeout=30_000) as finished:
        window.actions_by_name["run_now"].trigger()
    summary, result = finished.args
    assert isinstance(result, RunResult) and result.status is RunStatus.COMPLETED, summary
    assert (result.counts.read, result.counts.written, result.counts.failed) == (3, 3, 0)
    assert _rows(url, table) == EXPECTED
    watch.lap("run now")
    assert watch.stop() < 120
