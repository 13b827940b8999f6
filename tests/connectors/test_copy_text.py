"""COPY's text built a column at a time writes what executemany writes; a value it cannot
format hands the batch to write_row, and a bad value in the middle of a batch is named."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Time,
    create_engine,
    select,
)

from fieldwright.connectors import SinkError, SqlSink, _copytext, _sqlcopy
from fieldwright.connectors._copytext import CellKind, format_rows
from tests.connectors.conftest import SQL_BACKENDS

pg_only = pytest.mark.parametrize("sql_url", [SQL_BACKENDS[1]], indirect=True)

AWKWARD = ["tab\there", "new\nline\r\ncrlf", "back\\slash \\N \\.", "", "é 漢字 🚀", "\\"]
STAMPS = [
    "2024-05-01T09:30:00+02:00",
    "2024-05-01 23:59:59.5-05:30",
    "2024-12-31T00:00:00Z",
    "2024-02-29T12:00",
    "2024-03-01",
    "20240301T101112+0100",  # ISO basic: parsed, then sent as isoformat()
    None,
]
DATES = ["1990-02-03", "2024-02-29T23:00:00+05:00", "20240301", None]


def _table(metadata: MetaData, name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=False),
        Column("name", Text, nullable=False),
        Column("code", String(8)),
        Column("amount", Numeric(14, 4)),
        Column("ratio", Float),
        Column("qty", Integer),
        Column("born", Date),
        Column("seen", DateTime(timezone=True)),
        Column("at", Time),
        Column("active", Boolean),
    )


@pytest.fixture
def engine(sql_url: str) -> Iterator[Engine]:
    engine = create_engine(sql_url)
    yield engine
    engine.dispose()


@pytest.fixture
def tables(engine: Engine) -> tuple[Table, Table]:
    metadata = MetaData()
    pair = (_table(metadata, "by_text"), _table(metadata, "by_rows"))
    metadata.create_all(engine)
    return pair


@pytest.fixture
def formatted(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Per group COPY wrote: True when built as text here, False when handed to write_row."""
    answers: list[bool] = []
    original = _copytext.format_rows

    def spy(*args: Any, **kwargs: Any) -> str | None:
        text = original(*args, **kwargs)
        answers.append(text is not None)
        return text

    monkeypatch.setattr("fieldwright.connectors._sqlcopy.format_rows", spy)
    return answers


def _record(n: int) -> dict[str, Any]:
    return {
        "id": n,
        "name": f"{AWKWARD[n % len(AWKWARD)]} #{n}",
        "code": None if n % 3 == 0 else f"c{n}",
        "amount": [None, n * 1.25, n, -0.0001][n % 4],
        "ratio": [0.1, 1e-7, 123456789.5, None, 2][n % 5],
        "qty": None if n % 4 == 0 else n * 7,
        "born": DATES[n % len(DATES)],
        "seen": STAMPS[n % len(STAMPS)],
        "at": [None, "09:30:00", "23:59:59.123456"][n % 3],
        "active": [True, False, None][n % 3],
    }


def _rows(engine: Engine, table: Table) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(table).order_by("id"))]


MODES = {
    "insert": {},
    "upsert": {"mode": "upsert", "key": ["id"]},
    "staging": {"staging": True},
}


@pg_only
@pytest.mark.parametrize("mode", list(MODES))
def test_text_copy_writes_the_same_rows_as_executemany(
    engine: Engine,
    tables: tuple[Table, Table],
    sql_url: str,
    monkeypatch: pytest.MonkeyPatch,
    formatted: list[bool],
    mode: str,
) -> None:
    batches = [[_record(n) for n in range(1, 31)], [_record(n) for n in range(31, 43)]]
    for table in ("by_text", "by_rows"):
        sink = SqlSink(sql_url, table, **MODES[mode])
        for batch in batches:
            sink.write_batch(batch)
        sink.commit()
        assert sink.committed_rows == 42
        if table == "by_text":
            assert formatted and all(formatted), "every batch was built as COPY text"
            monkeypatch.setattr(_sqlcopy, "copy_loader", lambda database: None)
    by_text, by_rows = _rows(engine, tables[0]), _rows(engine, tables[1])
    assert by_text == by_rows
    first = by_text[0]
    assert first["name"] == f"{AWKWARD[1]} #1" and first["amount"] == Decimal("1.2500")
    assert first["seen"] == dt.datetime(2024, 5, 2, 5, 29, 59, 500000, tzinfo=dt.UTC)
    assert first["born"] == dt.date(2024, 2, 29)  # the date of a timestamp in a DATE column
    assert by_text[5]["born"] == dt.date(2024, 3, 1) and by_text[4]["seen"] == dt.datetime(
        2024, 3, 1, 9, 11, 12, tzinfo=dt.UTC
    )


