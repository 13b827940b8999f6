"""Column forms of the common expression parts: one call computes a part for many values.

`_compile` turns an expression into closures of one value. Mapping a column of
items (`@.price * @.qty` for every line of a chunk) or a path step over many
values (`items.$round(price * qty, 2)`) calls those closures once per value per
part. For the parts money expressions are made of (literals, member paths,
arithmetic, `??`, brackets, one-value functions such as `$decimal` and
`$round` with literal extras) this module builds a column form: given the
context values (and the items `@` stands for), it returns every value and the
steps the closures would have spent, computing decimals with one `map` over
the column where it can.

A column form computes only what the closures compute. Where a value would
take another route (an array to flatten, a value of an unexpected type, an
error to report with its place), it raises `NoColumn`, and the caller
evaluates with the closures, which then do exactly what they always do.
"""

from __future__ import annotations

import decimal
from bisect import bisect_left
from collections.abc import Callable
from decimal import Decimal
from functools import reduce
from itertools import chain, repeat
from operator import add, mul, sub
from typing import Any, Final

from fieldwright.engine.expressions._library import FUNCTIONS
from fieldwright.engine.expressions._parse import ITEM, TARGET, Node
from fieldwright.engine.expressions._values import (
    DECIMALS,
    MISSING,
    Budget,
    ExpressionFailed,
    arithmetic,
)

__all__ = ["Column", "NoColumn", "column_of"]

#: (context values, `@` of each or None for the evaluation's own, the evaluation's Env)
#: -> (values, steps spent); raises NoColumn.
Column = Callable[[list[Any], "list[Any] | None", Any], tuple[list[Any], int]]


class NoColumn(Exception):
    """This column takes the closures' route (one value at a time)."""


_LITERALS: Final = frozenset({"string", "number", "value"})
_PLAIN: Final = frozenset({int, float})
_EXACT_KINDS: Final = frozenset({Decimal, int})
_NUMBERS: Final = frozenset({int, float, Decimal})
_BIG: Final = 10**300
_MISSING_TYPE: Final = type(MISSING)
_ABSENT: Final = frozenset({type(None), _MISSING_TYPE})
_FAST: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "+": add,  # C functions: a column maps them without a Python call per value
    "-": sub,
    "*": mul,
}
_EXACT: Final[dict[str, Callable[[Any, Any], Decimal]]] = {
    "+": DECIMALS.add,
    "-": DECIMALS.subtract,
    "*": DECIMALS.multiply,
    "/": DECIMALS.divide,
}


def column_of(node: Node) -> Column | None:
    """The column form of a compiled expression part, or None when it has none."""
    try:
        return _part(node)
    except (AttributeError, TypeError):  # a tree shape the parser rarely makes
        return None


def _part(node: Node) -> Column | None:
    if getattr(node, "predicate", None) or getattr(node, "stages", None):
        return None
    if getattr(node, "group", None) is not None:
        return None
    kind = node.type
    if kind in _LITERALS:
        return _literal(node.value)
    if kind == "path":
        return _path(node)
    if kind == "binary" and node.value in ("+", "-", "*", "/", "%"):
        return _arithmetic(node)
    if kind == "block" and len(node.expressions) == 1:
        inner = node.expressions[0]
        return None if inner.type == "bind" else _part(inner)
    if kind == "condition":
        return _coalesce(node)
    if kind == "function":
        return _call(node)
    return None


def _literal(value: Any) -> Column:
    return lambda ctxs, focuses, env: ([value] * len(ctxs), 0)


def _starts(node: Node) -> Callable[[list[Any], list[Any] | None, Any], list[Any]] | None:
    """The first step of a member path: `@`, `$` (the context) or a member name."""
    if node.type == "variable" and node.value == ITEM:
        return lambda ctxs, focuses, env: (
            list(focuses) if focuses is not None else [env.focus] * len(ctxs)
        )
    if node.type == "variable" and node.value == "":
        return lambda ctxs, focuses, env: list(ctxs)
    if node.type == "name":
        name = node.value
        return lambda ctxs, focuses, env: _members(ctxs, name)
    if node.type == "variable" and node.value == TARGET:
        return _targets
    return None


