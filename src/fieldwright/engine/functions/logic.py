"""Logic functions: defaults for missing values, comparisons, booleans, conditions
and custom expressions.

Custom logic is written in JMESPath (https://jmespath.org), a safe query
language: it can read and compare values but never run code.
"""

from __future__ import annotations

import math
from typing import Any

import jmespath.exceptions
from jmespath.parser import ParsedResult

from fieldwright.engine.functions._common import as_items, as_text, is_empty, show, type_name
from fieldwright.engine.functions.registry import (
    ArgType,
    Category,
    Example,
    NullBehaviour,
    Param,
    StepContext,
    TransformError,
    function,
)

_L = Category.LOGIC


@function(
    "default",
    _L,
    "Use a fallback when the value is null or empty.",
    returns="any",
    params=[Param("fallback", ArgType.ANY, "the value to use instead")],
    null_passthrough=False,
    null_behaviour=NullBehaviour.DEFAULT,
    examples=[
        Example(None, ("n/a",), "n/a"),
        Example("  ", ("n/a",), "n/a"),
        Example("Ada", ("n/a",), "Ada"),
        Example(0, (1,), 0),
    ],
)
def default(value: Any, fallback: Any) -> Any:
    """The value, or `fallback` when the value is null, blank text, or an empty
    list or object. Zero and false are values, not empty."""
    return fallback if is_empty(value) else value


@function(
    "if_null",
    _L,
    "Use a fallback only when the value is null.",
    returns="any",
    params=[Param("fallback", ArgType.ANY, "the value to use instead of null")],
    null_passthrough=False,
    null_behaviour=NullBehaviour.DEFAULT,
    examples=[Example(None, (0,), 0), Example("", ("n/a",), "")],
)
def if_null(value: Any, fallback: Any) -> Any:
    """The value, or `fallback` when it is null; empty text is kept (see `default`)."""
    return fallback if value is None else value


@function(
    "if_empty",
    _L,
    "Choose between two values by whether the value is empty.",
    returns="any",
    params=[
        Param("then", ArgType.ANY, "the result when the value is empty"),
        Param("otherwise", ArgType.ANY, "the result when it is not"),
    ],
    null_passthrough=False,
    examples=[
        Example(None, ("N", "Y"), "N"),
        Example("ada@example.com", ("N", "Y"), "Y"),
        Example([], (True, False), True),
    ],
)
def if_empty(value: Any, then: Any, otherwise: Any) -> Any:
    """`then` when the value is null, blank text, or an empty list or object;
    `otherwise` when it has content (e.g. a 'has email' flag)."""
    return then if is_empty(value) else otherwise


@function(
    "is_empty",
    _L,
    "Whether the value is null, blank text, or an empty list or object.",
    returns="boolean",
    null_passthrough=False,
    examples=[
        Example(None, (), True),
        Example(" \t", (), True),
        Example({}, (), True),
        Example(0, (), False),
        Example("x", (), False),
    ],
)
def is_empty_fn(value: Any) -> bool:
    """True for null, text that is empty or only whitespace, [] and {}; false for
    anything else, including 0 and false."""
    return is_empty(value)


@function(
    "is_null",
    _L,
    "Whether the value is null.",
    returns="boolean",
    null_passthrough=False,
    examples=[Example(None, (), True), Example("", (), False)],
)
def is_null(value: Any) -> bool:
    """True only for null (a missing source value is null too)."""
    return value is None


@function(
    "coalesce",
    _L,
    "The first non-null value of a list (several sources).",
    returns="any",
    params=[
        Param("skip_empty", ArgType.BOOLEAN, "also skip blank text and empty lists/objects", False)
    ],
    examples=[
        Example([None, "work@example.com", "home@example.com"], (), "work@example.com"),
        Example([None, "", "x"], (True,), "x"),
        Example([None, None], (), None),
    ],
)
def coalesce(value: Any, skip_empty: bool) -> Any:
    """Give a field several sources and take the first that has a value; null
    when none has."""
    for item in as_items(value):
        if item is not None and not (skip_empty and is_empty(item)):
            return item
    return None


