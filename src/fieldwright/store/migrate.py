"""Schema migrations: Alembic configured from code, the scripts shipped in the package.

Before anything is written the schema version is read without writing: a
database migrated by a newer Fieldwright is refused, a damaged SQLite file is
reported, and an existing SQLite file is copied beside itself before it is
upgraded (``fieldwright.db.bak-<revision>-<timestamp>``).

Opening an up-to-date store does not import Alembic (issue 18: it was a tenth of
`fieldwright run KEY`'s start-up, and building its ScriptDirectory read every
migration script): the revision is one query on ``alembic_version``, compared with
`REVISIONS`, the shipped scripts' revisions written out here and held equal to
Alembic's view of them by tests/store/test_open_and_migrate.py. Alembic is imported
only to upgrade (`run_upgrade`) or to render SQL (`offline_sql`).
"""

from __future__ import annotations

import io
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from fieldwright.store.errors import CorruptDatabase, SchemaOutOfDate, SchemaTooNew
from fieldwright.store.settings import DatabaseLocation

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

__all__ = [
    "HEAD",
    "REVISIONS",
    "SchemaState",
    "backup_sqlite",
    "check_sqlite_file",
    "head_revision",
    "known_revisions",
    "offline_sql",
    "read_sqlite_revision",
    "run_upgrade",
    "schema_state",
]

SCRIPT_LOCATION = "fieldwright.store:migrations"
VERSION_TABLE = "alembic_version"
#: Tables of ours; one of them without a version table means a damaged store.
OUR_TABLES = frozenset({"mappings", "mapping_versions", "runs", "schedules"})
SQLITE_HEADER = b"SQLite format 3\x00"

#: Every revision in fieldwright/store/migrations/versions, oldest first. A new migration
#: adds its revision here (a test compares this with Alembic's ScriptDirectory).
REVISIONS: tuple[str, ...] = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
)
#: The newest revision: the schema this program expects.
HEAD = REVISIONS[-1]


def alembic_config(*, url: str | None = None, output: io.StringIO | None = None) -> Config:
    from alembic.config import Config

    config = Config(output_buffer=output) if output is not None else Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    return config


def script_directory() -> ScriptDirectory:
    """Alembic's view of the shipped migration scripts (reads every one of them)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision this program knows."""
    return HEAD


def known_revisions() -> list[str]:
    """Every revision this program knows, oldest first."""
    return list(REVISIONS)


def _version(connection: Connection, tables: set[str]) -> str | None:
    """The revision recorded in the version table, None when there is none."""
    if VERSION_TABLE not in tables:
        return None
    row = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).first()
    return None if row is None else str(row[0])


@dataclass(frozen=True, slots=True)
class SchemaState:
    """What schema a database has, compared with what this program expects."""

    current: str | None
    head: str
    has_our_tables: bool = False

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def too_new(self) -> bool:
        return self.current is not None and self.current not in known_revisions()

    def describe(self) -> str:
        if self.too_new:
            return "newer than this program"
        if self.current is None:
            return "damaged (tables without a version)" if self.has_our_tables else "empty"
        return "up to date" if self.up_to_date else "needs upgrade"

    def check(self, location: DatabaseLocation, *, upgrade: bool) -> None:
        """Raise when the database must not be opened (or migrated) by this program."""
        if self.too_new:
            raise SchemaTooNew(
                f"{location} has schema revision {self.current}, which this Fieldwright does "
                f"not know (newest known: {self.head}); it was written by a newer version. "
                "Upgrade Fieldwright to open it; the database was not changed."
            )
        if self.current is None and self.has_our_tables:
            raise CorruptDatabase(
                f"{location} has Fieldwright tables but no schema version table; it may be "
                "damaged. Restore it from a backup (fieldwright.db.bak-*); it was not changed."
            )
        if not self.up_to_date and not upgrade:
            raise SchemaOutOfDate(
                f"{location} is at schema revision {self.current or 'none'}, this program needs "
                f"{self.head}. Run `fieldwright db upgrade` to migrate it."
            )


def schema_state(connection: Connection) -> SchemaState:
    """Read the schema revision over an open connection (reads only)."""
    tables = set(inspect(connection).get_table_names())
    return SchemaState(_version(connection, tables), HEAD, bool(tables & OUR_TABLES))


def check_sqlite_file(path: Path, location: DatabaseLocation) -> None:
    """Refuse a file that is not a SQLite database before SQLite ever opens it."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise CorruptDatabase(f"cannot read {location}: {exc.strerror}") from exc
    if header and header != SQLITE_HEADER:
        raise CorruptDatabase(
            f"{location} is not a SQLite database (damaged, or another kind of file). It was "
            "left untouched; restore a backup (fieldwright.db.bak-*) or point Fieldwright at "
            "another file."
        )


def read_sqlite_revision(path: Path, location: DatabaseLocation) -> SchemaState:
    """The schema state of an existing SQLite file, read with writes switched off."""
    head = HEAD
    connection = sqlite3.connect(path, timeout=30)
    try:
        connection.execute("PRAGMA query_only = ON")
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        current = None
        if VERSION_TABLE in tables:
            row = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
            current = row[0] if row else None
        return SchemaState(current, head, bool(tables & OUR_TABLES))
    except sqlite3.DatabaseError as exc:
        raise CorruptDatabase(
            f"{location} cannot be read: {exc}. It was left untouched; restore a backup "
            "(fieldwright.db.bak-*) or point Fieldwright at another file."
        ) from exc
    finally:
        connection.close()


def backup_sqlite(path: Path, revision: str | None) -> Path:
    """A consistent copy of a SQLite file beside it, made with SQLite's backup API."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.bak-{revision or 'none'}-{stamp}")
    source = sqlite3.connect(path, timeout=30)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    return target


def run_upgrade(connection: Connection, target: str = "head") -> str:
    """Migrate over `connection` inside its transaction; returns the new revision.

    On PostgreSQL an advisory lock makes concurrent starts migrate one at a time.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(7201104)"))
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, target)
    revision = MigrationContext.configure(connection).get_current_revision()
    return revision or ""


def offline_sql(dialect_url: str) -> str:
    """The DDL of every migration for a dialect, rendered by Alembic's offline mode."""
    from alembic import command

    output = io.StringIO()
    command.upgrade(alembic_config(url=dialect_url, output=output), "head", sql=True)
    return output.getvalue()
