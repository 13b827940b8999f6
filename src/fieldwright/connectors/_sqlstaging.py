"""Writing batches into a SQL table, directly or through a staging table with a status per row."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from fieldwright.connectors._sqlcommon import RESERVED_PREFIX, Database, driver_message
from fieldwright.connectors._sqlvalues import json_text, writer_for
from fieldwright.connectors.errors import SinkError
from fieldwright.domain.records import Record

if TYPE_CHECKING:
    from fieldwright.connectors._sqlcopy import CopyLoader

__all__ = ["Staging", "TableWriter"]

log = logging.getLogger(__name__)

#: One row ready to bind: the columns it sets (in order) and its parameters.
Row = tuple[tuple[str, ...], dict[str, Any]]
_UPSERT_DIALECTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _unique_keys(table: Table) -> list[set[str]]:
    keys = [{column.name for column in table.primary_key.columns}]
    for constraint in table.constraints:
        columns = getattr(constraint, "columns", None)
        if columns is not None and type(constraint).__name__ == "UniqueConstraint":
            keys.append({column.name for column in columns})
    keys += [{c.name for c in index.columns} for index in table.indexes if index.unique]
    return [key for key in keys if key]


class TableWriter:
    """Checks records against a table's columns and binds them as typed parameters."""

    def __init__(self, database: Database, table: Table, mode: str, key: Sequence[str]) -> None:
        self.database = database
        self.table = table
        self.mode = mode
        self.key = list(key)
        self.where = database.where(table.name)
        self.columns = list(table.columns.keys())
        self.writers = {column.name: writer_for(column.type) for column in table.columns}
        self._statements: dict[tuple[str, ...], Insert] = {}
        #: PostgreSQL through psycopg loads with COPY; other databases use executemany (and
        #: do not import psycopg: issue 18, start-up).
        self.copy: CopyLoader | None = None
        if database.url.get_driver_name() == "psycopg":
            from fieldwright.connectors._sqlcopy import copy_loader

            self.copy = copy_loader(database)
        if mode == "upsert":
            self._check_upsert()

    def _check_upsert(self) -> None:
        if not self.key:
            raise SinkError("an upsert needs the key columns (key=[...])", target=self.where)
        self._check_known(self.key, "the upsert key names")
        if self.database.dialect not in _UPSERT_DIALECTS:
            raise SinkError(
                f"upsert is supported on PostgreSQL and SQLite, not {self.database.dialect}; "
                "use mode 'insert'",
                target=self.where,
            )
        if set(self.key) not in _unique_keys(self.table):
            raise SinkError(
                f"the upsert key ({', '.join(self.key)}) is not the primary key or a unique "
                "constraint of the table; add a unique constraint on it or choose another key",
                target=self.where,
            )

    def _check_known(self, names: Sequence[str], what: str) -> None:
        unknown = [name for name in names if name not in self.writers]
        if unknown:
            raise SinkError(
                f"{what} {', '.join(map(repr, unknown))}, which the table does not have; "
                f"its columns are: {', '.join(self.columns)}",
                target=self.where,
            )

    def prepare(self, records: Sequence[Record], batch: int, first_row: int) -> list[Row]:
        """Each record as bound parameters; unknown columns and bad values name their row."""
        rows: list[Row] = []
        writers = self.writers
        known = writers.keys()
        for offset, record in enumerate(records):
            params = dict(record)
            if not known >= params.keys():
                self._check_known(
                    list(record), f"batch {batch}, row {first_row + offset} has column"
                )
            for name, value in record.items():
                if value is None:
                    continue
                writer = writers[name]
                if writer is None:
                    continue
                if writer is json_text:  # the common case, inlined: only objects and arrays change
                    if value.__class__ is dict or value.__class__ is list:
                        params[name] = json_text(value)
                    continue
                try:
                    params[name] = writer(value)
                except ValueError as exc:
                    raise SinkError(
                        f"batch {batch}, row {first_row + offset}, column {name!r}: {exc}",
                        target=self.where,
                    ) from exc
            rows.append((tuple(params), params))
        return rows

    def statement(self, columns: tuple[str, ...]) -> Insert:
        """The INSERT (or upsert) for rows setting `columns`."""
        cached = self._statements.get(columns)
        if cached is not None:
            return cached
        statement: Insert
        if self.mode == "upsert":
            dialect_insert: Any = _UPSERT_DIALECTS[self.database.dialect](self.table)
            updates = {
                name: dialect_insert.excluded[name] for name in columns if name not in self.key
            }
            statement = (
                dialect_insert.on_conflict_do_update(index_elements=self.key, set_=updates)
                if updates
                else dialect_insert.on_conflict_do_nothing(index_elements=self.key)
            )
        else:
            statement = insert(self.table)
        self._statements[columns] = statement
        return statement

    def write(self, records: Sequence[Record], batch: int, first_row: int) -> None:
        """One transaction: the batch is written whole or not at all.

        With COPY, a batch the server refuses is written again row by row, which names
        the bad row (or succeeds where COPY's text input is stricter than a bound value)."""
        if self.copy is not None:
            groups = self.copy.convert(self.table, self.writers, records)
            key = self.key if self.mode == "upsert" else None
            doing = f"writing batch {batch}"
            if groups is not None and self.copy.load(
                self.table, groups, upsert_key=key, doing=doing
            ):
                return
            log.debug("%s: COPY refused batch %d; writing it row by row", self.where, batch)
        rows = self.prepare(records, batch, first_row)
        write_rows(self.database, self.where, self.statement, rows, batch, first_row)