def _targets(ctxs: list[Any], focuses: list[Any] | None, env: Any) -> list[Any]:
    """`$target` of each context: the target record of each record of the column
    (`Env.targets`); a context that is not one of them takes the closures' route."""
    by_id: dict[int, Any] | None = env.targets
    if by_id is None:
        raise NoColumn
    try:
        return [by_id[id(ctx)] for ctx in ctxs]
    except KeyError:
        raise NoColumn from None


def _members(values: list[Any], name: str) -> list[Any]:
    """Member `name` of each value (MISSING where it is not an object or has none)."""
    if set(map(type, values)) == {dict}:  # objects only: one C-level pass of dict.get
        return list(map(dict.get, values, repeat(name), repeat(MISSING)))
    return [value.get(name, MISSING) if type(value) is dict else MISSING for value in values]


def _path(node: Node) -> Column | None:
    """`price`, `@`, `@.a.b`, `a.b`: as `_compile`'s `field`, `single` and `_chain`."""
    steps = node.steps
    if node.keep_array or any(
        getattr(step, "stages", None) or getattr(step, "predicate", None) for step in steps
    ):
        return None
    first, rest = steps[0], steps[1:]
    if any(step.type != "name" for step in rest):
        return _walk(steps)
    start = _starts(first)
    if start is None:
        return None
    if not rest:  # one step: the value as it is, an array flattened (as `field`, `single`)

        def one(ctxs: list[Any], focuses: list[Any] | None, env: Any) -> tuple[list[Any], int]:
            values = start(ctxs, focuses, env)
            if list not in set(map(type, values)):
                return values, 0
            spent = 0
            for position, value in enumerate(values):
                if type(value) is list:
                    spent += len(value)
                    flat = _flatten(value)
                    values[position] = MISSING if not flat else flat[0] if len(flat) == 1 else flat
            return values, spent

        return one
    names = tuple(step.value for step in rest)

    only = names[0] if len(names) == 1 else None

    def chain(ctxs: list[Any], focuses: list[Any] | None, env: Any) -> tuple[list[Any], int]:
        values = start(ctxs, focuses, env)
        if only is not None and set(map(type, values)) == {dict}:  # `@.price` of objects
            found = list(map(dict.get, values, repeat(only), repeat(MISSING)))
            if list in set(map(type, found)):
                raise NoColumn
            return found, 2 * len(found)
        spent = 0
        out: list[Any] = []
        append = out.append
        for value in values:
            spent += 1
            for name in names:
                kind = type(value)
                if kind is dict:
                    value = value.get(name, MISSING)
                elif kind is list:
                    raise NoColumn
                elif value is MISSING:
                    break
                else:
                    value = MISSING
                spent += 1
            if type(value) is list:
                raise NoColumn
            append(value)
        return out, spent

    return chain


def _started(start: Callable[[list[Any], list[Any] | None, Any], list[Any]]) -> Column:
    """A path's start as a step of a walk: its values, no steps of its own."""
    return lambda ctxs, focuses, env: (start(ctxs, focuses, env), 0)


def _flatten(values: list[Any]) -> list[Any]:
    """One level of nested arrays spread, as `_compile`'s `_flatten`."""
    if list not in set(map(type, values)):  # one C-level pass
        return values
    flat: list[Any] = []
    for value in values:
        if type(value) is list:
            flat.extend(value)
        else:
            flat.append(value)
    return flat


