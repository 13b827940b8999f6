"""Any text is either a problem at a line and column or an expression that, on any record,
gives JSON data or fails with a reason: never another exception."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldwright.engine.expressions import (
    ExpressionFailed,
    ExpressionSyntaxError,
    check_expression,
    compile_expression,
)
from fieldwright.engine.scope import ItemScope

PIECES = [
    "qty",
    "price",
    "items",
    "name",
    "@",
    "$",
    "$$",
    "$value",
    ".",
    "*",
    "/",
    "%",
    "+",
    "-",
    "&",
    "=",
    "!=",
    "<",
    ">=",
    "and",
    "or",
    "?",
    ":",
    "??",
    "?:",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    "$x := ",
    "$x",
    "0",
    "1",
    "2.5",
    "-1",
    "1e308",
    "99999999999999999999",
    '"a"',
    "'b'",
    "null",
    "true",
    "$sum(",
    "$count(",
    "$min(",
    "$max(",
    "$average(",
    "$decimal(",
    "$round(",
    "$string(",
    "$number(",
    "$substring(",
    "$join(",
    "$not(",
    "~>",
    " ",
    "\n",
    "in",
    "[0]",
    "[-1]",
    "[qty > 1]",
    "items.(",
    "`odd name`",
    "/x/",
    "function($a){$a}",
]

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["qty", "price", "items", "name", "x"]), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=12), JSON, JSON)
def test_any_text_compiles_or_says_where_and_never_crashes(
    pieces: list[str], record: Any, item: Any
) -> None:
    text = " ".join(pieces)
    problem = check_expression(text)
    if problem is not None:
        assert problem.line >= 1 and problem.column >= 1 and problem.message
        return
    try:
        expression = compile_expression(text)
    except ExpressionSyntaxError:  # pragma: no cover - check_expression said it compiles
        raise AssertionError(text) from None
    try:
        value = expression.evaluate(record, ItemScope(item, 0), value=item)
    except ExpressionFailed as exc:
        assert str(exc).startswith("expression failed")
        return
    json.dumps(value, allow_nan=False)  # plain, finite JSON data