def _execute(connection: Connection, statement_for: Callable[..., Insert], rows: list[Row]) -> None:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for columns, params in rows:
        groups.setdefault(columns, []).append(params)
    for columns, group in groups.items():
        connection.execute(statement_for(columns), group)


def _failing_row(database: Database, statement_for: Callable[..., Insert], rows: list[Row]) -> int:
    """The index of the first row that fails alone (rolled back), or -1."""
    with database.engine.connect() as connection:
        transaction = connection.begin()
        try:
            for index, (columns, params) in enumerate(rows):
                try:
                    connection.execute(statement_for(columns), [params])
                except sa_exc.DBAPIError:
                    return index
        finally:
            transaction.rollback()
    return -1


def write_rows(
    database: Database,
    where: str,
    statement_for: Callable[..., Insert],
    rows: list[Row],
    batch: int,
    first_row: int,
) -> None:
    try:
        with database.engine.begin() as connection:
            _execute(connection, statement_for, rows)
    except sa_exc.DBAPIError as exc:
        if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
            database.fail(exc, f"writing batch {batch}")
        index = _failing_row(database, statement_for, rows)
        row = f", row {first_row + index}" if index >= 0 else ""
        raise SinkError(
            f"batch {batch}{row}: {driver_message(exc)}; nothing of batch {batch} was written "
            f"(rows {first_row}–{first_row + len(rows) - 1}); fix the record or the mapping "
            "and run again",
            target=where,
        ) from exc
    except sa_exc.SQLAlchemyError as exc:
        database.fail(exc, f"writing batch {batch}")


