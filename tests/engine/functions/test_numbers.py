"""Number functions: edge cases, bad arguments and runtime errors."""

from __future__ import annotations

import pytest

from fieldwright.engine.functions import TransformError
from tests.engine.functions.conftest import Problems, Run


@pytest.mark.parametrize(
    ("value", "expected"),
    [("42", 42), ("+7", 7), ("-0.5", -0.5), (".5", 0.5), ("5.", 5.0), (3, 3), (2.5, 2.5)],
)
def test_to_number(run: Run, value: object, expected: float) -> None:
    result = run("to_number", value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "cannot read 'abc' as a number"),
        ("1,234", "use parse_currency"),
        ("nan", "cannot read 'nan' as a number"),
        ("1_000", "cannot read '1_000' as a number"),
        ("", "cannot read '' as a number$"),
        (True, "expected a number, got boolean True"),
        (float("inf"), "not a finite number"),
        ([1], r"expected a number, got list \[1\]"),
    ],
)
def test_to_number_rejects(run: Run, value: object, message: str) -> None:
    with pytest.raises(TransformError, match=message):
        run("to_number", value)


def test_to_integer(run: Run) -> None:
    assert run("to_integer", " -12 ") == -12
    assert run("to_integer", "12.0") == 12
    assert run("to_integer", False) == 0
    with pytest.raises(TransformError, match=r"4\.5 is not a whole number; round, floor or ceil"):
        run("to_integer", 4.5)


def test_round_half_away_from_zero(run: Run) -> None:
    assert run("round", 0.5) == 1
    assert run("round", 1.5) == 2
    assert run("round", 2.5) == 3
    assert run("round", -0.5) == -1
    assert run("round", 1.005, 2) == 1.01
    assert run("round", "3.14159", 3) == 3.142
    assert run("round", 1250, -2) == 1300
    with pytest.raises(TransformError, match="too many digits"):
        run("round", 1e30, 2)


def test_floor_ceil_abs(run: Run) -> None:
    assert run("floor", "-0.5") == -1
    assert run("ceil", "0.0001") == 1
    assert run("abs", -0.0) == 0.0
    assert run("abs", 5) == 5


def test_arithmetic_is_decimal_exact(run: Run) -> None:
    assert run("add", 0.1, 0.7) == 0.8
    assert run("subtract", 0.3, 0.1) == 0.2
    assert run("multiply", 1.1, 1.1) == 1.21
    assert run("add", 2, 3) == 5 and isinstance(run("add", 2, 3), int)
    assert isinstance(run("add", 2, 3.0), float)
    assert run("divide", 1, 3) == 1 / 3


def test_divide_and_modulo_by_zero(run: Run) -> None:
    with pytest.raises(TransformError, match="cannot divide 10 by zero"):
        run("divide", 10, 0)
    with pytest.raises(TransformError, match="cannot divide '7' by zero"):
        run("modulo", "7", 0.0)
    with pytest.raises(TransformError, match="cannot divide 1 by zero"):
        run("percent", 1, 0)


def test_modulo(run: Run) -> None:
    assert run("modulo", 7.5, 2) == 1.5
    assert run("modulo", -7.5, 2) == 0.5
    assert run("modulo", 7, -3) == -2


def test_non_numeric_text_fails_in_arithmetic(run: Run) -> None:
    with pytest.raises(TransformError, match="cannot read 'ten' as a number"):
        run("add", "ten", 1)


def test_numeric_arguments_are_checked(problems: Problems) -> None:
    assert problems("add", "1") == ["amount must be a number, not string '1'"]
    assert problems("add", True) == ["amount must be a number, not boolean True"]
    assert problems("round", 1.5) == ["digits must be a whole number, not number 1.5"]
    assert problems("add") == ["add needs argument 'amount' (the number to add)"]
    assert problems("add", 1, 2) == ["add takes 1 argument(s), 2 were given; remove the extra"]
    assert problems("parse_currency", ";") == ["decimal_separator must be one of '.', ',', not ';'"]


def test_clamp(run: Run) -> None:
    assert run("clamp", "150", None, 100) == 100
    assert run("clamp", 5.5, 0, 10) == 5.5
    with pytest.raises(TransformError, match="minimum 10 is above maximum 0"):
        run("clamp", 5, 10, 0)


def test_aggregates(run: Run) -> None:
    assert run("sum", [1, 2, 3]) == 6 and isinstance(run("sum", [1, 2]), int)
    assert run("sum", 5) == 5
    assert run("min", [None, None]) is None
    assert run("max", ["10", 9]) == 10
    assert run("average", [2, 4]) == 3.0
    with pytest.raises(TransformError, match="cannot read 'x' as a number"):
        run("sum", [1, "x"])


def test_format_number(run: Run, problems: Problems) -> None:
    assert run("format_number", 1234567, 0, " ") == "1 234 567"
    assert run("format_number", 0.005) == "0.01"
    assert run("format_number", -1234.5, 1) == "-1,234.5"
    assert run("format_number", -0.004) == "0.00"
    assert problems("format_number", -1) == ["decimals must be zero or more, not -1"]
    assert problems("format_number", 10**9) == ["decimals must be at most 100, not 1,000,000,000"]


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        ("€ 1.234.567,89", ",", 1234567.89),
        ("1 234,5", ",", 1234.5),
        ("USD 99", ".", 99.0),
        ("£0.99", ".", 0.99),
        ("12.50-", ".", -12.5),
        ("1,000,000", ".", 1000000.0),
    ],
)
def test_parse_currency(run: Run, text: str, separator: str, expected: float) -> None:
    assert run("parse_currency", text, separator) == expected


@pytest.mark.parametrize("text", ["", "$", "1.2.3", "abc", "$1,23x", "1,23", "12 34 56"])
def test_parse_currency_rejects(run: Run, text: str) -> None:
    with pytest.raises(TransformError, match=r"as an amount with decimal separator '\.'"):
        run("parse_currency", text)


def test_percent(run: Run) -> None:
    assert run("percent", 1, 8, 1) == 12.5
    assert run("percent", 2, 3) == 66.67
    assert run("percent", 1, 3, 0) == 33
