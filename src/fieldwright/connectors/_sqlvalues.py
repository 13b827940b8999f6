"""Values and names between SQL and records: JSON-native reads, typed writes, checked identifiers.

Reading, a database value becomes a JSON value:

=========================  ==================================================
database value             record value
=========================  ==================================================
NULL, bool, int, str       the same
float                      the same; NaN and ±infinity become "NaN", "Infinity", "-Infinity"
Decimal                    int when integral, else float (a NUMERIC wider than a double
                           loses digits: read it as text in a query if that matters)
date, datetime, time       ISO 8601 string (``2024-05-01``, ``2024-05-01T09:30:00+00:00``)
timedelta (interval)       number of seconds (float)
bytes (BLOB, BYTEA)        base64 string
UUID, IP address, ranges   string
JSON/JSONB, arrays         the same structure, converted recursively
=========================  ==================================================

Writing, an ISO string bound to a DATE, TIMESTAMP or TIME column is parsed
first (SQLite's driver accepts only date objects), and an object or array
bound to a non-JSON column is stored as JSON text.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson
from sqlalchemy import types as sqltypes

from fieldwright.connectors.errors import ConnectorError
from fieldwright.domain.schema import FieldType

__all__ = ["check_identifier", "field_type", "json_text", "json_value", "writer_for"]

#: Names we accept for tables and columns: a letter or underscore, then letters, digits,
#: underscores, spaces, hyphens or dollar signs; at most 63 characters (PostgreSQL's limit).
_IDENTIFIER = re.compile(r"[^\W\d][\w $-]{0,62}")


def check_identifier(
    name: str, what: str, error: type[ConnectorError] = ConnectorError, target: str | None = None
) -> str:
    """`name` if it is a plausible table/column name, else `error` saying why."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name) or name != name.strip():
        raise error(
            f"{what} name {name!r} is not allowed: use letters, digits, underscores, spaces, "
            "hyphens or $ (starting with a letter or underscore), at most 63 characters",
            target=target,
        )
    return name


def _float(value: float) -> float | str:
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def json_value(value: Any) -> Any:
    """A database value as a JSON value (see the module's table)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return _float(float(value))
        integral = value == value.to_integral_value()
        return int(value) if integral else float(value)
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(item) for item in value]
    if isinstance(value, Enum):
        return json_value(value.value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)  # IP addresses, ranges, money, driver-specific types


def _parse(parse: Callable[[str], Any], kind: str) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return parse(value)
            except ValueError as exc:
                raise ValueError(f"{value!r} is not an ISO 8601 {kind}") from exc
        return value

    return convert


def _to_date(text: str) -> dt.date:
    return dt.datetime.fromisoformat(text).date() if "T" in text else dt.date.fromisoformat(text)


def json_text(value: Any) -> Any:
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return value


def writer_for(column_type: sqltypes.TypeEngine[Any]) -> Callable[[Any], Any] | None:
    """How to turn a record value into what the column's type binds; None: as it is."""
    if isinstance(column_type, sqltypes.DateTime):
        return _parse(dt.datetime.fromisoformat, "date-time")
    if isinstance(column_type, sqltypes.Date):
        return _parse(_to_date, "date")
    if isinstance(column_type, sqltypes.Time):
        return _parse(dt.time.fromisoformat, "time")
    if isinstance(column_type, sqltypes.JSON | sqltypes.ARRAY):
        return None
    return json_text


def field_type(column_type: sqltypes.TypeEngine[Any]) -> FieldType:
    """The schema field type a column's values have once read as JSON."""
    checks: list[tuple[type[Any] | tuple[type[Any], ...], FieldType]] = [
        (sqltypes.Boolean, FieldType.BOOLEAN),
        (sqltypes.Integer, FieldType.INTEGER),
        (sqltypes.Numeric, FieldType.NUMBER),  # Float is a Numeric
        (sqltypes.Interval, FieldType.NUMBER),
        (sqltypes.DateTime, FieldType.DATETIME),
        (sqltypes.Date, FieldType.DATE),
        (sqltypes.ARRAY, FieldType.ARRAY),
        (sqltypes.JSON, FieldType.ANY),
    ]
    for kinds, result in checks:
        if isinstance(column_type, kinds):
            if result is FieldType.NUMBER and getattr(column_type, "scale", None) == 0:
                return FieldType.INTEGER
            return result
    return FieldType.STRING  # text, enums, UUIDs, times, binary (as base64), unknown types
