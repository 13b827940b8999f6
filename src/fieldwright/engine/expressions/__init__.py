"""Expressions across fields: JSONata, parsed once, compiled into Python closures.

``line_total = qty * price`` is written as a field's `expression` or as an
`expression` transform step. The text is JSONata (docs/expressions.md); only
jsonata-python's parser is used, and `_compile` turns its syntax tree into
closures, so nothing is parsed per record and nothing ever goes through
Python's eval. An evaluation is bounded: MAX_EXPRESSION_STEPS steps (items
visited, calls made), numbers of at most MAX_DIGITS digits, texts of at most
MAX_TEXT characters; past a bound the record fails with a reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from fieldwright.engine.expressions._columns import NoColumn, column_of
from fieldwright.engine.expressions._compile import (
    MAX_EXPRESSION_DEPTH,
    TARGET,
    Env,
    TargetReads,
    compile_tree,
)
from fieldwright.engine.expressions._library import (
    FUNCTIONS,
    OPERATORS,
    ExpressionFunction,
    Operator,
)
from fieldwright.engine.expressions._parse import (
    MAX_EXPRESSION_LENGTH,
    ExpressionSyntaxError,
    parse,
    where,
)
from fieldwright.engine.expressions._values import (
    MAX_DIGITS,
    MAX_TEXT,
    MISSING,
    ExpressionFailed,
    output,
)
from fieldwright.engine.scope import ItemScope

__all__ = [
    "FUNCTIONS",
    "MAX_DIGITS",
    "MAX_EXPRESSION_DEPTH",
    "MAX_EXPRESSION_LENGTH",
    "MAX_EXPRESSION_STEPS",
    "MAX_TEXT",
    "OPERATORS",
    "TARGET",
    "Expression",
    "ExpressionFailed",
    "ExpressionFunction",
    "ExpressionProblem",
    "ExpressionSyntaxError",
    "Operator",
    "TargetReads",
    "check_expression",
    "compile_expression",
    "evaluate_all",
    "evaluate_items",
]

#: The most steps (items visited, calls made) one evaluation may take on one record.
MAX_EXPRESSION_STEPS: Final = 300_000


@dataclass(frozen=True, slots=True)
class ExpressionProblem:
    """Why an expression does not compile, and where (line and column from 1)."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


class Expression:
    """A compiled expression; `evaluate` maps one record (and item) to plain JSON data."""

    __slots__ = ("_column", "_run", "steps", "targets", "text")

    def __init__(self, text: str, steps: int = MAX_EXPRESSION_STEPS) -> None:
        self.text = text
        self.steps = steps
        tree = parse(text)
        self._run, reads = compile_tree(text, tree)
        #: What it reads of `$target` (the target record written so far); false when nothing.
        self.targets: TargetReads = reads
        #: The whole expression for a column of items at once, when it has that form.
        self._column = column_of(tree)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def evaluate(
        self,
        record: Any,
        scope: ItemScope | None = None,
        value: Any = None,
        target: Mapping[str, Any] | None = None,
    ) -> Any:
        """The expression's value on `record`: null when it selects nothing.

        `scope` is the current item (`@`) of a field mapped item by item;
        `value` is `$value`, the field's value before an expression step;
        `target` is `$target`, the target record written so far.
        Raise ExpressionFailed saying why and where.
        """
        env = Env(record, scope, value, self.steps, MISSING if target is None else target)
        try:
            return _plain(self._run(record, env))
        except ExpressionFailed as exc:
            offset = getattr(exc, "offset", None)
            if offset is None:
                raise ExpressionFailed(f"expression failed: {exc}") from None
            line, column = where(self.text, offset)
            raise ExpressionFailed(
                f"expression failed at line {line}, column {column}: {exc}"
            ) from None
        except RecursionError:
            raise ExpressionFailed("expression failed: the data is nested too deeply") from None


