"""Typing text cells by a schema: the converters of CSV sources."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from fieldwright.domain.schema import FieldType, SchemaField

__all__ = ["Converter", "converters_for"]

#: Turns a non-empty cell into a value, or raises ValueError saying why not.
Converter = Callable[[str], object]

_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


def _integer(text: str) -> int:
    cleaned = text.strip()
    if not _INTEGER.fullmatch(cleaned):
        raise ValueError(f"{text!r} is not an integer")
    return int(cleaned)


def _number(text: str) -> int | float:
    cleaned = text.strip()
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(f"{text!r} is not a number")
    if _INTEGER.fullmatch(cleaned):
        return int(cleaned)
    value = float(cleaned)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text!r} is too large for a number")
    return value


def _boolean(text: str) -> bool:
    cleaned = text.strip().lower()
    if cleaned in _TRUE:
        return True
    if cleaned in _FALSE:
        return False
    raise ValueError(f"{text!r} is not a boolean (true/false, yes/no, 1/0)")


def _date(text: str) -> str:
    cleaned = text.strip()
    try:
        date.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date (YYYY-MM-DD)") from None
    if len(cleaned) != 10:
        raise ValueError(f"{text!r} is not an ISO date (YYYY-MM-DD)")
    return cleaned


def _datetime(text: str) -> str:
    cleaned = text.strip()
    try:
        datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date-time (YYYY-MM-DDTHH:MM:SS)") from None
    return cleaned


_CONVERTERS: dict[FieldType, Converter] = {
    FieldType.INTEGER: _integer,
    FieldType.NUMBER: _number,
    FieldType.BOOLEAN: _boolean,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
}


def converters_for(schema: list[SchemaField] | None, columns: list[str]) -> dict[str, Converter]:
    """The converters of the typed columns; strings, objects, arrays and `any` stay text."""
    if not schema:
        return {}
    wanted = set(columns)
    return {
        field.name: _CONVERTERS[field.type]
        for field in schema
        if field.name in wanted and field.type in _CONVERTERS
    }
