"""Columns (Polars series or lists) as COPY text: the columnar engine's way into the SQL sink.

The columnar engine hands the SQL sink a batch as columns (`SqlSink.write_columns`)
instead of records. Each column becomes COPY's text format as `_copytext` makes
it from a record batch, so both send the same text:

* text: ``\\ \\t \\n \\r`` escaped by Polars, ``\\N`` for null; a NUL inside
  leaves the batch to the record path;
* integers: Polars' decimal text (what ``str`` gives); booleans: ``t`` / ``f``;
* ISO dates and date-times of DATE / TIMESTAMP columns: as they are, once Polars
  checked that Python parses them to what PostgreSQL reads;
* anything else (floats, a date Polars does not vouch for, values in lists):
  `_copytext`'s own formatting, value by value.

A batch's columns are formatted and checked in one Polars computation.

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


#: A series' COPY cells as a Polars expression over the batch's frame, with the checks (each a
#: boolean scalar expression) that must all hold for those cells to be what `_copytext` sends.
Cells = tuple[pl.Expr, list[pl.Expr]]


def _series_cells(name: str, values: pl.Series, kind: CellKind) -> Cells | None:
    """A series' COPY cells as an expression on the column `name`, or None: `_copytext`
    formats it (or nothing does)."""
    dtype = values.dtype
    column = pl.col(name)
    if values.null_count() == len(values):
        return pl.repeat(NULL, len(values), dtype=pl.String), []
    if kind is CellKind.OTHER:
        return None
    if kind in _TEMPORAL:
        return _iso_cells(column, kind) if dtype == pl.String else None
    if dtype == pl.Boolean:
        chosen = pl.when(column.is_null()).then(pl.lit(NULL)).when(column).then(pl.lit("t"))
        return chosen.otherwise(pl.lit("f")), []
    if kind is CellKind.BOOLEAN:
        return None
    if dtype == pl.String:
        # One pass for the four (a pass per character cost twice as much).
        escaped = column.str.replace_many([c for c, _e in _ESCAPES], [e for _c, e in _ESCAPES])
        return escaped.fill_null(NULL), []
    if dtype.is_integer():
        return column.cast(pl.String).fill_null(NULL), []
    return None


#: ISO dates and date-times in the shapes `_copytext` sends as they are, every part in its
#: range except the day of a short month (checked by Polars' date parser) and year 0.
_DAY = r"^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_CLOCK = (
    r"(?:[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3])(?::[0-5][0-9])?)?)?$"
)
_SHAPES = {CellKind.DATE: _DAY + "$", CellKind.DATETIME: _DAY + _CLOCK}


def _iso_cells(column: pl.Expr, kind: CellKind) -> Cells | None:
    """ISO dates (DATE) or date-times (TIMESTAMP) that Python parses and PostgreSQL reads as
    the same value, sent as they are (what `_copytext` sends for them); the checks fail when
    a value has another shape or a part out of range (Python's parser then decides, value by
    value). Nulls pass every check (they are sent as NULL).

    Three checks, no captured groups: the shape (with each part's range), year 0, and the
    day of the month (Polars' date parser refuses 2023-02-29 and 04-31)."""
    shape = _SHAPES.get(kind)
    if shape is None:
        return None
    day = column.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    checks = [
        column.str.contains(shape).all(),  # another shape, or a part out of range
        column.str.starts_with("0000").any().not_(),  # year 0: Python refuses it
        (day.is_null() & column.is_not_null()).any().not_(),  # a day the month lacks
    ]
    return column.fill_null(NULL), checks


def columns_data(
    columns: Mapping[str, pl.Series | Sequence[Any]], kinds: Sequence[CellKind], suffix: str = ""
) -> bytes | None:
    """The rows of `columns` as COPY text data in UTF-8, each row ending in `suffix`
    (pre-formatted constant cells, with their leading tab) and a newline; None when a column
    needs the record path.

    One Polars computation per batch makes the text of the columns it formats and checks
    them at once (Polars' per-computation cost, paid for every check of every column of
    every batch, was most of the time); a column whose checks fail is formatted value by
    value by `_copytext`, and the text made again. The UTF-8 bytes are sent as they are (no
    Python str is made of them, decoded and encoded again)."""
    if not columns:
        return None
    in_python: set[str] = set()
    while True:
        frame: dict[str, pl.Series] = {}
        cells: list[pl.Expr] = []
        checks: list[tuple[str, pl.Expr]] = []
        for (name, values), kind in zip(columns.items(), kinds, strict=True):
            found: Cells | None = None
            if isinstance(values, pl.Series) and name not in in_python:
                found = _series_cells(name, values, kind)
                frame[name] = values.rename(name)
            if found is None:
                listed = cells_of(_listed(values), kind)
                if listed is None:
                    return None
                frame[name] = pl.Series(name, listed, dtype=pl.String)
                cells.append(pl.col(name))
                continue
            cells.append(found[0].alias(name))
            for check in found[1]:
                checks.append((name, check.alias(f"check {len(checks)}")))
        end = suffix + "\n"
        lines = pl.concat_str(cells, separator="\t").str.join(end).cast(pl.Binary)
        result = pl.DataFrame(frame).select(lines.alias("lines"), *(c for _n, c in checks)).row(0)
        failed = {name for (name, _check), held in zip(checks, result[1:], strict=True) if not held}
        if not failed:
            break
        in_python |= failed
    data: bytes = result[0]
    if b"\x00" in data:
        return None  # PostgreSQL text cannot hold a NUL: the record path names the row
    return data + end.encode()


def _listed(values: pl.Series | Sequence[Any]) -> list[Any]:
    return values.to_list() if isinstance(values, pl.Series) else list(values)


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