def _walk(steps: list[Node]) -> Column | None:
    """`items.$round(price * qty, 2)`: as `_compile`'s `_walk`, the values of every
    context walked together, each step once over all of them."""
    parts: list[Column | str] = []
    for step in steps:
        if step.type == "name":
            parts.append(step.value)
            continue
        if step.type == "variable":  # `$target.lines.$decimal(x)`, `@.taxes.(...)`
            start = _starts(step)
            if start is None:
                return None
            parts.append(_started(start))
            continue
        part = _part(step)
        if part is None:
            return None
        parts.append(part)
    plan = tuple(parts)

    def walk(ctxs: list[Any], focuses: list[Any] | None, env: Any) -> tuple[list[Any], int]:
        elements, owners = list(ctxs), list(range(len(ctxs)))
        spent = 0
        for part in plan:
            spent += len(elements)  # each context's walk spends its sequence's length
            if isinstance(part, str):
                values = _members(elements, part)
                more = 0
            else:
                within = None if focuses is None else [focuses[o] for o in owners]
                values, more = part(elements, within, env)
            spent += more
            kinds = set(map(type, values))  # (`MISSING in values` would compare by value)
            if _MISSING_TYPE not in kinds and list not in kinds:
                elements = values  # one value each (the usual last step): nothing to spread
                continue
            if kinds == {list}:  # arrays only (`$target.lines`): spread in C-level passes
                found = list(chain.from_iterable(values))
                if list not in set(map(type, found)):  # no array inside an array
                    owners = list(chain.from_iterable(map(repeat, owners, map(len, values))))
                    elements = found
                    continue
            found = []
            found_owners: list[int] = []
            for value, owner in zip(values, owners, strict=True):
                if value is MISSING:
                    continue
                if type(value) is list:
                    spread = _flatten(value)
                    found += spread
                    found_owners += [owner] * len(spread)
                else:
                    found.append(value)
                    found_owners.append(owner)
            elements, owners = found, found_owners
        # The owners ascend: each context's values are one slice of the elements.
        bounds = list(map(bisect_left, repeat(owners), range(len(ctxs) + 1)))
        sequences = list(map(elements.__getitem__, map(slice, bounds, bounds[1:])))
        return [
            MISSING if not seq else seq[0] if len(seq) == 1 else seq for seq in sequences
        ], spent

    return walk


def _arithmetic(node: Node) -> Column | None:
    left, right = _part(node.lhs), _part(node.rhs)
    if left is None or right is None:
        return None
    operator = node.value
    fast, exact = _FAST.get(operator), _EXACT.get(operator)

    def one(a: Any, b: Any) -> Any:
        """`a operator b` as `_compile`'s arithmetic closures compute it."""
        first, second = type(a), type(b)
        if first is Decimal or second is Decimal:
            if exact is not None and first in _EXACT_KINDS and second in _EXACT_KINDS:
                try:
                    return exact(a, b)
                except decimal.DecimalException:
                    pass
        elif fast is not None and first in _PLAIN and second in _PLAIN:
            result = fast(a, b)
            if -_BIG < result < _BIG:
                return result
        return arithmetic(operator, a, b)  # raises ExpressionFailed: the closures say where

    def run(ctxs: list[Any], focuses: list[Any] | None, env: Any) -> tuple[list[Any], int]:
        a, spent_a = left(ctxs, focuses, env)
        b, spent_b = right(ctxs, focuses, env)
        try:
            if exact is not None and set(map(type, a)) == {Decimal}:
                kinds = set(map(type, b))
                if kinds and kinds <= _EXACT_KINDS:
                    try:  # money: one pass of the decimal context's operation
                        return list(map(exact, a, b)), spent_a + spent_b
                    except decimal.DecimalException:
                        pass
            kinds = set(map(type, a)) | set(map(type, b))
            if fast is not None and kinds <= _PLAIN:
                plain = list(map(fast, a, b))  # int and float: one pass, then the range
                if (
                    not plain or max(map(abs, plain)) < _BIG
                    if kinds == {int}  # whole numbers: no NaN to slip past max()
                    else all(-_BIG < result < _BIG for result in plain)
                ):
                    return plain, spent_a + spent_b
            return list(map(one, a, b)), spent_a + spent_b
        except ExpressionFailed:
            raise NoColumn from None

    return run


