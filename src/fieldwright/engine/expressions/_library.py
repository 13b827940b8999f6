"""The functions an expression may call (`$sum(items.price)`), documented with examples.

Each takes its evaluated arguments (MISSING for a path that selected
nothing) and the evaluation's budget. Functions of one value give missing
for a missing or null first argument, so null passes through as it does in
the function library.
"""

from __future__ import annotations

import decimal
import functools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from fieldwright.engine.expressions._values import (
    DECIMALS,
    MAX_TEXT,
    MISSING,
    Budget,
    ExpressionFailed,
    arithmetic,
    checked,
    compare,
    described,
    is_number,
    text_of,
    to_decimal,
    truthy,
)

__all__ = ["FUNCTIONS", "OPERATORS", "ExpressionFunction", "Operator"]

Impl = Callable[[Sequence[Any], Budget], Any]


@dataclass(frozen=True, slots=True)
class ExpressionFunction:
    """One function of the expression language, for the evaluator and the docs."""

    name: str
    signature: str
    summary: str
    #: (expression, record, result): documentation that is also tested.
    examples: tuple[tuple[str, dict[str, Any], Any], ...]
    impl: Impl
    min_args: int
    max_args: int
    category: str


@dataclass(frozen=True, slots=True)
class Operator:
    symbol: str
    summary: str
    example: str
    result: Any
    record: dict[str, Any]


def _values(value: Any, budget: Budget) -> list[Any]:
    """An argument as a list of values: missing is empty, one value is a list of one."""
    if value is MISSING or value is None:
        return []
    items = value if isinstance(value, list) else [value]
    budget.spend(len(items))
    return [item for item in items if item is not None and item is not MISSING]


def _numbers(name: str, value: Any, budget: Budget) -> list[Any]:
    items = _values(value, budget)
    for item in items:
        if not is_number(item):
            raise ExpressionFailed(f"{name} needs numbers, not {described(item)}")
    return items


def _sum(args: Sequence[Any], budget: Budget) -> Any:
    total: Any = 0
    for item in _numbers("$sum", args[0], budget):
        if type(item) is Decimal and type(total) in _EXACT_KINDS:
            try:  # money: what arithmetic() computes, without entering the context each time
                total = DECIMALS.add(total, item)
                continue
            except decimal.DecimalException:
                pass  # out of range: arithmetic() says so
        total = arithmetic("+", total, item)
    return total


_EXACT_KINDS: Final = frozenset({Decimal, int})


def _count(args: Sequence[Any], budget: Budget) -> Any:
    value = args[0]
    if value is MISSING:
        return 0
    return len(value) if isinstance(value, list) else 1


def _extreme(name: str, pick: str) -> Impl:
    def extreme(args: Sequence[Any], budget: Budget) -> Any:
        items = _numbers(name, args[0], budget)
        if not items:
            return MISSING
        best = items[0]
        for item in items[1:]:
            if compare(pick, item, best):
                best = item
        return best

    return extreme


def _average(args: Sequence[Any], budget: Budget) -> Any:
    items = _numbers("$average", args[0], budget)
    if not items:
        return MISSING
    return arithmetic("/", _sum([items], budget), len(items))


class _OneValue:
    """A function of one value (and constant extras): missing and null give missing.

    `direct` takes the value and the extras apart, so that a call whose extras are
    literals (`$round(x, 2)`) is compiled without building an argument list."""

    __slots__ = ("apply", "name", "numeric", "textual")

    def __init__(self, name: str, kind: str, apply: Callable[..., Any]) -> None:
        self.name = name
        self.numeric = kind == "number"
        self.textual = kind == "text"
        self.apply = apply

    def __call__(self, args: Sequence[Any], budget: Budget) -> Any:
        return self.direct(args[0], budget, tuple(args[1:]))

    def direct(self, value: Any, budget: Budget, extras: tuple[Any, ...]) -> Any:
        if value is MISSING or value is None:
            return MISSING
        if self.numeric and not is_number(value):
            raise ExpressionFailed(f"{self.name} needs a number, not {described(value)}")
        if self.textual and not isinstance(value, str):
            raise ExpressionFailed(f"{self.name} needs text, not {described(value)}; use $string()")
        budget.spend()
        return self.apply(value, *extras) if extras else self.apply(value)


def _one(name: str, kind: str, apply: Callable[..., Any]) -> Impl:
    """A function of one value (and constant extras): missing and null give missing."""
    return _OneValue(name, kind, apply)


