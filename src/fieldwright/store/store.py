"""The Store: one open database (SQLite file or PostgreSQL) and its sessions.

``Store.open(url, upgrade=True)`` checks the schema without writing, migrates
when asked (backing up a SQLite file first), and hands out sessions whose
SQLAlchemy errors come back as the store's own exceptions.
"""

from __future__ import annotations

import getpass
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from fieldwright.domain.private_files import private_dir, private_file
from fieldwright.store import migrate
from fieldwright.store.errors import (
    Conflict,
    CorruptDatabase,
    InvalidRecord,
    SchemaOutOfDate,
    StoreBusy,
    StoreError,
    StoreUnavailable,
)
from fieldwright.store.models import Audited
from fieldwright.store.settings import DatabaseLocation, default_path, resolve, sqlite_path

__all__ = ["Store", "default_user"]

log = logging.getLogger(__name__)

#: How long SQLite waits for another writer before giving up (milliseconds).
BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "fieldwright_write"


def default_user() -> str:
    """The OS user name, recorded as "created by" / "updated by" unless told otherwise."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (containers, services)
        return "unknown"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN, so writes can take the lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A write transaction takes the write lock at BEGIN (waiting up to busy_timeout), so
    # two processes never deadlock upgrading a read lock ("database is locked").
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _fill_audit(session: Session, _context: Any, _instances: Any) -> None:
    user = session.info.get("user") or default_user()
    for obj in session.new:
        if isinstance(obj, Audited):
            obj.created_by = obj.created_by or user
            obj.updated_by = obj.updated_by or user
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj):
            obj.updated_by = user


def _json_dumps(value: Any) -> str:
    """orjson for speed (500-field saves); the standard library for what orjson refuses
    (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value, ensure_ascii=False)


def _json_loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _create_engine(parsed: URL) -> Engine:
    json_options: dict[str, Any] = {
        "json_serializer": _json_dumps,
        "json_deserializer": _json_loads,
    }
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **json_options
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10}, **json_options
    )


def translate(error: sa_exc.SQLAlchemyError, location: DatabaseLocation) -> StoreError:
    """The store exception for a SQLAlchemy error, with a message naming the database."""
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    lowered = detail.lower()
    if isinstance(error, sa_exc.IntegrityError):
        if "check constraint" in lowered or "not null" in lowered or "not-null" in lowered:
            return InvalidRecord(f"{location} refused an invalid record: {detail}")
        return Conflict(f"{location} refused the change: {detail}")
    if "database is locked" in lowered or "database is busy" in lowered:
        return StoreBusy(
            f"{location} is busy: another program kept it locked for more than "
            f"{BUSY_TIMEOUT_MS // 1000} s. Try again; nothing was saved."
        )
    if "malformed" in lowered or "not a database" in lowered:
        return CorruptDatabase(f"{location} is damaged ({detail}); restore it from a backup.")
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return StoreUnavailable(
            f"cannot reach {location}: {detail}. Check that the server is running and the "
            "URL (FIELDWRIGHT_DATABASE_URL) is right."
        )
    return StoreError(f"{location}: {detail}")


def _make_private(path: Path, location: DatabaseLocation) -> None:
    """The SQLite file and its journals ``0600``, a folder we create (or our data folder) ``0700``:
    the store holds full input records in its dead letters.

    A new file that cannot be created is a `StoreError`; an existing one whose mode
    cannot be narrowed (a read-only disk) is opened anyway, with a warning.
    """
    existed = path.exists()
    try:
        private_dir(path.parent, narrow_existing=path == default_path())
        private_file(path)
        for suffix in ("-wal", "-shm", "-journal"):
            sidecar = path.with_name(path.name + suffix)
            if sidecar.exists():
                private_file(sidecar)
    except OSError as exc:
        if not existed:
            raise StoreError(
                f"{location}: cannot create the store file ({exc.strerror or exc}); "
                "check the folder's permissions"
            ) from exc
        log.warning("%s: cannot make the store file private (%s)", location, exc.strerror or exc)


class Store:
    """An open store. Use `Store.open`; close it (or use it as a context manager) when done."""

    def __init__(self, engine: Engine, location: DatabaseLocation, *, user: str) -> None:
        self.engine = engine
        self.location = location
        self.user = user
        self._read = sessionmaker(bind=engine, expire_on_commit=False)
        self._write = sessionmaker(
            bind=engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )
        for factory in (self._read, self._write):
            event.listen(factory, "before_flush", _fill_audit)

    @classmethod
    def open(
        cls, url: str | None = None, *, upgrade: bool = True, user: str | None = None
    ) -> Store:
        """Open the store at `url` (else FIELDWRIGHT_DATABASE_URL, else the default file)."""
        parsed, location = resolve(url)
        path = sqlite_path(parsed)
        existed = up_to_date = False
        if path is not None:
            existed = path.exists() and path.stat().st_size > 0
            if existed:
                migrate.check_sqlite_file(path, location)
                state = migrate.read_sqlite_revision(path, location)
                state.check(location, upgrade=upgrade)
                up_to_date = state.up_to_date
                if not up_to_date:
                    migrate.backup_sqlite(path, state.current)
            elif not upgrade:
                raise SchemaOutOfDate(
                    f"{location} does not exist yet. Run `fieldwright db upgrade` to create it."
                )
            _make_private(path, location)
        store = cls(_create_engine(parsed), location, user=user or default_user())
        if up_to_date:  # nothing to migrate: Alembic is not even imported (issue 18)
            return store
        try:
            store._prepare(upgrade=upgrade, checked=existed)
        except BaseException:
            store.close()
            raise
        return store

    def _prepare(self, *, upgrade: bool, checked: bool) -> None:
        try:
            if not checked:
                with self.engine.connect() as connection:
                    state = migrate.schema_state(connection)
                state.check(self.location, upgrade=upgrade)
                if state.up_to_date:
                    return
            if upgrade:
                with self.engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
                    migrate.run_upgrade(connection)
        except sa_exc.SQLAlchemyError as exc:
            raise translate(exc, self.location) from exc

    def current_revision(self) -> str | None:
        with self.connection() as connection:
            return migrate.schema_state(connection).current

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as connection:
                yield connection
        except sa_exc.SQLAlchemyError as exc:
            raise translate(exc, self.location) from exc

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session in one transaction, committed when the block ends without error.

        Pass ``write=True`` for anything that writes: on SQLite it takes the write lock
        at the start, so concurrent writers queue instead of failing.
        """
        factory = self._write if write else self._read
        try:
            with factory() as session, session.begin():
                session.info["user"] = self.user
                yield session
        except sa_exc.SQLAlchemyError as exc:
            raise translate(exc, self.location) from exc

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {self.location}>"
