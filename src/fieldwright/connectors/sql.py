"""SQL tables as record sources and sinks, on any SQLAlchemy URL (SQLite, PostgreSQL, …).

`SqlSource` streams a table or a query with a server-side cursor, one record
per row, values made JSON-native (see `fieldwright.connectors._sqlvalues`).

`SqlSink` writes each batch in its own transaction, either straight into the
target table (``insert`` or ``upsert`` on a key) or, with ``staging=True``,
into a staging table (``<table>__fw_staging``) whose rows carry the run's
batch id and a status. Staged rows reach the target only on `commit`, in one
transaction, so a failed or aborted run leaves the target untouched:

* ``pending``   — written by a batch of a run still going on;
* ``completed`` — moved into the target by the run's commit;
* ``failed``    — the run was aborted (or its commit failed); the rows are
  kept, not deleted, so an analyst can see what the run would have written.
  Old rows can be deleted by status and date (``_fw_created_at``) at will.

Without staging, the batches committed before a failure stay in the target
(`committed_rows` tells how many); only the failing batch is rolled back.

On PostgreSQL through psycopg 3 a batch is loaded with COPY (see
`fieldwright.connectors._sqlcopy`); elsewhere with one executemany per batch.
Both write the same rows and name a bad row the same way.

Table and column names are checked (letters, digits, ``_ $-`` and spaces)
and against the reflected table, quoted by SQLAlchemy or psycopg, and every
value is a bound parameter or a COPY row, never SQL text.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Table, func, select, text, update
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import URL

from fieldwright.connectors._copytext import constant_cells
from fieldwright.connectors._sqlcommon import Database, driver_message
from fieldwright.connectors._sqlstaging import Staging, TableWriter
from fieldwright.connectors._sqlvalues import check_identifier, field_type, json_value
from fieldwright.connectors.errors import ConnectorError, SinkError, SourceUnreadable
from fieldwright.domain.records import Position, Record, RejectedRecord, SourceItem
from fieldwright.domain.schema import SchemaField

if TYPE_CHECKING:  # the keyring is imported only to read a credential (registry.py)
    from fieldwright.connectors.credentials import Credentials

__all__ = [
    "PreparedColumns",
    "SqlSink",
    "SqlSource",
    "fail_staged_rows",
    "reflect_schema",
    "staged_row_counts",
]


@dataclass(frozen=True, slots=True)
class PreparedColumns:
    """A batch of columns made COPY data ahead of its write (`SqlSink.prepare_columns`): the
    columns' names and their COPY text in UTF-8, or None when the batch goes as records."""

    names: tuple[str, ...]
    data: bytes | None


def _table_or_error(database: Database, table: str) -> Table:
    with database.connect() as connection:
        return database.reflect(connection, table)


def reflect_schema(
    url: str | URL,
    table: str,
    *,
    schema: str | None = None,
    credentials: Credentials | None = None,
) -> list[SchemaField]:
    """The fields of a table, one per column: typed; required when NOT NULL with no default."""
    database = Database(url, schema=schema, credentials=credentials, error=SourceUnreadable)
    try:
        reflected = _table_or_error(database, table)
    finally:
        database.dispose()
    fields: list[SchemaField] = []
    for column in reflected.columns:
        generated = column.primary_key and column.autoincrement is True
        has_default = column.server_default is not None or column.default is not None
        fields.append(
            SchemaField(
                name=column.name,
                type=field_type(column.type),
                required=not column.nullable and not has_default and not generated,
                description=column.comment or "",
            )
        )
    return fields


