"""COPY into PostgreSQL writes what executemany writes: insert, upsert, staging, awkward values,
and a bad row that fails alone; SQLite keeps executemany, one transaction per batch."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url

from fieldwright.connectors import SinkError, SqlSink, _sqlcopy
from fieldwright.connectors._sqlcopy import CopyLoader
from tests.connectors.conftest import SQL_BACKENDS

pg_only = pytest.mark.parametrize("sql_url", [SQL_BACKENDS[1]], indirect=True)

AWKWARD = [
    "tab\there",
    "new\nline and\r\ncrlf",
    "back\\slash \\N \\.",
    "quotes ' \" `",
    "unicode: é 漢字 🚀 \u00a0",
    "",
    "\\",
    "comma, semicolon; pipe|",
]


def _table(metadata: MetaData, name: str, json_type: Any = JSON) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("name", Text, nullable=False),
        Column("code", String(8)),
        Column("amount", Numeric(14, 4)),
        Column("born", Date),
        Column("seen", DateTime(timezone=True)),
        Column("doc", json_type),
        Column("active", Boolean),
    )


@pytest.fixture
def engine(sql_url: str) -> Iterator[Engine]:
    engine = create_engine(sql_url)
    yield engine
    engine.dispose()


@pytest.fixture
def tables(engine: Engine) -> tuple[Table, Table]:
    """Two identical tables: one loaded through COPY, one through executemany."""
    metadata = MetaData()
    json_type = JSONB if engine.dialect.name == "postgresql" else JSON
    pair = (_table(metadata, "by_copy", json_type), _table(metadata, "by_rows", json_type))
    metadata.create_all(engine)
    return pair


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What every COPY load answered (True: written by COPY; False: handed back)."""
    answers: list[bool] = []
    load = CopyLoader.load

    def spy(self: CopyLoader, *args: Any, **kwargs: Any) -> bool:
        answer = load(self, *args, **kwargs)
        answers.append(answer)
        return answer

    monkeypatch.setattr(CopyLoader, "load", spy)
    return answers


def _without_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sqlcopy, "copy_loader", lambda database: None)


def _record(n: int) -> dict[str, Any]:
    """Record `n`: awkward text, NULLs, decimals, dates, time zones and JSON by turns."""
    return {
        "id": n,
        "name": f"{AWKWARD[n % len(AWKWARD)]} #{n}",
        "code": None if n % 3 == 0 else f"c{n}",
        "amount": [None, n * 1.25, n, f"{n}.0625", -0.0001][n % 5],
        "born": None if n % 4 == 0 else f"19{n % 90 + 10}-0{n % 9 + 1}-1{n % 9}",
        "seen": [
            f"2024-05-0{n % 9 + 1}T09:30:00+02:00",
            f"2024-05-0{n % 9 + 1}T23:59:59.123456-05:30",
            "2024-12-31T00:00:00Z",
            None,
        ][n % 4],
        "doc": [
            {"tags": ["a\tb", "c\nd"], "n": n, "nested": {"q": "'\"\\"}},
            [1, 2.5, None, "x"],
            "just a string",
            None,
            n,
        ][n % 5],
        "active": [True, False, None][n % 3],
    }


def _rows(engine: Engine, table: Table) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(table).order_by("id"))]


def _load(sql_url: str, table: str, batches: list[list[dict[str, Any]]], **options: Any) -> SqlSink:
    sink = SqlSink(sql_url, table, **options)
    for batch in batches:
        sink.write_batch(batch)
    sink.commit()
    return sink


MODES = {
    "insert": {},
    "upsert": {"mode": "upsert", "key": ["id"]},
    "staging": {"staging": True},
    "staging-upsert": {"mode": "upsert", "key": ["id"], "staging": True},
}


@pg_only
@pytest.mark.parametrize("mode", list(MODES))
def test_copy_writes_the_same_rows_as_executemany(
    engine: Engine,
    tables: tuple[Table, Table],
    sql_url: str,
    monkeypatch: pytest.MonkeyPatch,
    copies: list[bool],
    mode: str,
) -> None:
    options = MODES[mode]
    batches = [[_record(n) for n in range(1, 41)], [_record(n) for n in range(41, 61)]]
    if "key" in options:
        # a key twice in one batch (the last wins), a key of an earlier batch, fewer columns
        batches.append([{**_record(5), "name": "five again"}, {"id": 7, "name": "only a name"}])
        batches.append([{**_record(5), "name": "five, last"}, {"id": 61, "name": "new"}])
    by_copy = _load(sql_url, "by_copy", batches, **options)
    assert copies and all(copies), "every batch went through COPY"
    _without_copy(monkeypatch)
    by_rows = _load(sql_url, "by_rows", batches, **options)
    copied, bound = _rows(engine, tables[0]), _rows(engine, tables[1])
    assert copied == bound
    assert by_copy.committed_rows == by_rows.committed_rows
    assert len(copied) == (61 if "key" in options else 60)
    first = copied[0]
    assert first["name"] == f"{AWKWARD[1]} #1"
    assert first["amount"] == Decimal("1.2500")
    assert first["seen"] == dt.datetime(2024, 5, 3, 5, 29, 59, 123456, tzinfo=dt.UTC)
    assert first["doc"] == [1, 2.5, None, "x"]
    by_id = {row["id"]: row for row in copied}
    assert by_id[2]["doc"] == "just a string" and by_id[5]["doc"] == {
        "tags": ["a\tb", "c\nd"],
        "n": 5,
        "nested": {"q": "'\"\\"},
    }
    assert by_id[8]["born"] is None and by_id[3]["code"] is None
    if "key" in options:
        assert by_id[5]["name"] == "five, last" and by_id[7]["name"] == "only a name"
        if "staging" not in options:  # a staged row sets every column it was staged with
            assert by_id[7]["amount"] == Decimal(7)  # the columns a record leaves out are kept