def _same(left: Any, right: Any, ignore_case: bool) -> bool:
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    if ignore_case and isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    return bool(left == right)


_IGNORE_CASE = Param("ignore_case", ArgType.BOOLEAN, "compare text regardless of case", False)


@function(
    "equals",
    _L,
    "Whether the value equals another value.",
    returns="boolean",
    params=[Param("other", ArgType.ANY, "the value to compare with"), _IGNORE_CASE],
    null_passthrough=False,
    examples=[
        Example("ACTIVE", ("active", True), True),
        Example(1, (1.0,), True),
        Example("1", (1,), False),
        Example(None, (None,), True),
    ],
)
def equals(value: Any, other: Any, ignore_case: bool) -> bool:
    """Exact comparison: text equals text, numbers equal numbers (1 equals 1.0),
    but the text '1' does not equal the number 1 (use to_number first) and
    true does not equal 1."""
    return _same(value, other, ignore_case)


@function(
    "in_list",
    _L,
    "Whether the value is one of a list of values.",
    returns="boolean",
    params=[Param("items", ArgType.LIST, "the allowed values"), _IGNORE_CASE],
    null_passthrough=False,
    examples=[
        Example("DE", (["DE", "AT", "CH"],), True),
        Example("fr", (["DE", "FR"], True), True),
        Example(None, (["DE"],), False),
    ],
)
def in_list(value: Any, items: list[Any], ignore_case: bool) -> bool:
    """True when the value equals one of `items` (compared as `equals` does)."""
    return any(_same(value, item, ignore_case) for item in items)


_TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "on"})
_FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "off"})


_WORDS = dict.fromkeys(_TRUE_WORDS, True) | dict.fromkeys(_FALSE_WORDS, False)


def _boolean_text(value: str) -> bool | None:
    """to_boolean of text, the words exactly as listed first (a CSV column's usual cells)."""
    found = _WORDS.get(value)
    return _boolean(value) if found is None else found


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        word = value.strip().casefold()
        if not word:
            return None
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise TransformError(
        f"cannot read {show(value)} as true or false "
        "(true: yes, y, true, t, 1, on; false: no, n, false, f, 0, off)"
    )


@function(
    "to_boolean",
    _L,
    "Read true/false from yes/no, Y/N, 1/0, on/off text.",
    returns="boolean",
    examples=[
        Example("Yes", (), True),
        Example("N", (), False),
        Example(0, (), False),
        Example("", (), None),
    ],
    on_text=_boolean_text,
)
def to_boolean(value: Any) -> bool | None:
    """Read a boolean, ignoring case and surrounding whitespace: yes/y/true/t/1/on
    are true, no/n/false/f/0/off are false; the numbers 1 and 0 too. Blank
    text becomes null; anything else fails."""
    return _boolean(value)


@function(
    "not",
    _L,
    "Negate a boolean.",
    returns="boolean",
    examples=[Example(True, (), False), Example("no", (), True)],
)
def negate(value: Any) -> bool | None:
    """true becomes false and false true. Text is read as `to_boolean` reads it;
    blank text stays null."""
    found = _boolean(value)
    return None if found is None else not found


def _search(expression: ParsedResult, data: Any) -> Any:
    try:
        return expression.search(data)
    except jmespath.exceptions.JMESPathError as exc:
        raise TransformError(f"expression {expression.expression!r} failed: {exc}") from exc


def _truthy(result: Any) -> bool:
    """JMESPath truth: false, null, empty text, [] and {} are false."""
    if result is None or result is False:
        return False
    if isinstance(result, str | list | dict):
        return bool(result)
    return not (isinstance(result, float) and math.isnan(result))


