"""What SQL sources and sinks share: engines, masked URLs, reflected tables, wrapped errors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from sqlalchemy import MetaData, Table, create_engine, inspect
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine, make_url

from fieldwright.connectors._secrets import mask, register_secret
from fieldwright.connectors._sqlvalues import check_identifier
from fieldwright.connectors.errors import ConnectorError

if TYPE_CHECKING:  # the keyring is imported only to read a credential (registry.py)
    from fieldwright.connectors.credentials import Credentials

__all__ = ["Database", "driver_message"]

#: Internal columns of a staging table; a target table may not use these names.
RESERVED_PREFIX = "_fw_"


def driver_message(exc: BaseException) -> str:
    """The database's own words for an error, without SQLAlchemy's SQL and parameter dump."""
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc).strip()
    return mask(" ".join(text.split()))


class Database:
    """One database by URL: an engine, its name with the password hidden, checked table lookups."""

    def __init__(
        self,
        url: str | URL,
        *,
        schema: str | None,
        credentials: Credentials | None,
        error: type[ConnectorError],
        must_exist: bool = True,
    ) -> None:
        self.error = error
        try:
            parsed = make_url(url)
        except (sa_exc.ArgumentError, ValueError) as exc:  # ValueError: a port not a number
            raise error(
                f"{mask(str(url))!r} is not a database URL; write it like "
                "postgresql+psycopg://user@host:5432/dbname or sqlite:///path/to/file.db"
            ) from exc
        if parsed.password:
            register_secret(str(parsed.password))
        if credentials is not None:
            parsed = parsed.set(password=credentials.secret())
        self.url = parsed
        self.display = parsed.render_as_string(hide_password=True)
        self.schema = None
        if schema is not None:
            self.schema = check_identifier(schema, "schema", error, self.display)
        self._check_sqlite_file(must_exist)
        try:
            self.engine: Engine = create_engine(parsed)
        except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ImportError) as exc:
            raise error(
                f"cannot use this database URL ({driver_message(exc)}); check the dialect "
                "and driver, e.g. postgresql+psycopg:// or sqlite:///",
                target=self.display,
            ) from exc

    def _check_sqlite_file(self, must_exist: bool) -> None:
        database = self.url.database
        if self.url.get_backend_name() != "sqlite" or not database or database == ":memory:":
            return
        if database.startswith("file:"):
            return
        if must_exist and not Path(database).is_file():
            raise self.error(
                "the SQLite database file does not exist; check the path in the URL",
                target=self.display,
            )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def qualified(self, table: str) -> str:
        return f"{self.schema}.{table}" if self.schema else table

    def where(self, table: str) -> str:
        return f"{self.display} table {self.qualified(table)!r}"

    def fail(self, exc: sa_exc.SQLAlchemyError, doing: str, table: str | None = None) -> NoReturn:
        """Raise this database's error for a SQLAlchemy error, saying what to do about it."""
        target = self.where(table) if table else self.display
        if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError) or not isinstance(
            exc, sa_exc.DBAPIError
        ):
            advice = "check the URL, that the server is running and reachable, and the credentials"
        else:
            advice = "check the table and the values written to it"
        raise self.error(f"{doing} failed: {driver_message(exc)}; {advice}", target=target) from exc

    def connect(self) -> Connection:
        try:
            return self.engine.connect()
        except sa_exc.SQLAlchemyError as exc:
            self.fail(exc, "connecting")

    def reflect(self, connection: Connection, table: str) -> Table:
        """The table as the database describes it; a clear error lists the tables there are."""
        check_identifier(table, "table", self.error, self.display)
        try:
            return Table(table, MetaData(schema=self.schema), autoload_with=connection)
        except sa_exc.NoSuchTableError as exc:
            names = sorted(inspect(connection).get_table_names(schema=self.schema))
            known = ", ".join(names[:20]) + (" …" if len(names) > 20 else "")
            raise self.error(
                f"there is no such table; tables there: {known or '(none)'}; "
                "check the table name and schema",
                target=self.where(table),
            ) from exc
        except sa_exc.SQLAlchemyError as exc:
            self.fail(exc, "reading the table's columns", table)

    def test_connection(self) -> None:
        """Connect and run a trivial query; a clear error if the database cannot be reached."""
        with self.connect() as connection:
            try:
                connection.exec_driver_sql("SELECT 1")
            except sa_exc.SQLAlchemyError as exc:
                self.fail(exc, "running SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()


def unknown_columns(table: Table, names: Any) -> list[str]:
    return sorted(set(names) - set(table.columns.keys()))