def _coalesce(node: Node) -> Column | None:
    """`a ?? b`: b where a is missing or null, evaluated only there."""
    condition = node.condition
    if not (
        condition.type == "function"
        and getattr(condition.procedure, "value", None) == "exists"
        and not getattr(condition.procedure, "position", None)
        and node._else is not None
    ):
        return None
    then, otherwise = _part(node.then), _part(node._else)
    if then is None or otherwise is None:
        return None
    if node._else.type in _LITERALS:  # `a ?? 0`: the literal in place, one pass
        fallback = node._else.value

        def run_literal(
            ctxs: list[Any], focuses: list[Any] | None, env: Any
        ) -> tuple[list[Any], int]:
            values, spent = then(ctxs, focuses, env)
            return [
                fallback if value is MISSING or value is None else value for value in values
            ], spent

        return run_literal

    def run(ctxs: list[Any], focuses: list[Any] | None, env: Any) -> tuple[list[Any], int]:
        values, spent = then(ctxs, focuses, env)
        wanted = [i for i, value in enumerate(values) if value is MISSING or value is None]
        if not wanted:
            return values, spent
        others, spent_other = otherwise(
            [ctxs[i] for i in wanted],
            None if focuses is None else [focuses[i] for i in wanted],
            env,
        )
        for position, value in zip(wanted, others, strict=True):
            values[position] = value
        return values, spent + spent_other

    return run


def _call(node: Node) -> Column | None:
    """`$decimal(x)`, `$round(x, 2)`: a one-value function with literal extras."""
    procedure = node.procedure
    name = procedure.value if procedure.type == "variable" else None
    spec = FUNCTIONS.get(name) if isinstance(name, str) else None
    arguments = node.arguments or ()
    if spec is None or not arguments or not spec.min_args <= len(arguments) <= spec.max_args:
        return None
    impl: Any = spec.impl
    apply = getattr(impl, "apply", None)
    if apply is None or any(extra.type not in _LITERALS for extra in arguments[1:]):
        return _any_call(impl, arguments, spec.name)
    value_of = _part(arguments[0])
    if value_of is None:
        return None
    constants = tuple(extra.value for extra in arguments[1:])
    kinds = _NUMBERS if impl.numeric else frozenset({str}) if impl.textual else None
    whole = _whole_column(spec.name, constants, apply)

    def call(value: Any) -> Any:
        return apply(value, *constants)

    def run(ctxs: list[Any], focuses: list[Any] | None, env: Any) -> tuple[list[Any], int]:
        values, spent = value_of(ctxs, focuses, env)
        types = set(map(type, values))
        present = types - _ABSENT
        absent = [v is MISSING or v is None for v in values] if present != types else None
        if kinds is not None and not present <= kinds:
            raise NoColumn  # `direct` says what is wrong (or accepts a subclass)
        try:
            if absent is None:
                if whole is not None:
                    done = whole(values, present)
                    if done is not None:
                        return done, spent + 2 * len(values)
                return list(map(call, values)), spent + 2 * len(values)
            missing = sum(absent)
            out = [MISSING if gone else call(v) for v, gone in zip(values, absent, strict=True)]
            return out, spent + len(values) + (len(values) - missing)
        except ExpressionFailed:
            raise NoColumn from None

    return run


def _any_call(impl: Any, arguments: list[Node], name: str) -> Column | None:
    """`$sum(...)`, `$count(...)`: each argument as a column, then the function once per
    value with a budget of its own that counts what it spends."""
    parts = [_part(argument) for argument in arguments]
    if any(part is None for part in parts):
        return None
    columns = tuple(part for part in parts if part is not None)
    if name == "sum" and len(columns) == 1:
        return _sum_column(impl, columns[0])

    def run(ctxs: list[Any], focuses: list[Any] | None, env: Any) -> tuple[list[Any], int]:
        spent = len(ctxs)  # each call costs one step
        evaluated: list[list[Any]] = []
        for column in columns:
            values, more = column(ctxs, focuses, env)
            evaluated.append(values)
            spent += more
        counter = Budget(_UNBOUNDED)
        try:
            out = [impl(list(values), counter) for values in zip(*evaluated, strict=True)]
        except Exception:  # noqa: BLE001 - the closures say what is wrong, and where
            raise NoColumn from None
        return out, spent + _UNBOUNDED - counter.left

    return run


