"""The Connections page: edit per kind, secrets only in the keyring, test off the GUI thread."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from fieldwright.app.connections.connection_test import TestOutcome
from fieldwright.app.connections.panel import ConnectionsPanel
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service import Service
from tests.app.helpers import choose
from tests.conftest import MemoryKeyring


@pytest.fixture
def panel(service: Service, qtbot: QtBot) -> Iterator[ConnectionsPanel]:
    widget = ConnectionsPanel(service)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    yield widget
    widget.shutdown()


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def rows(panel: ConnectionsPanel) -> list[list[str]]:
    table = panel.table
    return [
        [table.item(row, column).text() for column in range(table.columnCount())]
        for row in range(table.rowCount())
    ]


def new_connection(panel: ConnectionsPanel, qtbot: QtBot, name: str, kind: str) -> None:
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.editor.name, name)
    choose(qtbot, panel.editor.kind, kind)


def save(panel: ConnectionsPanel, qtbot: QtBot) -> None:
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)


def run_test(panel: ConnectionsPanel, qtbot: QtBot) -> TestOutcome:
    with qtbot.waitSignal(panel.tested, timeout=20_000) as tested:
        qtbot.mouseClick(panel.test_button, Qt.MouseButton.LeftButton)
    outcome = tested.args[0]
    assert isinstance(outcome, TestOutcome)
    return outcome


def test_a_typed_secret_goes_to_the_keyring_and_nowhere_else(
    panel: ConnectionsPanel,
    service: Service,
    qtbot: QtBot,
    memory_keyring: MemoryKeyring,
    secret: str,
    tmp_path: Path,
) -> None:
    panel.refresh()
    assert not panel.banner.isVisible()
    new_connection(panel, qtbot, "crm_api", "http")
    editor = panel.editor
    qtbot.keyClicks(editor.http.url, "https://crm.example.com/api/v2/contacts")
    choose(qtbot, editor.http.auth_kind, "bearer")
    assert editor.secret_edit.echoMode() == editor.secret_edit.EchoMode.Password
    qtbot.keyClicks(editor.secret_edit, secret)
    save(panel, qtbot)

    assert memory_keyring.entries == {("fieldwright", "connection:crm_api"): secret}
    assert editor.secret_edit.text() == ""
    assert "stored in keyring" in editor.secret_state.text()
    assert "stored in keyring" in editor.secret_edit.placeholderText()
    record = service.connections.get("crm_api")
    assert record.settings == {
        "url": "https://crm.example.com/api/v2/contacts",
        "auth": {"type": "bearer"},
    }
    assert secret not in record.model_dump_json()
    assert rows(panel) == [
        [
            "crm_api",
            "HTTP API",
            "https://crm.example.com/api/v2/contacts · bearer token",
            "in keyring",
            "not tested",
        ]
    ]
    # Not in the store file (nor its journal), the settings ini or anything else under tmp.
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in files)
    assert all(secret.encode() not in p.read_bytes() for p in files)

    # Editing the description later keeps the secret's keyring entry.
    qtbot.keyClicks(editor.description, "production CRM")
    save(panel, qtbot)
    kept = service.connections.get("crm_api")
    assert kept.description == "production CRM"
    assert kept.keyring_username == "connection:crm_api"


def test_test_connection_reports_ok_and_the_error_with_the_time(
    panel: ConnectionsPanel, qtbot: QtBot, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    warehouse = tmp_path / "warehouse.db"
    with sqlite3.connect(warehouse) as connection:
        connection.execute("create table people (id integer, name text)")
    new_connection(panel, qtbot, "warehouse", "sql")
    qtbot.keyClicks(panel.editor.sql.url, f"sqlite:///{warehouse}")
    outcome = run_test(panel, qtbot)  # saves, then tests
    assert outcome.ok, outcome.message
    assert "Connected" in panel.result.text() and " s, at " in panel.result.text()
    assert rows(panel)[0][4].startswith("✓ ok · ")

    new_connection(panel, qtbot, "gone", "sql")
    qtbot.keyClicks(panel.editor.sql.url, f"sqlite:///{tmp_path / 'missing' / 'nothing.db'}")
    broken = run_test(panel, qtbot)
    assert not broken.ok
    assert "does not exist" in broken.message
    assert "Connection failed" in panel.result.text()
    assert "does not exist" in panel.result.text()
    assert [row[4].split(" ·")[0] for row in rows(panel)] == ["✗ failed", "✓ ok"]

    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "people.csv").write_text("id,name\n1,Ada\n", encoding="utf-8")
    new_connection(panel, qtbot, "exports", "csv")
    assert not panel.editor.secret_box.isVisible()  # files have no secret
    qtbot.keyClicks(panel.editor.file.path, str(folder / "people.csv"))
    assert run_test(panel, qtbot).ok


def test_no_keyring_shows_the_banner_and_disables_the_secret(
    panel: ConnectionsPanel, service: Service, qtbot: QtBot, no_keyring: None, tmp_path: Path
) -> None:
    panel.refresh()
    assert panel.banner.isVisible()
    text = panel.banner_text.text()
    assert "GNOME Keyring" in text and "KWallet" in text and "PYTHON_KEYRING_BACKEND" in text
    new_connection(panel, qtbot, "crm_api", "http")
    field = panel.editor.secret_edit
    assert field.isVisible() and not field.isEnabled()
    assert "Secrets cannot be saved" in field.toolTip()
    assert "GNOME Keyring" in field.toolTip()
    # A connection without a secret still saves.
    qtbot.keyClicks(panel.editor.http.url, "https://open-data.example.org/records")
    save(panel, qtbot)
    assert service.connections.get("crm_api").keyring_username is None


def test_bad_input_is_shown_next_to_the_field(
    panel: ConnectionsPanel, service: Service, qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.editor.sql.url, "sqlite:///x.db")
    save(panel, qtbot)
    assert panel.editor.name_error.isVisible()
    assert "name" in panel.editor.name_error.text()

    qtbot.keyClicks(panel.editor.name, "hr_db")
    panel.editor.sql.url.clear()
    qtbot.keyClicks(panel.editor.sql.url, "postgresql+psycopg://hr:hunter22@db.internal/hr")
    save(panel, qtbot)
    error = panel.findChild(type(panel.editor.name_error), "sql_url_error")
    assert error is not None and error.isVisible()
    assert "Password field" in error.text()
    assert service.connections.list() == []


def test_delete_asks_first_and_removes_the_secret(
    panel: ConnectionsPanel,
    service: Service,
    qtbot: QtBot,
    memory_keyring: MemoryKeyring,
    secret: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service.connections.save(
        ConnectionRecord(name="crm_api", kind="http", settings={"url": "https://x.example"}),
        secret,
    )
    panel.refresh()
    panel.table.selectRow(0)
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes]
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *_a: object) -> object:
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert [r.name for r in service.connections.list()] == ["crm_api"]
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert "crm_api" in asked[0] and len(asked) == 2
    assert service.connections.list() == []
    assert memory_keyring.entries == {}
    assert rows(panel) == []


def test_duplicate_copies_the_settings_under_a_new_name_without_the_secret(
    panel: ConnectionsPanel,
    service: Service,
    qtbot: QtBot,
    memory_keyring: MemoryKeyring,
    secret: str,
) -> None:
    service.connections.save(
        ConnectionRecord(
            name="warehouse",
            kind="sql",
            settings={
                "url": "postgresql+psycopg://etl@db/wh",
                "table": "people",
                "batch_size": 500,
            },
        ),
        secret,
    )
    panel.refresh()
    panel.table.selectRow(0)
    with qtbot.waitSignal(panel.message) as said:
        qtbot.mouseClick(panel.duplicate_button, Qt.MouseButton.LeftButton)
    assert "secrets are not copied" in said.args[0]
    assert panel.editor.name.text() == "warehouse_copy"
    assert not panel.editor.name.isReadOnly()
    assert "No secret stored" in panel.editor.secret_state.text()
    save(panel, qtbot)
    copy = service.connections.get("warehouse_copy")
    assert copy.settings == {
        "url": "postgresql+psycopg://etl@db/wh",
        "table": "people",
        "batch_size": 500,  # a setting the form does not show is kept
    }
    assert copy.keyring_username is None
    assert [row[0] for row in rows(panel)] == ["warehouse", "warehouse_copy"]
    assert [row[3] for row in rows(panel)] == ["in keyring", "—"]
