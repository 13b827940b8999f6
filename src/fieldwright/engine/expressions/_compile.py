"""Turn a parsed expression into Python closures, once, at compile time.

Every closure takes the context value (`$`: the record at the top, the item
inside a path step) and the evaluation's `Env`. What the language does not
support (regexes, lambdas, sorting, object constructors, parent and
descendant operators, transforms) is refused here, at its line and column.
"""

from __future__ import annotations

import decimal
import difflib
from collections.abc import Callable, Sequence
from decimal import Decimal
from operator import add, mul, sub
from typing import Any, Final

from fieldwright.engine.expressions._columns import Column, NoColumn, column_of
from fieldwright.engine.expressions._library import FUNCTIONS
from fieldwright.engine.expressions._parse import (
    ITEM,
    TARGET,
    ExpressionSyntaxError,
    Node,
    where,
)
from fieldwright.engine.expressions._values import (
    DECIMALS,
    MAX_TEXT,
    MISSING,
    Budget,
    ExpressionFailed,
    arithmetic,
    compare,
    equal,
    is_number,
    text_of,
    truthy,
)
from fieldwright.engine.scope import ItemScope

__all__ = ["MAX_EXPRESSION_DEPTH", "TARGET", "Env", "Fn", "TargetReads", "compile_tree"]

#: The deepest nesting of an expression's parts (operators, calls, brackets).
MAX_EXPRESSION_DEPTH: Final = 64

#: A variable every expression may read: the field's value in an `expression` step.
VALUE: Final = "value"


class Env(Budget):
    """One evaluation: the record, the current item, the step's value, variables, and
    the steps it may still take (it is its own budget)."""

    __slots__ = ("focus", "item", "root", "target", "targets", "value", "variables")

    def __init__(
        self, root: Any, item: ItemScope | None, value: Any, limit: int, target: Any = MISSING
    ) -> None:
        self.limit = self.left = limit
        self.root = root
        self.item = item
        #: What `@` reads: the current item's value (MISSING outside an item). A column of
        #: items sets it item after item without building an ItemScope for each.
        self.focus: Any = MISSING if item is None else item.item
        self.value = value
        #: What `$target` reads: the target record written so far (MISSING without one).
        self.target = target
        #: A column of records: each record's target record by the record's id (None
        #: when the column has none to give; `$target` then takes the closures' route).
        self.targets: dict[int, Any] | None = None
        self.variables: dict[str, Any] = {}

    @property
    def budget(self) -> Budget:
        return self


Fn = Callable[[Any, Env], Any]
_Stage = Callable[[list[Any], Env], list[Any]]

_UNSUPPORTED: Final = {
    "regex": "regular expressions",
    "lambda": "function definitions",
    "sort": "sorting (^)",
    "transform": "transforms (|...|)",
    "descendant": "the descendant operator (**)",
    "parent": "the parent operator (%)",
    "partial": "partial application (?)",
}


class TargetReads:
    """What an expression reads of `$target`: the member names after it
    (`$target.lines.line_total` reads `("lines", "line_total")`), and whether it reads
    `$target` in another way (`$target` alone, `$target[0]`), which names no field."""

    __slots__ = ("names", "whole")

    def __init__(self) -> None:
        self.names: set[tuple[str, ...]] = set()
        self.whole = False

    def __bool__(self) -> bool:
        return self.whole or bool(self.names)