@function(
    "when",
    _L,
    "Choose a value by a condition on the source record.",
    returns="any",
    params=[
        Param("condition", ArgType.EXPRESSION, "JMESPath evaluated on the source record"),
        Param("then", ArgType.ANY, "the result when the condition holds"),
        Param("otherwise", ArgType.ANY, "the result when it does not", None),
    ],
    null_passthrough=False,
    context=True,
    examples=[
        Example(
            None,
            ("country == 'US' && amount > `100`", "review", "auto"),
            "review",
            record={"country": "US", "amount": 250},
        ),
        Example(None, ("status == 'closed'", "C"), None, record={"status": "open"}),
        Example("x", ("tags[?@ == 'vip']", "VIP", "STD"), "STD", record={"tags": ["new"]}),
    ],
)
def when(ctx: StepContext, value: Any, condition: ParsedResult, then: Any, otherwise: Any) -> Any:
    """Evaluate the JMESPath `condition` on the whole source record and return
    `then` when it is true, else `otherwise` (null when omitted).

    JMESPath truth: false, null, empty text, [] and {} are false; everything
    else is true. Write literal numbers in backticks: amount > `100`. The
    step's own value is not used.
    """
    return then if _truthy(_search(condition, dict(ctx.record))) else otherwise


@function(
    "case",
    _L,
    "Map the value through pairs of match → result.",
    returns="any",
    params=[
        Param("cases", ArgType.OBJECT, "an object of value (as text) → result"),
        Param("default", ArgType.ANY, "the result when no case matches; null when omitted", None),
        _IGNORE_CASE,
    ],
    null_passthrough=False,
    null_behaviour=NullBehaviour.DEFAULT,
    examples=[
        Example("A", ({"A": "Active", "I": "Inactive"},), "Active"),
        Example(2, ({"1": "low", "2": "high"}, "unknown"), "high"),
        Example("x", ({"a": 1}, 0), 0),
        Example("i", ({"A": "Active", "I": "Inactive"}, None, True), "Inactive"),
    ],
)
def case(value: Any, cases: dict[str, Any], default: Any, ignore_case: bool) -> Any:
    """Compare the value, as text, with the keys of `cases` and return the
    matching result (numbers match their text: 2 matches "2"; true matches
    "true"; null matches "null"). For long or shared tables define a lookup
    table and use `lookup`."""
    if isinstance(value, list | dict):
        raise TransformError(f"case compares single values, not a {type_name(value)} {show(value)}")
    key = "null" if value is None else as_text(value)
    if key in cases:
        return cases[key]
    if ignore_case:
        folded = key.casefold()
        for candidate, result in cases.items():
            if candidate.casefold() == folded:
                return result
    return default


@function(
    "jmespath",
    _L,
    "Evaluate a JMESPath expression on the value.",
    returns="any",
    params=[Param("expression", ArgType.EXPRESSION, "JMESPath, with @ the value")],
    examples=[
        Example(
            [{"type": "work", "n": "555"}, {"type": "home", "n": "556"}],
            ("[?type=='home'].n | [0]",),
            "556",
        ),
        Example({"a": [3, 1, 2]}, ("max(a)",), 3),
        Example(["b", "a"], ("sort(@)",), ["a", "b"]),
    ],
)
def jmespath_value(value: Any, expression: ParsedResult) -> Any:
    """Query or reshape an object or list value with JMESPath: select, filter
    ([?…]), project, and use functions like length, sort, join, max, contains."""
    return _search(expression, value)


@function(
    "jmespath_record",
    _L,
    "Evaluate a JMESPath expression on the whole source record.",
    returns="any",
    params=[Param("expression", ArgType.EXPRESSION, "JMESPath, with @ the source record")],
    null_passthrough=False,
    context=True,
    examples=[
        Example(
            None,
            ("join(' ', [first, last])",),
            "Ada Lovelace",
            record={"first": "Ada", "last": "Lovelace"},
        ),
        Example(None, ("length(orders)",), 2, record={"orders": [{}, {}]}),
    ],
)
def jmespath_record(ctx: StepContext, value: Any, expression: ParsedResult) -> Any:
    """Compute a value from any fields of the source record (the step's own value
    is not used), e.g. combine fields or count the items of a list."""
    return _search(expression, dict(ctx.record))
