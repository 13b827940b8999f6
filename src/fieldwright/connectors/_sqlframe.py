"""Columns (Polars series or lists) as COPY text: the columnar engine's way into the SQL sink.

The columnar engine hands the SQL sink a batch as columns (`SqlSink.write_columns`)
instead of records. Each column becomes COPY's text format as `_copytext` makes
it from a record batch, so both send the same text:

* text: ``\\ \\t \\n \\r`` escaped by Polars, ``\\N`` for null; a NUL inside
  leaves the batch to the record path;
* integers: Polars' decimal text (what ``str`` gives); booleans: ``t`` / ``f``;
* anything else (floats, ISO dates for DATE / TIMESTAMP / TIME columns, values
  in lists): `_copytext`'s own formatting, value by value.

A column `_copytext` would not format (objects, JSON columns, a bind processor,
NaN) makes `columns_text` answer None; the sink then writes the batch as
records, through the path the row engine uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from fieldwright.connectors._copytext import NULL, CellKind, cells_of
from fieldwright.domain.records import Record

__all__ = ["columns_data", "columns_text", "records_of"]

_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
_TEMPORAL = (CellKind.DATE, CellKind.DATETIME, CellKind.TIME)


def _series_cells(values: pl.Series, kind: CellKind) -> pl.Expr | None:
    """A series' COPY cells as a Polars expression, or None: `_copytext` formats it (or
    nothing does)."""
    dtype = values.dtype
    column = pl.lit(values)
    if values.null_count() == len(values):
        return pl.lit(NULL, pl.String).repeat_by(len(values)).explode()
    if kind is CellKind.OTHER:
        return None
    if kind in _TEMPORAL:
        return _iso_cells(values, kind) if dtype == pl.String else None
    if dtype == pl.Boolean:
        chosen = pl.when(column.is_null()).then(pl.lit(NULL)).when(column).then(pl.lit("t"))
        return chosen.otherwise(pl.lit("f"))
    if kind is CellKind.BOOLEAN:
        return None
    if dtype == pl.String:
        for character, escape in _ESCAPES:
            column = column.str.replace_all(character, escape, literal=True)
        return column.fill_null(NULL)
    if dtype.is_integer():
        return column.cast(pl.String).fill_null(NULL)
    return None


#: ISO dates and date-times in the shapes `_copytext` sends as they are, with their parts.
_DATE = r"^([0-9]{4})-([0-9]{2})-([0-9]{2})"
_TIME = (
    r"(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-]([0-9]{2})(?::([0-9]{2}))?)?)?$"
)


def _iso_cells(values: pl.Series, kind: CellKind) -> pl.Expr | None:
    """ISO dates (DATE) or date-times (TIMESTAMP) that Python parses and PostgreSQL reads as
    the same value, sent as they are (what `_copytext` sends for them); None when a value
    has another shape or a part out of range (Python's parser then decides, value by value)."""
    if kind is CellKind.TIME:
        return None
    present = values.drop_nulls()
    parts = present.str.extract_groups(_DATE + (_TIME if kind is CellKind.DATETIME else "$"))
    frame = parts.struct.unnest()
    names = frame.columns
    if frame.select(pl.col(names[0]).is_null().any()).item():
        return None  # another shape
    numbers = frame.select(pl.all().cast(pl.Int32))
    year, month, day = (pl.col(name) for name in names[:3])
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    last = (
        pl.when(month == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    valid = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= last)
    for name, limit in zip(names[3:], (23, 59, 59, 23, 59), strict=False):
        valid = valid & (pl.col(name).fill_null(0) <= limit)
    if not numbers.select(valid.all()).item():
        return None
    return pl.lit(values).fill_null(NULL)


def columns_data(
    columns: Mapping[str, pl.Series | Sequence[Any]], kinds: Sequence[CellKind], suffix: str = ""
) -> bytes | None:
    """The rows of `columns` as COPY text data in UTF-8, each row ending in `suffix`
    (pre-formatted constant cells, with their leading tab) and a newline; None when a column
    needs the record path. One Polars computation for the columns it formats, whose UTF-8
    bytes are sent as they are (no Python str is made of them, decoded and encoded again)."""
    cells: list[pl.Expr] = []
    for (name, values), kind in zip(columns.items(), kinds, strict=True):
        found: pl.Expr | None = None
        if isinstance(values, pl.Series):
            found = _series_cells(values, kind)
            if found is None:
                values = values.to_list()
        if found is None:
            listed = cells_of(list(values), kind)
            if listed is None:
                return None
            found = pl.lit(pl.Series(name, listed, dtype=pl.String))
        cells.append(found.alias(name))
    if not cells:
        return None
    end = suffix + "\n"
    lines = pl.concat_str(cells, separator="\t").str.join(end).cast(pl.Binary)
    data: bytes = pl.select(lines).item()
    if b"\x00" in data:
        return None  # PostgreSQL text cannot hold a NUL: the record path names the row
    return data + end.encode()


def columns_text(
    columns: Mapping[str, pl.Series | Sequence[Any]], kinds: Sequence[CellKind], suffix: str = ""
) -> str | None:
    """`columns_data` as text (what `_copytext.format_rows` gives for the same values)."""
    data = columns_data(columns, kinds, suffix)
    return None if data is None else data.decode()


def records_of(columns: Mapping[str, pl.Series | Sequence[Any]]) -> list[Record]:
    """The rows of `columns` as records (keys in the columns' order)."""
    names = list(columns)
    lists = [c.to_list() if isinstance(c, pl.Series) else list(c) for c in columns.values()]
    return [dict(zip(names, row, strict=True)) for row in zip(*lists, strict=True)]