def evaluate_all(
    expression: Expression,
    records: Sequence[Any],
    targets: Sequence[Mapping[str, Any]] | None = None,
) -> list[Any]:
    """`expression.evaluate(record)` of every record (no item, no value; the target
    record of each in `targets` when given), for a column of a batch; raise
    ExpressionFailed at the first record that fails, without saying where (the batch
    path then maps the records one by one, which does)."""
    steps = expression.steps
    env = Env(None, None, None, steps)
    column = expression._column
    if targets is not None:
        by_id = {id(record): target for record, target in zip(records, targets, strict=True)}
        # the column finds each record's target by the record: one object twice cannot
        env.targets = by_id if len(by_id) == len(records) else None
    if column is not None and records:
        try:
            found, spent = column(list(records), None, env)
            if spent <= steps:  # all records together within one record's budget
                return _plain_all(found)
        except (NoColumn, ExpressionFailed, RecursionError):
            pass  # record by record below says where it fails
    run = expression._run
    values: list[Any] = []
    append = values.append
    try:
        if targets is None:
            for record in records:
                env.root = record
                env.left = steps
                append(_plain(run(record, env)))
        else:
            for record, target in zip(records, targets, strict=True):
                env.root = record
                env.target = target
                env.left = steps
                append(_plain(run(record, env)))
    except RecursionError:
        raise ExpressionFailed("expression failed: the data is nested too deeply") from None
    return values


def evaluate_items(
    expression: Expression, records: Sequence[Any], items: Sequence[Any]
) -> tuple[list[Any], list[int]]:
    """`expression.evaluate(record, scope of item)` of each pair of `records` and `items`
    (`@` is the item), for a column of items; and the positions where it failed (their
    value is None), which the careful path evaluates again to say why."""
    steps = expression.steps
    env = Env(None, None, None, steps)
    column = expression._column
    if column is not None and items:
        try:
            found, spent = column(list(records), list(items), env)
            if spent <= steps:  # all items together within one item's budget: none ran out
                return _plain_all(found), []
        except (NoColumn, ExpressionFailed, RecursionError):
            pass  # one by one below says which item fails, and why
    run = expression._run
    values: list[Any] = []
    append = values.append
    failed: list[int] = []
    for position, (record, item) in enumerate(zip(records, items, strict=True)):
        env.root = record
        env.focus = item
        env.left = steps
        try:
            append(_plain(run(record, env)))
        except Exception:  # noqa: BLE001 - the careful path says why (or raises it)
            env.variables.clear()
            failed.append(position)
            append(None)
    return values, failed


def _plain_all(values: list[Any]) -> list[Any]:
    """`_plain` of every value: a column of decimals (money) in C-level passes."""
    if not values or not set(map(type, values)) <= _MONEY:
        return [_plain(value) for value in values]
    floats = list(map(float, values))
    if not all(map(math.isfinite, floats)):
        return [_plain(value) for value in values]  # output() says which is too large
    wholes = list(map(float.is_integer, floats))
    if True in wholes:  # a whole decimal is an int (12.00 → 12)
        for position in [i for i, whole in enumerate(wholes) if whole]:
            floats[position] = output(values[position])
    return floats


#: What `_plain_all` converts in passes: decimals, and floats (as `_plain` does, whole
#: ones through `output()`, the others as they are).
_MONEY: Final = frozenset({Decimal, float})


def _plain(result: Any) -> Any:
    kind = type(result)
    if kind is int or kind is str or kind is bool or result is None:
        return result
    if kind is float and result - result == 0 and not result.is_integer():
        return result
    return output(result)


def compile_expression(text: str, *, steps: int = MAX_EXPRESSION_STEPS) -> Expression:
    """Compile `text`; raise ExpressionSyntaxError with the line and column of the problem."""
    return Expression(text, steps)


def check_expression(text: str) -> ExpressionProblem | None:
    """None when `text` compiles, else the problem (for validation as you type)."""
    try:
        compile_expression(text)
    except ExpressionSyntaxError as exc:
        return ExpressionProblem(exc.line, exc.column, exc.message)
    return None
