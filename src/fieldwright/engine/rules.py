"""Validation rules, compiled into checks that run after a field's transform chain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fieldwright.domain import FieldType, ValidationRules
from fieldwright.engine.functions._patterns import PatternTimeout, compile_pattern
from fieldwright.engine.target_types import type_check

__all__ = ["Check", "compile_rules"]

#: Returns None when the value passes, else the reason it does not.
Check = Callable[[Any], str | None]


_ARTICLE = {FieldType.OBJECT: "an", FieldType.ARRAY: "an"}
#: The types the target schema does not check: a rule may still ask for them.
_OTHER_TESTS: dict[FieldType, Callable[[Any], bool]] = {
    FieldType.STRING: lambda v: isinstance(v, str),
    FieldType.OBJECT: lambda v: isinstance(v, dict),
    FieldType.ARRAY: lambda v: isinstance(v, list),
}


def _type_check(expected: FieldType) -> Check | None:
    """A `type` rule's check: the target schema's test for the types it checks, so a rule
    and a declaration agree on what an integer or a date is."""
    declared = type_check(expected)
    if declared is not None:
        return declared
    test = _OTHER_TESTS.get(expected)
    if test is None:  # any
        return None
    named = f"{_ARTICLE.get(expected, 'a')} {expected.value}"
    return lambda v: None if test(v) else f"expected {named}, got {v!r}"


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
    if rules.type is not None and (type_check := _type_check(FieldType(rules.type))) is not None:
        checks.append(type_check)
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
