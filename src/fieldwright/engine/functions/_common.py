"""Coercions shared by the function library: values to text, numbers and lists.

Every coercion raises `TransformError` with a message that names the value, so
an analyst can see which input a step could not handle.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from fieldwright.engine.functions._errors import TransformError

__all__ = [
    "as_items",
    "as_number",
    "as_number_text",
    "as_text",
    "canonical_text",
    "decimal_of",
    "is_empty",
    "round_half_up",
    "show",
    "type_name",
]

#: A whole number (group 1), or else a decimal number with an optional exponent.
_NUMBER_OR_INTEGER = re.compile(r"([+-]?\d+)|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def type_name(value: Any) -> str:
    """The analyst's name of a value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    return type(value).__name__


def show(value: Any, limit: int = 60) -> str:
    """A short printable form of a value for error messages."""
    text = repr(value.isoformat()) if isinstance(value, date | time) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_text(value: Any) -> str:
    """A scalar as text: booleans as true/false, whole floats without '.0', dates in ISO 8601."""
    if type(value) is str:  # the common case first: this runs for nearly every value
        return value
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, date | time):
        return value.isoformat()
    raise TransformError(f"expected text, got {type_name(value)} {show(value)}")


def canonical_text(value: Any) -> str:
    """Text of any JSON value; objects and lists as compact JSON with sorted keys."""
    kind = type(value)
    if kind is str:  # the common cases first: text and ids
        text: str = value
        return text
    if kind is int:
        return str(value)
    if isinstance(value, dict | list | tuple):
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
        )
    if value is None:
        return ""
    return as_text(value)


def as_number(value: Any) -> int | float:
    """An int or float from a number or numeric text ('42' → 42, ' 4.5 ' → 4.5)."""
    if type(value) is str:
        return as_number_text(value)
    if isinstance(value, bool):
        raise TransformError(f"expected a number, got boolean {show(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TransformError(f"{value!r} is not a finite number")
        return value
    if isinstance(value, str):
        return as_number_text(value)
    raise TransformError(f"expected a number, got {type_name(value)} {show(value)}")


def as_number_text(value: str) -> int | float:
    """`as_number` of text (to_number's shortcut on the batch path)."""
    if value.isascii():
        if value.isdigit():  # plain digits: most ids
            return int(value)
        whole, dot, fraction = value.partition(".")
        if dot and whole.isdigit() and fraction.isdigit():  # 1234.56: most amounts
            number = float(value)
            if math.isfinite(number):  # a few hundred digits overflow to infinity
                return number
    text = value.strip()
    found = _NUMBER_OR_INTEGER.fullmatch(text)  # one match says which of the two it is
    if found is not None and found.lastindex == 1:
        return int(text)
    if found is not None:
        number = float(text)
        if math.isfinite(number):
            return number
    hint = "; use parse_currency for amounts with symbols or separators" if text else ""
    raise TransformError(f"cannot read {show(value)} as a number{hint}")


def decimal_of(number: int | float) -> Decimal:
    """The exact decimal a reader sees: 2.675 is 2.675, not its binary approximation."""
    return Decimal(number) if isinstance(number, int) else Decimal(repr(number))


def round_half_up(number: int | float | Decimal, digits: int) -> Decimal:
    """Round as people do on paper: halves away from zero (2.5 → 3, -2.5 → -3)."""
    exact = number if isinstance(number, Decimal) else decimal_of(number)
    try:
        return exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise TransformError(
            f"cannot round {exact} to {digits} decimals: too many digits"
        ) from None


def as_items(value: Any) -> list[Any]:
    """A list value as a list; any other value as a one-item list."""
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def is_empty(value: Any) -> bool:
    """Null, blank text, or an empty list or object."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return not value
    return False
