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

__all__ = ["columns_text", "records_of"]

_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
_TEMPORAL = (CellKind.DATE, CellKind.DATETIME, CellKind.TIME)


def _series_cells(values: pl.Series, kind: CellKind) -> pl.Series | None:
    """A series as COPY cells by Polars, or None: `_copytext` formats it (or nothing does)."""
    dtype = values.dtype
    if kind is CellKind.OTHER or kind in _TEMPORAL:
        return None
    if dtype == pl.Boolean:
        flag = pl.lit(values)
        chosen = pl.when(flag.is_null()).then(pl.lit(NULL)).when(flag).then(pl.lit("t"))
        return pl.select(chosen.otherwise(pl.lit("f"))).to_series()
    if kind is CellKind.BOOLEAN:
        return None
    if dtype == pl.String:
        if values.str.contains("\x00", literal=True).any():
            return None
        for character, escape in _ESCAPES:
            if values.str.contains(character, literal=True).any():
                values = values.str.replace_all(character, escape, literal=True)
        return values.fill_null(NULL)
    if dtype.is_integer():
        return values.cast(pl.String).fill_null(NULL)
    return None


def columns_text(
    columns: Mapping[str, pl.Series | Sequence[Any]], kinds: Sequence[CellKind], suffix: str = ""
) -> str | None:
    """The rows of `columns` as COPY text data, each row ending in `suffix` (pre-formatted
    constant cells, with their leading tab) and a newline; None when a column needs the
    record path."""
    formatted: list[pl.Series] = []
    for (name, values), kind in zip(columns.items(), kinds, strict=True):
        cells: pl.Series | None = None
        if isinstance(values, pl.Series):
            if values.null_count() == len(values):
                cells = pl.Series(name, [NULL] * len(values), dtype=pl.String)
            else:
                cells = _series_cells(values, kind)
            if cells is None:
                values = values.to_list()
        if cells is None:
            found = cells_of(list(values), kind)
            if found is None:
                return None
            cells = pl.Series(name, found, dtype=pl.String)
        formatted.append(cells.alias(name))
    if not formatted or not len(formatted[0]):
        return None
    lines = pl.DataFrame(formatted).select(pl.concat_str(pl.all(), separator="\t")).to_series()
    end = suffix + "\n"
    return str(lines.str.join(end).item()) + end


def records_of(columns: Mapping[str, pl.Series | Sequence[Any]]) -> list[Record]:
    """The rows of `columns` as records (keys in the columns' order)."""
    names = list(columns)
    lists = [c.to_list() if isinstance(c, pl.Series) else list(c) for c in columns.values()]
    return [dict(zip(names, row, strict=True)) for row in zip(*lists, strict=True)]
