"""Target truth: what fits a target field's declared type, and what its schema requires.

The target schema of a document (`document.target`) declares each field's
type and whether it is required. A field mapping writing that field gets,
besides its own `required` and `rules`, the checks the declaration implies:

- date: ISO ``YYYY-MM-DD`` text (a real day) or a date value (not a datetime);
- datetime: ISO 8601 text with a date and at least hours and minutes
  (``2024-07-04T09:30``, seconds, a fraction and an offset or ``Z`` optional;
  a space may stand for the ``T``), or a datetime value;
- integer: an int, or a float or Decimal with no fractional part (``7.0``, as
  JSON Schema counts it and as `to_integer` takes it without loss); never a
  boolean;
- number: a finite int, float or Decimal; never a boolean;
- boolean: True or False only (``"yes"`` needs `to_boolean`);
- string, object, array and any accept every value, as before; an array's
  `items` type is checked on each item a ``$.tags[*]`` mapping writes.

Null never fails a type: it is `required`'s business. A field the schema
requires fails when its value is null (after the mapping's default) or the
empty string ``""`` (an empty CSV cell; blank text such as ``" "`` is a value).
Each check is built once, when the document compiles, with a column test: the
batch path asks once whether a whole column passes (all ints, all ISO dates,
no empty text) and looks value by value only when it does not; the careful
path checks each value. Target paths with an index (``$.lines[0].hours``) share
the declaration of the ``[*]`` items; schema fields no mapping writes are not
checked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fieldwright.domain import FieldType, Schema
from fieldwright.engine.paths import WILDCARD, PathError, Segment, parse_target

__all__ = [
    "REQUIRED_BY_SCHEMA",
    "AllFit",
    "Declared",
    "declarations",
    "declared_checks",
    "fits",
    "misfit",
    "type_check",
]

REQUIRED_BY_SCHEMA = "required by the target schema, but empty"

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME_START = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}")


def _is_date(value: Any) -> bool:
    if type(value) is str:
        if _DATE.fullmatch(value) is None:
            return False
        try:
            date.fromisoformat(value)
        except ValueError:  # 2024-02-30
            return False
        return True
    return isinstance(value, date) and not isinstance(value, datetime)


def _is_datetime(value: Any) -> bool:
    if type(value) is str:
        if _DATETIME_START.match(value) is None:
            return False
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return False
        return True
    return isinstance(value, datetime)


def _is_integer(value: Any) -> bool:
    kind = type(value)
    if kind is int:
        return True
    if kind is float:
        return bool(value.is_integer())
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return bool(value.is_integer())
    if isinstance(value, Decimal):
        return value.is_finite() and value == value.to_integral_value()
    return False


def _is_number(value: Any) -> bool:
    kind = type(value)
    if kind is int:
        return True
    if kind is float:
        return math.isfinite(value)
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return False


def _is_boolean(value: Any) -> bool:
    return value is True or value is False


#: Whether every non-null value of a column passes a check, answered at C speed for the
#: common columns; False means "look value by value", not that one fails.
AllFit = Callable[[list[Any]], bool]
_NONE = type(None)


def _texts(values: list[Any]) -> list[str] | None:
    """The non-null values when they are all str, else None."""
    kinds = set(map(type, values))
    if not kinds <= {str, _NONE}:
        return None
    return values if _NONE not in kinds else [v for v in values if v is not None]


def _all_dates(values: list[Any]) -> bool:
    texts = _texts(values)
    if texts is None or not all(map(_DATE.fullmatch, texts)):
        return False
    try:
        list(map(date.fromisoformat, texts))
    except ValueError:
        return False
    return True


def _all_datetimes(values: list[Any]) -> bool:
    texts = _texts(values)
    if texts is None or not all(map(_DATETIME_START.match, texts)):
        return False
    try:
        list(map(datetime.fromisoformat, texts))
    except ValueError:
        return False
    return True


def _all_numbers(values: list[Any]) -> bool:
    kinds = set(map(type, values))
    if kinds <= {int, _NONE}:
        return True
    return kinds <= {int, float, _NONE} and all(
        map(math.isfinite, [v for v in values if type(v) is float])
    )


def _all_of(*kinds: type) -> AllFit:
    allowed = {*kinds, _NONE}
    return lambda values: set(map(type, values)) <= allowed


#: The declared types that are checked: the test, how a message names the type, and the
#: column test of the batch path.
_TYPES: dict[FieldType, tuple[Callable[[Any], bool], str, AllFit]] = {
    FieldType.DATE: (_is_date, "a date (YYYY-MM-DD)", _all_dates),
    FieldType.DATETIME: (
        _is_datetime,
        "a datetime (ISO 8601, e.g. 2024-07-04T09:30:00)",
        _all_datetimes,
    ),
    FieldType.INTEGER: (_is_integer, "an integer", _all_of(int)),
    FieldType.NUMBER: (_is_number, "a number", _all_numbers),
    FieldType.BOOLEAN: (_is_boolean, "a boolean (true or false)", _all_of(bool)),
}


def fits(field_type: FieldType) -> Callable[[Any], bool] | None:
    """The test of `field_type` (None for the types that accept every value)."""
    found = _TYPES.get(field_type)
    return None if found is None else found[0]


def type_check(field_type: FieldType) -> Callable[[Any], str | None] | None:
    """Why a non-null value does not fit `field_type` (None when it fits), built once;
    None for the types that accept every value."""
    found = _TYPES.get(field_type)
    if found is None:
        return None
    test, expected, _ = found
    return lambda v: None if test(v) else f"expected {expected}, got {v!r}"


def misfit(field_type: FieldType, value: Any) -> str | None:
    """Why a non-null `value` does not fit `field_type`, or None when it fits."""
    found = _TYPES.get(field_type)
    if found is None or value is None or found[0](value):
        return None
    return f"expected {found[1]}, got {value!r}"


@dataclass(frozen=True, slots=True)
class Declared:
    """What the target schema declares about one target path."""

    type: FieldType
    required: bool


Key = tuple[Segment, ...]


def _key(segments: tuple[Segment, ...]) -> Key:
    """A target path's segments with every index read as ``[*]`` (items share a declaration)."""
    return tuple(WILDCARD if isinstance(s, int) else s for s in segments)


def _walk(schema: Schema) -> Iterator[tuple[Key, Declared]]:
    for path, field in schema.walk():
        try:
            key = _key(parse_target(path).segments)
        except PathError:  # a name no target path can write; nothing maps it
            continue
        yield key, Declared(field.type, field.required)
        if field.type is FieldType.ARRAY and field.items is not None:
            yield (*key, WILDCARD), Declared(field.items, False)


def declarations(schema: Schema) -> Callable[[tuple[Segment, ...]], Declared | None]:
    """Find the declaration of a target path (its segments) in `schema`."""
    table = dict(_walk(schema))
    return lambda segments: table.get(_key(segments))


def _not_blank(value: Any) -> str | None:
    return REQUIRED_BY_SCHEMA if type(value) is str and not value else None


def _none_blank(values: list[Any]) -> bool:
    return "" not in values


def declared_checks(
    declared: Declared | None,
) -> list[tuple[Callable[[Any], str | None], AllFit]]:
    """The checks a declaration adds to the field mapping writing it (null never reaches
    them), each with its column test for the batch path."""
    if declared is None:
        return []
    checks: list[tuple[Callable[[Any], str | None], AllFit]] = []
    if declared.required:
        checks.append((_not_blank, _none_blank))
    if (check := type_check(declared.type)) is not None:
        checks.append((check, _TYPES[declared.type][2]))
    return checks
