"""Number functions: conversion, rounding, arithmetic, aggregates and formatting.

Numeric text is accepted wherever a number is ('42', ' -4.5 ', '1e3'); text
with currency symbols or thousands separators needs `parse_currency` first.
Rounding is half away from zero on the decimal value a person reads
(2.675 → 2.68), not Python's banker's rounding of the binary float.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from fieldwright.engine.functions._common import (
    as_items,
    as_number,
    as_number_text,
    decimal_of,
    round_half_up,
    show,
)
from fieldwright.engine.functions.registry import (
    MAX_DECIMALS,
    ArgType,
    Category,
    Example,
    Param,
    TransformError,
    function,
)

_N = Category.NUMBER


def _finite(result: float) -> float:
    if not math.isfinite(result):
        raise TransformError("the result is too large to represent")
    return result


#: Plain decimal text (no sign but minus, no exponent, no blanks; too short to overflow).
@function(
    "to_number",
    _N,
    "Convert numeric text to a number.",
    returns="number",
    examples=[Example("42", (), 42), Example(" -4.50 ", (), -4.5), Example("1e3", (), 1000.0)],
    on_text=as_number_text,
)
def to_number(value: Any) -> int | float:
    """Read a number from text: whole numbers stay whole ('42' → 42), others become
    decimals. Surrounding whitespace is ignored; anything else fails."""
    return as_number(value)


def _integer_text(value: str) -> int:
    return int(value) if value.isdigit() and value.isascii() else to_integer(value)


@function(
    "to_integer",
    _N,
    "Convert a value to a whole number.",
    returns="integer",
    examples=[Example("42", (), 42), Example(7.0, (), 7), Example(True, (), 1)],
    on_text=_integer_text,
)
def to_integer(value: Any) -> int:
    """Convert numeric text, a whole-valued number or a boolean to an integer.

    A number with a fractional part (4.5) fails rather than losing data:
    `round`, `floor` or `ceil` it first.
    """
    if isinstance(value, bool):
        return int(value)
    number = as_number(value)
    if isinstance(number, float):
        if not number.is_integer():
            raise TransformError(
                f"{show(value)} is not a whole number; round, floor or ceil it first"
            )
        return int(number)
    return number


@function(
    "round",
    _N,
    "Round to a number of decimals (halves away from zero).",
    returns="number",
    params=[
        Param(
            "digits",
            ArgType.INTEGER,
            "decimals to keep; negative rounds to tens, hundreds…",
            0,
            minimum=-MAX_DECIMALS,
            maximum=MAX_DECIMALS,
        )
    ],
    examples=[
        Example(2.5, (), 3),
        Example(2.675, (2,), 2.68),
        Example(-2.5, (), -3),
        Example(1234, (-2,), 1200),
    ],
)
def round_number(value: Any, digits: int) -> int | float:
    """Round half away from zero, as on paper. With 0 or fewer digits the result
    is a whole number; otherwise a decimal."""
    rounded = round_half_up(as_number(value), digits)
    return int(rounded) if digits <= 0 else float(rounded)


@function(
    "floor",
    _N,
    "Round down to a whole number.",
    returns="integer",
    examples=[Example(4.7, (), 4), Example(-4.2, (), -5)],
)
def floor(value: Any) -> int:
    """The largest whole number not above the value (towards minus infinity)."""
    return math.floor(as_number(value))


@function(
    "ceil",
    _N,
    "Round up to a whole number.",
    returns="integer",
    examples=[Example(4.2, (), 5), Example(-4.7, (), -4)],
)
def ceil(value: Any) -> int:
    """The smallest whole number not below the value (towards plus infinity)."""
    return math.ceil(as_number(value))


@function(
    "abs",
    _N,
    "The absolute value (drop the sign).",
    returns="number",
    examples=[Example(-12.5, (), 12.5), Example("-3", (), 3)],
)
def absolute(value: Any) -> int | float:
    """The value without its sign."""
    return abs(as_number(value))


def _arith(value: Any, operand: int | float, op: str) -> int | float:
    number = as_number(value)
    left = decimal_of(number)
    right = decimal_of(operand)
    if op == "+":
        result = left + right
    elif op == "-":
        result = left - right
    else:
        result = left * right
    if isinstance(number, int) and isinstance(operand, int):
        return int(result)
    return _finite(float(result))


@function(
    "add",
    _N,
    "Add a number.",
    returns="number",
    params=[Param("amount", ArgType.NUMBER, "the number to add")],
    examples=[Example(0.1, (0.2,), 0.3), Example("40", (2,), 42)],
)
def add(value: Any, amount: int | float) -> int | float:
    """value + amount, computed in decimal so 0.1 + 0.2 is 0.3."""
    return _arith(value, amount, "+")


@function(
    "subtract",
    _N,
    "Subtract a number.",
    returns="number",
    params=[Param("amount", ArgType.NUMBER, "the number to subtract")],
    examples=[Example(10, (2.5,), 7.5)],
)
def subtract(value: Any, amount: int | float) -> int | float:
    """value - amount, computed in decimal."""
    return _arith(value, amount, "-")


@function(
    "multiply",
    _N,
    "Multiply by a number.",
    returns="number",
    params=[Param("factor", ArgType.NUMBER, "the number to multiply by")],
    examples=[Example(19.99, (3,), 59.97), Example(12, (100,), 1200)],
)
def multiply(value: Any, factor: int | float) -> int | float:
    """value × factor, computed in decimal (19.99 × 3 is 59.97, not 59.969999…)."""
    return _arith(value, factor, "*")


def _nonzero(divisor: int | float, value: Any) -> Decimal:
    if divisor == 0:
        raise TransformError(f"cannot divide {show(value)} by zero")
    return decimal_of(divisor)


@function(
    "divide",
    _N,
    "Divide by a number.",
    returns="number",
    params=[Param("divisor", ArgType.NUMBER, "the number to divide by (not zero)")],
    examples=[Example(10, (4,), 2.5), Example(1200, (100,), 12.0)],
)
def divide(value: Any, divisor: int | float) -> float:
    """value ÷ divisor as a decimal number. Dividing by zero fails."""
    right = _nonzero(divisor, value)
    return _finite(float(decimal_of(as_number(value)) / right))


@function(
    "modulo",
    _N,
    "The remainder of a division.",
    returns="number",
    params=[Param("divisor", ArgType.NUMBER, "the number to divide by (not zero)")],
    examples=[Example(17, (5,), 2), Example(-7, (3,), 2)],
)
def modulo(value: Any, divisor: int | float) -> int | float:
    """The remainder of value ÷ divisor; it has the sign of the divisor (-7 mod 3 is 2)."""
    _nonzero(divisor, value)
    number = as_number(value)
    if isinstance(number, int) and isinstance(divisor, int):
        return number % divisor
    left, right = decimal_of(number), decimal_of(divisor)
    return float(left - right * (left / right).to_integral_value(rounding=ROUND_FLOOR))


@function(
    "clamp",
    _N,
    "Limit a number to a range.",
    returns="number",
    params=[
        Param("minimum", ArgType.NUMBER, "the lowest allowed value; no limit when omitted", None),
        Param("maximum", ArgType.NUMBER, "the highest allowed value; no limit when omitted", None),
    ],
    examples=[Example(120, (0, 100), 100), Example(-5, (0,), 0), Example(50, (0, 100), 50)],
)
def clamp(value: Any, minimum: int | float | None, maximum: int | float | None) -> int | float:
    """The value, raised to `minimum` or lowered to `maximum` when outside them."""
    if minimum is not None and maximum is not None and minimum > maximum:
        raise TransformError(f"minimum {minimum} is above maximum {maximum}")
    number = as_number(value)
    if minimum is not None and number < minimum:
        return minimum
    if maximum is not None and number > maximum:
        return maximum
    return number


def _numbers(value: Any) -> list[int | float]:
    return [as_number(item) for item in as_items(value) if item is not None]


@function(
    "min",
    _N,
    "The smallest number of a list.",
    returns="number | null",
    examples=[Example([3, "1.5", None, 7], (), 1.5), Example([], (), None)],
)
def minimum(value: Any) -> int | float | None:
    """The smallest of the numbers in a list (or of several sources); nulls are
    ignored; null for an empty list."""
    numbers = _numbers(value)
    return min(numbers) if numbers else None


@function(
    "max",
    _N,
    "The largest number of a list.",
    returns="number | null",
    examples=[Example([3, "1.5", None, 7], (), 7)],
)
def maximum(value: Any) -> int | float | None:
    """The largest of the numbers in a list; nulls are ignored; null for an empty list."""
    numbers = _numbers(value)
    return max(numbers) if numbers else None


@function(
    "sum",
    _N,
    "Add up the numbers of a list.",
    returns="number",
    examples=[Example([0.1, 0.2, None, "3"], (), 3.3), Example([], (), 0)],
)
def total(value: Any) -> int | float:
    """The sum of the numbers in a list, in decimal; nulls are ignored; 0 for an empty list."""
    numbers = _numbers(value)
    result = sum((decimal_of(n) for n in numbers), Decimal(0))
    return int(result) if all(isinstance(n, int) for n in numbers) else float(result)


@function(
    "average",
    _N,
    "The mean of the numbers of a list.",
    returns="number | null",
    examples=[Example([1, 2, None, 4], (), 2.3333333333333335), Example([], (), None)],
)
def average(value: Any) -> float | None:
    """The arithmetic mean of the numbers in a list; nulls are ignored; null for an empty list."""
    numbers = _numbers(value)
    return math.fsum(numbers) / len(numbers) if numbers else None


@function(
    "format_number",
    _N,
    "Write a number as text with fixed decimals and grouping.",
    returns="string",
    params=[
        Param(
            "decimals",
            ArgType.INTEGER,
            f"how many decimals to show, at most {MAX_DECIMALS}",
            2,
            minimum=0,
            maximum=MAX_DECIMALS,
        ),
        Param(
            "thousands_separator",
            ArgType.STRING,
            "between groups of three digits; '' for none",
            ",",
        ),
        Param("decimal_separator", ArgType.STRING, "between whole part and decimals", "."),
    ],
    examples=[
        Example(1234567.891, (), "1,234,567.89"),
        Example(1234.5, (2, ".", ","), "1.234,50"),
        Example("-0.125", (2, ""), "-0.13"),
        Example(42, (0,), "42"),
    ],
)
def format_number(
    value: Any, decimals: int, thousands_separator: str, decimal_separator: str
) -> str:
    """Round (halves away from zero) to `decimals` and write the number with the
    given separators, e.g. 1,234.50 or 1.234,50 or 1 234.50."""
    if decimals < 0:
        raise TransformError(f"decimals must be zero or more, not {decimals}")
    rounded = round_half_up(as_number(value), decimals)
    text = f"{abs(rounded):,.{decimals}f}"
    whole, _, fraction = text.partition(".")
    whole = whole.replace(",", thousands_separator)
    sign = "-" if rounded < 0 else ""
    return sign + whole + (decimal_separator + fraction if fraction else "")


@function(
    "parse_currency",
    _N,
    "Read an amount of money from text ('$1,234.50' → 1234.5).",
    returns="number",
    params=[
        Param(
            "decimal_separator",
            ArgType.STRING,
            "the decimal mark of the text: '.' (1,234.50) or ',' (1.234,50)",
            ".",
            choices=(".", ","),
        )
    ],
    examples=[
        Example("$1,234.50", (), 1234.5),
        Example("(1,234.50)", (), -1234.5),
        Example("1.234,50 €", (",",), 1234.5),
        Example("-CHF 1'000", (), -1000.0),
        Example(12, (), 12.0),
    ],
)
def parse_currency(value: Any, decimal_separator: str) -> float:
    """Read an amount from text with currency symbols or codes, thousands
    separators (',', '.', space, apostrophe) and signs. Accounting
    parentheses and a trailing minus mean negative. Always a decimal number."""
    if not isinstance(value, str):
        return float(as_number(value))
    text = value.strip().replace("\u00a0", " ")
    negative = (text.startswith("(") and text.endswith(")")) or "-" in text
    core = re.sub(r"[()+\-$€£¥₹₽₩¢]", "", text).strip()
    core = re.sub(r"^[A-Za-z]{2,3}\.?\s*|\s*[A-Za-z]{2,3}\.?$", "", core)  # USD, CHF, kr, Fr.
    grouping = "," if decimal_separator == "." else "."
    core = re.sub(r"[\s'’]", grouping, core)
    whole, _, fraction = core.partition(decimal_separator)
    grouped = re.fullmatch(rf"\d{{1,3}}(?:{re.escape(grouping)}\d{{3}})+", whole)
    digits = whole.replace(grouping, "") if grouped else whole
    if (
        not re.fullmatch(r"\d*", digits)
        or not re.fullmatch(r"\d*", fraction)
        or not digits + fraction
    ):
        raise TransformError(
            f"cannot read {show(value)} as an amount with decimal separator {decimal_separator!r}"
        )
    amount = Decimal(f"{digits or 0}.{fraction or 0}")
    return float(-amount if negative else amount)


@function(
    "percent",
    _N,
    "The value as a percentage of a total.",
    returns="number",
    params=[
        Param("total", ArgType.NUMBER, "the whole that is 100%"),
        Param(
            "decimals",
            ArgType.INTEGER,
            "decimals to round to",
            2,
            minimum=-MAX_DECIMALS,
            maximum=MAX_DECIMALS,
        ),
    ],
    examples=[Example(1, (3,), 33.33), Example("45", (60, 0), 75)],
)
def percent(value: Any, total_: int | float, decimals: int) -> int | float:
    """value ÷ total × 100, rounded to `decimals` (a whole number with 0 decimals)."""
    right = _nonzero(total_, value)
    ratio = decimal_of(as_number(value)) * 100 / right
    rounded = round_half_up(ratio, decimals)
    return int(rounded) if decimals <= 0 else float(rounded)
