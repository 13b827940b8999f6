"""The values an expression computes with, and what its operators do to them.

JSONata tells a missing value (`MISSING`, JSONata's *undefined*) from null.
Fieldwright follows JSONata except where a mapping would give a silently
wrong answer (each such place is documented in docs/expressions.md):

- arithmetic with a missing or null operand gives missing (JSONata raises on null);
- `&` writes missing and null as "" (JSONata writes null as "null");
- `<`, `<=`, `>`, `>=` with a missing or null side are false (JSONata raises on null);
- numbers become `Decimal` only through `$decimal`, and then stay exact;
  integers stay exact too, up to MAX_DIGITS digits.
"""

from __future__ import annotations

import decimal
import json
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

__all__ = [
    "MAX_DIGITS",
    "MAX_TEXT",
    "MISSING",
    "Budget",
    "ExpressionFailed",
    "arithmetic",
    "compare",
    "equal",
    "is_number",
    "output",
    "text_of",
    "truthy",
    "type_name",
]

#: The most digits an integer or a decimal result may have before it is refused.
MAX_DIGITS: Final = 1000
#: The longest string an expression may build.
MAX_TEXT: Final = 1_000_000

#: Decimal arithmetic: 50 significant digits, errors instead of infinities.
DECIMALS: Final = decimal.Context(
    prec=50,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=MAX_DIGITS,
    Emin=-MAX_DIGITS,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


class _Missing:
    """JSONata's undefined: a path that selects nothing."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()


class ExpressionFailed(ValueError):
    """An expression cannot be evaluated on this record; the message says why and where."""


class Budget:
    """Steps one evaluation may still take; every item visited and call made costs one."""

    __slots__ = ("left", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def spend(self, steps: int = 1) -> None:
        self.left -= steps
        if self.left < 0:
            raise ExpressionFailed(
                f"the expression took more than {self.limit:,} steps on this record"
            )


_NUMBER_TYPES: Final = frozenset({int, float, Decimal})


def is_number(value: Any) -> bool:
    if type(value) in _NUMBER_TYPES:  # the usual case, one set lookup (bool is not in it)
        return True
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def type_name(value: Any) -> str:
    if value is MISSING:
        return "missing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _shown(value: Any) -> str:
    text = text_of(value) if not isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def described(value: Any) -> str:
    """`value` named by its type, for messages: text "abc", number 3."""
    if value is MISSING or value is None:
        return type_name(value)
    return f"{type_name(value)} {_shown(value)}"


def to_decimal(value: int | float | Decimal) -> Decimal:
    """A number as a Decimal: floats through their shortest text, so 19.99 stays 19.99."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExpressionFailed(f"{value} is not a finite number")
        return Decimal(repr(value))
    return Decimal(value)


def checked(value: Any) -> Any:
    """`value`, refused when a number result is out of range."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExpressionFailed("the result is too large for a number")
    elif isinstance(value, int) and value.bit_length() > MAX_DIGITS * 3.33:
        raise ExpressionFailed(f"the result has more than {MAX_DIGITS:,} digits")
    return value


def _remainder(a: Any, b: Any) -> Any:
    if isinstance(a, Decimal):
        return a % b  # Decimal's remainder has the dividend's sign, as JSONata's
    if isinstance(a, int) and isinstance(b, int):
        magnitude = abs(a) % abs(b)
        return -magnitude if a < 0 else magnitude
    return math.fmod(a, b)


def _divide(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and a % b == 0:
        return a // b
    return a / b


_OPERATIONS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _divide,
    "%": _remainder,
}
_SIDES: Final = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "%": "divide"}


def arithmetic(operator: str, left: Any, right: Any) -> Any:
    """`left operator right`: missing when either side is missing or null."""
    if left is MISSING or right is MISSING or left is None or right is None:
        return MISSING
    for side, value in (("left", left), ("right", right)):
        if not is_number(value):
            raise ExpressionFailed(
                f"cannot {_SIDES[operator]} {described(value)} (the {side} side of "
                f"{operator} must be a number; $number() converts text)"
            )
    if operator in "/%" and right == 0:
        raise ExpressionFailed("division by zero")
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        with decimal.localcontext(DECIMALS):
            try:
                return _OPERATIONS[operator](to_decimal(left), to_decimal(right))
            except decimal.DecimalException as exc:
                raise ExpressionFailed(
                    f"the result is out of range ({type(exc).__name__})"
                ) from exc
    try:
        return checked(_OPERATIONS[operator](left, right))
    except OverflowError as exc:
        raise ExpressionFailed("the result is too large for a number") from exc


def _number_key(value: Any) -> Any:
    return to_decimal(value) if isinstance(value, float) else value


def equal(left: Any, right: Any) -> bool:
    """JSONata `=`: false when either side is missing; numbers compare by value."""
    if left is MISSING or right is MISSING:
        return False
    if is_number(left) and is_number(right):
        if isinstance(left, Decimal) or isinstance(right, Decimal):
            return bool(to_decimal(left) == to_decimal(right))
        return bool(left == right)
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return bool(left == right)


def compare(operator: str, left: Any, right: Any) -> bool:
    """`<`, `<=`, `>`, `>=` on two numbers or two texts; false with a missing or null side."""
    if left is MISSING or right is MISSING or left is None or right is None:
        return False
    if is_number(left) and is_number(right):
        if isinstance(left, Decimal) or isinstance(right, Decimal):
            left, right = to_decimal(left), to_decimal(right)
    elif not (isinstance(left, str) and isinstance(right, str)):
        raise ExpressionFailed(
            f"cannot compare {described(left)} with {described(right)} using {operator} "
            "(both sides must be numbers or both text)"
        )
    if operator == "<":
        return bool(left < right)
    if operator == "<=":
        return bool(left <= right)
    if operator == ">":
        return bool(left > right)
    return bool(left >= right)


def truthy(value: Any) -> bool:
    """JSONata's $boolean: false for missing, null, false, 0, "", [], {} and arrays of those."""
    if value is MISSING or value is None:
        return False
    if isinstance(value, list):
        return any(truthy(item) for item in value)
    if isinstance(value, dict | str):
        return bool(value)
    if is_number(value):
        return bool(value != 0)
    return bool(value)


def number_text(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        normal = value.normalize(DECIMALS)
        return (
            f"{normal:f}"
            if normal == normal.to_integral_value() or -20 < normal.adjusted() < 21
            else str(normal)
        )
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return str(value)


def text_of(value: Any) -> str:
    """JSONata's $string: text as it is, missing and null as "", numbers shortest, JSON else."""
    if value is MISSING or value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return number_text(value)
    return json.dumps(output(value), ensure_ascii=False, separators=(",", ":"))


#: Beyond this a float may be on its way to infinity; `output` looks closer.
_FINITE: Final = 1e300


def output(value: Any) -> Any:
    """The value as plain JSON data: missing is null, decimals and whole floats are numbers."""
    if value is MISSING:
        return None
    if isinstance(value, Decimal):
        result = float(value)
        if -_FINITE < result < _FINITE and not result.is_integer():
            return result  # a fraction (a whole decimal's float is whole): the usual money
        if value == value.to_integral_value():
            return int(value)
        if not math.isfinite(result):
            raise ExpressionFailed("the result is too large for a number")
        return result
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExpressionFailed("the result is too large for a number")
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, list):
        return [output(item) for item in value if item is not MISSING]
    if isinstance(value, dict):
        return {key: output(item) for key, item in value.items() if item is not MISSING}
    return value
