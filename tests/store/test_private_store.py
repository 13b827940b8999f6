"""Issue 16 item 7: the SQLite store and the dead-letter files are created private."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from fieldwright.domain.private_files import private_dir, private_file, private_tree
from fieldwright.store import Store, StoreError
from fieldwright.store.settings import default_path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_store_is_0600_in_a_0700_folder(tmp_path: Path) -> None:
    database = tmp_path / "data" / "fieldwright.db"
    with Store.open(f"sqlite:///{database}"):
        pass
    assert _mode(database) == 0o600
    assert _mode(database.parent) == 0o700
    for sidecar in database.parent.iterdir():
        assert _mode(sidecar) == 0o600, sidecar


def test_the_default_store_folder_is_private() -> None:
    with Store.open():
        pass
    assert _mode(default_path()) == 0o600
    assert _mode(default_path().parent) == 0o700


def test_an_older_world_readable_store_is_narrowed_on_open(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    database = tmp_path / "fieldwright.db"
    with Store.open(f"sqlite:///{database}"):
        pass
    database.chmod(0o644)
    with Store.open(f"sqlite:///{database}"):
        pass
    assert _mode(database) == 0o600
    assert _mode(tmp_path) == 0o755  # an existing folder of the user's is left alone


def test_private_helpers_ignore_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        folder = private_dir(tmp_path / "a" / "b")
        file = private_file(folder / "letters.ndjson")
        loose = folder / "old.ndjson"
        loose.write_text("{}\n")
        loose.chmod(0o666)
        private_tree(folder)
    finally:
        os.umask(previous)
    assert _mode(folder) == _mode(folder.parent) == 0o700
    assert _mode(file) == _mode(loose) == 0o600


def _refuse(path: object) -> None:
    raise PermissionError(13, "Permission denied")


def test_a_store_that_cannot_be_created_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fieldwright.store.store.private_file", _refuse)
    with pytest.raises(StoreError, match=r"cannot create the store file \(Permission denied\)"):
        Store.open(f"sqlite:///{tmp_path / 'fw.db'}")


def test_an_existing_store_that_cannot_be_narrowed_opens_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "fw.db"
    with Store.open(f"sqlite:///{database}"):
        pass
    monkeypatch.setattr("fieldwright.store.store.private_file", _refuse)
    with Store.open(f"sqlite:///{database}"):
        pass
    assert "cannot make the store file private (Permission denied)" in caplog.text
