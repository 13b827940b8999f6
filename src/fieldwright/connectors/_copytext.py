"""COPY's text format built a column at a time: the fast path of `CopyLoader`.

psycopg's ``copy.write_row`` formats one row per call, every value through
a dumper; on CSV-shaped batches that cost more than reading and mapping
them. Here a batch's columns are formatted as whole lists, which is what
`format_rows` returns as the COPY data (``\\t`` between cells, ``\\n``
after rows, ``\\N`` for NULL):

* text: one join of the column, a backslash escaping of ``\\ \\t \\n \\r``
  only when the joined text holds one, and one split;
* integers and finite floats: ``str`` (what psycopg's dumpers send);
* booleans: ``t`` / ``f``;
* ISO strings for DATE, TIMESTAMP and TIME columns: parsed as the per-row
  writer parses them, sent as ``isoformat()`` (what psycopg sends for the
  parsed value).

A column whose values are anything else (objects and arrays, JSON columns,
Decimals, NaN, a value the bind processor would convert, a NUL character)
is not formatted here: `format_rows` answers None and the loader uses
``write_row`` for that batch, so both paths send the same text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

from sqlalchemy import types as sqltypes

__all__ = ["NULL", "CellKind", "cell_kind", "cells_of", "format_rows"]

NULL = "\\N"
_NONE = type(None)
#: Joins a text column for one pass of escaping; a value holding it is not joined.
_SEPARATOR = "\x00"
_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


class CellKind(Enum):
    """How a column's record values become COPY text (see the module)."""

    PLAIN = "plain"  #: text, numbers and booleans as they are
    BOOLEAN = "boolean"  #: a BOOLEAN column: only booleans (its bind processor checks them)
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    OTHER = "other"  #: never formatted here


def cell_kind(column_type: sqltypes.TypeEngine[Any], has_processor: bool) -> CellKind:
    """The kind of a column of `column_type` whose bind processor exists or not."""
    if isinstance(column_type, sqltypes.JSON | sqltypes.ARRAY):
        return CellKind.OTHER
    if isinstance(column_type, sqltypes.DateTime):
        return CellKind.OTHER if has_processor else CellKind.DATETIME
    if isinstance(column_type, sqltypes.Date):
        return CellKind.OTHER if has_processor else CellKind.DATE
    if isinstance(column_type, sqltypes.Time):
        return CellKind.OTHER if has_processor else CellKind.TIME
    if isinstance(column_type, sqltypes.Boolean):
        return CellKind.BOOLEAN  # its processor passes booleans and None through
    return CellKind.OTHER if has_processor else CellKind.PLAIN


def _escaped(values: Sequence[Any], nulls: bool) -> list[str] | None:
    """Strings (None where the value is None) escaped for COPY text; None: a NUL inside."""
    joined = _SEPARATOR.join([value or "" for value in values] if nulls else values)
    for character, escape in _ESCAPES:
        if character in joined:
            joined = joined.replace(character, escape)
    cells = joined.split(_SEPARATOR)
    if len(cells) != len(values):
        return None  # a value holds a NUL, which PostgreSQL text cannot: write_row's turn
    return _with_nulls(cells, values) if nulls else cells


def _with_nulls(cells: list[str], values: Sequence[Any]) -> list[str]:
    for index, value in enumerate(values):
        if value is None:
            cells[index] = NULL
    return cells


def _to_date(text: str) -> dt.date:
    return dt.datetime.fromisoformat(text).date() if "T" in text else dt.date.fromisoformat(text)


#: Per kind: the C-level parser tried first, then the writer's own (as TableWriter parses).
_PARSERS: dict[CellKind, tuple[Callable[[str], Any], Callable[[str], Any]]] = {
    CellKind.DATE: (dt.date.fromisoformat, _to_date),
    CellKind.DATETIME: (dt.datetime.fromisoformat, dt.datetime.fromisoformat),
    CellKind.TIME: (dt.time.fromisoformat, dt.time.fromisoformat),
}
#: ISO strings PostgreSQL reads as the same value Python parses them to: sent as they are
#: once parsed (formatting a parsed time-zone-aware datetime costs several microseconds).
_PLAIN_ISO = {
    CellKind.DATE: re.compile(r"\d{4}-\d{2}-\d{2}"),
    CellKind.DATETIME: re.compile(
        r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::\d{2})?)?)?"
    ),
}


def _temporal(values: Sequence[Any], kind: CellKind, nulls: bool) -> list[str] | None:
    """ISO strings of a DATE, TIMESTAMP or TIME column; None: one the writer refuses."""
    present: Sequence[str] = [value for value in values if value is not None] if nulls else values
    fast, writer = _PARSERS[kind]
    try:
        parsed = list(map(fast, present))
    except ValueError:
        try:
            parsed = list(map(writer, present))
        except ValueError:
            return None  # the per-row writer names the value
    shape = _PLAIN_ISO.get(kind)
    if shape is not None and all(map(shape.fullmatch, present)):
        cells = list(present)
    else:
        cells = [value.isoformat() for value in parsed]
    if not nulls:
        return cells
    filled = iter(cells)
    return [NULL if value is None else next(filled) for value in values]


def _cells(values: Sequence[Any], kind: CellKind) -> list[str] | None:
    """One column's values as COPY text, or None when this path does not format them."""
    types = set(map(type, values))
    nulls = _NONE in types
    types.discard(_NONE)
    if not types:
        return [NULL] * len(values)
    if kind is CellKind.OTHER or len(types) > 2:
        return None
    if kind in _PARSERS:
        return _temporal(values, kind, nulls) if types == {str} else None
    if types == {bool}:
        return [NULL if value is None else ("t" if value else "f") for value in values]
    if kind is CellKind.BOOLEAN:
        return None
    if types == {str}:
        return _escaped(values, nulls)
    if types <= {int, float}:
        cells = (
            [NULL if value is None else str(value) for value in values]
            if nulls
            else [*map(str, values)]
        )
        if float in types and "n" in "".join(cells):
            return None  # NaN and infinities ("nan", "inf"): psycopg's dumpers spell them
        return cells
    return None


def cells_of(values: Sequence[Any], kind: CellKind) -> list[str] | None:
    """One column's values as COPY text cells (connectors/_sqlframe.py), or None when this
    path does not format them."""
    return _cells(values, kind)


def format_rows(
    columns: Sequence[Sequence[Any]], kinds: Sequence[CellKind], suffix: str = ""
) -> str | None:
    """The rows whose columns are `columns` as COPY text data, each row ending in `suffix`
    (pre-formatted cells of constant columns, with their leading tab) and a newline;
    None when a column needs psycopg's write_row."""
    formatted: list[list[str]] = []
    for values, kind in zip(columns, kinds, strict=True):
        cells = _cells(values, kind)
        if cells is None:
            return None
        formatted.append(cells)
    end = suffix + "\n"
    return end.join(map("\t".join, zip(*formatted, strict=True))) + end


def constant_cells(values: Sequence[Any]) -> str | None:
    """Constant cells (the staging table's bookkeeping) as the tab-led suffix of every row."""
    cells: list[str] = []
    for value in values:
        if isinstance(value, dt.datetime):
            cells.append(value.isoformat())
            continue
        formatted = _cells([value], CellKind.PLAIN)
        if formatted is None:
            return None
        cells.append(formatted[0])
    return "".join("\t" + cell for cell in cells)
