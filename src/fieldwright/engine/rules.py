"""Validation rules, compiled into checks that run after a field's transform chain."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fieldwright.domain import FieldType, ValidationRules
from fieldwright.engine.functions._patterns import PatternTimeout, compile_pattern

__all__ = ["Check", "compile_rules"]

#: Returns None when the value passes, else the reason it does not.
Check = Callable[[Any], str | None]


def _is_date(value: Any) -> bool:
    if isinstance(value, date) and not isinstance(value, datetime):
        return True
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_datetime(value: Any) -> bool:
    if isinstance(value, datetime):
        return True
    if not isinstance(value, str) or len(value) < 16:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


_TYPE_TESTS: dict[FieldType, Callable[[Any], bool]] = {
    FieldType.STRING: lambda v: isinstance(v, str),
    FieldType.INTEGER: lambda v: isinstance(v, int) and not isinstance(v, bool),
    FieldType.NUMBER: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    FieldType.BOOLEAN: lambda v: isinstance(v, bool),
    FieldType.DATE: _is_date,
    FieldType.DATETIME: _is_datetime,
    FieldType.OBJECT: lambda v: isinstance(v, dict),
    FieldType.ARRAY: lambda v: isinstance(v, list),
    FieldType.ANY: lambda v: True,
}


def type_problem(name: str | None) -> str | None:
    """Why `name` is not a usable type rule, or None."""
    if name is None or name in FieldType.__members__.values():
        return None
    return f"unknown type {name!r}; use one of: {', '.join(t.value for t in FieldType)}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def compile_rules(rules: ValidationRules) -> list[Check]:
    """Checks for the rules that are set; regex and type must already be valid."""
    checks: list[Check] = []
    if rules.type is not None:
        expected = FieldType(rules.type)
        test = _TYPE_TESTS[expected]
        checks.append(lambda v: None if test(v) else f"expected a {expected.value}, got {v!r}")
    if rules.regex is not None:
        pattern = compile_pattern(rules.regex)

        def matches(v: Any) -> str | None:
            # A search, as documented: anchor with ^ and $ for a full match.
            try:
                found = pattern.search(str(v))
            except PatternTimeout as exc:
                return str(exc)
            return None if found else f"{v!r} does not match the pattern {pattern.pattern!r}"

        checks.append(matches)
    if rules.min is not None:
        low = rules.min

        def at_least(v: Any) -> str | None:
            number = _number(v)
            if number is None:
                return f"{v!r} is not a number, so it cannot be checked against min {low:g}"
            return None if number >= low else f"{v!r} is below the minimum {low:g}"

        checks.append(at_least)
    if rules.max is not None:
        high = rules.max

        def at_most(v: Any) -> str | None:
            number = _number(v)
            if number is None:
                return f"{v!r} is not a number, so it cannot be checked against max {high:g}"
            return None if number <= high else f"{v!r} is above the maximum {high:g}"

        checks.append(at_most)
    if rules.max_length is not None:
        limit = rules.max_length
        checks.append(
            lambda v: (
                None
                if len(v if isinstance(v, str | list) else str(v)) <= limit
                else f"{v!r} is longer than {limit} characters"
            )
        )
    if rules.enum is not None:
        allowed = list(rules.enum)
        checks.append(
            lambda v: (
                None
                if v in allowed
                else f"{v!r} is not one of the allowed values {', '.join(map(repr, allowed))}"
            )
        )
    return checks