class Staging:
    """A staging table beside the target: rows carry the run's batch id and a status."""

    def __init__(
        self,
        database: Database,
        connection: Connection,
        writer: TableWriter,
        name: str,
        run_id: str,
    ) -> None:
        self.database = database
        self.writer = writer
        self.name = name
        self.run_id = run_id
        self.rows = 0
        self.where = database.where(name)
        self._written: set[str] = set()
        reserved = [c for c in writer.columns if c.startswith(RESERVED_PREFIX)]
        if reserved:
            raise SinkError(
                f"columns starting with {RESERVED_PREFIX!r} ({', '.join(reserved)}) are kept for "
                "the staging table's bookkeeping; write without staging",
                target=writer.where,
            )
        self.table = self._open(connection)
        self._insert = insert(self.table)

    def _definition(self) -> Table:
        columns = [Column(c.name, c.type, nullable=True) for c in self.writer.table.columns]
        table = Table(
            self.name,
            MetaData(schema=self.database.schema),
            *columns,
            Column("_fw_seq", Integer, primary_key=True, autoincrement=True),
            Column("_fw_batch_id", String(64), nullable=False),
            Column("_fw_batch", Integer, nullable=False),
            Column("_fw_status", String(16), nullable=False),
            Column("_fw_created_at", DateTime(timezone=True), nullable=False),
        )
        Index(None, table.c._fw_batch_id, table.c._fw_status)
        return table

    def _open(self, connection: Connection) -> Table:
        table = self._definition()
        try:
            if not inspect(connection).has_table(self.name, schema=self.database.schema):
                table.create(connection)
                connection.commit()
                return table
            existing = self.database.reflect(connection, self.name)
        except sa_exc.SQLAlchemyError as exc:
            self.database.fail(exc, "creating the staging table", self.name)
        missing = sorted(set(table.columns.keys()) - set(existing.columns.keys()))
        if missing:
            raise SinkError(
                f"the staging table exists without the columns {', '.join(missing)}; it only "
                "holds staged rows: drop it (or name another staging table) and run again",
                target=self.where,
            )
        return table

    def write(self, records: Sequence[Record], batch: int, first_row: int) -> None:
        now = datetime.now(UTC)
        if self._copy(records, batch, now):
            self.rows += len(records)
            return
        rows = self.writer.prepare(records, batch, first_row)
        staged: list[tuple[tuple[str, ...], dict[str, Any]]] = []
        for columns, params in rows:
            self._written.update(columns)
            params.update(
                _fw_batch_id=self.run_id, _fw_batch=batch, _fw_status="pending", _fw_created_at=now
            )
            staged.append((columns, params))
        write_rows(
            self.database, self.where, lambda _columns: self._insert, staged, batch, first_row
        )
        self.rows += len(records)

    def bookkeeping(self, batch: int, now: datetime | None = None) -> dict[str, Any]:
        """The staging columns of a batch's rows."""
        return {
            "_fw_batch_id": self.run_id,
            "_fw_batch": batch,
            "_fw_status": "pending",
            "_fw_created_at": now or datetime.now(UTC),
        }

    def staged(self, columns: Sequence[str], count: int) -> None:
        """Count `count` rows setting `columns` staged by COPY (SqlSink.write_columns)."""
        self._written.update(columns)
        self.rows += count

    def _copy(self, records: Sequence[Record], batch: int, now: datetime) -> bool:
        """Stage the batch with COPY when the database allows; False: use the per-row path."""
        loader = self.writer.copy
        if loader is None:
            return False
        extra = self.bookkeeping(batch, now)
        groups = loader.convert(self.writer.table, self.writer.writers, records, extra)
        if groups is None or not loader.load(self.table, groups, doing=f"writing batch {batch}"):
            return False
        for columns, _rows in groups:
            self._written.update(columns[: -len(extra)])
        return True

    def _pending(self) -> Any:
        return (self.table.c._fw_batch_id == self.run_id) & (self.table.c._fw_status == "pending")

    def move(self) -> int:
        """Move this run's pending rows into the target and mark them completed: one transaction."""
        if not self._written:
            return 0
        columns = [name for name in self.writer.columns if name in self._written]
        source = select(*(self.table.c[name] for name in columns)).where(self._pending())
        if (
            self.writer.mode == "upsert"
        ):  # a key staged twice: the last row wins, as without staging
            latest = select(func.max(self.table.c._fw_seq)).where(self._pending())
            latest = latest.group_by(*(self.table.c[name] for name in self.writer.key))
            source = source.where(self.table.c._fw_seq.in_(latest))
        statement = self.writer.statement(tuple(columns)).from_select(columns, source)
        try:
            with self.database.engine.begin() as connection:
                connection.execute(statement)
                done = connection.execute(
                    update(self.table).where(self._pending()).values(_fw_status="completed")
                )
        except sa_exc.DBAPIError as exc:
            if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
                self.database.fail(
                    exc, "moving the staged rows into the target", self.writer.table.name
                )
            raise SinkError(
                f"moving {self.rows} staged rows (batch id {self.run_id}) into the table failed: "
                f"{driver_message(exc)}; the target is unchanged and the rows stay in "
                f"{self.name!r}; fix the records or the table and run again",
                target=self.writer.where,
            ) from exc
        return int(done.rowcount)

    def mark_failed(self) -> None:
        """Mark this run's pending rows failed; an error here is logged, not raised."""
        try:
            with self.database.engine.begin() as connection:
                connection.execute(
                    update(self.table).where(self._pending()).values(_fw_status="failed")
                )
        except sa_exc.SQLAlchemyError as exc:
            # The target is untouched either way: pending rows of an aborted run are never moved.
            log.warning(
                "%s: could not mark the staged rows of batch id %s as failed (%s); they stay "
                "pending and will not be moved",
                self.where,
                self.run_id,
                driver_message(exc),
            )
