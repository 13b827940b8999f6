"""The checks step editors call as the analyst types: regex, JMESPath, date formats, a call."""

from __future__ import annotations

from datetime import datetime

import pytest

from fieldwright.service import (
    InvalidRequest,
    call_function,
    date_format_example,
    expression_problem,
    pattern_problem,
)


def test_a_regex_that_compiles_has_no_problem_and_one_that_does_not_says_where() -> None:
    assert pattern_problem(r"^\d{3}-\d{4}$") is None
    problem = pattern_problem("(ab")
    assert problem is not None and "invalid regular expression" in problem
    assert "position" in problem
    assert pattern_problem("") == "the pattern is empty"


def test_a_jmespath_expression_is_checked_on_one_line() -> None:
    assert expression_problem("address.city") is None
    problem = expression_problem("foo[=")
    assert problem is not None and problem.startswith("invalid JMESPath expression")
    assert "\n" not in problem
    assert expression_problem("  ") == "the expression is empty"


def test_a_date_format_shows_the_value_or_now_written_with_it() -> None:
    now = datetime(2026, 7, 4, 9, 30)
    assert date_format_example("%d.%m.%Y", "2025-07-24") == "2025-07-24 → '24.07.2025'"
    assert date_format_example("%m/%d/%Y %H:%M", None, now=now) == "now → '07/04/2026 09:30'"
    assert date_format_example("%m/%d/%Y", "7/4/2024") == "'7/4/2024' reads as 2024-07-04"
    assert date_format_example("%d.%m.%Y %H:%M", "24.07.2025 14:05") == (
        "'24.07.2025 14:05' reads as 2025-07-24T14:05:00"
    )


@pytest.mark.parametrize(
    ("fmt", "value", "reason"),
    [
        ("", None, "the format is empty"),
        ("dd/mm/yyyy", None, "has no % directive"),
        ("%d/%m/%Y", "2024-13-45x", "does not read '2024-13-45x'"),
    ],
)
def test_a_date_format_that_cannot_work_says_why(fmt: str, value: object, reason: str) -> None:
    with pytest.raises(InvalidRequest, match=reason):
        date_format_example(fmt, value)


def test_call_function_runs_a_step_as_the_engine_would() -> None:
    assert call_function("parse_date", "24/07/2025", ["%d/%m/%Y"]) == "2025-07-24"
    assert call_function("lookup", "a", ["codes"], {"codes": {"a": "Alpha"}}) == "Alpha"
    assert call_function("upper", None, []) is None  # null passes through


@pytest.mark.parametrize(
    ("name", "value", "args", "reason"),
    [
        ("no_such_function", "x", [], "there is no function 'no_such_function'"),
        ("lookup", "a", ["missing"], "lookup table 'missing' does not exist"),
        ("regex_extract", "a", ["(b"], "invalid regular expression"),
        ("parse_date", "not a date", ["%d/%m/%Y"], "parse_date gives an error for 'not a date'"),
    ],
)
def test_call_function_says_what_is_wrong(
    name: str, value: object, args: list[object], reason: str
) -> None:
    with pytest.raises(InvalidRequest, match=reason):
        call_function(name, value, args)