@pg_only
def test_a_bad_value_in_the_middle_of_a_batch_is_named_and_nothing_of_it_is_written(
    engine: Engine, tables: tuple[Table, Table], sql_url: str, formatted: list[bool]
) -> None:
    """The column's text is not built (the date does not parse): the batch goes row by row,
    which names the bad row; earlier batches stay, and the counts say so."""
    sink = SqlSink(sql_url, "by_text")
    sink.write_batch([_record(n) for n in range(1, 6)])
    batch = [_record(n) for n in range(6, 11)]
    batch[2] = {**batch[2], "born": "31/12/1990"}
    with pytest.raises(SinkError) as caught:
        sink.write_batch(batch)
    sink.abort()
    assert "batch 2, row 8, column 'born': '31/12/1990' is not an ISO 8601 date" in str(
        caught.value
    )
    assert formatted == [True, False]
    assert [row["id"] for row in _rows(engine, tables[0])] == [1, 2, 3, 4, 5]
    assert sink.committed_rows == sink.kept_after_abort == 5


@pg_only
def test_a_value_the_server_refuses_in_the_middle_of_a_text_batch_is_named(
    engine: Engine, tables: tuple[Table, Table], sql_url: str, formatted: list[bool]
) -> None:
    sink = SqlSink(sql_url, "by_text")
    batch = [_record(n) for n in range(1, 6)]
    batch[2] = {**batch[2], "code": "far too long for eight"}
    with pytest.raises(SinkError) as caught:
        sink.write_batch(batch)
    sink.abort()
    message = str(caught.value)
    assert formatted == [True]
    assert "batch 1, row 3:" in message and "value too long" in message
    assert "nothing of batch 1 was written (rows 1–5)" in message
    assert _rows(engine, tables[0]) == [] and sink.committed_rows == 0


PLAIN = CellKind.PLAIN


def test_text_cells_are_escaped_and_nulls_spelled() -> None:
    text = format_rows([["a\tb", None, "c\\d", "e\r\nf"], [1, None, 2.5, True]], [PLAIN, PLAIN])
    assert text is None  # a boolean among numbers: write_row's turn
    text = format_rows([["a\tb", None, "c\\d", "e\r\nf"], [1, None, 2.5, -3]], [PLAIN, PLAIN])
    assert text == "a\\tb\t1\n\\N\t\\N\nc\\\\d\t2.5\ne\\r\\nf\t-3\n"


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["fine", "a\x00b"], PLAIN),  # PostgreSQL text holds no NUL
        ([1.5, float("nan")], PLAIN),
        ([1.0, float("inf")], PLAIN),
        ([{"a": 1}, "x"], PLAIN),  # objects become JSON text on the per-row writer
        ([Decimal("1.5")], PLAIN),
        (["yes"], CellKind.BOOLEAN),
        (["2024-13-01"], CellKind.DATE),
        ([dt.date(2024, 1, 1)], CellKind.DATE),
        (["x"], CellKind.OTHER),
    ],
)
def test_values_this_path_does_not_format_go_to_write_row(
    values: list[Any], kind: CellKind
) -> None:
    assert format_rows([values], [kind]) is None


def test_dates_and_times_are_sent_as_parsed() -> None:
    columns = [
        ["2024-05-01", "2024-05-01T10:00:00+02:00", "20240501", None],
        ["2024-05-01T10:00:00+02:00", "2024-05-01 10:00", "2024-05-01T10:00:00.1234567", None],
        ["09:30", "093000", "09:30:00+02:00", None],
    ]
    text = format_rows(columns, [CellKind.DATE, CellKind.DATETIME, CellKind.TIME], "\tk")
    assert text is not None
    assert text.splitlines() == [  # a column with a value of another shape: isoformat()
        "2024-05-01\t2024-05-01T10:00:00+02:00\t09:30:00\tk",
        "2024-05-01\t2024-05-01T10:00:00\t09:30:00\tk",
        "2024-05-01\t2024-05-01T10:00:00.123456\t09:30:00+02:00\tk",
        "\\N\t\\N\t\\N\tk",
    ]
    plain = [["2024-05-01", None], ["2024-05-01 10:00", "2024-05-01T10:00:00.5Z"]]
    assert format_rows(plain, [CellKind.DATE, CellKind.DATETIME]) == (
        "2024-05-01\t2024-05-01 10:00\n\\N\t2024-05-01T10:00:00.5Z\n"
    )
