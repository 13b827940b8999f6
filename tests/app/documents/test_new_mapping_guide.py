"""File → New mapping as an analyst does it: the guide, its key, and Mapping → Properties."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from fieldwright.app.documents.new_mapping_dialog import NewMappingDialog
from fieldwright.app.documents.properties_dialog import PropertiesDialog
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.authoring.documents import StoredMapping
from fieldwright.authoring.schema_sources import StartFrom
from fieldwright.domain import dumps
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service import Service
from tests.app.helpers import choose

Factory = Callable[..., MainWindow]
TODAY = f"{date.today():%Y%m%d}"


@pytest.fixture
def people_csv(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(
        "id,first,last,email,signup,stage\n"
        "1,Ann,Lee,ANN@X.IO,7/4/2024,L\n"
        "2,Bo,Kim,bo@x.io,7/5/2024,C\n",
        encoding="utf-8",
    )
    return path


def _in_guide(qtbot: QtBot, drive: Callable[[NewMappingDialog], None]) -> list[BaseException]:
    """Drive the guide once its modal loop runs; a failure closes it (no hang) and is kept."""
    errors: list[BaseException] = []

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, NewMappingDialog):
            QTimer.singleShot(10, act)
            return
        try:
            drive(dialog)
        except AssertionError as exc:  # the test asserts there was none after the loop
            errors.append(exc)
        finally:
            if dialog.isVisible():  # never leave the modal loop running
                dialog.reject()

    QTimer.singleShot(0, act)
    return errors


def _type(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def _click(qtbot: QtBot, button: QWidget) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _next(qtbot: QtBot, guide: NewMappingDialog) -> None:
    """Next, then wait for the side to be read (on a worker) and the next step shown."""
    step = guide.step
    _click(qtbot, guide.next_button)
    side = guide.source if step == 0 else guide.target
    qtbot.waitUntil(lambda: guide.step == step + 1 or not side.problem.isHidden(), timeout=10_000)


def _csv_to_empty(qtbot: QtBot, csv: Path, name: str) -> Callable[[NewMappingDialog], None]:
    def drive(guide: NewMappingDialog) -> None:
        assert guide.source.start_from() is StartFrom.FILE
        _type(qtbot, guide.source.path, str(csv))
        _next(qtbot, guide)
        assert guide.step == 1, guide.source.problem.text()
        assert guide.target.start_from() is StartFrom.EMPTY
        _next(qtbot, guide)
        assert guide.step == 2
        _type(qtbot, guide.source_system, "hs")
        _type(qtbot, guide.target_system, "crm")
        _type(qtbot, guide.client, "acme")
        _type(qtbot, guide.name, name)
        assert guide.source_system.text() == "HS"
        assert guide.finish_button.isEnabled(), guide.problem.text()
        _click(qtbot, guide.finish_button)

    return drive


def _source_names(window: MainWindow) -> list[str]:
    model = window.designer.source.model
    rows = range(model.rowCount())
    return [str(model.index(row, 0).data(Qt.ItemDataRole.EditRole)) for row in rows]


def test_new_mapping_from_a_csv_sample_then_a_second_one_and_its_properties(
    store_window: MainWindow, service: Service, people_csv: Path, qtbot: QtBot
) -> None:
    window = store_window
    errors = _in_guide(qtbot, _csv_to_empty(qtbot, people_csv, "People to CRM"))
    window.actions_by_name["new"].trigger()
    assert not errors, errors
    document = window.session.document
    key = f"mapping_HS_CRM_ACME_{TODAY}"
    assert (document.name, document.key) == ("People to CRM", key)
    assert (document.client, document.source_system, document.target_system) == (
        "ACME",
        "HS",
        "CRM",
    )
    assert document.source.connector is not None
    assert document.source.connector.kind == "csv"
    assert document.source.connector.settings["path"] == str(people_csv)
    assert document.target.fields == []
    assert window.current_page() is window.work_splitter  # the designer
    assert _source_names(window) == ["id", "first", "last", "email", "signup", "stage"]
    assert "People to CRM" in window.windowTitle()
    assert window.documents.save()
    assert window.session.location == StoredMapping(key, 1)

    # A second New mapping with the same codes proposes another key.
    errors = _in_guide(qtbot, _csv_to_empty(qtbot, people_csv, "People again"))
    window.actions_by_name["new"].trigger()
    assert not errors, errors
    assert window.session.document.key == f"{key}_2"
    assert window.documents.save()
    assert {m.key for m in service.list_mappings()} == {key, f"{key}_2"}

    # Mapping → Properties…: rename and set a description, then undo.
    before = dumps(window.session.document)
    window.actions_by_name["properties"].trigger()
    dialog = window.findChild(PropertiesDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.codes["client"].text() == "ACME"
    _type(qtbot, dialog.name, "People to CRM (EU)")
    _type(qtbot, dialog.codes["client"], "acme eu")
    assert dialog.codes["client"].text() == "ACME_EU"
    dialog.description.setFocus()
    qtbot.keyClicks(dialog.description, "Nightly sync")
    _click(qtbot, dialog.ok_button)
    document = window.session.document
    assert (document.name, document.client, document.description) == (
        "People to CRM (EU)",
        "ACME_EU",
        "Nightly sync",
    )
    assert "People to CRM (EU)" in window.windowTitle()
    assert window.isWindowModified()
    window.actions_by_name["undo"].trigger()
    assert dumps(window.session.document) == before
    assert "People to CRM (EU)" not in window.windowTitle()
    window.actions_by_name["redo"].trigger()
    assert window.session.document.client == "ACME_EU"


def test_cancel_leaves_the_open_mapping_as_it_was(
    make_window: Factory, people_csv: Path, qtbot: QtBot
) -> None:
    window = make_window()
    before = dumps(window.session.document)

    def drive(guide: NewMappingDialog) -> None:
        _type(qtbot, guide.source.path, str(people_csv))
        _next(qtbot, guide)
        assert guide.step == 1
        _click(qtbot, guide.cancel_button)

    errors = _in_guide(qtbot, drive)
    window.welcome.new_button.click()  # the Home page's New opens the same guide
    assert not errors, errors
    assert dumps(window.session.document) == before
    assert not window.isWindowModified()


def test_an_unreadable_sample_is_said_on_its_step(
    make_window: Factory, tmp_path: Path, qtbot: QtBot
) -> None:
    window = make_window()
    seen: list[str] = []

    def drive(guide: NewMappingDialog) -> None:
        _type(qtbot, guide.source.path, str(tmp_path / "missing.csv"))
        _next(qtbot, guide)
        assert guide.step == 0
        seen.append(guide.source.problem.text())
        assert guide.source.problem.isVisible()
        _click(qtbot, guide.cancel_button)

    errors = _in_guide(qtbot, drive)
    window.actions_by_name["new"].trigger()
    assert not errors, errors
    assert "missing.csv" in seen[0]


def test_a_sql_table_source_a_template_target_and_an_edited_key(
    store_window: MainWindow, service: Service, tmp_path: Path, qtbot: QtBot
) -> None:
    import sqlite3

    database = tmp_path / "hr.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE staff (id INTEGER PRIMARY KEY, email TEXT NOT NULL)")
    service.connections.save(
        ConnectionRecord(name="hr", kind="sql", settings={"url": f"sqlite:///{database}"})
    )
    template = service.templates.list_templates()[0]
    window = store_window

    def drive(guide: NewMappingDialog) -> None:
        choose(qtbot, guide.source.kind, StartFrom.CONNECTION.value)
        choose(qtbot, guide.source.connection, "hr")
        _type(qtbot, guide.source.table, "staff")
        _next(qtbot, guide)
        assert guide.step == 1, guide.source.problem.text()
        choose(qtbot, guide.target.kind, StartFrom.TEMPLATE.value)
        choose(qtbot, guide.target.template, template.code)
        _next(qtbot, guide)
        assert guide.step == 2, guide.target.problem.text()
        source, target = template.code.split("_")[1:]
        assert (guide.source_system.text(), guide.target_system.text()) == (source, target)
        _type(qtbot, guide.name, "Staff")
        _type(qtbot, guide.key, "mapping staff")
        assert not guide.finish_button.isEnabled()
        assert "no spaces" in guide.problem.text()
        _type(qtbot, guide.key, "mapping_STAFF")
        _type(qtbot, guide.client, "acme")  # an edited key is no longer proposed
        assert guide.key.text() == "mapping_STAFF"
        _click(qtbot, guide.finish_button)

    errors = _in_guide(qtbot, drive)
    window.actions_by_name["new"].trigger()
    assert not errors, errors
    document = window.session.document
    assert document.key == "mapping_STAFF"
    assert [f.name for f in document.source.fields] == ["id", "email"]
    assert document.source.connector is not None
    assert document.source.connector.connection == "hr"
    assert document.source.connector.settings["table"] == "staff"
    expected = [f.name for f in service.templates.get(template.code).target.fields]
    assert [f.name for f in document.target.fields] == expected


class _Contacts(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"data": [{"id": 7, "email": "ann@x.io"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output quiet


@pytest.fixture
def contacts_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Contacts)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/contacts"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_an_http_endpoint_source_read_off_the_gui_thread(
    make_window: Factory, contacts_api: str, qtbot: QtBot
) -> None:
    window = make_window()

    def drive(guide: NewMappingDialog) -> None:
        choose(qtbot, guide.source.kind, StartFrom.HTTP.value)
        _type(qtbot, guide.source.url, contacts_api)
        _type(qtbot, guide.source.records_path, "data")
        _next(qtbot, guide)
        assert guide.step == 1, guide.source.problem.text()
        assert guide.source.status.text() == "2 fields: id, email"
        _next(qtbot, guide)
        _type(qtbot, guide.name, "API contacts")
        _click(qtbot, guide.finish_button)

    errors = _in_guide(qtbot, drive)
    window.actions_by_name["new"].trigger()
    assert not errors, errors
    document = window.session.document
    assert document.key == f"mapping_NEW_{TODAY}"
    assert [f.name for f in document.source.fields] == ["id", "email"]
    assert document.source.connector is not None
    assert document.source.connector.kind == "http"
    assert document.source.connector.settings == {"url": contacts_api, "records_path": "data"}


def test_properties_refuse_a_bad_code_and_cancel_changes_nothing(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = make_window()
    before = dumps(window.session.document)
    window.actions_by_name["properties"].trigger()
    dialog = window.findChild(PropertiesDialog)
    assert dialog is not None
    _type(qtbot, dialog.codes["source_system"], "q")
    assert not dialog.ok_button.isEnabled()
    assert "source system code 'Q'" in dialog.problem.text()
    dialog.name.setFocus()
    dialog.name.selectAll()
    qtbot.keyClick(dialog.name, Qt.Key.Key_Delete)
    assert "needs a name" in dialog.problem.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.findChild(PropertiesDialog) is None)
    assert dumps(window.session.document) == before
    assert window.session.stack.count() == 0