class SqlSource:
    """Rows of a table or a query, streamed as records (position: the 1-based row number)."""

    def __init__(
        self,
        url: str | URL,
        *,
        table: str | None = None,
        query: str | None = None,
        params: Mapping[str, Any] | None = None,
        batch_size: int = 1000,
        schema: str | None = None,
        credentials: Credentials | None = None,
    ) -> None:
        if table is None and query is None:
            raise SourceUnreadable("a SQL source needs a table or a query to read from")
        if table is not None and query is not None:
            raise SourceUnreadable("give a SQL source either a table or a query, not both")
        if batch_size < 1:
            raise SourceUnreadable(f"batch_size must be at least 1, not {batch_size}")
        self._database = Database(
            url, schema=schema, credentials=credentials, error=SourceUnreadable
        )
        self.table = table
        self.query = query
        self.params = dict(params or {})
        self.batch_size = batch_size
        self._table: Table | None = None
        if table is not None:
            self._table = _table_or_error(self._database, table)
        self._rows: Iterator[SourceItem] | None = None

    @property
    def name(self) -> str:
        if self.table is not None:
            return self._database.where(self.table)
        return f"{self._database.display} query"

    def test_connection(self) -> None:
        self._database.test_connection()

    def __iter__(self) -> Iterator[SourceItem]:
        self._rows = self._stream()
        return self._rows

    def _stream(self) -> Iterator[SourceItem]:
        database = self._database
        statement: Any = select(self._table) if self._table is not None else text(self.query or "")
        with database.connect() as connection:
            try:
                result = connection.execution_options(
                    stream_results=True, yield_per=self.batch_size
                ).execute(statement, self.params or None)
                keys = list(result.keys())
                for number, row in enumerate(result, start=1):
                    record = {key: json_value(value) for key, value in zip(keys, row, strict=True)}
                    yield SourceItem(Position(row=number), record)
            except sa_exc.SQLAlchemyError as exc:
                database.fail(
                    exc, "reading rows" if self.table else "running the query", self.table
                )

    def close(self) -> None:
        if self._rows is not None:
            close = getattr(self._rows, "close", None)
            if close is not None:
                close()
            self._rows = None
        self._database.dispose()