#: The expressions' exact addition, as `_sum` adds money (0 + a decimal, then decimals).
_ADD: Final[Callable[[Any, Any], Any]] = DECIMALS.add


def _sum_column(impl: Any, column: Column) -> Column:
    """`$sum(x)`: an array of decimals (money) added in one pass of the decimal context's
    addition from 0, as `_library`'s `_sum` adds them; any other value through `_sum`."""

    def run(ctxs: list[Any], focuses: list[Any] | None, env: Any) -> tuple[list[Any], int]:
        values, spent = column(ctxs, focuses, env)
        spent += len(ctxs)  # each call costs one step
        out: list[Any] = []
        append = out.append
        counter = Budget(_UNBOUNDED)
        try:
            for value in values:
                if type(value) is list and value and set(map(type, value)) == {Decimal}:
                    append(reduce(_ADD, value, 0))
                    spent += len(value)  # what `_sum` spends: one step per value
                else:
                    append(impl([value], counter))
        except Exception:  # noqa: BLE001 - the closures say what is wrong, and where
            raise NoColumn from None
        return out, spent + _UNBOUNDED - counter.left

    return run


#: A budget that never runs out: it only counts.
_UNBOUNDED: Final = 10**18


def _whole_column(
    name: str, constants: tuple[Any, ...], apply: Callable[..., Any]
) -> Callable[[list[Any], set[type]], list[Any] | None] | None:
    """`$decimal` of texts and `$round` of decimals to literal places, for a column with
    no missing or null value: what `_library`'s `_decimal` and `_round` compute, one pass
    over the column; None (then value by value) for any other column."""
    if name == "decimal" and not constants:

        def decimals(values: list[Any], kinds: set[type]) -> list[Any] | None:
            if kinds <= _PLAIN:  # `to_decimal`: a float through its shortest text, an int
                try:  # as it is (its text: the same decimal)
                    found = list(map(Decimal, map(repr, values)))
                except ValueError:
                    return None  # an int too long for its text: `to_decimal` reads it
            elif kinds != {str}:
                return None
            else:
                try:
                    if len(values) >= 32 and len(set(values[:32])) <= 16:
                        # few texts (quantities): each read once
                        read = {text: Decimal(text.strip()) for text in set(values)}
                        found = list(map(read.__getitem__, values))  # a decimal never changes
                    else:
                        found = [Decimal(value.strip()) for value in values]
                except decimal.InvalidOperation:
                    return None  # `_decimal` says which text it cannot read
            return found if all(map(Decimal.is_finite, found)) else None

        return decimals
    if name == "round" and len(constants) == 1 and type(constants[0]) is int:
        places = constants[0]
        if not -100 <= places <= 100:
            return None
        unit = Decimal(1).scaleb(-places)
        units = repeat(unit)
        # `value.quantize(unit, rounding=ROUND_HALF_UP, context=DECIMALS)` as one C-level
        # pass: a context like DECIMALS that rounds half up
        quantize = decimal.Context(
            prec=DECIMALS.prec,
            rounding=decimal.ROUND_HALF_UP,
            Emin=DECIMALS.Emin,
            Emax=DECIMALS.Emax,
            capitals=DECIMALS.capitals,
            clamp=DECIMALS.clamp,
            traps=[signal for signal, on in DECIMALS.traps.items() if on],
        ).quantize

        def rounded(values: list[Any], kinds: set[type]) -> list[Any] | None:
            try:
                if kinds == {Decimal}:
                    return list(map(quantize, values, units))
                if kinds == {Decimal, int}:  # sums of money, 0 where there was none
                    return [
                        quantize(value, unit) if type(value) is Decimal else apply(value, places)
                        for value in values
                    ]
            except decimal.InvalidOperation:
                return None  # more digits asked than a number has: `_round` keeps it
            return None

        return rounded
    return None
