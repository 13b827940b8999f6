"""One commit for a file run's files: output, dead letters and manifest together.

A file run makes several files visible: its output, the dead letters beside it
and the manifest that describes both. Each is written to a hidden temporary
file (``.<name>.<pid>.<token>.tmp``) in the target's directory, flushed and
`fsync`ed. Then the *commit journal* ``.<output>.commit.json`` is written
atomically: it lists every rename (and every stale file to remove) of this
commit. Writing it is the commit point. The renames follow, the manifest's
last, and the journal goes.

A process killed before the journal exists leaves the previous files as they
were, plus temporary files that `recover_file_target` removes (only those of processes
that are gone: a run in progress keeps its own). A process killed after it
leaves the journal, and `recover_file_target` finishes the commit (roll forward), so the
output never stays beside the previous run's manifest or dead letters. The
next run of the same target calls `recover_file_target` before it writes, and the
service's start-up recovery does for the targets of interrupted runs.

A reader that wants certainty compares the output's SHA-256 with the
manifest's checksum; a journal present means a commit is in flight.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

__all__ = [
    "CommitPlan",
    "RecoveryReport",
    "commit",
    "journal_path",
    "recover_file_target",
    "temp_path_for",
]


def journal_path(target: Path) -> Path:
    """The commit journal of a file target: ``.<name>.commit.json`` beside it."""
    return target.with_name(f".{target.name}.commit.json")


def temp_path_for(final: Path) -> Path:
    """A new hidden temporary name beside `final`, stamped with this process's id."""
    return final.with_name(f".{final.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")


def _fsync_directory(directory: Path) -> None:
    """Make renames durable; a no-op where directories cannot be opened (Windows)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class CommitPlan:
    """The files one commit makes visible, in order, and the stale ones it removes.

    Every path lies in the target's directory. `renames` are (temporary, final)
    pairs of files already flushed and closed; the manifest comes last.
    """

    target: Path
    renames: list[tuple[Path, Path]] = field(default_factory=list)
    removals: list[Path] = field(default_factory=list)

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "target": self.target.name,
                "renames": [[temp.name, final.name] for temp, final in self.renames],
                "remove": [path.name for path in self.removals],
            }
        )


def _write_journal(plan: CommitPlan) -> Path:
    journal = journal_path(plan.target)
    temp = temp_path_for(journal)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(fd, "wb") as handle:
        handle.write(plan.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    temp.replace(journal)
    _fsync_directory(journal.parent)
    return journal


def _apply(renames: Sequence[tuple[Path, Path]], removals: Sequence[Path]) -> None:
    *files, last = renames
    for temp, final in files:
        if temp.exists():
            temp.replace(final)
    for stale in removals:
        stale.unlink(missing_ok=True)
    temp, final = last
    if temp.exists():
        temp.replace(final)


def commit(plan: CommitPlan) -> None:
    """Make every file of `plan` visible as one commit (see the module's doc)."""
    if not plan.renames:
        raise ValueError("a commit needs at least one file")
    journal = _write_journal(plan)
    _apply(plan.renames, plan.removals)
    _fsync_directory(plan.target.parent)
    journal.unlink()
    _fsync_directory(plan.target.parent)


@dataclass(frozen=True)
class RecoveryReport:
    """What `recover_file_target` did at a target: a commit finished, temporary files removed."""

    finished_commit: bool = False
    removed: int = 0

    def __str__(self) -> str:
        parts = []
        if self.finished_commit:
            parts.append("finished the commit a stopped run had begun")
        if self.removed:
            parts.append(f"removed {self.removed} unfinished temporary file(s)")
        return "; ".join(parts)


def _owner_alive(temp: Path) -> bool:
    """Whether the process that named this temporary file still runs (on this host)."""
    parts = temp.name.split(".")
    try:
        pid = int(parts[-3])
    except (IndexError, ValueError):
        return False  # a name from before temporary files carried their process id
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but not ours, or no signal 0 here: assume it lives
        return True
    return True


def _roll_forward(target: Path) -> bool:
    journal = journal_path(target)
    try:
        data = orjson.loads(journal.read_bytes())
    except FileNotFoundError:
        return False
    except (OSError, orjson.JSONDecodeError):
        # The journal is written to a temporary name and renamed: a present one is
        # whole. One that cannot be read was not ours; leave it for a person.
        return False
    directory = target.parent
    renames = [(directory / temp, directory / final) for temp, final in data.get("renames", [])]
    removals = [directory / name for name in data.get("remove", [])]
    if renames:
        _apply(renames, removals)
        _fsync_directory(directory)
    journal.unlink(missing_ok=True)
    return True


def recover_file_target(target: Path) -> RecoveryReport:
    """Finish a commit a stopped process began at `target` and remove the temporary
    files of processes that are gone; a run in progress keeps its own."""
    directory = target.parent
    if not directory.is_dir():
        return RecoveryReport()
    finished = _roll_forward(target)
    removed = 0
    name = glob.escape(target.name)
    patterns = (f".{name}.*.tmp", f"..{name}.*.tmp")
    for pattern in patterns:
        for temp in directory.glob(pattern):
            if not _owner_alive(temp):
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
                    removed += 1
    return RecoveryReport(finished, removed)
