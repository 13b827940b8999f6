"""Exact money arithmetic gives the same results on the fast path (Decimal with Decimal or
int in the expressions' context) as the general one, and the same errors (issue 15, item 5)."""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldwright.engine.expressions import ExpressionFailed, compile_expression
from fieldwright.engine.expressions._values import DECIMALS, arithmetic, output

MONEY = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False)
OPERAND = st.one_of(MONEY, st.integers(min_value=-(10**6), max_value=10**6))


@given(a=OPERAND, b=OPERAND, operator=st.sampled_from(["+", "-", "*", "/"]))
def test_the_fast_path_equals_the_general_arithmetic(a: Any, b: Any, operator: str) -> None:
    record = {"a": str(a), "b": str(b)}
    left = "$decimal(a)" if isinstance(a, Decimal) else "$number(a)"
    right = "$decimal(b)" if isinstance(b, Decimal) else "$number(b)"
    expression = compile_expression(f"{left} {operator} {right}")
    a_value = Decimal(str(a)) if isinstance(a, Decimal) else int(a)
    b_value = Decimal(str(b)) if isinstance(b, Decimal) else int(b)
    try:
        expected: Any = arithmetic(operator, a_value, b_value)
    except ExpressionFailed as exc:
        with pytest.raises(ExpressionFailed, match=str(exc)):
            expression.evaluate(record)
        return
    assert expression.evaluate(record) == output(expected)


def test_line_totals_are_exact_and_round_half_away_from_zero() -> None:
    line = compile_expression(
        "$round($decimal(price) * $decimal(qty) * (100 - (discount_pct ?? 0)) / 100, 2)"
    )
    assert line.evaluate({"price": "0.05", "qty": "1", "discount_pct": 50}) == 0.03
    assert line.evaluate({"price": "1.10", "qty": "3"}) == 3.3
    assert line.evaluate({"price": "0.70", "qty": "7", "discount_pct": 15}) == 4.17
    assert line.evaluate({"price": "-0.05", "qty": "1", "discount_pct": 50}) == -0.03


@pytest.mark.parametrize(
    "text", ["$decimal(a) / 0", "$decimal(a) / $decimal(z)", "0 / $decimal(z)"]
)
def test_decimal_division_by_zero_fails_with_its_reason(text: str) -> None:
    with pytest.raises(ExpressionFailed, match="division by zero"):
        compile_expression(text).evaluate({"a": "1.50", "z": "0.00"})


def test_an_out_of_range_decimal_result_fails_with_its_reason() -> None:
    big = f"1E{DECIMALS.Emax}"
    with pytest.raises(ExpressionFailed, match="out of range"):
        compile_expression("$decimal(a) * $decimal(a)").evaluate({"a": big})
    assert isinstance(decimal.getcontext(), decimal.Context)  # the thread's context untouched
    assert decimal.getcontext().prec == 28
