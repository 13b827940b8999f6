"""The expressions' fast closures (member chains `@.a.b`, calls with literal extras
`$round(x, 2)`, arithmetic with a literal `x / 100`, brackets without bindings, the
column of items `evaluate_items`) give what the general closures give: the same value,
the same error at the same place, the same number of steps (the smallest budget that
suffices), on random values, nulls, missing members and arrays where one value was meant."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.engine.expressions import (
    Expression,
    ExpressionFailed,
    _compile,
    compile_expression,
    evaluate_all,
    evaluate_items,
)
from fieldwright.engine.expressions._columns import NoColumn
from fieldwright.engine.expressions._compile import Env
from fieldwright.engine.scope import ItemScope

TEXTS = [
    "@.a.b",
    "a.b.c",
    "$$.a.b",
    "@.a.b + 1",
    "$round($decimal(@.price) * $decimal(@.qty) * (100 - (@.d ?? 0)) / 100, 2)",
    "$round(@.price, 1)",
    "$substring(@.a.b, 1, 2)",
    "(@.qty) * 2 - (3)",
    "$sum(items.$round($decimal(price) * 2, 2))",
    "$uppercase(@.a.b) & (@.qty)",
    "items.(qty * 2)",
    "$sum(items.($decimal(price) * (100 - (d ?? 0)) / 100))",
    "items.$uppercase(a)",
    "items.$round(price, 1)",
    "$count(items)",
    "$round($sum(items.$round($decimal(price) * $decimal(qty) * (100 - (d ?? 0)) / 100, 2)), 2)",
    "items.a.b",
    "$sum(items.qty) + $count(a)",
    "$round($sum(items.$decimal(price)), 2)",
    "$.items.$round(price, 1)",
    "@.a.$uppercase(b)",
    "$round($sum($target.items.$decimal(price)), 2)",
    "$target.items.qty",
    "$count($target.a) + $sum($target.items.qty)",
]

leaf = st.one_of(
    st.none(),
    st.integers(-1000, 1000),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from(["1.25", "19.99", "abc", "", "0.005", "-2"]),
    st.booleans(),
)
value = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "c", "price", "qty", "d"]), inner, max_size=4),
    ),
    max_leaves=8,
)
money = st.fixed_dictionaries(
    {"price": st.sampled_from(["1.25", "19.99", " 3 ", "0.005", "1e2", "abc", ""])},
    optional={
        "qty": st.one_of(st.integers(-3, 9), st.sampled_from(["2", "x"]), st.none()),
        "d": st.one_of(st.sampled_from([5, 10, 50]), st.none(), st.just("5")),
        "a": st.one_of(st.sampled_from(["ab", "C"]), st.none(), st.integers(0, 2)),
    },
)
record = st.dictionaries(
    st.sampled_from(["a", "items", "price", "qty"]),
    st.one_of(value, st.lists(st.one_of(value, money), max_size=4)),
    max_size=4,
)


@contextmanager
def _general_closures() -> Iterator[None]:
    """Compile without the fast closures: paths walked step by step, calls through their
    argument list, a literal operand evaluated as any other operand."""
    saved = (_compile._chain, _compile._by_literal, _compile._LITERALS, _compile.column_of)

    def by_literal(operator: str, left: Any, number: int, offset: int) -> Any:
        return _compile._arithmetic(operator, left, lambda ctx, env: number, offset)

    _compile._chain = lambda node, plan, keep_array: None  # type: ignore[assignment]
    _compile._by_literal = by_literal  # type: ignore[assignment]
    _compile._LITERALS = frozenset()  # type: ignore[misc]
    _compile.column_of = lambda node: None
    try:
        yield
    finally:
        (_compile._chain, _compile._by_literal, _compile._LITERALS, _compile.column_of) = saved  # type: ignore[misc]


def _general(text: str, steps: int) -> Expression:
    with _general_closures():
        return compile_expression(text, steps=steps)


def _outcome(expression: Expression, data: dict[str, Any], item: Any) -> tuple[str, Any]:
    try:
        return "value", expression.evaluate(data, ItemScope(item, 0))
    except ExpressionFailed as exc:
        return "error", str(exc)


def _fewest_steps(expression: Expression, data: dict[str, Any], item: Any) -> int | None:
    """The smallest budget the evaluation succeeds (or fails for another reason) within."""
    try:
        for steps in range(80):
            expression.steps = steps
            kind, found = _outcome(expression, data, item)
            if kind == "value" or "steps" not in found:
                return steps
        return None
    finally:
        expression.steps = 300_000


FAST = {text: compile_expression(text) for text in TEXTS}
GENERAL = {text: _general(text, 300_000) for text in TEXTS}


@settings(max_examples=150, deadline=None)
@given(data=record, item=value)
def test_fast_closures_equal_the_general_ones(data: dict[str, Any], item: Any) -> None:
    for text in TEXTS:
        fast, general = FAST[text], GENERAL[text]
        assert _outcome(fast, data, item) == _outcome(general, data, item), text
        assert _fewest_steps(fast, data, item) == _fewest_steps(general, data, item), text


@settings(max_examples=100, deadline=None)
@given(data=record, items=st.lists(value, max_size=5))
def test_a_column_of_items_equals_evaluating_each(data: dict[str, Any], items: list[Any]) -> None:
    for text in TEXTS:
        expression = FAST[text]
        values, failed = evaluate_items(expression, [data] * len(items), items)
        for position, one in enumerate(items):
            kind, found = _outcome(expression, data, one)
            if kind == "error":
                assert position in failed and values[position] is None
            else:
                assert position not in failed and values[position] == found


def _steps_of(expression: Expression, data: dict[str, Any], item: Any) -> tuple[Any, int] | None:
    """The raw value one item's evaluation computes and the steps it spends (None: fails)."""
    env = Env(data, None, None, 300_000)
    env.focus = item
    try:
        return expression._run(data, env), 300_000 - env.left
    except (ExpressionFailed, RecursionError):
        return None


