"""Database administration: which revision a database is at, and upgrading it.

`current` and `status` only read; they never create or migrate anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import create_engine
from sqlalchemy import exc as sa_exc

from fieldwright.store import migrate
from fieldwright.store.settings import DatabaseLocation, resolve, sqlite_path
from fieldwright.store.store import Store, translate

__all__ = ["DatabaseStatus", "current", "status", "upgrade"]


@dataclass(frozen=True, slots=True)
class DatabaseStatus:
    location: DatabaseLocation
    exists: bool
    current: str | None
    head: str
    state: str  #: "missing", "empty", "up to date", "needs upgrade", "newer than this program" …


def status(url: str | None = None) -> DatabaseStatus:
    """Where the store is and how its schema compares with this program's; reads only."""
    parsed, location = resolve(url)
    head = migrate.head_revision()
    path = sqlite_path(parsed)
    if path is not None:
        if not path.exists() or path.stat().st_size == 0:
            return DatabaseStatus(location, False, None, head, "missing")
        migrate.check_sqlite_file(path, location)
        state = migrate.read_sqlite_revision(path, location)
    else:
        engine = create_engine(parsed, connect_args={"connect_timeout": 10})
        try:
            with engine.connect() as connection:
                state = migrate.schema_state(connection)
        except sa_exc.SQLAlchemyError as exc:
            raise translate(exc, location) from exc
        finally:
            engine.dispose()
    return DatabaseStatus(location, True, state.current, head, state.describe())


def current(url: str | None = None) -> str | None:
    """The schema revision of the database (None when empty or missing); reads only."""
    return status(url).current


def upgrade(url: str | None = None) -> str:
    """Migrate the database to this program's newest revision (creating it if needed).

    An existing SQLite file is backed up beside itself first.
    """
    with Store.open(url, upgrade=True) as store:
        return store.current_revision() or ""
