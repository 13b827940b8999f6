"""Parquet inputs: the columnar engine writes what the row engine writes (outputs, counts, messages,
dead letters), on fixed tables and on hypothesis-generated ones (nulls, nested lists and structs,
decimals, dates, floats); a large file is read a batch at a time, never whole."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldwright.connectors.frames import NdjsonFrameSink
from fieldwright.connectors.json_files import NdjsonSink
from fieldwright.connectors.parquet_files import ParquetChunk, ParquetSource
from fieldwright.domain import ErrorStrategy, MappingDocument
from fieldwright.domain.runs import DeadLetter
from fieldwright.engine.columnar import plan_mapping
from fieldwright.engine.columnar.frame import FrameMapper
from fieldwright.engine.columnar.run import execute_columnar
from fieldwright.engine.compiler import compile_document
from fieldwright.engine.run import execute
from tests.engine.columnar.parity import Ran, assert_same

SCHEMA = {
    "id": pl.Int32,
    "name": pl.String,
    "price": pl.Float64,
    "amount": pl.Decimal(10, 2),
    "day": pl.Date,
    "at": pl.Datetime("us"),
    "flag": pl.Boolean,
    "tags": pl.List(pl.Int64),
    "who": pl.Struct({"first": pl.String, "age": pl.Int16, "email": pl.String}),
    "items": pl.List(pl.Struct({"sku": pl.String, "qty": pl.Int64})),
}


def _document(*fields: dict[str, Any], **extra: Any) -> MappingDocument:
    return MappingDocument.model_validate(
        {"fieldwright": 1, "key": "mapping_PARQUET_PARITY", "name": "parquet parity",
         "fields": list(fields), **extra}
    )  # fmt: skip


#: Reads every kind of column, with kernels, batch functions, defaults, required and on_error.
WIDE = _document(
    {"target": "$.id", "sources": "$.id", "transforms": [{"fn": "to_string"}]},
    {"target": "$.name", "sources": "$.name", "transforms": [{"fn": "trim"}, {"fn": "upper"}],
     "default": "?"},
    {"target": "$.price", "sources": "$.price", "transforms": [{"fn": "round", "args": [1]}],
     "on_error": "null"},
    {"target": "$.net", "sources": "$.price", "default": 0.0},
    {"target": "$.day", "sources": "$.day", "transforms": [{"fn": "format_date",
     "args": ["%d.%m.%Y"]}], "on_error": "null"},
    {"target": "$.at", "sources": "$.at"},
    {"target": "$.flag", "sources": "$.flag"},
    {"target": "$.tags", "sources": "$.tags[*]"},
    {"target": "$.first_tag", "sources": "$.tags[0]"},
    {"target": "$.person.first", "sources": "$.who.first", "transforms": [{"fn": "trim"}]},
    {"target": "$.person.age", "sources": "$.who.age", "required": True},
    {"target": "$.person.email", "sources": "$.who.email", "transforms": [{"fn": "lower"}],
     "rules": {"regex": "@"}},
    {"target": "$.skus", "sources": "$.items[*].sku"},
)  # fmt: skip
#: Also reads a decimal column: the file is read by rows inside the columnar loop.
MONEY = _document(
    {"target": "$.id", "sources": "$.id"},
    {"target": "$.amount", "sources": "$.amount", "required": True},
    {"target": "$.cents", "sources": "$.amount", "transforms": [{"fn": "multiply", "args": [100]}],
     "on_error": "skip"},
)  # fmt: skip
FILTERED = _document(
    {"target": "$.id", "sources": "$.id"},
    {"target": "$.name", "sources": "$.name"},
    filter="flag == `true` && name != 'skip'",
)


def _same_nan(value: Any) -> Any:
    """`value` with NaN made comparable (a NaN never equals another)."""
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, dict):
        return {key: _same_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_same_nan(item) for item in value]
    return value


def _letter(letter: DeadLetter) -> tuple[Any, ...]:
    return (letter.position_text, letter.field, letter.reason, _same_nan(letter.input), letter.raw)


def run_both_parquet(
    document: MappingDocument,
    path: Path,
    folder: Path,
    *,
    batch_rows: int = 7,
    strategy: ErrorStrategy | None = None,
    encode: bool = True,
) -> tuple[Ran, Ran, int]:
    """(row run, columnar run, records the columnar path mapped itself)."""
    compiled = compile_document(document)
    rows_out, cols_out = folder / "rows.ndjson", folder / "cols.ndjson"
    for stale in folder.glob("*.ndjson"):
        stale.unlink()
    rows_letters: list[DeadLetter] = []
    cols_letters: list[DeadLetter] = []
    source = ParquetSource(path, batch_rows=batch_rows)
    rows = execute(compiled, iter(source), NdjsonSink(rows_out), strategy=strategy,
                   on_dead_letter=rows_letters.append)  # fmt: skip
    plan = plan_mapping(compiled)
    assert plan.lowers, plan.describe()
    mapper = FrameMapper(plan, encode=encode)
    cols = execute_columnar(
        plan, source.chunks(), (NdjsonFrameSink if encode else NdjsonSink)(cols_out),
        strategy=strategy, on_dead_letter=cols_letters.append, mapper=mapper,
    )  # fmt: skip

    def read(out: Path) -> bytes:
        return out.read_bytes() if out.exists() else b""

    return (
        Ran(rows, read(rows_out), [_letter(x) for x in rows_letters]),
        Ran(cols, read(cols_out), [_letter(x) for x in cols_letters]),
        mapper.columnar_records,
    )


def _rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": n,
            "name": [" ada ", None, "Émile", "  ", "skip"][n % 5],
            "price": [1.25, None, -0.5, 1e20, 3.0][n % 5],
            "amount": [Decimal("12.50"), None, Decimal("3.00"), Decimal("-0.01")][n % 4],
            "day": [dt.date(2024, 2, 29), None, dt.date(1, 1, 1)][n % 3],
            "at": [dt.datetime(2024, 5, 1, 9, 30), dt.datetime(2024, 5, 1, 9, 30, 0, 5), None][
                n % 3
            ],
            "flag": [True, False, None][n % 3],
            "tags": [[1, 2], [], None, [None, 3]][n % 4],
            "who": [
                {"first": " Ada", "age": 36, "email": "ADA@X.ORG"},
                {"first": None, "age": None, "email": "no at sign"},
                None,
            ][n % 3],
            "items": [
                [{"sku": "A1", "qty": 1}, {"sku": None, "qty": 2}],
                [],
                None,
                [{"sku": "B", "qty": None}],
            ][n % 4],
        }
        for n in range(count)
    ]


def _write(path: Path, rows: list[dict[str, Any]], **options: Any) -> Path:
    pl.DataFrame(rows, schema=SCHEMA).write_parquet(path, **options)
    return path


@pytest.mark.parametrize("strategy", [ErrorStrategy.CONTINUE_ON_ERROR, ErrorStrategy.FAIL_FAST])
@pytest.mark.parametrize("encode", [True, False])
@pytest.mark.parametrize("batch_rows", [1, 7, 1000])
def test_a_wide_table_maps_the_same_on_both_engines(
    tmp_path: Path, strategy: ErrorStrategy, encode: bool, batch_rows: int
) -> None:
    path = _write(tmp_path / "wide.parquet", _rows(60), row_group_size=16)
    rows, cols, columnar = run_both_parquet(
        WIDE, path, tmp_path, batch_rows=batch_rows, strategy=strategy, encode=encode
    )
    assert_same(rows, cols)
    assert rows.letters and rows.letters[0][0] == "row 2"  # age null: required; rows from 1
    if strategy is ErrorStrategy.CONTINUE_ON_ERROR:
        assert rows.outcome.counts.read == 60
        assert columnar > 0  # the columnar path mapped records itself, floats included


def test_floats_and_dates_are_mapped_column_wise(tmp_path: Path) -> None:
    path = _write(tmp_path / "plain.parquet", [r | {"who": None} for r in _rows(40)])
    document = _document(
        {"target": "$.id", "sources": "$.id"},
        {"target": "$.price", "sources": "$.price"},
        {"target": "$.day", "sources": "$.day"},
        {"target": "$.at", "sources": "$.at"},
    )
    rows, cols, columnar = run_both_parquet(document, path, tmp_path, batch_rows=10)
    assert_same(rows, cols)
    assert columnar == 40  # none redone by the row engine
    first = rows.output.splitlines()[0]
    assert first == b'{"id":0,"price":1.25,"day":"2024-02-29","at":"2024-05-01T09:30:00"}'


def test_decimal_columns_run_on_rows_inside_the_columnar_loop(tmp_path: Path) -> None:
    path = _write(tmp_path / "money.parquet", _rows(30))
    rows, cols, columnar = run_both_parquet(MONEY, path, tmp_path)
    assert_same(rows, cols)
    assert columnar == 0
    assert rows.output.splitlines()[0] == b'{"id":0,"amount":12.5,"cents":1250.0}'


def test_the_lowered_filter_keeps_the_same_records(tmp_path: Path) -> None:
    path = _write(tmp_path / "filtered.parquet", _rows(50))
    rows, cols, columnar = run_both_parquet(FILTERED, path, tmp_path, batch_rows=9)
    assert_same(rows, cols)
    assert 0 < rows.outcome.counts.filtered < 50 and columnar == 50


# -- hypothesis: random tables --------------------------------------------------------------

_TEXT = st.one_of(st.none(), st.text(max_size=6), st.sampled_from(["12", " 7 ", "-1", "true"]))
_FLOAT = st.one_of(
    st.none(), st.floats(allow_nan=False, allow_infinity=False, width=64), st.just(float("nan"))
)
_DECIMAL = st.one_of(
    st.none(),
    st.decimals(min_value=-(10**7), max_value=10**7, places=2, allow_nan=False,
                allow_infinity=False),
)  # fmt: skip
_DATE = st.one_of(st.none(), st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
_DATETIME = st.one_of(st.none(), st.datetimes(min_value=dt.datetime(1900, 1, 1)))
_INT = st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1))
_ROW = st.fixed_dictionaries(
    {
        "id": _INT,
        "name": _TEXT,
        "price": _FLOAT,
        "amount": _DECIMAL,
        "day": _DATE,
        "at": _DATETIME,
        "flag": st.one_of(st.none(), st.booleans()),
        "tags": st.one_of(st.none(), st.lists(_INT.map(lambda v: v), max_size=3)),
        "who": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {"first": _TEXT, "age": st.one_of(st.none(), st.integers(0, 120)), "email": _TEXT}
            ),
        ),
        "items": st.one_of(
            st.none(),
            st.lists(
                st.one_of(st.none(), st.fixed_dictionaries({"sku": _TEXT, "qty": _INT})),
                max_size=3,
            ),
        ),
    }
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_ROW, max_size=25), batch_rows=st.integers(1, 12), which=st.integers(0, 2))
def test_random_tables_map_the_same_on_both_engines(
    tmp_path: Path, rows: list[dict[str, Any]], batch_rows: int, which: int
) -> None:
    path = _write(tmp_path / "random.parquet", rows, row_group_size=5)
    document = (WIDE, MONEY, FILTERED)[which]
    for strategy in (ErrorStrategy.CONTINUE_ON_ERROR, ErrorStrategy.FAIL_FAST):
        row_run, col_run, _ = run_both_parquet(
            document, path, tmp_path, batch_rows=batch_rows, strategy=strategy
        )
        assert_same(row_run, col_run)
        counts = row_run.outcome.counts
        if strategy is ErrorStrategy.CONTINUE_ON_ERROR:
            assert counts.read == len(rows) == counts.written + counts.failed + counts.filtered


# -- bounded memory -----------------------------------------------------------------------------


def test_a_100k_row_file_is_read_a_batch_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count, batch = 100_000, 10_000
    path = tmp_path / "big.parquet"
    pl.DataFrame(
        {"id": pl.int_range(count, eager=True), "price": pl.int_range(count, eager=True) / 4}
    ).write_parquet(path, row_group_size=25_000)
    heights: list[int] = []
    collect = pl.LazyFrame.collect

    def counted(self: pl.LazyFrame, *args: Any, **kwargs: Any) -> pl.DataFrame:
        frame = collect(self, *args, **kwargs)
        heights.append(frame.height)
        return frame

    monkeypatch.setattr(pl.LazyFrame, "collect", counted)
    monkeypatch.setattr(pl, "read_parquet", lambda *a, **k: pytest.fail("read the whole file"))
    document = _document(
        {"target": "$.id", "sources": "$.id", "transforms": [{"fn": "to_string"}]},
        {"target": "$.price", "sources": "$.price"},
    )
    source = ParquetSource(path, batch_rows=batch)
    plan = plan_mapping(compile_document(document))
    chunks: list[ParquetChunk] = []

    def seen() -> Any:
        for chunk in source.chunks():
            chunks.append(chunk)
            yield chunk

    outcome = execute_columnar(plan, seen(), NdjsonFrameSink(tmp_path / "out.ndjson"))
    assert outcome.counts.read == outcome.counts.written == count
    assert [(c.first_row, len(c)) for c in chunks] == [(n, batch) for n in range(1, count, batch)]
    assert max(heights) == batch and sum(h for h in heights if h > 1) == count
    heights.clear()
    assert sum(1 for _ in source) == count  # the row engine's items: batches too
    assert max(heights) == batch
