"""The desktop app on the mapping store: save versions, conflicts, open, import, status bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from fieldwright.app.documents.asker import SAVE_AS_NEW
from fieldwright.app.documents.store_dialog import StoreOpenDialog
from fieldwright.app.shell.main import open_store
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.scheduler_status import describe_state
from fieldwright.authoring.documents import StoredMapping
from fieldwright.authoring.edits import SetSchema
from fieldwright.authoring.store_documents import StoreDocuments, describe_store
from fieldwright.domain import SchemaField
from fieldwright.domain.store_models import MappingSummary
from fieldwright.service import Service
from tests.app.conftest import HUBSPOT

Factory = Callable[..., MainWindow]


def _edit(window: MainWindow, name: str = "email") -> None:
    window.session.push(SetSchema("target", [SchemaField(name=name, type="string")]))
    assert window.session.dirty


def _when_modal(action: Callable[[QWidget], None]) -> None:
    """Act on the next modal dialog once its event loop runs (no sleeps)."""

    def act() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            QTimer.singleShot(10, act)
            return
        action(modal)

    QTimer.singleShot(0, act)


def _click(text: str) -> Callable[[QWidget], None]:
    def click(dialog: QWidget) -> None:
        buttons = [b for b in dialog.findChildren(QPushButton) if b.text().replace("&", "") == text]
        assert buttons, f"no button {text!r} in {dialog.windowTitle()!r}"
        buttons[0].click()

    return click


def test_save_stores_a_new_mapping_then_a_new_version(
    store_window: MainWindow, service: Service
) -> None:
    window = store_window
    window.documents.new_mapping()
    _edit(window)
    assert window.documents.save()
    assert [v.version for v in service.history("mapping_UNTITLED")] == [1]
    assert window.session.location == StoredMapping("mapping_UNTITLED", 1)
    assert window.status.save_label.text().startswith("Saved version 1 at ")
    assert not window.isWindowModified()

    assert window.documents.save(), "saving without changes is not an error"
    assert [v.version for v in service.history("mapping_UNTITLED")] == [1], "and no new version"

    _edit(window, "phone")
    assert window.documents.save()
    history = service.history("mapping_UNTITLED")
    assert [v.version for v in history] == [2, 1]
    assert history[0].saved_by == "alice"
    assert window.status.save_label.text().startswith("Saved version 2 at ")
    stored = service.open_mapping("mapping_UNTITLED")
    assert [f.name for f in stored.target.fields] == ["phone"]


def test_a_stale_save_asks_and_never_overwrites(
    store_window: MainWindow, service: Service, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = store_window
    window.documents.new_mapping()
    _edit(window)
    assert window.documents.save()
    with Service.open(db_url, user="bob") as other:  # another window, another person
        theirs = other.open_mapping("mapping_UNTITLED")
        theirs.name = "Bob's mapping"
        other.save_mapping(theirs, 1)

    _edit(window, "phone")
    messages: list[str] = []

    def cancel(dialog: QWidget) -> None:
        assert isinstance(dialog, QMessageBox)
        messages.append(dialog.text())
        _click("Cancel")(dialog)

    _when_modal(cancel)
    assert not window.documents.save()
    assert "bob" in messages[0] and "not overwritten" in messages[0]
    assert window.session.dirty, "the user's changes are still open"
    assert [v.version for v in service.history("mapping_UNTITLED")] == [2, 1]
    assert service.open_mapping("mapping_UNTITLED").name == "Bob's mapping"

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("mapping_UNTITLED_ALICE", True))
    _when_modal(_click(SAVE_AS_NEW))
    assert window.documents.save()
    assert service.open_mapping("mapping_UNTITLED").name == "Bob's mapping"
    mine = service.open_mapping("mapping_UNTITLED_ALICE")
    assert [f.name for f in mine.target.fields] == ["phone"]
    assert window.session.location == StoredMapping("mapping_UNTITLED_ALICE", 1)
    assert window.session.document.key == "mapping_UNTITLED_ALICE"


def test_open_lists_the_stored_mappings_and_opens_one(
    store_window: MainWindow, service: Service, make_window: Factory, qtbot: QtBot
) -> None:
    window = store_window
    window.documents.new_mapping()
    _edit(window)
    assert window.documents.save()
    window.session.replace(window.session.document, None)  # as if freshly started

    dialog = StoreOpenDialog(window.store.mappings if window.store else list, "test", window)
    try:
        assert dialog.table.rowCount() == 1
        cells = [dialog.table.item(0, c).text() for c in range(5)]
        assert cells[:4] == ["mapping_UNTITLED", "Untitled mapping", "1", "alice"]
        asked: list[str | None] = []
        stored = dialog.lister

        def lister(text: str | None) -> list[MappingSummary]:
            asked.append(text)
            return stored(text)

        dialog.lister = lister
        qtbot.keyClicks(dialog.search, "nothing like it")
        assert asked == []  # typing does not ask the store on every key
        with qtbot.waitSignal(dialog.search_delay.timeout):
            pass
        assert asked == ["nothing like it"]
        assert dialog.table.rowCount() == 0 and not dialog.empty.isHidden()
        dialog.search.clear()
        qtbot.keyClicks(dialog.search, "untitled")
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
        assert asked[-1] == "untitled"
    finally:
        dialog.deleteLater()

    _when_modal(_click("Open"))
    window.documents.open_dialog()
    assert window.session.location == StoredMapping("mapping_UNTITLED", 1)
    assert [f.name for f in window.session.document.target.fields] == ["email"]
    assert window.status.save_label.text() == "Opened version 1"


def test_open_file_from_the_store_dialog(
    store_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(HUBSPOT), ""))
    _when_modal(_click("Open file…"))
    store_window.documents.open_dialog()
    assert store_window.session.location == HUBSPOT


def test_import_a_file_into_the_store_and_recent_mappings(
    store_window: MainWindow, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    window = store_window
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(HUBSPOT), ""))
    window.actions_by_name["import_mapping"].trigger()
    key = "mapping_HUBSPOT_CRM_DEMO_20250724"
    assert [v.version for v in service.history(key)] == [1]
    assert window.session.location == StoredMapping(key, 1)
    recent = window.welcome.recent
    assert recent.count() >= 1 and "v1" in recent.item(0).text()
    window.documents.new_mapping()
    recent.itemClicked.emit(recent.item(0))
    assert window.session.location == StoredMapping(key, 1)


def test_status_bar_shows_the_store_and_the_scheduler(
    store_window: MainWindow, qtbot: object, db_url: str, make_window: Factory
) -> None:
    window = store_window
    assert window.status.store_label.text().startswith("SQLite: ")
    assert window.status.store_label.text().endswith("fieldwright.db")
    window.start_scheduler()
    qtbot.waitUntil(
        lambda: window.status.scheduler_label.text() == "Scheduler: active", timeout=10000
    )  # type: ignore[attr-defined]

    with Service.open(db_url, user="bob") as other:
        second = make_window(store=StoreDocuments(other))
        second.start_scheduler()
        qtbot.waitUntil(  # type: ignore[attr-defined]
            lambda: second.status.scheduler_label.text().startswith("Scheduler: standby"),
            timeout=10000,
        )
        assert "active in another process (pid" in second.status.scheduler_label.text()
        second.close()
    window.close()
    assert window.scheduler.handle is None


def test_store_descriptions_hide_home_and_passwords() -> None:
    home = Path("/home/ana")
    assert (
        describe_store("SQLite file /home/ana/.local/share/fieldwright/fieldwright.db", home)
        == "SQLite: ~/.local/share/fieldwright/fieldwright.db"
    )
    assert (
        describe_store("PostgreSQL database 'crm' on db.example.com:5432")
        == "PostgreSQL: 'crm' on db.example.com:5432"
    )


def test_a_damaged_store_is_reported_naming_the_database(tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database at all" * 100)
    service, problem = open_store(f"sqlite:///{broken}")
    assert service is None
    assert str(broken) in problem
    assert "Traceback" not in problem


def test_schema_from_a_sqlite_table(
    make_window: Factory, qtbot: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT NOT NULL, born DATE)"
        )
    engine.dispose()
    window = make_window()
    importer = window.schema_importer

    def fill(dialog: QWidget) -> None:
        dialog.url.setText(url)  # type: ignore[attr-defined]
        dialog.table.setText("contacts")  # type: ignore[attr-defined]
        _click("Load columns")(dialog)

    with qtbot.waitSignal(importer.finished, timeout=10000) as blocker:  # type: ignore[attr-defined]
        _when_modal(fill)
        window.actions_by_name["import_target_table"].trigger()
    assert blocker.args == ["Loaded the target schema from table contacts: 3 fields", True]
    fields = window.session.document.target.fields
    assert [(f.name, f.type, f.required) for f in fields] == [
        ("id", "integer", False),
        ("email", "string", True),
        ("born", "date", False),
    ]

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warnings.append(text))
    with qtbot.waitSignal(importer.finished, timeout=10000) as blocker:  # type: ignore[attr-defined]
        importer.load_table("source", url, "no_such_table", password="s3cret")
    message, ok = blocker.args
    assert not ok and "no such table" in message and "s3cret" not in message
    assert warnings == [message]
    assert [f.name for f in window.session.document.target.fields] == ["id", "email", "born"]


def test_scheduler_texts() -> None:
    assert describe_state("active", "firing schedules (pid 1 on host a)") == "Scheduler: active"
    assert (
        describe_state("standby", "scheduler active in another process (pid 42 on host b)")
        == "Scheduler: standby — active in another process (pid 42 on host b)"
    )
    assert (
        describe_state("error", "the database is locked")
        == "Scheduler: error — the database is locked"
    )


def test_a_database_password_is_used_once_and_never_shown_or_kept(
    make_window: Factory, qtbot: object, settings_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    monkeypatch.setattr(QMessageBox, "warning", lambda *_a: None)

    def fill(dialog: QWidget) -> None:
        dialog.url.setText("postgresql://analyst:inurl@127.0.0.1:1/crm")  # type: ignore[attr-defined]
        dialog.password.setText("s3cret")  # type: ignore[attr-defined]
        dialog.table.setText("contacts")  # type: ignore[attr-defined]
        _click("Load columns")(dialog)

    importer = window.schema_importer
    with qtbot.waitSignal(importer.finished, timeout=20000) as blocker:  # type: ignore[attr-defined]
        _when_modal(fill)
        window.actions_by_name["import_source_table"].trigger()
    message, ok = blocker.args
    assert not ok and "127.0.0.1" in message
    assert "s3cret" not in message and "inurl" not in message
    window.save_settings()
    assert "s3cret" not in settings_path.read_text(encoding="utf-8")