@settings(max_examples=150, deadline=None)
@given(data=record, items=st.lists(st.one_of(money, value), max_size=5))
def test_column_forms_compute_what_the_closures_compute(
    data: dict[str, Any], items: list[Any]
) -> None:
    """Where a column form answers, each value (type included) and the steps spent in all
    are the closures'; where a closure fails, the column form hands over (NoColumn)."""
    for text in TEXTS:
        expression = FAST[text]
        column = expression._column
        if column is None:
            continue
        one_by_one = [_steps_of(expression, data, item) for item in items]
        try:
            values, spent = column([data] * len(items), list(items), Env(data, None, None, 9))
        except NoColumn:
            continue
        assert None not in one_by_one, text
        assert [(type(v), v) for v in values] == [(type(v), v) for v, _ in one_by_one], text
        assert spent == sum(steps for _, steps in one_by_one), text


@settings(max_examples=150, deadline=None)
@given(records=st.lists(record, max_size=5))
def test_column_forms_over_records_compute_what_the_closures_compute(
    records: list[dict[str, Any]],
) -> None:
    """The same for a column of records (a record-level field: `@` is missing)."""
    for text in TEXTS:
        expression = FAST[text]
        column = expression._column
        if column is None:
            continue
        one_by_one = []
        for data in records:
            env = Env(data, None, None, 300_000)
            try:
                one_by_one.append((expression._run(data, env), 300_000 - env.left))
            except (ExpressionFailed, RecursionError):
                one_by_one.append(None)
        try:
            values, spent = column(list(records), None, Env(None, None, None, 9))
        except NoColumn:
            continue
        assert None not in one_by_one, text
        assert [(type(v), v) for v in values] == [(type(v), v) for v, _ in one_by_one], text
        assert spent == sum(steps for _, steps in one_by_one), text


