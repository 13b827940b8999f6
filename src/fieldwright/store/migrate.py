"""Schema migrations: Alembic configured from code, the scripts shipped in the package.

Before anything is written the schema version is read without writing: a
database migrated by a newer Fieldwright is refused, a damaged SQLite file is
reported, and an existing SQLite file is copied beside itself before it is
upgraded (``fieldwright.db.bak-<revision>-<timestamp>``).
"""

from __future__ import annotations

import io
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from fieldwright.store.errors import CorruptDatabase, SchemaOutOfDate, SchemaTooNew
from fieldwright.store.settings import DatabaseLocation

__all__ = [
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


def alembic_config(*, url: str | None = None, output: io.StringIO | None = None) -> Config:
    config = Config(output_buffer=output) if output is not None else Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    return config


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _script().get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError("no migrations found in fieldwright.store.migrations")
    return head


def known_revisions() -> list[str]:
    """Every revision this program knows, oldest first."""
    return [rev.revision for rev in reversed(list(_script().walk_revisions()))]


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
    current = MigrationContext.configure(connection).get_current_revision()
    tables = set(inspect(connection).get_table_names())
    return SchemaState(current, head_revision(), bool(tables & OUR_TABLES))


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
    head = head_revision()
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
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(7201104)"))
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, target)
    revision = MigrationContext.configure(connection).get_current_revision()
    return revision or ""


def offline_sql(dialect_url: str) -> str:
    """The DDL of every migration for a dialect, rendered by Alembic's offline mode."""
    output = io.StringIO()
    command.upgrade(alembic_config(url=dialect_url, output=output), "head", sql=True)
    return output.getvalue()
