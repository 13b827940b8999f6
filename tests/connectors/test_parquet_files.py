"""The Parquet source: the value of each Parquet type in a record, positions, batches, and clear
errors for files that are not Parquet, are cut short or damaged. Files are written by Polars."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from fieldwright.connectors import (
    ConnectorError,
    SourceUnreadable,
    UnsupportedFormat,
    open_sink,
    open_source,
)
from fieldwright.connectors.files import format_of
from fieldwright.connectors.parquet_files import ParquetSource, plain_number
from fieldwright.connectors.registry import open_connector_source
from fieldwright.domain import ConnectorRef

PARIS = dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)


def _typed(path: Path) -> Path:
    pl.DataFrame(
        {
            "small": pl.Series([7, None], dtype=pl.Int8),
            "big": pl.Series([2**64 - 1, 0], dtype=pl.UInt64),
            "ratio": pl.Series([0.1, float("nan")], dtype=pl.Float32),
            "money": pl.Series([Decimal("12.50"), Decimal("3.00")], dtype=pl.Decimal(10, 2)),
            "whole": pl.Series([Decimal("12"), None], dtype=pl.Decimal(10, 0)),
            "wide": pl.Series(
                [Decimal("1234567890123456789012.5"), Decimal("7")], dtype=pl.Decimal(38, 1)
            ),
            "kind": pl.Series(["a", None], dtype=pl.Categorical),
            "blob": [b"ab\x00", b""],
            "day": [dt.date(2024, 5, 1), None],
            "at": [dt.datetime(2024, 5, 1, 9, 30), dt.datetime(2024, 5, 1, 9, 30, 0, 123000)],
            "zoned": pl.Series([PARIS, None]).dt.convert_time_zone("Europe/Paris"),
            "nanos": pl.Series([1_500, 1_000_000], dtype=pl.Int64).cast(pl.Datetime("ns")),
            "clock": [dt.time(9, 30), dt.time(9, 30, 0, 4)],
            "took": [dt.timedelta(seconds=1.5), dt.timedelta(days=-1)],
            "tags": [[1, 2], []],
            "pair": pl.Series([[1, 2], None], dtype=pl.Array(pl.Int16, 2)),
            "who": [{"name": "Ada", "born": dt.date(1815, 12, 10)}, None],
            "lines": [[{"qty": Decimal("1.5")}, None], None],
        },
        schema_overrides={"lines": pl.List(pl.Struct({"qty": pl.Decimal(6, 2)}))},
    ).write_parquet(path)
    return path


def test_each_parquet_type_has_its_documented_record_value(tmp_path: Path) -> None:
    items = list(ParquetSource(_typed(tmp_path / "typed.parquet")))
    assert [str(item.position) for item in items] == ["row 1", "row 2"]
    first, second = (item.record for item in items)
    assert first is not None and second is not None
    assert first == {
        "small": 7,
        "big": 2**64 - 1,
        "ratio": float(pl.Series([0.1], dtype=pl.Float32)[0]),
        "money": 12.5,
        "whole": 12,
        "wide": 1.2345678901234568e21,
        "kind": "a",
        "blob": "YWIA",
        "day": "2024-05-01",
        "at": "2024-05-01T09:30:00",
        "zoned": "2024-05-01T11:30:00+02:00",
        "nanos": "1970-01-01T00:00:00.000001500",
        "clock": "09:30:00",
        "took": 1.5,
        "tags": [1, 2],
        "pair": [1, 2],
        "who": {"name": "Ada", "born": "1815-12-10"},
        "lines": [{"qty": 1.5}, None],
    }
    assert list(first) == list(second)  # the file's column order
    nan = second.pop("ratio")
    assert nan != nan  # NaN stays a float: a JSON output refuses it as the record's letter
    assert second == {
        "small": None, "big": 0, "money": 3, "whole": None, "wide": 7, "kind": None,
        "blob": "", "day": None, "at": "2024-05-01T09:30:00.123000", "zoned": None,
        "nanos": "1970-01-01T00:00:00.001000", "clock": "09:30:00.000004", "took": -86400.0,
        "tags": [], "pair": None, "who": None, "lines": None,
    }  # fmt: skip


def test_decimals_become_numbers_as_the_engine_writes_a_decimal() -> None:
    assert plain_number(Decimal("19.99")) == 19.99
    assert plain_number(Decimal("-3.000")) == -3 and type(plain_number(Decimal("3.0"))) is int
    assert plain_number(Decimal("123456789012345678901234567890")) == 123456789012345678901234567890


def test_rows_are_read_in_batches_and_numbered_across_them(tmp_path: Path) -> None:
    path = tmp_path / "ids.parquet"
    pl.DataFrame({"id": range(25)}).write_parquet(path, row_group_size=4)
    source = ParquetSource(path, batch_rows=10)
    assert len(source) == 25
    assert [(first, frame.height) for first, frame in source.batches()] == [
        (1, 10), (11, 10), (21, 5)
    ]  # fmt: skip
    items = list(source)
    assert [item.record for item in items] == [{"id": n} for n in range(25)]
    assert [item.position.row for item in items] == list(range(1, 26))
    chunks = list(source.chunks())
    assert [len(chunk) for chunk in chunks] == [10, 10, 5]
    assert chunks[2].item(4).record == {"id": 24} and str(chunks[2].item(4).position) == "row 25"


def test_an_empty_file_has_no_records(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    pl.DataFrame({"id": pl.Series([], dtype=pl.Int64)}).write_parquet(path)
    assert list(ParquetSource(path)) == [] and list(ParquetSource(path).chunks()) == []


def _message(path: Path, **settings: Any) -> str:
    with pytest.raises(SourceUnreadable) as caught:
        list(ParquetSource(path, **settings))
    return str(caught.value)


def test_a_file_that_is_not_parquet_is_named_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "people.parquet"
    path.write_text("id,name\n1,Ada\n")
    assert _message(path) == (
        f"{path}: not a Parquet file (it does not start with PAR1); name the right format"
    )


def test_a_truncated_file_is_named_with_the_reason(tmp_path: Path) -> None:
    whole = _typed(tmp_path / "whole.parquet").read_bytes()
    path = tmp_path / "cut.parquet"
    path.write_bytes(whole[: len(whole) // 2])
    message = _message(path)
    assert message.startswith(f"{path}: truncated or damaged Parquet file: its footer is missing")


def test_damaged_data_names_the_file_and_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "damaged.parquet"
    pl.DataFrame({"text": [f"value {n}" * 5 for n in range(300)]}).write_parquet(
        path, row_group_size=100
    )
    data = bytearray(path.read_bytes())
    data[8 : len(data) // 2] = b"\x55" * (len(data) // 2 - 8)  # the first row groups' pages
    path.write_bytes(bytes(data))
    message = _message(path, batch_rows=100)
    assert message.startswith(f"{path}: rows 1-100 cannot be read: damaged Parquet data (")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    assert _message(tmp_path / "nope.parquet").endswith(
        "nope.parquet: file not found; check the path"
    )


def test_batch_rows_must_be_positive(tmp_path: Path) -> None:
    path = tmp_path / "ids.parquet"
    pl.DataFrame({"id": [1]}).write_parquet(path)
    with pytest.raises(SourceUnreadable, match="batch_rows must be a whole number"):
        ParquetSource(path, batch_rows=0)


def test_parquet_is_found_by_extension_and_by_name(tmp_path: Path) -> None:
    path = tmp_path / "ids.parquet"
    pl.DataFrame({"id": [1, 2]}).write_parquet(path)
    assert format_of(path) == "parquet"
    renamed = path.rename(tmp_path / "ids.bin")
    source = open_source(renamed, "parquet", batch_rows=1)
    assert isinstance(source, ParquetSource) and source.batch_rows == 1
    ref = ConnectorRef(kind="parquet", settings={"path": str(renamed)})
    assert [item.record for item in open_connector_source(ref)] == [{"id": 1}, {"id": 2}]


def test_parquet_is_not_written(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormat, match="reads Parquet files but does not write them"):
        open_sink(tmp_path / "out.parquet", columns=["id"])
    assert not (tmp_path / "out.parquet").exists()


def test_a_misspelt_setting_lists_the_valid_one(tmp_path: Path) -> None:
    path = tmp_path / "ids.parquet"
    pl.DataFrame({"id": [1]}).write_parquet(path)
    settings: dict[str, Any] = {"batch_size": 5}
    with pytest.raises(ConnectorError, match="valid settings: batch_rows"):
        open_source(path, **settings)


def test_column_names_are_names_not_patterns(tmp_path: Path) -> None:
    path = tmp_path / "odd.parquet"
    pl.DataFrame({"^a.*$": [dt.date(2024, 1, 2)], "a.b": [1], "ab": [2]}).write_parquet(path)
    (item,) = ParquetSource(path)
    assert item.record == {"^a.*$": "2024-01-02", "a.b": 1, "ab": 2}
    (chunk,) = ParquetSource(path).chunks()
    frame = chunk.frame({"^a.*$": pl.String(), "ab": pl.Int64()})
    assert frame is not None and frame.rows() == [("2024-01-02", 2)]


def test_a_chunk_gives_the_columns_the_engine_asks_for(tmp_path: Path) -> None:
    path = tmp_path / "nested.parquet"
    pl.DataFrame(
        {
            "who": [{"name": "Ada", "age": 36, "born": dt.date(1815, 12, 10)}, None],
            "price": [1.5, None],
            "nothing": [None, None],
        }
    ).write_parquet(path)
    (chunk,) = ParquetSource(path).chunks()
    asked: dict[str, Any] = {
        "who": pl.Struct({"name": pl.String(), "gone": pl.Int64()}),
        "price": pl.String(),  # text asked of a float column: held as null, the row redone
        "nothing": pl.String(),
        "absent": pl.Int64(),
    }
    frame = chunk.frame(asked)
    assert frame is not None and frame.schema == pl.Schema(asked)
    assert frame.rows() == [({"name": "Ada", "gone": None}, None, None, None), (None,) * 4]
    assert chunk.suspects() == [0]
    assert chunk.frame({"who": pl.Int64()}) is None  # a struct is no integer: rows map it