def _with_target(
    expression: Expression, data: dict[str, Any], target: Any
) -> tuple[Any, int] | None:
    """The raw value of a record-level evaluation whose `$target` is `target`, and its steps."""
    env = Env(data, None, None, 300_000, target)
    try:
        return expression._run(data, env), 300_000 - env.left
    except (ExpressionFailed, RecursionError):
        return None


@settings(max_examples=150, deadline=None)
@given(pairs=st.lists(st.tuples(record, record), max_size=5))
def test_column_forms_reading_target_compute_what_the_closures_compute(
    pairs: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    """`$target` in a column of records: each record's own target record, the same values
    and steps as the closures given that target; and what `evaluate_all` writes equals
    `evaluate` with that target."""
    records = [data for data, _ in pairs]
    targets = [target for _, target in pairs]
    for text in TEXTS:
        expression = FAST[text]
        one_by_one = [_with_target(expression, d, t) for d, t in pairs]
        column = expression._column
        if column is not None:
            env = Env(None, None, None, 9)
            env.targets = {id(data): target for data, target in pairs}
            try:
                values, spent = column(list(records), None, env)
            except NoColumn:
                pass
            else:
                assert None not in one_by_one, text
                assert [(type(v), v) for v in values] == [(type(v), v) for v, _ in one_by_one]
                assert spent == sum(steps for _, steps in one_by_one), text
        if None in one_by_one:
            continue
        expected = [expression.evaluate(d, target=t) for d, t in pairs]
        assert evaluate_all(expression, records, targets) == expected, text


def test_a_record_given_twice_in_a_column_reads_each_target() -> None:
    """One record object at two places of a column has two targets: no lookup by the
    record can tell them apart, so the closures answer, each with its own."""
    expression = compile_expression("$sum($target.items.$decimal(price))")
    data: dict[str, Any] = {}
    targets = [{"items": [{"price": 1.5}, {"price": 2}]}, {"items": [{"price": 0.25}]}]
    assert evaluate_all(expression, [data, data], targets) == [3.5, 0.25]


def test_target_reads_name_the_fields_read() -> None:
    reads = compile_expression("$sum($target.lines.total) + $count($target.notes)").targets
    assert reads.names == {("lines", "total"), ("notes",)} and not reads.whole
    walked = compile_expression("$sum($target.lines[0].total) + $target.a.$count(b)").targets
    assert walked.names == {("lines",), ("a",)}
    assert compile_expression("$count($target)").targets.whole
    assert not compile_expression("($target := 2; $target * 3)").targets
    assert not compile_expression("$sum(lines.total)").targets


@settings(max_examples=60, deadline=None)
@given(
    items=st.lists(
        st.fixed_dictionaries(
            {
                "qty": st.sampled_from(["1", " 2", "3 ", "4", "1_0", "2.50", "x", "NaN", "-0"]),
                "price": st.one_of(
                    st.sampled_from(["19.99", "0.10"]),
                    st.decimals(0, 1000, places=2).map(str),
                ),
            }
        ),
        min_size=30,
        max_size=90,
    )
)
def test_a_long_column_of_few_texts_reads_each_as_the_closures_do(
    items: list[dict[str, Any]],
) -> None:
    """`$decimal` of a column with few distinct texts reads each text once: the same
    decimals (exponent included), steps and failures as one item at a time."""
    for text in ("$decimal(@.qty)", "$decimal(@.price) * $decimal(@.qty)", "$decimal(@.price)"):
        expression = FAST[text] if text in FAST else compile_expression(text)
        column = expression._column
        assert column is not None
        one_by_one = [_steps_of(expression, {}, item) for item in items]
        try:
            values, spent = column([{}] * len(items), list(items), Env({}, None, None, 9))
        except NoColumn:
            assert None in one_by_one, text
            continue
        assert None not in one_by_one, text
        assert [(type(v), str(v)) for v in values] == [(type(v), str(v)) for v, _ in one_by_one]
        assert spent == sum(steps for _, steps in one_by_one), text
