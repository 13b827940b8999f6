"""PostgreSQL through psycopg 3: batches loaded with ``COPY … FROM STDIN`` instead of executemany.

`CopyLoader` takes the rows `TableWriter.prepare` made (checked, typed, one
error per bad value naming its row) and passes every value through the same
SQLAlchemy bind processor executemany would (JSON columns serialise, booleans
are checked, …), then streams them with psycopg's ``copy.write_row`` in one
transaction per batch:

* ``insert`` (and the staging table): ``COPY table (columns) FROM STDIN``;
* ``upsert``: ``COPY`` into a temporary table, then ``INSERT … SELECT … ON
  CONFLICT (key) DO UPDATE`` in the same transaction; a key given twice in a
  batch keeps its last row, as executemany's one-by-one upserts do.

A batch COPY cannot take (a value a bind processor refuses, or the server
refusing the data or a constraint) is not written at all: `load` says so and
the caller writes that batch again through the per-row executemany path, which
either succeeds or fails naming the one bad row exactly as without COPY. A
lost connection is not retried: it is the database's error, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Table
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from fieldwright.connectors._sqlcommon import Database

__all__ = ["CopyLoader", "copy_loader"]

#: One row ready to bind: the columns it sets (in order) and its parameters.
Row = tuple[tuple[str, ...], dict[str, Any]]
Processor = Callable[[Any], Any] | None

#: The temporary table's column keeping each row's order (a key given twice: the last wins).
_SEQ = "__fw_copy_seq"


def copy_loader(database: Database) -> CopyLoader | None:
    """A loader when the database is PostgreSQL reached through psycopg 3, else None."""
    url = database.url
    if url.get_backend_name() != "postgresql" or url.get_driver_name() != "psycopg":
        return None
    return CopyLoader(database)


class CopyLoader:
    """Loads prepared rows into a table with COPY; see the module."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._processors: dict[tuple[str, str], Processor] = {}

    def _name(self, table: str) -> sql.Composable:
        schema = self.database.schema
        return sql.Identifier(schema, table) if schema else sql.Identifier(table)

    def _processor(self, table: Table, column: str) -> Processor:
        """The bind processor executemany applies to the column's values (None: none)."""
        cache_key = (table.name, column)
        if cache_key not in self._processors:
            dialect = self.database.engine.dialect
            column_type = table.c[column].type
            self._processors[cache_key] = column_type.dialect_impl(dialect).bind_processor(dialect)
        return self._processors[cache_key]

    def _groups(self, table: Table, rows: Sequence[Row]) -> list[tuple[tuple[str, ...], list[Any]]]:
        """Rows grouped by the columns they set (first-seen order), as value tuples.

        Raises TypeError or ValueError when a bind processor refuses a value."""
        groups: dict[tuple[str, ...], list[Any]] = {}
        for columns, params in rows:
            group = groups.get(columns)
            if group is None:
                group = groups[columns] = []
            group.append(params)
        result: list[tuple[tuple[str, ...], list[Any]]] = []
        for columns, members in groups.items():
            processors = [(n, self._processor(table, name)) for n, name in enumerate(columns)]
            active = [(n, process) for n, process in processors if process is not None]
            values: list[Any] = []
            if active:
                for params in members:
                    row = list(params.values())
                    for n, process in active:
                        row[n] = process(row[n])
                    values.append(row)
            else:
                values = [tuple(params.values()) for params in members]
            result.append((columns, values))
        return result

    def load(
        self,
        table: Table,
        rows: Sequence[Row],
        *,
        upsert_key: Sequence[str] | None = None,
        doing: str,
    ) -> bool:
        """Write `rows` in one transaction; False (nothing written) when COPY refused them."""
        if any(not columns for columns, _params in rows):
            return False  # a row setting no column: INSERT … DEFAULT VALUES, not COPY
        try:
            groups = self._groups(table, rows)
        except (TypeError, ValueError):
            return False  # the per-row path reports it exactly as it always has
        try:
            with self.database.engine.begin() as connection:
                cursor = _cursor(connection)
                with cursor:
                    for columns, values in groups:
                        if upsert_key is None:
                            _copy(cursor, self._name(table.name), columns, values)
                        else:
                            self._upsert(cursor, table, columns, values, upsert_key)
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
                wrapped = sa_exc.DBAPIError.instance(
                    "COPY", None, exc, psycopg.Error, connection_invalidated=True
                )
                self.database.fail(wrapped, doing, table.name)
            return False
        except sa_exc.SQLAlchemyError as exc:
            self.database.fail(exc, doing, table.name)
        return True

    def _upsert(
        self,
        cursor: psycopg.Cursor[Any],
        table: Table,
        columns: tuple[str, ...],
        values: list[Any],
        key: Sequence[str],
    ) -> None:
        temporary = sql.Identifier("fw_copy_upsert")
        names = sql.SQL(", ").join(map(sql.Identifier, columns))
        keys = sql.SQL(", ").join(map(sql.Identifier, key))
        seq = sql.Identifier(_SEQ)
        cursor.execute(
            sql.SQL(
                "CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA"
            ).format(temporary, names, self._name(table.name))
        )
        cursor.execute(
            sql.SQL("ALTER TABLE {} ADD COLUMN {} bigint GENERATED ALWAYS AS IDENTITY").format(
                temporary, seq
            )
        )
        _copy(cursor, temporary, columns, values)
        updates = [name for name in columns if name not in key]
        action: sql.Composable
        if updates:
            action = sql.SQL("DO UPDATE SET {}").format(
                sql.SQL(", ").join(
                    sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(name)) for name in updates
                )
            )
        else:
            action = sql.SQL("DO NOTHING")
        # The last row of each key; rows with a NULL key column never conflict: all of them.
        nulls = sql.SQL("").join(
            sql.SQL(" OR {} IS NULL").format(sql.Identifier(name)) for name in key
        )
        cursor.execute(
            sql.SQL(
                "INSERT INTO {target} ({names}) SELECT {names} FROM {temporary} "
                "WHERE {seq} IN (SELECT max({seq}) FROM {temporary} GROUP BY {keys}){nulls} "
                "ORDER BY {seq} ON CONFLICT ({keys}) {action}"
            ).format(
                target=self._name(table.name),
                names=names,
                temporary=temporary,
                seq=seq,
                keys=keys,
                nulls=nulls,
                action=action,
            )
        )
        cursor.execute(sql.SQL("DROP TABLE {}").format(temporary))


def _cursor(connection: Connection) -> psycopg.Cursor[Any]:
    raw: Any = connection.connection.dbapi_connection
    if not isinstance(raw, psycopg.Connection):  # pragma: no cover - copy_loader checks the driver
        raise TypeError(f"COPY needs a psycopg connection, not {type(raw).__name__}")
    cursor: psycopg.Cursor[Any] = raw.cursor()
    return cursor


def _copy(
    cursor: psycopg.Cursor[Any],
    table: sql.Composable,
    columns: tuple[str, ...],
    values: list[Any],
) -> None:
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(table, names)
    with cursor.copy(statement) as copy:
        write_row = copy.write_row
        for row in values:
            write_row(row)
