"""Expressions (JSONata compiled to closures): values, money, nulls, bounds, errors."""

from __future__ import annotations

from typing import Any

import pytest

from fieldwright.engine.expressions import (
    FUNCTIONS,
    MAX_EXPRESSION_DEPTH,
    OPERATORS,
    ExpressionFailed,
    ExpressionSyntaxError,
    check_expression,
    compile_expression,
    evaluate_all,
)
from fieldwright.engine.scope import ItemScope

ORDER = {
    "qty": 3,
    "price": 19.99,
    "discount": 0.15,
    "name": "Ada",
    "items": [{"sku": "A", "qty": 2, "price": 5}, {"sku": "B", "qty": 1, "price": 2.5}],
}


def run(text: str, record: Any = ORDER, **kwargs: Any) -> Any:
    return compile_expression(text).evaluate(record, **kwargs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("qty * 2", 6),
        ("qty + 1", 4),
        ("qty - 5", -2),
        ("7 / 2", 3.5),
        ("6 / 3", 2),
        ("7 % 3", 1),
        ("-7 % 3", -1),
        ("-qty", -3),
        ("(qty + 1) * 2", 8),
        ("qty > 2", True),
        ("qty = 3 and name = 'Ada'", True),
        ("qty < 2 or name != 'Ada'", False),
        ("$not(qty = 3)", False),
        ("not(qty = 3)", False),
        ("qty > 2 ? 'bulk' : 'single'", "bulk"),
        ("qty > 5 ? 'bulk'", None),
        ("name & '-' & qty", "Ada-3"),
        ("items.sku", ["A", "B"]),
        ("items[0].sku", "A"),
        ("items[-1].sku", "B"),
        ("items[qty > 1].sku", "A"),
        ("items[]", ORDER["items"]),
        ("$count(items)", 2),
        ("$sum(items.(qty * price))", 12.5),
        ("$min(items.price)", 2.5),
        ("$max(items.qty)", 2),
        ("$average(items.price)", 3.75),
        ("'B' in items.sku", True),
        ("$uppercase(name)", "ADA"),
        ("name ~> $lowercase()", "ada"),
        ("$substring(name, 1, 1)", "d"),
        ("$length(name)", 3),
        ("$join(items.sku, ',')", "A,B"),
        ("$string(price)", "19.99"),
        ("$number('42') + 1", 43),
        ("$$.qty", 3),
        ("items.($$.qty * qty)", [6, 3]),
        ("($x := qty * 2; $x + 1)", 7),
    ],
)
def test_the_language_computes(text: str, expected: Any) -> None:
    assert run(text) == expected


def test_every_documented_example_holds() -> None:
    for spec in FUNCTIONS.values():
        for text, record, result in spec.examples:
            assert run(text, record) == result, text
    for operator in OPERATORS:
        record = dict(operator.record)
        item = record.pop("__item__", None)
        value = record.pop("__value__", None)
        target = record.pop("__target__", None)
        scope = None if item is None else ItemScope(item, 0)
        got = run(operator.example, record, scope=scope, value=value, target=target)
        assert got == operator.result, operator.example


def test_money_is_exact_to_the_cent_with_decimal() -> None:
    assert run("$decimal(price) * qty") == 59.97
    assert run("$round(qty * price, 2)") == 59.97
    assert run("$decimal('0.1') + $decimal('0.2')") == 0.3
    discounted = "$round($decimal(price) * qty * (1 - $decimal(discount)), 2)"
    assert run(discounted) == 50.97  # 59.97 * 0.85 = 50.9745
    assert run("$sum(items.($decimal(price) * qty))") == 12.5
    three_lines = {"lines": [{"p": 0.1}, {"p": 0.2}, {"p": 0.3}]}
    assert run("$sum(lines.$decimal(p))", three_lines) == 0.6
    assert run("$sum(lines.p)", three_lines) != 0.6


def test_round_is_half_away_from_zero() -> None:
    assert run("$round(2.5)") == 3
    assert run("$round(-2.5)") == -3
    assert run("$round(0.125, 2)") == 0.13
    assert run("$round(1234, -2)") == 1200
    assert run("$round($decimal('2.675'), 2)") == 2.68


def test_missing_and_null_operands() -> None:
    record = {"qty": 2, "price": None}
    assert run("qty * price", record) is None
    assert run("qty * missing", record) is None
    assert run("qty & price & missing", record) == "2"
    assert run("price ?? 0", record) == 0
    assert run("missing ?? 'none'", record) == "none"
    assert run("qty ?? 0", record) == 2
    assert run("price > 1", record) is False
    assert run("price = null", record) is True
    assert run("missing = null", record) is False
    assert run("$exists(price)", record) is True
    assert run("$exists(missing)", record) is False
    assert run("$uppercase(missing)", record) is None
    assert run("$sum(nothing)", record) == 0
    assert run("$max(nothing)", record) is None
    assert run("$count(nothing)", record) == 0
    assert run("$sum(xs)", {"xs": [1, None, 2]}) == 3