def _number(value: Any) -> Any:
    if is_number(value):
        return value
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, str):
        try:
            parsed = json.loads(value.strip())
        except ValueError:
            parsed = None
        if is_number(parsed):
            return checked(parsed)
    raise ExpressionFailed(f"$number cannot read {described(value)} as a number")


def _decimal(value: Any) -> Decimal:
    if type(value) is str or isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise ExpressionFailed(f"$decimal cannot read {described(value)} as a number") from None
        if not result.is_finite():
            raise ExpressionFailed(f"$decimal cannot read {described(value)} as a number")
        return result
    if not is_number(value):
        raise ExpressionFailed(f"$decimal needs a number or text, not {described(value)}")
    return to_decimal(value)


def _places(name: str, places: Any) -> int:
    if places is MISSING or places is None:
        return 0
    if not isinstance(places, int) or isinstance(places, bool) or not -100 <= places <= 100:
        raise ExpressionFailed(f"{name}'s places must be a whole number from -100 to 100")
    return int(places)


@functools.cache
def _unit(digits: int) -> Decimal:
    """10 ** -digits: the quantum `$round` rounds to."""
    return Decimal(1).scaleb(-digits)


def _round(value: Any, places: Any = MISSING) -> Any:
    """Half away from zero (JSONata rounds half to even): 2.5 -> 3, -2.5 -> -3."""
    if type(value) is Decimal and type(places) is int and -100 <= places <= 100:
        digits, exact = places, value  # money: $round(decimal, 2), checked at once
    else:
        digits, exact = _places("$round", places), to_decimal(value)
    try:
        rounded = exact.quantize(_unit(digits), rounding=decimal.ROUND_HALF_UP, context=DECIMALS)
    except decimal.InvalidOperation:
        return value  # more digits asked than the number has: it is already exact
    if isinstance(value, Decimal):
        return rounded
    if digits <= 0:
        return int(rounded)
    return float(rounded)


def _substring(value: str, start: Any, length: Any = MISSING) -> str:
    for name, arg in (("start", start), ("length", length)):
        if arg is not MISSING and (not isinstance(arg, int) or isinstance(arg, bool)):
            raise ExpressionFailed(f"$substring's {name} must be a whole number")
    begin = start if start >= 0 else max(0, len(value) + start)
    if length is MISSING:
        return value[begin:]
    return value[begin : begin + max(0, length)]


