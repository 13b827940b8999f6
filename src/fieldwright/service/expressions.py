"""Expressions for callers: checking one as it is typed, and the language's reference."""

from __future__ import annotations

from fieldwright.engine.expressions import (
    FUNCTIONS,
    OPERATORS,
    ExpressionFunction,
    ExpressionProblem,
)
from fieldwright.engine.expressions import Operator as ExpressionOperator
from fieldwright.engine.expressions import check_expression as _check

__all__ = [
    "ExpressionFunction",
    "ExpressionOperator",
    "ExpressionProblem",
    "check_expression",
    "expression_functions",
    "expression_operators",
]


def check_expression(text: str) -> ExpressionProblem | None:
    """None when `text` is a valid expression, else its problem (line, column, message).

    Cheap enough to call on every key press: it parses and compiles, never evaluates.
    """
    return _check(text)


def expression_functions() -> list[ExpressionFunction]:
    """The functions an expression may call, by category then name, with examples."""
    order = ["aggregate", "number", "text", "logic"]
    return sorted(FUNCTIONS.values(), key=lambda f: (order.index(f.category), f.name))


def expression_operators() -> list[ExpressionOperator]:
    """The expression language's operators and paths, with examples."""
    return list(OPERATORS)