def test_current_item_and_value() -> None:
    scope = ItemScope({"qty": 4, "price": 2.5}, 1)
    assert run("@.qty * @.price", scope=scope) == 10
    assert run("@.qty * qty", scope=scope) == 12
    assert run("@.qty", scope=None) is None
    assert run("$value & '!'", value="hi") == "hi!"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("qty / 0", "line 1, column 5: division by zero"),
        ("qty % 0", "division by zero"),
        ("name * 2", 'cannot multiply text "Ada"'),
        ("name < 3", "cannot compare text"),
        ("$sum(items.sku)", "$sum needs numbers, not text"),
        ("$number(name)", '$number cannot read text "Ada"'),
        ("$uppercase(qty)", "$uppercase needs text"),
    ],
)
def test_run_time_errors_say_why_and_where(text: str, reason: str) -> None:
    with pytest.raises(ExpressionFailed, match="expression failed") as caught:
        run(text)
    assert reason in str(caught.value)


def test_huge_numbers_fail_cleanly_or_stay_exact() -> None:
    big = 2**80
    assert run("n + 1", {"n": big}) == big + 1
    assert run("12345678901234567890123 * 2", {}) == 24691357802469135780246
    with pytest.raises(ExpressionFailed, match="too large"):
        run("n * n", {"n": 1e300})
    square = "($a := n * n; $b := $a * $a; $c := $b * $b; $d := $c * $c; $e := $d * $d; $e * $e)"
    with pytest.raises(ExpressionFailed, match="digits"):
        run(square, {"n": 10**100})
    with pytest.raises(ExpressionFailed, match="out of range"):
        run("$decimal(n) * $decimal(n)", {"n": 10**800})


def test_the_step_budget_bounds_each_evaluation() -> None:
    record = {"xs": list(range(200_000))}
    with pytest.raises(ExpressionFailed, match="more than 300,000 steps"):
        run("$sum(xs.($ * 2)) + $sum(xs.($ * 3))", record)
    assert compile_expression("$count(xs)", steps=10).evaluate({"xs": [1, 2]}) == 2
    with pytest.raises(ExpressionFailed, match="more than 10 steps"):
        compile_expression("$sum(xs)", steps=10).evaluate({"xs": list(range(50))})


def test_deep_data_and_long_text_do_not_crash() -> None:
    deep: Any = 1
    for _ in range(5000):
        deep = [deep]
    run("$count(xs)", {"xs": deep})
    with pytest.raises(ExpressionFailed, match="longer than"):
        run("($a := s & s; $b := $a & $a; $c := $b & $b; $c & $c & $c)", {"s": "x" * 200_000})


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("qty *", 1, 6, "unexpected end of expression"),
        ("qty\n  * * price", 2, 7, "syntax error"),
        ("qty * $foo", 1, 7, "unknown variable $foo"),
        ("$summ(items.qty)", 1, 1, "unknown function $summ; did you mean $sum?"),
        ("$round()", 1, 1, "$round takes 1 to 2 argument(s), 0 given"),
        ("qty + @$x", 1, 9, "syntax error"),
        ("'abc", 1, 5, "string literal must be terminated"),
        ("", 1, 1, "empty"),
        ("qty + function($x){$x}", 1, 16, "function definitions are not supported"),
        ("$sum", 1, 1, "$sum is a function"),
    ],
)
def test_bad_expressions_point_at_line_and_column(
    text: str, line: int, column: int, message: str
) -> None:
    problem = check_expression(text)
    assert problem is not None
    assert (problem.line, problem.column) == (line, column), problem
    assert message in problem.message
    with pytest.raises(ExpressionSyntaxError):
        compile_expression(text)


def test_deep_nesting_is_refused_with_a_message() -> None:
    text = "(" * (MAX_EXPRESSION_DEPTH + 5) + "1" + ")" * (MAX_EXPRESSION_DEPTH + 5)
    problem = check_expression(text)
    assert problem is not None and "nested" in problem.message
    very = "(" * 20_000 + "1" + ")" * 20_000
    problem = check_expression(very)
    assert problem is not None and "nested" in problem.message


def test_valid_expressions_have_no_problem() -> None:
    assert check_expression("qty * price") is None
    assert check_expression("@.qty * @.price") is None


def test_a_column_evaluates_as_each_record_does() -> None:
    expression = compile_expression("qty * price")
    records = [{"qty": 2, "price": 1.5}, {"qty": None}, {"price": 4, "qty": 10**20}]
    assert evaluate_all(expression, records) == [expression.evaluate(r) for r in records]
    with pytest.raises(ExpressionFailed):
        evaluate_all(expression, [*records, {"qty": "two", "price": 1}])
    budget = compile_expression("$sum(xs)", steps=20)
    assert evaluate_all(budget, [{"xs": [1] * 8}] * 3) == [8, 8, 8]  # a budget per record
