"""The Settings page: database test and migrate, saved without a password; theme, zone, sample."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from fieldwright.app.settings.app_settings import (
    AppSettings,
    database_credential,
    startup_database_url,
)
from fieldwright.app.settings.panel import DatabaseReport, SettingsPanel
from fieldwright.service import Service
from fieldwright.service.database import database_info
from tests.app.helpers import choose
from tests.conftest import MemoryKeyring

PG_URL = os.environ.get("FIELDWRIGHT_TEST_PG_URL", "")


def open_settings(path: Path) -> AppSettings:
    return AppSettings(QSettings(str(path), QSettings.Format.IniFormat))


@pytest.fixture
def panel(settings_path: Path, qtbot: QtBot) -> Iterator[SettingsPanel]:
    widget = SettingsPanel(open_settings(settings_path), in_use="SQLite file /tmp/x.db")
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    yield widget
    widget.shutdown()


def use_sqlite(panel: SettingsPanel, qtbot: QtBot, path: Path) -> None:
    choose(qtbot, panel.db_mode, "sqlite")
    panel.db_path.clear()
    qtbot.keyClicks(panel.db_path, str(path))


def click_and_wait(panel: SettingsPanel, qtbot: QtBot, button: object) -> DatabaseReport:
    with qtbot.waitSignal(panel.databaseChecked, timeout=30_000) as checked:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]
    report = checked.args[0]
    assert isinstance(report, DatabaseReport)
    return report


def answer_yes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *_a: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_switching_the_theme_applies_it_and_saves_it(
    panel: SettingsPanel, qtbot: QtBot, settings_path: Path, qapp: QApplication
) -> None:
    assert qapp.property("fieldwright_theme") == "light"
    with qtbot.waitSignal(panel.themeChanged) as changed:
        choose(qtbot, panel.theme, "dark")
    assert changed.args == ["dark"]
    assert qapp.property("fieldwright_theme") == "dark"
    assert qapp.palette().color(qapp.palette().ColorRole.Window).name() == "#1f2228"
    assert open_settings(settings_path).theme() == "dark"


def test_the_sample_size_persists_across_reopening_the_settings(
    panel: SettingsPanel, qtbot: QtBot, settings_path: Path
) -> None:
    assert panel.sample_size.value() == 1000  # what the Preview read before
    panel.sample_size.selectAll()
    with qtbot.waitSignal(panel.sampleSizeChanged) as changed:
        qtbot.keyClicks(panel.sample_size, "2500")
        qtbot.keyClick(panel.sample_size, Qt.Key.Key_Return)
    assert changed.args == [2500]
    panel.settings.sync()
    assert open_settings(settings_path).preview_sample_size() == 2500
    again = SettingsPanel(open_settings(settings_path))
    qtbot.addWidget(again)
    assert again.sample_size.value() == 2500


def test_the_time_zone_is_searchable_and_checked(
    panel: SettingsPanel, qtbot: QtBot, settings_path: Path
) -> None:
    assert panel.time_zone.findText("Europe/Paris") >= 0
    edit = panel.time_zone.lineEdit()
    assert edit is not None
    edit.selectAll()
    qtbot.keyClicks(edit, "Europe/Paris")
    with qtbot.waitSignal(panel.timeZoneChanged) as changed:
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert changed.args == ["Europe/Paris"]
    assert open_settings(settings_path).time_zone() == "Europe/Paris"
    edit.selectAll()
    qtbot.keyClicks(edit, "Mars/Olympus")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert panel.tz_error.isVisible() and "IANA" in panel.tz_error.text()
    assert open_settings(settings_path).time_zone() == "Europe/Paris"


def test_database_test_reports_the_revision_or_the_error(
    panel: SettingsPanel, qtbot: QtBot, service: Service, db_url: str, tmp_path: Path
) -> None:
    use_sqlite(panel, qtbot, Path(db_url.removeprefix("sqlite:///")))
    report = click_and_wait(panel, qtbot, panel.db_test)
    head = database_info(db_url)["head"]
    assert report.ok and report.revision == head
    assert "up to date" in panel.db_result.text() and head in panel.db_result.text()

    junk = tmp_path / "notes.db"
    junk.write_text("these are my notes, not a database\n" * 20, encoding="utf-8")
    use_sqlite(panel, qtbot, junk)
    broken = click_and_wait(panel, qtbot, panel.db_test)
    assert not broken.ok
    assert "notes.db" in broken.text
    assert "Failed" in panel.db_result.text()

    choose(qtbot, panel.db_mode, "url")
    qtbot.keyClicks(panel.db_url, "mysql://me@localhost/x")
    qtbot.mouseClick(panel.db_test, Qt.MouseButton.LeftButton)
    assert panel.db_error.isVisible() and "PostgreSQL URL" in panel.db_error.text()


def test_migrate_brings_a_fresh_sqlite_file_to_the_head(
    panel: SettingsPanel, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = tmp_path / "fresh" / "store.db"
    fresh.parent.mkdir()
    url = f"sqlite:///{fresh}"
    assert database_info(url)["state"] == "missing"
    use_sqlite(panel, qtbot, fresh)
    asked = answer_yes(monkeypatch)
    report = click_and_wait(panel, qtbot, panel.db_migrate)
    assert asked and str(fresh) in asked[0]
    info = database_info(url)
    assert report.ok and report.revision == info["head"] == info["revision"]
    assert info["state"] == "up to date"
    assert info["head"] in panel.db_result.text()


def test_a_database_password_goes_to_the_keyring_not_the_settings_file(
    panel: SettingsPanel, qtbot: QtBot, settings_path: Path, memory_keyring: MemoryKeyring
) -> None:
    password = "pw-" + os.urandom(8).hex()
    choose(qtbot, panel.db_mode, "url")
    qtbot.keyClicks(panel.db_url, f"postgresql+psycopg://etl:{password}@db.internal:5432/fw")
    with qtbot.waitSignal(panel.message) as said:
        qtbot.mouseClick(panel.db_save, Qt.MouseButton.LeftButton)
    assert "after restart" in said.args[0]
    assert "after restart" in panel.db_saved.text()
    bare = "postgresql+psycopg://etl@db.internal:5432/fw"
    assert panel.db_url.text() == bare
    assert password not in settings_path.read_text(encoding="utf-8")
    assert bare in settings_path.read_text(encoding="utf-8")
    ref = database_credential(bare)
    assert memory_keyring.entries == {(ref.service, ref.username): password}
    # The next start connects with the password put back.
    assert startup_database_url(open_settings(settings_path)) == (
        f"postgresql+psycopg://etl:{password}@db.internal:5432/fw"
    )


def test_without_a_keyring_a_database_password_is_refused(
    panel: SettingsPanel, qtbot: QtBot, settings_path: Path
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        choose(qtbot, panel.db_mode, "url")
        qtbot.keyClicks(panel.db_url, "postgresql+psycopg://etl:s3cret-pw@db.internal/fw")
        qtbot.mouseClick(panel.db_save, Qt.MouseButton.LeftButton)
    finally:
        keyring.set_keyring(previous)
    assert panel.db_error.isVisible()
    assert "keyring" in panel.db_error.text() and "pgpass" in panel.db_error.text()
    assert open_settings(settings_path).database_url() == ""
    assert not settings_path.exists() or "s3cret-pw" not in settings_path.read_text("utf-8")


def test_the_saved_database_is_used_at_start_unless_the_environment_names_one(
    settings_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = open_settings(settings_path)
    assert startup_database_url(settings) is None
    settings.set_database_url(f"sqlite:///{tmp_path / 'mine.db'}")
    assert startup_database_url(settings) == f"sqlite:///{tmp_path / 'mine.db'}"
    monkeypatch.setenv("FIELDWRIGHT_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert startup_database_url(settings) is None  # the store reads the environment itself


@pytest.mark.skipif(
    not PG_URL, reason="set FIELDWRIGHT_TEST_PG_URL to a PostgreSQL URL to test against a server"
)
def test_database_test_on_postgresql(
    panel: SettingsPanel, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    choose(qtbot, panel.db_mode, "url")
    qtbot.keyClicks(panel.db_url, PG_URL)
    answer_yes(monkeypatch)
    migrated = click_and_wait(panel, qtbot, panel.db_migrate)
    assert migrated.ok, migrated.text
    report = click_and_wait(panel, qtbot, panel.db_test)
    assert report.ok and report.revision == migrated.revision
    assert "up to date" in report.text