def _text_arg(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ExpressionFailed(f"{name} needs text, not {described(value)}")
    return value


def _join(args: Sequence[Any], budget: Budget) -> Any:
    items = _values(args[0], budget)
    separator = "" if len(args) < 2 else _text_arg("$join's separator", args[1])
    for item in items:
        if not isinstance(item, str):
            raise ExpressionFailed(f"$join needs text items, not {described(item)}")
    result = separator.join(items)
    if len(result) > MAX_TEXT:
        raise ExpressionFailed(f"the text would be longer than {MAX_TEXT:,} characters")
    return result


def _split(value: str, separator: Any) -> list[str]:
    text = _text_arg("$split's separator", separator)
    if not text:
        return list(value)
    return value.split(text)


def _replace(value: str, old: Any, new: Any) -> str:
    old_text = _text_arg("$replace's pattern", old)
    if not old_text:
        raise ExpressionFailed("$replace's pattern must not be empty")
    result = value.replace(old_text, _text_arg("$replace's replacement", new))
    if len(result) > MAX_TEXT:
        raise ExpressionFailed(f"the text would be longer than {MAX_TEXT:,} characters")
    return result


def _exists(args: Sequence[Any], budget: Budget) -> bool:
    return args[0] is not MISSING


def _floor_ceil(round_to: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(value: Any) -> Any:
        if isinstance(value, Decimal):
            return value.to_integral_value(
                rounding=decimal.ROUND_FLOOR if round_to is math.floor else decimal.ROUND_CEILING
            )
        return round_to(value)

    return apply


def _fn(
    name: str,
    signature: str,
    summary: str,
    impl: Impl,
    arity: tuple[int, int],
    category: str,
    *examples: tuple[str, dict[str, Any], Any],
) -> ExpressionFunction:
    return ExpressionFunction(name, signature, summary, examples, impl, *arity, category)


_ORDER: Final = {
    "qty": 3,
    "price": 19.99,
    "items": [{"qty": 2, "price": 5}, {"qty": 1, "price": 2.5}],
}

FUNCTIONS: Final[dict[str, ExpressionFunction]] = {
    spec.name: spec
    for spec in (
        _fn(
            "sum",
            "$sum(array)",
            "The sum of the numbers (nulls skipped; 0 for none).",
            _sum,
            (1, 1),
            "aggregate",
            ("$sum(items.(qty * price))", _ORDER, 12.5),
        ),
        _fn(
            "count",
            "$count(array)",
            "How many values (0 for a missing array).",
            _count,
            (1, 1),
            "aggregate",
            ("$count(items)", _ORDER, 2),
        ),
        _fn(
            "min",
            "$min(array)",
            "The smallest number (missing for none).",
            _extreme("$min", "<"),
            (1, 1),
            "aggregate",
            ("$min(items.price)", _ORDER, 2.5),
        ),
        _fn(
            "max",
            "$max(array)",
            "The largest number (missing for none).",
            _extreme("$max", ">"),
            (1, 1),
            "aggregate",
            ("$max(items.price)", _ORDER, 5),
        ),
        _fn(
            "average",
            "$average(array)",
            "The mean of the numbers (missing for none).",
            _average,
            (1, 1),
            "aggregate",
            ("$average(items.qty)", _ORDER, 1.5),
        ),
        _fn(
            "decimal",
            "$decimal(x)",
            "x as an exact decimal, for money: arithmetic with it "
            "stays exact and the result is written as a number.",
            _one("$decimal", "any", _decimal),
            (1, 1),
            "number",
            ("$decimal(price) * qty", _ORDER, 59.97),
        ),
        _fn(
            "round",
            "$round(x, places)",
            "x rounded half away from zero to `places` decimals (0 when left out).",
            _one("$round", "number", _round),
            (1, 2),
            "number",
            ("$round(qty * price, 2)", _ORDER, 59.97),
            ("$round(2.5)", {}, 3),
        ),
        _fn(
            "floor",
            "$floor(x)",
            "The largest whole number not above x.",
            _one("$floor", "number", _floor_ceil(math.floor)),
            (1, 1),
            "number",
            ("$floor(price)", _ORDER, 19),
        ),
        _fn(
            "ceil",
            "$ceil(x)",
            "The smallest whole number not below x.",
            _one("$ceil", "number", _floor_ceil(math.ceil)),
            (1, 1),
            "number",
            ("$ceil(price)", _ORDER, 20),
        ),
        _fn(
            "abs",
            "$abs(x)",
            "x without its sign.",
            _one("$abs", "number", abs),
            (1, 1),
            "number",
            ("$abs(-qty)", _ORDER, 3),
        ),
        _fn(
            "number",
            "$number(x)",
            'Text such as "12.5" (or true/false) as a number.',
            _one("$number", "any", _number),
            (1, 1),
            "number",
            ('$number("12.5") * 2', {}, 25),
        ),
        _fn(
            "string",
            "$string(x)",
            'x as text: numbers written shortest, null as "".',
            lambda args, budget: text_of(args[0]),
            (1, 1),
            "text",
            ('$string(qty) & " pcs"', _ORDER, "3 pcs"),
        ),
        _fn(
            "length",
            "$length(text)",
            "The number of characters.",
            _one("$length", "text", len),
            (1, 1),
            "text",
            ('$length("Ada")', {}, 3),
        ),
        _fn(
            "substring",
            "$substring(text, start, length)",
            "Part of the text from `start` "
            "(from 0; negative counts from the end), `length` characters or to the end.",
            _one("$substring", "text", _substring),
            (2, 3),
            "text",
            ('$substring("ORD-123", 4)', {}, "123"),
        ),
        _fn(
            "uppercase",
            "$uppercase(text)",
            "The text in capitals.",
            _one("$uppercase", "text", str.upper),
            (1, 1),
            "text",
            ('$uppercase("ab")', {}, "AB"),
        ),
        _fn(
            "lowercase",
            "$lowercase(text)",
            "The text in small letters.",
            _one("$lowercase", "text", str.lower),
            (1, 1),
            "text",
            ('$lowercase("AB")', {}, "ab"),
        ),
        _fn(
            "trim",
            "$trim(text)",
            "The text without leading and trailing spaces, inner runs of spaces as one.",
            _one("$trim", "text", lambda s: " ".join(s.split())),
            (1, 1),
            "text",
            ('$trim("  a   b ")', {}, "a b"),
        ),
        _fn(
            "contains",
            "$contains(text, part)",
            "Whether the text contains `part` (plain text, not a pattern).",
            _one("$contains", "text", lambda s, p: _text_arg("$contains", p) in s),
            (2, 2),
            "text",
            ('$contains("ORD-123", "-")', {}, True),
        ),
        _fn(
            "split",
            "$split(text, separator)",
            "The text cut at each separator.",
            _one("$split", "text", _split),
            (2, 2),
            "text",
            ('$split("a,b", ",")', {}, ["a", "b"]),
        ),
        _fn(
            "join",
            "$join(array, separator)",
            'The texts joined by the separator ("" when left out).',
            _join,
            (1, 2),
            "text",
            ('$join(["a", "b"], "-")', {}, "a-b"),
        ),
        _fn(
            "replace",
            "$replace(text, old, new)",
            "The text with every `old` (plain text) replaced by `new`.",
            _one("$replace", "text", _replace),
            (3, 3),
            "text",
            ('$replace("a-b-c", "-", "/")', {}, "a/b/c"),
        ),
        _fn(
            "not",
            "$not(x)",
            'true when x is false, 0, "", null or missing.',
            lambda args, budget: not truthy(args[0]),
            (1, 1),
            "logic",
            ("$not(qty > 5)", _ORDER, True),
        ),
        _fn(
            "boolean",
            "$boolean(x)",
            "x as true or false (see $not).",
            lambda args, budget: truthy(args[0]),
            (1, 1),
            "logic",
            ('$boolean("")', {}, False),
        ),
        _fn(
            "exists",
            "$exists(x)",
            "Whether x is there (true for null, false for missing).",
            _exists,
            (1, 1),
            "logic",
            ("$exists(discount)", _ORDER, False),
        ),
    )
}

OPERATORS: Final[tuple[Operator, ...]] = (
    Operator(
        "name.name",
        "a field of the record; `a.b` a field inside `a`; a path over an "
        "array gives every item's field",
        "items.qty",
        [2, 1],
        _ORDER,
    ),
    Operator(
        "@",
        "the current item when the target is under [*] (`@.qty`)",
        "@.qty * 2",
        4,
        {"__item__": {"qty": 2}},
    ),
    Operator(
        "$ / $$", "the record (`$` inside a path step is the step's item)", "$.qty", 3, _ORDER
    ),
    Operator(
        "[ ]",
        "an item by position from 0, or the items a condition keeps",
        "items[qty > 1].price",
        5,
        _ORDER,
    ),
    Operator(
        "+ - * / %",
        "arithmetic; missing or null operands give null",
        "qty * price - 1",
        58.97,
        _ORDER,
    ),
    Operator("&", 'join as text; missing and null count as ""', 'qty & " x"', "3 x", _ORDER),
    Operator(
        "= != < <= > >=",
        "comparison; < <= > >= with a null side are false",
        "qty >= 3",
        True,
        _ORDER,
    ),
    Operator("and or", "boolean logic", "qty > 1 and price < 20", True, _ORDER),
    Operator("in", "membership of an array", "qty in [1, 2, 3]", True, _ORDER),
    Operator("? :", "condition: `c ? a : b`", 'qty > 2 ? "bulk" : "single"', "bulk", _ORDER),
    Operator("??", "the right side when the left is missing or null", "discount ?? 0", 0, _ORDER),
    Operator(
        "?:",
        "the right side when the left is false, empty, 0 or null",
        'note ?: "none"',
        "none",
        _ORDER,
    ),
    Operator(
        "( ; )",
        "a block: bind with `$name := value;`, the last value is the result",
        "($d := 0.1; $round(price * (1 - $d), 2))",
        17.99,
        _ORDER,
    ),
    Operator(
        "~>", "pass the left side as a function's first argument", "price ~> $round(1)", 20, _ORDER
    ),
    Operator(
        "$value",
        "the field's value before an `expression` transform step",
        "$value * 2",
        6,
        {"__value__": 3},
    ),
    Operator(
        "$target",
        "the target record as written so far: a field reads the fields written before "
        "it (`$target.lines.line_total`); not under [*], not in a step",
        "$sum($target.lines.$decimal(line_total))",
        59.98,
        {"__target__": {"lines": [{"line_total": 59.97}, {"line_total": 0.01}]}},
    ),
)
