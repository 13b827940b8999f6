"""Atomic file results: write a temporary file beside the target, then rename it.

A file sink never writes its target in place. It writes a hidden temporary
file in the target's directory (same file system, so the rename is atomic),
hashes the bytes as they go by, and on commit flushes and `fsync`s it, then
makes it visible together with the `<name>.meta.json` manifest and any
companion file (a file run's dead letters) in one journalled commit
(`fieldwright.connectors.commit`). An abort, an exception or a process killed
before the commit point leaves the previous target (if any) exactly as it
was; one killed after it is rolled forward by the next run's recovery.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import orjson

import fieldwright
from fieldwright.connectors.commit import CommitPlan, commit, recover_file_target, temp_path_for
from fieldwright.connectors.errors import ConnectorError, SinkError
from fieldwright.domain.records import Record, RejectedRecord

__all__ = ["AtomicFile", "FileSink", "Manifest", "manifest_path"]

MANIFEST_SUFFIX = ".meta.json"


def manifest_path(target: Path) -> Path:
    """Where the manifest of `target` lives: `<name>.meta.json` beside it."""
    return target.with_name(target.name + MANIFEST_SUFFIX)


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a committed file holds, written beside it as `<name>.meta.json`."""

    filename: str
    created_at: str
    created_by: str
    row_count: int
    file_size: int
    checksum: str
    schema_version: str
    #: The run that wrote the file, and its records read, written, failed and filtered.
    run: dict[str, Any] | None = None
    #: Files committed with it (dead letters): name → rows, size and checksum.
    companions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> bytes:
        data = asdict(self)
        if self.run is None:
            del data["run"]
        if not self.companions:
            del data["companions"]
        return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"


@dataclass(frozen=True, slots=True)
class Companion:
    """A file committed together with a sink's output (a file run's dead letters)."""

    file: AtomicFile
    rows: int


