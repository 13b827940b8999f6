"""Issue 16 items 6 and 7: the settings file never holds a database password (even one with
``/``, ``#`` or ``?``) and only its owner can read it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from fieldwright.app.settings.app_settings import (
    AppSettings,
    database_credential,
    split_password,
    startup_database_url,
)
from tests.conftest import MemoryKeyring


def open_settings(path: Path) -> AppSettings:
    return AppSettings(QSettings(str(path), QSettings.Format.IniFormat))


@pytest.mark.parametrize("tail", ["a/b", "c#d", "e?f", "g/h#i?j"])
def test_a_password_with_reserved_characters_goes_to_the_keyring(
    tmp_path: Path, memory_keyring: MemoryKeyring, tail: str
) -> None:
    password = os.urandom(4).hex() + tail
    path = tmp_path / "settings.ini"
    settings = open_settings(path)
    settings.set_database_url(f"postgresql+psycopg://etl:{password}@db.internal:5432/fw")
    settings.sync()
    bare = "postgresql+psycopg://etl@db.internal:5432/fw"
    text = path.read_text(encoding="utf-8")
    assert password not in text and tail not in text
    assert settings.database_url() == bare
    ref = database_credential(bare)
    assert memory_keyring.entries == {(ref.service, ref.username): password}
    assert startup_database_url(open_settings(path)) == (
        f"postgresql+psycopg://etl:{password}@db.internal:5432/fw"
    )


def test_split_password_leaves_a_url_without_one_alone() -> None:
    for url in ["postgresql+psycopg://etl@db:5432/fw", "postgresql://db/fw", "sqlite:///x.db"]:
        assert split_password(url) == (url, None)


def test_the_settings_file_and_a_new_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "settings.ini"
    settings = open_settings(path)
    settings.set_theme("dark")
    settings.sync()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "dark" in path.read_text(encoding="utf-8")
