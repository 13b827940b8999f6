"""PostgreSQL through psycopg 3: batches loaded with ``COPY … FROM STDIN`` instead of executemany.

`CopyLoader` groups a batch's records by the columns they set and reads each
group a column at a time. A group whose columns hold text, numbers,
booleans and ISO dates (a CSV's usual batch) becomes COPY's text format in
a few passes per column and is sent with one ``copy.write`` (see
`fieldwright.connectors._copytext`: the same text psycopg would send). Any
other group goes row by row: every value through the writer
`TableWriter.prepare` would use (ISO dates parsed, objects and arrays in
text columns as JSON) and then the SQLAlchemy bind processor executemany
would apply (JSON columns serialise, booleans are checked, …), streamed with
psycopg's ``copy.write_row``. One transaction per batch:

* ``insert`` (and the staging table): ``COPY table (columns) FROM STDIN``;
* ``upsert``: ``COPY`` into a temporary table, then ``INSERT … SELECT … ON
  CONFLICT (key) DO UPDATE`` in the same transaction; a key given twice in a
  batch keeps its last row, as executemany's one-by-one upserts do.

A batch COPY cannot take (an unknown column, a value a writer or bind
processor refuses, or the server refusing the data or a constraint) is not
written at all: `load` says so and the caller writes that batch again through
the per-row executemany path, which either succeeds or fails naming the one
bad row exactly as without COPY. A lost connection is not retried: it is the
database's error, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Table
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from fieldwright.connectors._copytext import CellKind, cell_kind, constant_cells, format_rows
from fieldwright.connectors._sqlcommon import Database
from fieldwright.connectors._sqlvalues import json_text
from fieldwright.domain.records import Record

__all__ = ["CopyLoader", "copy_loader"]

Convert = Callable[[Any], Any] | None
#: How each column's record values become what the column binds (see TableWriter).
Writers = Mapping[str, Convert]
#: Per column needing it: its index in the row, its writer (not for None), its bind processor;
#: the indexes of the columns whose objects and arrays become JSON text; and how each
#: column's values become COPY text on the fast path.
Plan = tuple[list[tuple[int, Convert, Convert]], list[int], list[CellKind]]
#: Rows setting the same columns: the columns, and either their COPY text (the fast path;
#: as str, or as UTF-8 bytes from the columnar engine) or each row's values in column order
#: (for psycopg's write_row).
Group = tuple[tuple[str, ...], str | bytes | list[list[Any]]]

#: The temporary table's column keeping each row's order (a key given twice: the last wins).
_SEQ = "__fw_copy_seq"


def copy_loader(database: Database) -> CopyLoader | None:
    """A loader when the database is PostgreSQL reached through psycopg 3, else None."""
    url = database.url
    if url.get_backend_name() != "postgresql" or url.get_driver_name() != "psycopg":
        return None
    return CopyLoader(database)


def _by_columns(records: Sequence[Record]) -> list[tuple[tuple[str, ...], list[list[Any]]]]:
    """The records grouped by the columns they set (first-seen order), each group as its
    columns' values, one list per column."""
    if not records:
        return []
    first = tuple(records[0])
    if set(map(len, records)) == {len(first)}:  # the usual batch: one set of columns
        try:
            return [(first, [list(map(itemgetter(name), records)) for name in first])]
        except KeyError:
            pass  # the same number of columns, not the same ones
    groups: dict[tuple[str, ...], list[Record]] = {}
    for record in records:
        columns = tuple(record)
        group = groups.get(columns)
        if group is None:
            group = groups[columns] = []
        group.append(record)
    return [
        (columns, [list(values) for values in zip(*map(dict.values, members), strict=True)])
        for columns, members in groups.items()
    ]