class AtomicFile:
    """A binary file that appears under its final name only on `commit()`.

    It is a writable, non-seekable binary stream (``write``, ``tell``,
    ``flush``) so that libraries such as zipfile can stream into it; the
    sha256 and size are computed on the bytes as they are written.
    """

    def __init__(self, target: Path, *, mode: int = 0o666) -> None:
        """`mode` before the umask; 0o600 for a file only its owner may read (dead letters)."""
        self.target = target
        directory = target.parent
        if not directory.is_dir():
            raise SinkError(
                f"the directory {str(directory)!r} does not exist; create it first",
                target=str(target),
            )
        if target.is_dir():
            raise SinkError("is a directory; give a file name", target=str(target))
        self.temp_path = temp_path_for(target)
        try:
            # O_EXCL: never clobber; mode 0o666 lets the umask decide like any new file.
            fd = os.open(self.temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except OSError as exc:
            raise SinkError(
                f"cannot create a file in {str(directory)!r} ({exc.strerror}); "
                "check the directory's permissions",
                target=str(target),
            ) from exc
        self._file = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self._size = 0
        self.closed = False

    # -- the stream interface -------------------------------------------------
    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._file.write(data)
        self._hash.update(data)
        self._size += len(data)
        return len(data)

    def tell(self) -> int:
        return self._size

    def flush(self) -> None:
        self._file.flush()

    @property
    def size(self) -> int:
        return self._size

    @property
    def checksum(self) -> str:
        return "sha256:" + self._hash.hexdigest()

    # -- the outcome ----------------------------------------------------------
    def prepare(self) -> tuple[Path, Path]:
        """Flush, fsync and close; the (temporary, final) pair a commit renames."""
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        except OSError as exc:
            self.abort()
            raise SinkError(
                f"cannot save the file ({exc.strerror}); the previous file, if any, is unchanged",
                target=str(self.target),
            ) from exc
        self.closed = True
        return self.temp_path, self.target

    def commit(self) -> None:
        """Flush, fsync and rename onto the target."""
        _commit_plan(CommitPlan(self.target, [self.prepare()]))

    def abort(self) -> None:
        """Drop the temporary file; the target stays as it was."""
        if not self._file.closed:
            self._file.close()
        self.temp_path.unlink(missing_ok=True)
        self.closed = True


def _commit_plan(plan: CommitPlan) -> None:
    try:
        commit(plan)
    except OSError as exc:
        for temp, _ in plan.renames:
            temp.unlink(missing_ok=True)
        raise SinkError(
            f"cannot save the file ({exc.strerror}); the previous file, if any, is unchanged",
            target=str(plan.target),
        ) from exc


def write_atomically(target: Path, data: bytes) -> None:
    """Write a small file (a manifest) with the same temp-and-rename guarantee."""
    file = AtomicFile(target)
    try:
        file.write(data)
    except BaseException:
        file.abort()
        raise
    file.commit()


class FileSink:
    """The life cycle every file sink shares: batches, then commit or abort.

    Subclasses write their bytes to `self._out` in `_write_records` and may
    add a trailer in `_finish`. Usable as a context manager: leaving the
    block without `commit()` (for example on an exception) aborts.
    """

    format_name = "file"
    #: Nothing reaches the target before `commit()`, so how a run batches its records
    #: changes only what it holds in memory: the run loop hands over each chunk as it
    #: is mapped (engine/run.py), while the chunk's records are still in the caches.
    all_or_nothing = True

    def __init__(
        self, path: str | os.PathLike[str], *, schema_version: str = "1", private: bool = False
    ) -> None:
        self.path = Path(path)
        self.schema_version = schema_version
        self.row_count = 0
        self.manifest: Manifest | None = None
        #: What the run says of itself in the manifest (set by the run before commit).
        self.run_summary: dict[str, Any] | None = None
        self._companions: list[Companion] = []
        self._stale: list[Path] = []
        # What a stopped run of this target left: finish its commit, drop its temporaries.
        recover_file_target(self.path)
        #: `private`: the file is created 0600 (dead letters hold whole input records).
        self._out = AtomicFile(self.path, mode=0o600 if private else 0o666)
        self._state = "open"

    def add_companion(self, companion: Companion) -> None:
        """Commit a file beside the output together with the output and its manifest."""
        self._require_open("add a file to")
        if companion.file.target.parent != self.path.parent:
            raise ConnectorError(
                f"{companion.file.target} is not beside the output; "
                "a commit keeps its files in one directory",
                target=self.name,
            )
        self._companions.append(companion)

    def remove_on_commit(self, path: Path) -> None:
        """Remove a stale file beside the output in the same commit (an earlier run's
        dead letters when this run has none)."""
        self._stale.append(path)

    @property
    def name(self) -> str:
        return str(self.path)

    def write_batch(self, records: Sequence[Record]) -> list[RejectedRecord]:
        """Write `records`; those holding a value the format cannot hold are returned, unwritten."""
        self._require_open("write to")
        try:
            rejected = self._write_records(records)
        except OSError as exc:
            raise SinkError(f"cannot write ({exc.strerror})", target=self.name) from exc
        self.row_count += len(records) - len(rejected)
        return rejected

    def commit(self) -> None:
        self._require_open("commit")
        try:
            self._finish()
        except BaseException:
            self.abort()
            raise
        manifest = Manifest(
            filename=self.path.name,
            created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            created_by=f"fieldwright {fieldwright.__version__}",
            row_count=self.row_count,
            file_size=self._out.size,
            checksum=self._out.checksum,
            schema_version=self.schema_version,
            run=self.run_summary,
            companions={
                c.file.target.name: {
                    "rows": c.rows,
                    "file_size": c.file.size,
                    "checksum": c.file.checksum,
                }
                for c in self._companions
            },
        )
        plan = CommitPlan(self.path, removals=list(self._stale))
        try:
            plan.renames.append(self._out.prepare())
            for companion in self._companions:
                plan.renames.append(companion.file.prepare())
            manifest_file = AtomicFile(manifest_path(self.path))
            manifest_file.write(manifest.to_json())
            plan.renames.append(manifest_file.prepare())
        except BaseException:
            for temp, _ in plan.renames:
                temp.unlink(missing_ok=True)
            self._abort_companions()
            self._state = "aborted"
            raise
        _commit_plan(plan)
        self._state = "committed"
        self.manifest = manifest

    def hand_over(self) -> Companion:
        """Finish the file and give it, uncommitted, to be committed with another
        sink's output (`add_companion`); this sink is done with it."""
        self._require_open("hand over")
        try:
            self._finish()
        except BaseException:
            self.abort()
            raise
        self._state = "handed over"
        return Companion(self._out, self.row_count)

    def abort(self) -> None:
        if self._state == "open":
            self._out.abort()
            self._abort_companions()
            self._state = "aborted"

    def _abort_companions(self) -> None:
        for companion in self._companions:
            if not companion.file.closed:
                companion.file.abort()

    def _require_open(self, action: str) -> None:
        if self._state != "open":
            raise ConnectorError(
                f"cannot {action} a {self.format_name} sink that is already {self._state}; "
                "open a new sink",
                target=self.name,
            )

    def _write_records(self, records: Sequence[Record]) -> list[RejectedRecord]:
        """Write what can be written; the records that cannot, with the reason."""
        raise NotImplementedError

    def _finish(self) -> None:
        """Write whatever closes the file (a trailer); the default writes nothing."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.abort()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self._state})"

    def __del__(self) -> None:
        # A sink dropped without commit must not leave its temporary file behind.
        out: Any = getattr(self, "_out", None)
        if out is not None and getattr(self, "_state", None) == "open":
            out.abort()