BAD_VALUES = [
    ({"code": "far too long for eight"}, "value too long"),
    ({"name": None}, "null value in column"),  # staging columns take NULL: its move refuses it
    ({"amount": "12,5"}, "invalid input syntax for type numeric"),
]


@pg_only
@pytest.mark.parametrize(
    ("mode", "bad", "reason"),
    [
        (mode, bad, reason)
        for mode in ("insert", "upsert", "staging")
        for bad, reason in BAD_VALUES
        if not (mode == "staging" and "name" in bad)
    ],
)
def test_a_bad_row_among_good_ones_fails_alone(
    engine: Engine,
    tables: tuple[Table, Table],
    sql_url: str,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    bad: dict[str, Any],
    reason: str,
) -> None:
    """COPY refuses the batch; the per-row path names the one bad row, as without COPY."""
    options = {"staging": True} if mode == "staging" else MODES[mode]
    batch = [_record(3), {**_record(4), **bad}, _record(5)]

    def attempt(table: str) -> tuple[str, int]:
        sink = SqlSink(sql_url, table, **options)
        sink.write_batch([_record(1), _record(2)])
        with pytest.raises(SinkError) as caught:
            sink.write_batch(batch)
        sink.abort()
        return str(caught.value).replace(table, "TABLE"), sink.committed_rows

    copied = attempt("by_copy")
    _without_copy(monkeypatch)
    assert copied == attempt("by_rows")
    message, committed = copied
    assert "batch 2, row 4:" in message and reason in message
    assert "nothing of batch 2 was written (rows 3–5)" in message
    expected = [] if mode == "staging" else [1, 2]
    assert [row["id"] for row in _rows(engine, tables[0])] == expected
    assert committed == len(expected)


@pg_only
def test_a_value_only_copy_refuses_is_written_row_by_row(
    engine: Engine, tables: tuple[Table, Table], sql_url: str, copies: list[bool]
) -> None:
    """COPY reads 2.0 as text an integer column refuses; a bound float is cast: same result."""
    _load(sql_url, "by_copy", [[{**_record(1), "id": 2.0}], [_record(3)]])
    assert copies == [False, True]
    assert [row["id"] for row in _rows(engine, tables[0])] == [2, 3]


@pg_only
def test_a_value_the_bind_processor_refuses_fails_as_before(
    tables: tuple[Table, Table], sql_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def attempt(table: str) -> str:
        sink = SqlSink(sql_url, table)
        with pytest.raises(SinkError) as caught:
            sink.write_batch([_record(1), {**_record(2), "active": "yes"}])
        sink.abort()
        return str(caught.value).replace(table, "TABLE")

    copied = attempt("by_copy")
    _without_copy(monkeypatch)
    assert copied == attempt("by_rows")
    assert "writing batch 1 failed" in copied


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_sqlite_writes_a_batch_with_executemany_in_one_transaction(
    engine: Engine, tables: tuple[Table, Table], sql_url: str, copies: list[bool]
) -> None:
    sink = SqlSink(sql_url, "by_rows")
    calls: list[tuple[str, int]] = []

    def record(connection: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        many = (
            isinstance(params, list | tuple)
            and len(params) > 0
            and not isinstance(params[0], str | int | float | None)
        )
        calls.append((statement.split()[0].upper(), len(params) if many else 1))

    sink_engine = sink._writer.database.engine
    event.listen(sink_engine, "before_cursor_execute", record)
    begins: list[object] = []
    event.listen(sink_engine, "begin", lambda connection: begins.append(connection))
    sink.write_batch([_record(n) for n in range(1, 51)])
    sink.commit()
    assert copies == []
    assert len(begins) == 1
    assert calls == [("INSERT", 50)]
    assert len(_rows(engine, tables[1])) == 50


@pg_only
def test_copy_into_a_named_schema(engine: Engine, sql_url: str, copies: list[bool]) -> None:
    schema = f"fw_copy_{uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        metadata = MetaData(schema=schema)
        table = _table(metadata, "elsewhere", JSONB)
        metadata.create_all(engine)
        inserted = SqlSink(sql_url, "elsewhere", schema=schema)
        inserted.write_batch([_record(1), _record(2)])
        inserted.commit()
        upserted = SqlSink(sql_url, "elsewhere", schema=schema, mode="upsert", key=["id"])
        upserted.write_batch([{"id": 2, "name": "two"}, _record(3)])
        upserted.commit()
        assert copies == [True, True]
        names = {row["id"]: row["name"] for row in _rows(engine, table)}
        assert names == {1: f"{AWKWARD[1]} #1", 2: "two", 3: f"{AWKWARD[3]} #3"}
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pg_only
def test_a_connection_lost_during_copy_is_the_databases_error(
    engine: Engine, tables: tuple[Table, Table], sql_url: str
) -> None:
    name = f"fw_copy_{uuid.uuid4().hex[:8]}"
    url = make_url(sql_url).update_query_dict({"application_name": name})
    sink = SqlSink(url.render_as_string(hide_password=False), "by_copy")
    sink.write_batch([_record(1)])
    with engine.begin() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :n"
            ),
            {"n": name},
        )
    with pytest.raises(SinkError) as caught:
        sink.write_batch([_record(2), _record(3)])
    sink.abort()
    message = str(caught.value)
    assert "writing batch 2 failed" in message
    assert "check the URL, that the server is running and reachable" in message
    assert [row["id"] for row in _rows(engine, tables[0])] == [1]
    assert sink.committed_rows == 1