class CopyLoader:
    """Loads records into a table with COPY; see the module."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._plans: dict[tuple[str, tuple[str, ...]], Plan | None] = {}

    def _name(self, table: str) -> sql.Composable:
        schema = self.database.schema
        return sql.Identifier(schema, table) if schema else sql.Identifier(table)

    def plan(self, table: Table, writers: Writers, columns: tuple[str, ...]) -> Plan | None:
        """Per column: its index, the record-value writer and the bind processor (both
        optional), skipping columns that need neither; None: a column the table lacks."""
        cache_key = (table.name, columns)
        if cache_key in self._plans:
            return self._plans[cache_key]
        steps: list[tuple[int, Convert, Convert]] = []
        texts: list[int] = []
        kinds: list[CellKind] = []
        dialect = self.database.engine.dialect
        for index, name in enumerate(columns):
            if name not in writers or name not in table.c:
                self._plans[cache_key] = None  # prepare() names the row and the column
                return None
            column_type = table.c[name].type
            process = column_type.dialect_impl(dialect).bind_processor(dialect)
            kinds.append(cell_kind(column_type, process is not None))
            write = writers[name]
            if write is json_text and process is None:
                texts.append(index)
            elif write is not None or process is not None:
                steps.append((index, write, process))
        plan = self._plans[cache_key] = (steps, texts, kinds)
        return plan

    def convert(
        self,
        table: Table,
        writers: Writers,
        records: Sequence[Record],
        extra: Mapping[str, Any] | None = None,
    ) -> list[Group] | None:
        """The records as COPY data grouped by the columns they set (first-seen order), each
        value made what executemany would bind; None when a record needs the per-row path
        (a column the table lacks, a value a writer or bind processor refuses, no column).

        A group whose columns all format as text (see `_copytext`) is that text, built a
        column at a time; any other group is its rows, for write_row."""
        extra_values = list(extra.values()) if extra else []
        suffix = constant_cells(extra_values) if extra_values else ""
        names = tuple(extra or ())
        groups: list[Group] = []
        for columns, values in _by_columns(records):
            plan = self.plan(table, writers, columns)
            if plan is None or not columns:
                return None
            data: str | list[list[Any]] | None = None
            if suffix is not None:
                data = format_rows(values, plan[2], suffix)
            if data is None:
                try:
                    data = _rows(plan, values, extra_values)
                except (TypeError, ValueError):
                    return None  # the per-row path reports it exactly as it always has
            groups.append((columns + names, data))
        return groups

    def load(
        self,
        table: Table,
        groups: Sequence[Group],
        *,
        upsert_key: Sequence[str] | None = None,
        doing: str,
    ) -> bool:
        """Write the groups in one transaction; False (nothing written) when COPY refused them."""
        try:
            with self.database.engine.begin() as connection:
                cursor = _cursor(connection)
                with cursor:
                    for columns, data in groups:
                        if upsert_key is None:
                            _copy(cursor, self._name(table.name), columns, data)
                        else:
                            self._upsert(cursor, table, columns, data, upsert_key)
        except UnicodeEncodeError:
            return False  # a lone surrogate: the per-row path names its row
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
        data: str | bytes | list[list[Any]],
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
        _copy(cursor, temporary, columns, data)
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


def _rows(plan: Plan, columns: list[list[Any]], extra_values: list[Any]) -> list[list[Any]]:
    """The rows of the columns' values, each made what executemany would bind (write_row's)."""
    steps, texts, _kinds = plan
    rows: list[list[Any]] = []
    for values in zip(*columns, strict=True):
        row = list(values)
        if texts:
            kinds = set(map(type, row))
            if dict in kinds or list in kinds:
                for index in texts:
                    row[index] = json_text(row[index])
        for index, write, process in steps:
            value = row[index]
            if write is not None and value is not None:
                value = write(value)
            if process is not None:
                value = process(value)
            row[index] = value
        if extra_values:
            row += extra_values
        rows.append(row)
    return rows


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
    data: str | bytes | list[list[Any]],
) -> None:
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(table, names)
    with cursor.copy(statement) as copy:
        if isinstance(data, str | bytes):
            copy.write(data)
            return
        write_row = copy.write_row
        for row in data:
            write_row(row)
