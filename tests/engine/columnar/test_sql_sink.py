"""CSV → SQL on the columnar engine: the table holds what the row engine writes (insert, staging,
upsert; SQLite and PostgreSQL), batches go as columns (COPY on PostgreSQL), and a row the database
refuses fails alone, as one dead letter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
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
    select,
)

from fieldwright.connectors import SinkError, SqlSink
from fieldwright.connectors._copytext import CellKind, format_rows
from fieldwright.connectors._sqlframe import columns_text
from fieldwright.connectors.csv_files import CsvSource
from fieldwright.connectors.csv_frames import CsvFrames
from fieldwright.domain import ErrorStrategy, MappingDocument
from fieldwright.domain.runs import DeadLetter, RunStatus
from fieldwright.engine.columnar import plan_mapping
from fieldwright.engine.columnar.run import execute_columnar
from fieldwright.engine.compiler import compile_document
from fieldwright.engine.run import RunOutcome, execute
from tests.connectors.conftest import sql_url  # noqa: F401  (the fixture)

NOTES = ["", "tab\there", "new\nline", "back\\slash \\N", 'say "hi", ok', "é 漢字 🚀", "\\"]


def _csv(path: Path, count: int, *, duplicate: int | None = None) -> Path:
    lines = ["id,name,amount,born,seen,active,note"]
    for n in range(1, count + 1):
        key = duplicate if duplicate is not None and n == count // 2 else n
        note = NOTES[n % len(NOTES)].replace('"', '""')
        amount = ["", f"{n}.25", str(n), "-0.5"][n % 4]
        born = f"19{n % 90 + 10}-0{n % 9 + 1}-1{n % 9}"
        seen = ["2024-05-01T09:30:00+02:00", "2024-12-31T00:00:00Z", "2024-06-01 10:00"][n % 3]
        active = ["true", "false", "yes"][n % 3]
        lines.append(f'{key}, name {n} ,{amount},{born},{seen},{active},"{note}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _document(batch_size: int = 7) -> MappingDocument:
    convert = {"id": "to_integer", "amount": "to_number", "active": "to_boolean", "name": "trim"}
    names = ["id", "name", "amount", "born", "seen", "active", "note"]
    return MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": "mapping_CSV_SQL",
            "name": "csv to sql",
            "fields": [
                {
                    "target": f"$.{name}",
                    "sources": f"$.{name}",
                    "transforms": [{"fn": convert[name]}] if name in convert else [],
                    "on_error": "null",
                }
                for name in names
            ],
            "run": {"batch_size": batch_size},
        }
    )


def _table(metadata: MetaData, name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("name", Text, nullable=False),
        Column("amount", Numeric(14, 4)),
        Column("born", Date),
        Column("seen", DateTime(timezone=True)),
        Column("active", Boolean),
        Column("note", String(40)),
    )


@pytest.fixture
def engine(sql_url: str) -> Iterator[Engine]:  # noqa: F811
    engine = create_engine(sql_url)
    _table(MetaData(), "by_rows").create(engine)
    _table(MetaData(), "by_cols").create(engine)
    yield engine
    engine.dispose()


def _rows(engine: Engine, name: str) -> list[tuple[Any, ...]]:
    table = _table(MetaData(), name)
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(table).order_by(table.c.id))]


def _run(
    url: str, csv: Path, table: str, *, columnar: bool, **sink: Any
) -> tuple[RunOutcome, list[DeadLetter], SqlSink]:
    compiled = compile_document(_document())
    letters: list[DeadLetter] = []
    target = SqlSink(url, table, **sink)
    if not columnar:
        source = CsvSource(csv)
        items = iter(source)
        outcome = execute(compiled, items, target, on_dead_letter=letters.append)
        items.close()  # type: ignore[attr-defined]
        source.close()
        return outcome, letters, target
    plan = plan_mapping(compiled)
    assert plan.lowers, plan.describe()
    frames = CsvFrames(csv, chunk_bytes=512)
    outcome = execute_columnar(plan, frames.chunks(), target, on_dead_letter=letters.append)
    frames.close()
    return outcome, letters, target


@pytest.mark.parametrize(
    "sink",
    [{}, {"staging": True}, {"mode": "upsert", "key": ["id"]}, {"mode": "upsert", "key": ["id"],
                                                              "staging": True}],
    ids=["insert", "staging", "upsert", "upsert-staging"],
)  # fmt: skip
def test_the_columnar_run_writes_the_rows_the_row_engine_writes(
    engine: Engine, sql_url: str, sink: dict[str, Any], tmp_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    csv = _csv(tmp_path / "in.csv", 120)
    by_columns: list[int] = []
    write_columns = SqlSink.write_columns

    def spy(self: SqlSink, columns: Any, *prepared: Any) -> Any:
        by_columns.append(len(next(iter(columns.values()))))
        return write_columns(self, columns, *prepared)

    monkeypatch.setattr(SqlSink, "write_columns", spy)
    rows, _, _ = _run(sql_url, csv, "by_rows", columnar=False, **sink)
    cols, letters, target = _run(sql_url, csv, "by_cols", columnar=True, **sink)
    assert rows.status is cols.status is RunStatus.COMPLETED
    assert cols.counts == rows.counts and cols.counts.written == 120
    assert letters == []
    assert sum(by_columns) == 120 and max(by_columns) == 7  # the run's batch size
    assert _rows(engine, "by_cols") == _rows(engine, "by_rows")
    assert len(_rows(engine, "by_cols")) == 120
    assert target.committed_rows == 120


@pytest.mark.parametrize("columnar", [False, True], ids=["rows", "columnar"])
def test_a_row_the_database_refuses_fails_alone(
    engine: Engine, sql_url: str, tmp_path: Path, columnar: bool,  # noqa: F811
) -> None:  # fmt: skip
    """On both engines: one dead letter naming the record and the database's reason, the
    other rows written (the row engine's SQL sink used to fail the whole run)."""
    csv = _csv(tmp_path / "in.csv", 60, duplicate=3)  # id 3 twice: the second is refused
    table = "by_cols" if columnar else "by_rows"
    outcome, letters, target = _run(sql_url, csv, table, columnar=columnar)
    assert outcome.status is RunStatus.COMPLETED, outcome.message
    assert (outcome.counts.read, outcome.counts.written, outcome.counts.failed) == (60, 59, 1)
    assert len(letters) == 1
    letter = letters[0]
    assert letter.position_text == "line 35"  # record 30, after a header and 4 quoted line ends
    assert letter.input is not None and letter.input["id"] == "3"
    assert letter.field is None
    assert "duplicate key" in letter.reason or "UNIQUE constraint failed" in letter.reason
    assert len(_rows(engine, table)) == 59
    assert target.committed_rows == 59


def test_both_engines_leave_the_same_table_and_dead_letter_when_a_row_is_refused(
    engine: Engine, sql_url: str, tmp_path: Path,  # noqa: F811
) -> None:  # fmt: skip
    csv = _csv(tmp_path / "in.csv", 60, duplicate=3)
    rows, rows_letters, _ = _run(sql_url, csv, "by_rows", columnar=False)
    cols, cols_letters, _ = _run(sql_url, csv, "by_cols", columnar=True)
    assert rows.counts == cols.counts
    assert [(x.position_text, x.field, x.reason, x.input) for x in rows_letters] == [
        (x.position_text, x.field, x.reason.replace("by_cols", "by_rows"), x.input)
        for x in cols_letters
    ]
    assert _rows(engine, "by_rows") == _rows(engine, "by_cols")


@pytest.mark.parametrize("columnar", [False, True], ids=["rows", "columnar"])
def test_under_fail_fast_a_refused_row_stops_the_run_and_counts_add_up(
    engine: Engine, sql_url: str, tmp_path: Path, columnar: bool,  # noqa: F811
) -> None:  # fmt: skip
    csv = _csv(tmp_path / "in.csv", 60, duplicate=3)
    compiled = compile_document(_document())
    letters: list[DeadLetter] = []
    table = "by_cols" if columnar else "by_rows"
    target = SqlSink(sql_url, table)
    if columnar:
        frames = CsvFrames(csv, chunk_bytes=1 << 20)
        outcome = execute_columnar(
            plan_mapping(compiled), frames.chunks(), target, strategy=ErrorStrategy.FAIL_FAST,
            on_dead_letter=letters.append,
        )  # fmt: skip
        frames.close()
    else:
        source = CsvSource(csv)
        items = iter(source)
        outcome = execute(
            compiled, items, target, strategy=ErrorStrategy.FAIL_FAST,
            on_dead_letter=letters.append,
        )  # fmt: skip
        items.close()  # type: ignore[attr-defined]
        source.close()
    counts = outcome.counts
    assert outcome.status is RunStatus.FAILED and "line 35" in (outcome.message or "")
    assert counts.failed == 1 and len(letters) == 1
    assert counts.read == counts.written + counts.failed + counts.filtered + counts.skipped
    # The batches before it, and the other rows of its batch (isolated, written): no later one.
    assert counts.written == len(_rows(engine, table)) == 28 + 6
    # Each engine stops after the chunk holding the refused record (30): the rest is unread.
    assert 30 <= counts.read <= 60


def test_a_value_a_column_refuses_fails_alone(
    engine: Engine, sql_url: str, tmp_path: Path,  # noqa: F811
) -> None:  # fmt: skip
    csv = _csv(tmp_path / "in.csv", 30)
    text = csv.read_text(encoding="utf-8").replace("1917-08-17", "not a date")
    csv.write_text(text, encoding="utf-8")
    cols, letters, _ = _run(sql_url, csv, "by_cols", columnar=True)
    assert (cols.counts.written, cols.counts.failed) == (29, 1)
    assert (
        "born" in letters[0].reason and letters[0].position_text == "line 9"
    )  # a note holds a line end


COLUMNS: dict[str, tuple[list[Any], CellKind]] = {
    "text": (["a", None, "tab\there", "new\nline\r\n", "back\\slash", ""], CellKind.PLAIN),
    "int": ([1, None, -5, 2**40, 0, 7], CellKind.PLAIN),
    "float": ([1.5, None, 1e20, 0.1 + 0.2, -0.0, 5e-07], CellKind.PLAIN),
    "bool": ([True, None, False, True, False, True], CellKind.BOOLEAN),
    "date": (["2024-01-02", None, "2024-02-29", "2024-03-01T10:00:00", "1999-12-31", "2000-01-01"],
             CellKind.DATE),
    "stamp": (["2024-01-02T03:04:05+02:00", None, "2024-01-02 03:04", "2024-01-02T03:04:05.5Z",
               "2024-01-02", "2024-01-02T03:04:05"], CellKind.DATETIME),
    "nulls": ([None] * 6, CellKind.PLAIN),
}  # fmt: skip


@pytest.mark.parametrize("as_series", [True, False])
def test_columns_become_the_copy_text_records_become(as_series: bool) -> None:
    columns = {
        name: pl.Series(values, strict=False) if as_series else values
        for name, (values, _kind) in COLUMNS.items()
    }
    kinds = [kind for _values, kind in COLUMNS.values()]
    expected = format_rows([values for values, _kind in COLUMNS.values()], kinds, "\tx")
    assert expected is not None
    assert columns_text(columns, kinds, "\tx") == expected


ODD_DATES = ["2023-02-29", "2024-02-29", "2100-02-29", "2000-02-29", "2024-13-01", "2024-04-31",
             "0000-01-01", "0001-01-01", "2024-1-01", "2024-01-01T10:00", "20240101", "2024-06-00",
             "2024-01-01T24:00", "2024-01-01T23:60", "2024-01-01T23:59:60", "2024-01-01T23:59:59Z",
             "2024-01-01T23:59:59.1234567", "2024-01-01 23:59:59.123456+24:00",
             "2024-01-01T01:02:03-23:59", "2024-01-01T01:02+05", "2024-01-01T01:02:03+0530",
             "2024-01-01X01:02", " 2024-01-01", "2024-01-01T01:02:03.5Z", "٢٠٢٤-01-01"]  # fmt: skip


@pytest.mark.parametrize("kind", [CellKind.DATE, CellKind.DATETIME, CellKind.TIME])
@pytest.mark.parametrize("value", ODD_DATES)
def test_dates_and_times_are_sent_as_the_record_path_sends_them(value: str, kind: CellKind) -> None:
    """Polars vouches only for values Python parses (else the record path decides)."""
    expected = format_rows([[value, None]], [kind])
    assert columns_text({"a": pl.Series([value, None])}, [kind]) == expected


def _two(top: int) -> st.SearchStrategy[str]:
    return st.integers(0, top).map("{:02d}".format)


#: Date-like text with every part at and around its range's ends (year 0, month 13, day 31 of a
#: short month, 29 February of any year, hour 24, seconds 60, offsets, seven-digit fractions …):
#: Polars' checks must send exactly what Python's parser sends.
_DATES = st.tuples(
    st.sampled_from([0, 1, 1900, 1999, 2000, 2023, 2024, 2100, 9999]).map("{:04d}".format),
    _two(13),
    st.one_of(_two(32), st.sampled_from(["28", "29", "30", "31"])),
).map("-".join)
_CLOCKS = st.one_of(
    st.just(""),
    st.tuples(
        st.sampled_from(["T", " ", "X"]),
        _two(25),
        st.sampled_from(["", ":"]).flatmap(lambda c: _two(61).map(lambda m: c + m)),
        st.one_of(st.just(""), _two(61).map(":{}".format)),
        st.sampled_from(["", ".5", ".123456", ".1234567"]),
        st.one_of(
            st.sampled_from(["", "Z"]),
            st.tuples(
                st.sampled_from("+-"), _two(25), st.sampled_from(["", ":00", ":59", ":60", "30"])
            ).map("".join),
        ),
    ).map("".join),
)
DATE_LIKE = st.tuples(_DATES, _CLOCKS).map("".join)


@settings(max_examples=400, deadline=None)
@given(
    values=st.lists(DATE_LIKE, min_size=1, max_size=4),
    kind=st.sampled_from([CellKind.DATE, CellKind.DATETIME]),
)
def test_date_like_columns_are_sent_as_python_parses_them(
    values: list[str], kind: CellKind
) -> None:
    expected = format_rows([[*values, None]], [kind])
    assert columns_text({"a": pl.Series([*values, None])}, [kind]) == expected


def test_columns_copy_cannot_take_are_left_to_the_record_path() -> None:
    assert columns_text({"a": pl.Series(["nul\x00"])}, [CellKind.PLAIN]) is None
    assert columns_text({"a": [{"an": "object"}]}, [CellKind.PLAIN]) is None
    assert columns_text({"a": pl.Series([1.0, float("nan")])}, [CellKind.PLAIN]) is None
    assert columns_text({"a": pl.Series(["yes"])}, [CellKind.BOOLEAN]) is None


def test_a_sink_error_on_the_writing_thread_fails_the_run_and_counts_add_up(
    engine: Engine, sql_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:  # fmt: skip
    """Batches of columns are written on a thread of their own: its error still ends the run,
    after the queued writes, and the batches committed before it are what the counts say."""
    csv = _csv(tmp_path / "in.csv", 60)
    calls: list[int] = []
    write_columns = SqlSink.write_columns

    def failing(self: SqlSink, columns: Any, *prepared: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise SinkError("the connection was lost", target=self.name)
        return write_columns(self, columns, *prepared)

    monkeypatch.setattr(SqlSink, "write_columns", failing)
    outcome, letters, target = _run(sql_url, csv, "by_cols", columnar=True)
    counts = outcome.counts
    assert outcome.status is RunStatus.FAILED and "the connection was lost" in (
        outcome.message or ""
    )
    assert counts.read == 60 and letters == []
    assert counts.read == counts.written + counts.failed + counts.filtered + counts.skipped
    # The two batches before it; none after it (the queued ones are skipped).
    assert counts.written == target.committed_rows == len(_rows(engine, "by_cols")) == 14


def test_a_batch_is_made_copy_data_ahead_only_when_its_write_cannot_change_it(
    engine: Engine, sql_url: str,  # noqa: F811
) -> None:  # fmt: skip
    """PostgreSQL without staging: `prepare_columns` gives the COPY text `write_columns` would
    make, which then writes it; SQLite (no COPY) and staging (rows carry their batch's number)
    get nothing ahead."""
    columns = {
        "id": pl.Series([1, 2], dtype=pl.Int64),
        "name": pl.Series(["a\tb", "c"]),
        "born": pl.Series(["2024-02-29", None]),
    }
    sink = SqlSink(sql_url, "by_cols")
    staged = SqlSink(sql_url, "by_rows", staging=True)
    prepared = sink.prepare_columns(columns)
    assert staged.prepare_columns(columns) is None
    if sql_url.startswith("sqlite"):
        assert prepared is None
    else:
        assert prepared is not None and prepared.names == ("id", "name", "born")
        assert prepared.data == b"1\ta\\tb\t2024-02-29\n2\tc\t\\N\n"
    assert sink.write_columns(columns, prepared) == []
    sink.commit()
    staged.abort()
    rows = _rows(engine, "by_cols")
    assert [(row[0], row[1], str(row[3])) for row in rows] == [(1, "a\tb", "2024-02-29"),
                                                               (2, "c", "None")]  # fmt: skip