class SqlSink:
    """Writes batches into a table, each in its own transaction; see the module for staging."""

    def __init__(
        self,
        url: str | URL,
        table: str,
        *,
        mode: Literal["insert", "upsert"] = "insert",
        key: Sequence[str] = (),
        staging: bool = False,
        staging_table: str | None = None,
        batch_size: int = 1000,
        schema: str | None = None,
        run_id: str | None = None,
        credentials: Credentials | None = None,
    ) -> None:
        if mode not in ("insert", "upsert"):
            raise SinkError(f"mode must be 'insert' or 'upsert', not {mode!r}")
        if batch_size < 1:
            raise SinkError(f"batch_size must be at least 1, not {batch_size}")
        self._database = Database(url, schema=schema, credentials=credentials, error=SinkError)
        self.table = table
        self.mode = mode
        self.batch_size = batch_size
        #: The run's batch id, kept on every staged row.
        self.run_id = run_id or uuid.uuid4().hex
        #: Rows committed in the target so far (without staging: batch by batch).
        self.committed_rows = 0
        self.batches = 0
        self._state = "open"
        with self._database.connect() as connection:
            target = self._database.reflect(connection, table)
            self._writer = TableWriter(self._database, target, mode, key)
            self._staging: Staging | None = None
            if staging or staging_table is not None:
                name = staging_table or f"{table}__fw_staging"
                check_identifier(name, "staging table", SinkError, self.name)
                self._staging = Staging(self._database, connection, self._writer, name, self.run_id)

    @property
    def name(self) -> str:
        return self._database.where(self.table)

    @property
    def staging_table(self) -> str | None:
        return self._staging.name if self._staging is not None else None

    def test_connection(self) -> None:
        self._database.test_connection()

    @property
    def kept_after_abort(self) -> int:
        """Rows committed batch by batch that an abort cannot take back (0 with staging)."""
        return self.committed_rows

    def write_batch(self, records: Sequence[Record]) -> None:
        self._require_open("write to")
        if not records:
            return
        self.batches += 1
        first_row = self.committed_rows + (self._staging.rows if self._staging else 0) + 1
        if self._staging is not None:
            self._staging.write(records, self.batches, first_row)
        else:
            self._writer.write(records, self.batches, first_row)
            self.committed_rows += len(records)

    def write_records(self, records: Sequence[Record]) -> list[RejectedRecord]:
        """Write a batch as `write_batch` does, except that rows the database (or a column's
        writer) refuses are found by halving the batch and returned, the rest written: the
        columnar engine's way, where a refused row fails alone. A lost connection, an unknown
        column or a failed staging move still raises."""
        rejected: list[RejectedRecord] = []
        self._isolate(records, 0, rejected)
        return rejected

    def _isolate(
        self, records: Sequence[Record], base: int, rejected: list[RejectedRecord]
    ) -> None:
        try:
            self.write_batch(records)
        except SinkError as exc:
            refusal = _refusal(exc)
            if refusal is None:
                raise
            if len(records) == 1:
                rejected.append(RejectedRecord(base, *refusal))
                return
            half = len(records) // 2
            self._isolate(records[:half], base, rejected)
            self._isolate(records[half:], base + half, rejected)

    def prepare_columns(self, columns: Mapping[str, Any]) -> PreparedColumns | None:
        """The COPY data of a batch of columns, made ahead of its turn: the columnar engine
        calls this on its own thread while earlier batches are being written, then hands the
        result to `write_columns`, so that formatting the next batch overlaps the database's
        COPY of this one. None when nothing can be made ahead (not COPY, or a staging table,
        whose rows carry the number of the batch they are written in); `write_columns` then
        does it all. Reads the sink's state, never changes it."""
        loader = self._writer.copy
        if loader is None or self._staging is not None or not columns:
            return None
        names = tuple(columns)
        plan = loader.plan(self._writer.table, self._writer.writers, names)
        if plan is None:
            return None
        from fieldwright.connectors._sqlframe import columns_data

        return PreparedColumns(names, columns_data(columns, plan[2]))

    def write_columns(
        self, columns: Mapping[str, Any], prepared: PreparedColumns | None = None
    ) -> list[RejectedRecord]:
        """Write a batch given as columns (Polars series or lists, one per column, the same
        length): one COPY of their text when the database is PostgreSQL on psycopg and every
        column formats (connectors/_sqlframe.py), else as records through `write_records`.
        `prepared` is what `prepare_columns` made of these columns."""
        self._require_open("write to")
        count = len(next(iter(columns.values()))) if columns else 0
        if not count:
            return []
        # Imported here: Polars is loaded only by a columnar run.
        from fieldwright.connectors._sqlframe import records_of

        if self._copy_columns(columns, count, prepared):
            return []
        return self.write_records(records_of(columns))

    def _copy_columns(
        self, columns: Mapping[str, Any], count: int, prepared: PreparedColumns | None
    ) -> bool:
        """One COPY of the columns' text; False when COPY cannot take them (nothing written)."""
        from fieldwright.connectors._sqlframe import columns_data

        writer = self._writer
        loader = writer.copy
        if loader is None:
            return False
        names = tuple(columns)
        batch = self.batches + 1
        table, upsert_key, extra = writer.table, None, {}
        data: bytes | None
        if prepared is not None and prepared.names == names and self._staging is None:
            data = prepared.data
        else:
            plan = loader.plan(writer.table, writer.writers, names)
            if plan is None:
                return False
            if self._staging is not None:
                table, extra = self._staging.table, self._staging.bookkeeping(batch)
            suffix = constant_cells(list(extra.values())) if extra else ""
            data = None if suffix is None else columns_data(columns, plan[2], suffix)
        if data is None:
            return False
        if self._staging is None and self.mode == "upsert":
            upsert_key = writer.key
        doing = f"writing batch {batch}"
        if not loader.load(
            table, [(names + tuple(extra), data)], upsert_key=upsert_key, doing=doing
        ):
            return False
        self.batches = batch
        if self._staging is not None:
            self._staging.staged(names, count)
        else:
            self.committed_rows += count
        return True

    def commit(self) -> None:
        self._require_open("commit")
        try:
            if self._staging is not None:
                self.committed_rows += self._staging.move()
            self._state = "committed"
        finally:
            if self._state == "committed":
                self._database.dispose()

    def abort(self) -> None:
        """Stop: staged rows are marked failed; without staging, earlier batches stay committed."""
        if self._state in ("aborted", "committed"):
            return
        self._state = "aborted"
        try:
            if self._staging is not None:
                self._staging.mark_failed()
        finally:
            self._database.dispose()

    def _require_open(self, action: str) -> None:
        if self._state != "open":
            raise ConnectorError(
                f"cannot {action} a SQL sink that is already {self._state}; open a new sink",
                target=self.name,
            )

    def __repr__(self) -> str:
        return f"SqlSink({self.name!r}, {self._state})"