class _Compiler:
    def __init__(self, text: str) -> None:
        self.text = text
        self.targets = TargetReads()
        #: The `$target` nodes followed by a member name (their reads are in `targets`).
        self._named: set[int] = set()

    def fail(self, node: Node, message: str) -> ExpressionSyntaxError:
        line, column = where(self.text, self._start(node))
        return ExpressionSyntaxError(message, line, column)

    def _start(self, node: Node) -> int:
        position = getattr(node, "position", None)
        if not isinstance(position, int):
            return 0
        value = getattr(node, "value", None)
        token = value if isinstance(value, str) else ""
        if node.type == "variable":
            token = "$" + token
        return max(0, position - len(token))

    def compile(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        if depth > MAX_EXPRESSION_DEPTH:
            raise self.fail(node, f"nested deeper than {MAX_EXPRESSION_DEPTH} levels")
        kind = node.type
        if kind in _UNSUPPORTED:
            raise self.fail(node, f"{_UNSUPPORTED[kind]} are not supported in expressions")
        if getattr(node, "group", None) is not None:
            raise self.fail(node, "object grouping ({...} after a path) is not supported")
        if getattr(node, "focus", None) is not None or getattr(node, "index", None) is not None:
            raise self.fail(node, "@$var and #$var bindings are not supported")
        if node.predicate and kind != "path":
            raise self.fail(node, "a [condition] must follow a field name")
        method = getattr(self, f"_{kind}", None)
        if method is None:
            raise self.fail(node, f"{kind} expressions are not supported")
        result: Fn = method(node, scope, depth + 1)
        return result

    # literals
    def _string(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        value = node.value
        return lambda ctx, env: value

    def _number(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        value = node.value
        return lambda ctx, env: value

    def _value(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        value = node.value
        return lambda ctx, env: value

    # paths
    def _name(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        name = node.value

        def member(ctx: Any, env: Env) -> Any:
            return ctx.get(name, MISSING) if type(ctx) is dict else MISSING

        return member

    def _wildcard(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        def values(ctx: Any, env: Env) -> Any:
            if type(ctx) is not dict:
                return MISSING
            found: list[Any] = []
            for value in ctx.values():
                found.extend(value if isinstance(value, list) else [value])
            return found

        return values

    def _variable(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        name = node.value
        if name == "":
            return lambda ctx, env: ctx
        if name == "$":
            return lambda ctx, env: env.root
        if name == ITEM:
            return lambda ctx, env: env.focus
        if name == VALUE and name not in scope:
            return lambda ctx, env: env.value
        if name == TARGET and name not in scope:
            if id(node) not in self._named:
                self.targets.whole = True
            return lambda ctx, env: env.target
        if name not in scope:
            if name in FUNCTIONS:
                raise self.fail(node, f"${name} is a function: call it as ${name}(...)")
            close = difflib.get_close_matches(name, [*scope, VALUE, TARGET], n=1)
            hint = f"; did you mean ${close[0]}?" if close else ""
            raise self.fail(node, f"unknown variable ${name}{hint} (bind it with ${name} := ...)")
        return lambda ctx, env: env.variables.get(name, MISSING)

    def _stage(
        self, stage: Node, scope: frozenset[str], depth: int
    ) -> Callable[[list[Any], Env], list[Any]]:
        if stage.type != "filter":
            raise self.fail(stage, f"{stage.type} stages are not supported")
        predicate = stage.expr
        if predicate.type == "number" and isinstance(predicate.value, int):
            index = predicate.value
            return lambda items, env: _at(items, index)
        test = self.compile(predicate, scope, depth)

        def keep(items: list[Any], env: Env) -> list[Any]:
            env.spend(len(items))
            kept: list[Any] = []
            for position, item in enumerate(items):
                verdict = test(item, env)
                if is_number(verdict) and not isinstance(verdict, bool):
                    wanted = int(verdict) if verdict >= 0 else len(items) + int(verdict)
                    if wanted == position:
                        kept.append(item)
                elif truthy(verdict):
                    kept.append(item)
            return kept

        return keep

    def _path(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        first = node.steps[0]
        if (
            first.type == "variable"
            and first.value == TARGET
            and TARGET not in scope
            and not (first.stages or first.predicate)
            and len(node.steps) > 1
            and node.steps[1].type == "name"
        ):  # `$target.lines.total`: it reads the field(s) written at `$.lines.total`
            names: list[str] = []
            for step in node.steps[1:]:
                if step.type != "name":
                    break
                names.append(step.value)
                if step.stages or step.predicate:
                    break
            self.targets.names.add(tuple(names))
            self._named.add(id(first))
        steps: list[tuple[Fn, tuple[_Stage, ...], Column | None]] = []
        for step in node.steps:
            stages = [*(step.stages or ()), *(step.predicate or ())]
            saved, step.predicate, step.stages = step.predicate, None, None
            try:
                compiled = self.compile(step, scope, depth)
            finally:
                step.predicate, step.stages = saved, stages or None
            column = None if stages else column_of(step)
            steps.append((compiled, tuple(self._stage(s, scope, depth) for s in stages), column))
        keep_array = bool(node.keep_array)
        if len(steps) == 1 and not steps[0][1] and not keep_array and node.steps[0].type == "name":
            name = node.steps[0].value

            def field(ctx: Any, env: Env) -> Any:  # the common case, one call
                value = ctx.get(name, MISSING) if type(ctx) is dict else MISSING
                if type(value) is list:
                    env.spend(len(value))
                    flat = _flatten(value)
                    return MISSING if not flat else flat[0] if len(flat) == 1 else flat
                return value

            return field
        if len(steps) == 1 and not steps[0][1] and not keep_array:
            only = steps[0][0]

            def single(ctx: Any, env: Env) -> Any:
                value = only(ctx, env)
                if type(value) is list:
                    env.spend(len(value))
                    flat = _flatten(value)
                    return MISSING if not flat else flat[0] if len(flat) == 1 else flat
                return value

            return single
        plan = tuple(steps)
        chain = _chain(node, plan, keep_array)
        if chain is not None:
            return chain
        return _walk(plan, keep_array)

    # operators
    def _binary(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        operator = node.value
        left = self.compile(node.lhs, scope, depth)
        right = self.compile(node.rhs, scope, depth)
        offset = self._start(node)
        if operator in ("+", "-", "*", "/", "%"):
            if node.rhs.type == "number" and type(node.rhs.value) is int:
                return _by_literal(operator, left, node.rhs.value, offset)
            return _arithmetic(operator, left, right, offset)
        if operator == "=":
            return lambda ctx, env: equal(left(ctx, env), right(ctx, env))
        if operator == "!=":
            return lambda ctx, env: _not_equal(left(ctx, env), right(ctx, env))
        if operator in ("<", "<=", ">", ">="):

            def compare_at(ctx: Any, env: Env) -> Any:
                try:
                    return compare(operator, left(ctx, env), right(ctx, env))
                except ExpressionFailed as exc:
                    raise _located(exc, offset) from None

            return compare_at
        if operator == "and":
            return lambda ctx, env: truthy(left(ctx, env)) and truthy(right(ctx, env))
        if operator == "or":
            return lambda ctx, env: truthy(left(ctx, env)) or truthy(right(ctx, env))
        if operator == "&":
            return lambda ctx, env: _concat(text_of(left(ctx, env)), text_of(right(ctx, env)))
        if operator == "in":
            return lambda ctx, env: _member(left(ctx, env), right(ctx, env), env)
        if operator == "..":
            raise self.fail(node, "ranges (..) are not supported")
        raise self.fail(node, f"the operator {operator} is not supported")

    def _unary(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        if node.value == "-":
            inner = self.compile(node.expression, scope, depth)
            offset = self._start(node)

            def negate(ctx: Any, env: Env) -> Any:
                try:
                    return arithmetic("-", 0, inner(ctx, env))
                except ExpressionFailed as exc:
                    raise _located(exc, offset) from None

            return negate
        if node.value == "[":
            parts = tuple(
                (self.compile(item, scope, depth), item.type == "unary" and item.value == "[")
                for item in node.expressions
            )

            def array(ctx: Any, env: Env) -> Any:
                built: list[Any] = []
                for part, nested in parts:
                    value = part(ctx, env)
                    if value is MISSING:
                        continue
                    if type(value) is list and not nested:
                        built.extend(value)
                    else:
                        built.append(value)
                env.spend(len(built))
                return built

            return array
        raise self.fail(node, "object constructors ({...}) are not supported")

    def _condition(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        then = self.compile(node.then, scope, depth)
        otherwise = self.compile(node._else, scope, depth) if node._else is not None else None
        condition = node.condition
        if (
            condition.type == "function"
            and getattr(condition.procedure, "value", None) == "exists"
            and not getattr(condition.procedure, "position", None)
        ):  # `a ?? b`, which the parser writes as `$exists(a) ? a : b` without a position
            assert otherwise is not None
            fallback = otherwise

            def coalesce(ctx: Any, env: Env) -> Any:
                value = then(ctx, env)  # Fieldwright takes b for a null a too
                return fallback(ctx, env) if value is MISSING or value is None else value

            return coalesce
        test = self.compile(condition, scope, depth)

        def choose(ctx: Any, env: Env) -> Any:
            if truthy(test(ctx, env)):
                return then(ctx, env)
            return MISSING if otherwise is None else otherwise(ctx, env)

        return choose

    def _block(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        parts: list[Fn] = []
        inner = scope
        for expression in node.expressions:
            if expression.type == "bind":
                if expression.lhs.type != "variable" or not expression.lhs.value:
                    raise self.fail(expression, "the left side of := must be a $name")
                name = expression.lhs.value
                if name in FUNCTIONS or name in (VALUE, "$", ITEM):
                    raise self.fail(expression.lhs, f"${name} is reserved; bind another name")
                parts.append(_binder(name, self.compile(expression.rhs, inner, depth)))
                inner = inner | {name}
            else:
                parts.append(self.compile(expression, inner, depth))
        names = inner - scope
        sequence = tuple(parts)
        if not names:  # `(a + b)`: brackets without bindings, nothing to save or restore
            if len(sequence) == 1:
                return sequence[0]

            def run_all(ctx: Any, env: Env) -> Any:
                result: Any = MISSING
                for part in sequence:
                    result = part(ctx, env)
                return result

            return run_all

        def block(ctx: Any, env: Env) -> Any:
            saved = {name: env.variables[name] for name in names if name in env.variables}
            result: Any = MISSING
            try:
                for part in sequence:
                    result = part(ctx, env)
            finally:
                for name in names:
                    env.variables.pop(name, None)
                env.variables.update(saved)
            return result

        return block

    def _bind(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        raise self.fail(node, "bind variables inside a block: ($name := value; ...)")

    def _call(self, node: Node, first: Fn | None, scope: frozenset[str], depth: int) -> Fn:
        procedure = node.procedure
        name = procedure.value if procedure.type == "variable" else None
        if procedure.type == "path" and [step.value for step in procedure.steps] == ["not"]:
            name = "not"  # `not(x)` reads as $not(x)
        if not isinstance(name, str) or name not in FUNCTIONS:
            shown = f"${name}" if isinstance(name, str) else "this"
            close = difflib.get_close_matches(str(name), sorted(FUNCTIONS), n=2)
            hint = f"; did you mean {' or '.join('$' + c for c in close)}?" if close else ""
            raise self.fail(procedure, f"unknown function {shown}{hint}")
        spec = FUNCTIONS[name]
        arguments = [self.compile(argument, scope, depth) for argument in node.arguments or ()]
        if first is not None:
            arguments.insert(0, first)
        if not spec.min_args <= len(arguments) <= spec.max_args:
            wanted = (
                str(spec.min_args)
                if spec.min_args == spec.max_args
                else f"{spec.min_args} to {spec.max_args}"
            )
            raise self.fail(
                procedure,
                f"${name} takes {wanted} argument(s), {len(arguments)} given: {spec.signature}",
            )
        impl = spec.impl
        offset = self._start(procedure)
        fixed = tuple(arguments)
        direct = getattr(impl, "direct", None)
        extras = (node.arguments or ())[1:] if first is None else (node.arguments or ())
        if direct is not None and fixed and all(e.type in _LITERALS for e in extras):
            # `$decimal(x)`, `$round(x, 2)`: the value, then literal extras, called directly
            return _direct_call(impl, fixed[0], tuple(e.value for e in extras), offset)
        if len(fixed) == 1:  # the common calls, without building the list in a loop
            (only,) = fixed

            def call_one(ctx: Any, env: Env) -> Any:
                env.spend()
                values = [only(ctx, env)]
                try:
                    return impl(values, env)
                except ExpressionFailed as exc:
                    raise _located(exc, offset) from None

            return call_one
        if len(fixed) == 2:
            first_argument, second_argument = fixed

            def call_two(ctx: Any, env: Env) -> Any:
                env.spend()
                values = [first_argument(ctx, env), second_argument(ctx, env)]
                try:
                    return impl(values, env)
                except ExpressionFailed as exc:
                    raise _located(exc, offset) from None

            return call_two

        def call(ctx: Any, env: Env) -> Any:
            env.spend()
            values = [argument(ctx, env) for argument in fixed]
            try:
                return impl(values, env)
            except ExpressionFailed as exc:
                raise _located(exc, offset) from None

        return call

    def _function(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        return self._call(node, None, scope, depth)

    def _apply(self, node: Node, scope: frozenset[str], depth: int) -> Fn:
        if node.rhs.type != "function":
            raise self.fail(node.rhs, "the right side of ~> must be a function call")
        return self._call(node.rhs, self.compile(node.lhs, scope, depth), scope, depth)


_Plan = tuple[tuple[Fn, tuple[_Stage, ...], Column | None], ...]


def _walk(plan: _Plan, keep_array: bool) -> Fn:
    """A path step by step: each step maps every value found so far, arrays flattened."""

    def path(ctx: Any, env: Env) -> Any:
        sequence = [ctx]
        for step, stages, column in plan:
            env.spend(len(sequence))
            if column is not None and len(sequence) > 1:
                try:  # `items.$round(price * qty, 2)`: the step for all the items at once
                    values, spent = column(sequence, None, env)
                except NoColumn:
                    pass  # one by one below, as always
                else:
                    if env.left >= spent:  # else one by one fails where the budget runs out
                        env.left -= spent
                        sequence = [value for value in values if value is not MISSING]
                        continue
            found: list[Any] = []
            for element in sequence:
                value = step(element, env)
                if value is MISSING:
                    continue
                if type(value) is not list and not stages:
                    found.append(value)  # one value, nothing to filter: no list of one
                    continue
                items = _flatten(value) if type(value) is list else [value]
                for stage in stages:
                    items = stage(items, env)
                found.extend(items)
            sequence = found
        if not sequence:
            return MISSING
        return sequence[0] if len(sequence) == 1 and not keep_array else sequence

    return path


def _chain(node: Node, plan: _Plan, keep_array: bool) -> Fn | None:
    """`@.a.b`, `$.a.b`, `$x.a`, `a.b.c`: one value followed member by member, with the
    steps `_walk` would spend; None for other paths. Where an array turns up, `_walk`
    takes the whole path over (nothing is spent before it does)."""
    first, *rest = node.steps
    if keep_array or any(stages for _step, stages, _column in plan) or len(plan) < 2:
        return None
    if first.type not in ("variable", "name") or any(step.type != "name" for step in rest):
        return None
    start = plan[0][0]
    names = tuple(step.value for step in rest)
    walk = _walk(plan, keep_array)

    def chain(ctx: Any, env: Env) -> Any:
        value = start(ctx, env)
        spent = 1
        for name in names:
            kind = type(value)
            if kind is dict:
                value = value.get(name, MISSING)
            elif kind is list:
                return walk(ctx, env)
            elif value is MISSING:
                break
            else:
                value = MISSING
            spent += 1
        if type(value) is list:
            return walk(ctx, env)
        env.spend(spent)
        return value

    return chain


#: Operators whose int and float results need only a range check.
_FAST: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "+": add,  # C functions: a column maps them without a Python call per value
    "-": sub,
    "*": mul,
}
_PLAIN: Final = frozenset({int, float})
#: Node types whose closure returns a constant (`node.value`).
_LITERALS: Final = frozenset({"string", "number", "value"})
#: Decimal operations in the expressions' context (the same results as `a * b` inside
#: `decimal.localcontext(DECIMALS)`, without entering it on every operation).
_EXACT: Final[dict[str, Callable[[Any, Any], Decimal]]] = {
    "+": DECIMALS.add,
    "-": DECIMALS.subtract,
    "*": DECIMALS.multiply,
    "/": DECIMALS.divide,
}
_EXACT_KINDS: Final = frozenset({Decimal, int})
_BIG: Final = 10**300


def _direct_call(impl: Any, value_of: Fn, constants: tuple[Any, ...], offset: int) -> Fn:
    """A call of a function of one value (`_OneValue`) with literal extras: what its
    `direct` does, inlined for the usual value (a number for a number function, text for
    a text function); any other value goes through `direct`, which says what is wrong."""
    direct, apply = impl.direct, impl.apply
    kinds = _NUMBERS if impl.numeric else _TEXTS if impl.textual else None
    extra = constants[0] if len(constants) == 1 else None
    count = len(constants)

    def call_direct(ctx: Any, env: Env) -> Any:
        left = env.left = env.left - 1  # a call costs one step (as Budget.spend counts)
        if left < 0:
            env.spend(0)
        value = value_of(ctx, env)
        try:
            if value is MISSING or value is None:
                return MISSING
            if kinds is not None and type(value) not in kinds:
                return direct(value, env, constants)
            left = env.left = env.left - 1  # and its value one more
            if left < 0:
                env.spend(0)
            if count == 0:
                return apply(value)
            if count == 1:
                return apply(value, extra)
            return apply(value, *constants)
        except ExpressionFailed as exc:
            raise _located(exc, offset) from None

    return call_direct


_NUMBERS: Final = frozenset({int, float, Decimal})
_TEXTS: Final = frozenset({str})


def _arithmetic(operator: str, left: Fn, right: Fn, offset: int) -> Fn:
    """`a + b`, `a * b`, ...: int and float, and Decimal with Decimal or int, computed
    at once; anything else (null, missing, text, out of range) by `arithmetic`."""
    fast, exact = _FAST.get(operator), _EXACT.get(operator)

    def arithmetic_at(ctx: Any, env: Env) -> Any:
        a = left(ctx, env)
        b = right(ctx, env)
        first, second = type(a), type(b)
        if first is Decimal or second is Decimal:
            if exact is not None and first in _EXACT_KINDS and second in _EXACT_KINDS:
                try:  # money: Decimal with Decimal or int, in DECIMALS without a with-block
                    return exact(a, b)
                except decimal.DecimalException:
                    pass  # out of range, division by zero: arithmetic() says which
        elif fast is not None and first in _PLAIN and second in _PLAIN:
            result = fast(a, b)  # int and float: no decimal, no null to handle
            if -_BIG < result < _BIG:  # a finite float, an int of at most 300 digits
                return result
        try:
            return arithmetic(operator, a, b)
        except ExpressionFailed as exc:
            raise _located(exc, offset) from None

    return arithmetic_at


def _by_literal(operator: str, left: Fn, number: int, offset: int) -> Fn:
    """`x / 100`, `x * 2`: arithmetic with a whole-number literal on the right, as
    `arithmetic_at` computes it, without evaluating the literal each time."""
    fast, exact = _FAST.get(operator), _EXACT.get(operator)

    def arithmetic_by(ctx: Any, env: Env) -> Any:
        a = left(ctx, env)
        first = type(a)
        if first is Decimal:
            if exact is not None:
                try:  # money: Decimal with an int, in DECIMALS
                    return exact(a, number)
                except decimal.DecimalException:
                    pass  # out of range, division by zero: arithmetic() says which
        elif fast is not None and first in _PLAIN:
            result = fast(a, number)
            if -_BIG < result < _BIG:
                return result
        try:
            return arithmetic(operator, a, number)
        except ExpressionFailed as exc:
            raise _located(exc, offset) from None

    return arithmetic_by


def _at(items: list[Any], index: int) -> list[Any]:
    position = index if index >= 0 else len(items) + index
    return [items[position]] if 0 <= position < len(items) else []


def _flatten(values: list[Any]) -> list[Any]:
    if list not in set(map(type, values)):  # one C-level pass
        return values
    flat: list[Any] = []
    for value in values:
        if type(value) is list:
            flat.extend(value)
        else:
            flat.append(value)
    return flat


def _not_equal(left: Any, right: Any) -> bool:
    if left is MISSING or right is MISSING:
        return False
    return not equal(left, right)


def _concat(left: str, right: str) -> str:
    if len(left) + len(right) > MAX_TEXT:
        raise ExpressionFailed(f"the text would be longer than {MAX_TEXT:,} characters")
    return left + right


def _member(value: Any, within: Any, env: Env) -> bool:
    if value is MISSING or within is MISSING:
        return False
    items: Sequence[Any] = within if type(within) is list else [within]
    env.spend(len(items))
    return any(equal(value, item) for item in items)


def _binder(name: str, value: Fn) -> Fn:
    def bind(ctx: Any, env: Env) -> Any:
        result = value(ctx, env)
        env.variables[name] = result
        return result

    return bind


def _located(exc: ExpressionFailed, offset: int) -> ExpressionFailed:
    if getattr(exc, "offset", None) is not None:
        return exc
    located = ExpressionFailed(str(exc))
    located.offset = offset  # type: ignore[attr-defined]
    return located


def compile_tree(text: str, tree: Node) -> tuple[Fn, TargetReads]:
    """The closure of a parsed expression and what it reads of `$target`; raise
    ExpressionSyntaxError for what is not supported, at its line and column."""
    compiler = _Compiler(text)
    try:
        return compiler.compile(tree, frozenset(), 1), compiler.targets
    except RecursionError:
        raise ExpressionSyntaxError("the expression is nested too deeply", 1, 1) from None
    except (AttributeError, TypeError) as exc:  # a tree shape the parser rarely makes
        line, column = where(text, len(text))
        raise ExpressionSyntaxError(
            f"this form of expression is not supported ({type(exc).__name__})", line, column
        ) from None
