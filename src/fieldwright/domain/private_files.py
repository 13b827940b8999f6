"""Files and folders only their owner can read: the store, the settings, dead letters.

The SQLite store holds full input records in its dead letters, and the
settings name the database; neither is for other users of the machine. On
POSIX systems `private_dir` makes a folder ``0700`` and `private_file` makes a
file ``0600`` (created empty when missing), whatever the umask. On Windows the
user's profile folders are already private and the modes are left alone.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

__all__ = ["FILE_MODE", "FOLDER_MODE", "private_dir", "private_file", "private_tree"]

FILE_MODE = 0o600
FOLDER_MODE = 0o700
_POSIX = os.name == "posix"


def private_dir(path: str | os.PathLike[str], *, narrow_existing: bool = False) -> Path:
    """Create `path` (and missing parents, which get the same mode) as ``0700`` folders.

    An existing folder is left as it is (it may be the user's project folder),
    unless `narrow_existing` says it is Fieldwright's own (its data folder, a
    dead-letter folder); then it is narrowed to ``0700`` if we own it.
    """
    folder = Path(path)
    missing = [parent for parent in (folder, *folder.parents) if not parent.exists()]
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if _POSIX:
        for created in missing:
            _narrow(created, FOLDER_MODE)
        if narrow_existing:
            _narrow(folder, FOLDER_MODE)
    return folder


def private_file(path: str | os.PathLike[str]) -> Path:
    """Create `path` empty when missing, else keep it; either way make it ``0600``."""
    file = Path(path)
    if not file.exists():
        private_dir(file.parent)
        # O_EXCL: a file created meanwhile by another process is only narrowed below
        with contextlib.suppress(FileExistsError):
            os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    if _POSIX:
        _narrow(file, FILE_MODE)
    return file


def private_tree(path: str | os.PathLike[str]) -> None:
    """Make a folder ``0700`` and every file in it ``0600`` (existing files from older versions)."""
    folder = private_dir(path, narrow_existing=True)
    if not _POSIX:
        return
    for child in folder.iterdir():
        if child.is_file() and not child.is_symlink():
            _narrow(child, FILE_MODE)


def _narrow(path: Path, mode: int) -> None:
    info = path.stat()
    if info.st_uid != os.getuid():
        return
    if stat.S_IMODE(info.st_mode) != mode:
        path.chmod(mode)