def _refusal(exc: SinkError) -> tuple[str, str | None] | None:
    """(reason, column) when `exc` is the database refusing the rows (a constraint, a value of
    the wrong type) or a column's writer refusing a value; None for anything else."""
    cause = exc.__cause__
    if isinstance(cause, sa_exc.DBAPIError) and not isinstance(
        cause, sa_exc.OperationalError | sa_exc.InterfaceError
    ):
        return driver_message(cause), None
    if isinstance(cause, ValueError):
        found = _VALUE_REFUSED.search(str(exc.args[0]) if exc.args else "")
        if found:
            return f"column {found.group(1)!r}: {found.group(2)}", found.group(1)
        return str(cause), None
    return None


#: TableWriter.prepare's message for a value a column's writer refuses.
_VALUE_REFUSED = re.compile(r"batch \d+, row \d+, column '(.*?)': (.*)", re.S)


def fail_staged_rows(
    url: str | URL,
    table: str,
    run_id: str,
    *,
    staging_table: str | None = None,
    schema: str | None = None,
    credentials: Credentials | None = None,
) -> int:
    """Mark the rows a stopped run left pending in `table`'s staging table failed, so
    that no later move takes them; how many. A missing staging table holds none."""
    name = staging_table or f"{table}__fw_staging"
    check_identifier(name, "staging table", SinkError, name)
    database = Database(url, schema=schema, credentials=credentials, error=SinkError)
    try:
        with database.connect() as connection:
            if not sa_inspect(connection).has_table(name, schema=schema):
                return 0
            staged = database.reflect(connection, name)
        pending = (staged.c._fw_batch_id == run_id) & (staged.c._fw_status == "pending")
        with database.engine.begin() as connection:
            done = connection.execute(update(staged).where(pending).values(_fw_status="failed"))
        return int(done.rowcount)
    except sa_exc.SQLAlchemyError as exc:
        database.fail(exc, "marking a stopped run's staged rows failed", name)
    finally:
        database.dispose()


def staged_row_counts(
    url: str | URL,
    table: str,
    *,
    staging_table: str | None = None,
    schema: str | None = None,
    credentials: Credentials | None = None,
) -> dict[str, tuple[int, datetime | None]]:
    """Rows in `table`'s staging table per status (pending, completed, failed), each
    with its oldest row's time: the health check of a SQL target. None staged: {}."""
    name = staging_table or f"{table}__fw_staging"
    check_identifier(name, "staging table", SinkError, name)
    database = Database(url, schema=schema, credentials=credentials, error=SinkError)
    try:
        with database.connect() as connection:
            if not sa_inspect(connection).has_table(name, schema=schema):
                return {}
            staged = database.reflect(connection, name)
            query = select(
                staged.c._fw_status, func.count(), func.min(staged.c._fw_created_at)
            ).group_by(staged.c._fw_status)
            return {
                str(status): (int(count), _aware(oldest))
                for status, count, oldest in connection.execute(query)
            }
    except sa_exc.SQLAlchemyError as exc:
        database.fail(exc, "counting the staging table's rows", name)
    finally:
        database.dispose()


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp
