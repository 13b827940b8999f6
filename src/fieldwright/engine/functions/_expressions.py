"""JMESPath expressions from documents, checked whole at compile time.

`jmespath.compile` checks the syntax only: a call of an unknown function, or
of a known one with the wrong number of arguments, would fail every record at
run time. `compile_expression` checks those too, and refuses expressions
nested deeper than MAX_EXPRESSION_DEPTH (the parser and the evaluator recurse
once per level) with a message instead of a RecursionError.

Evaluation is bounded too: an expression may take at most MAX_EXPRESSION_STEPS
steps (nodes visited) on one record, so `sort_by` over a huge array or a
projection of a projection fails that record with a reason instead of holding
a run (and the GIL) for minutes. Counting steps, not seconds, gives the same
answer on every machine.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, Final

import jmespath
import jmespath.exceptions
from jmespath.functions import Functions
from jmespath.parser import ParsedResult
from jmespath.visitor import Options, TreeInterpreter

if TYPE_CHECKING:
    from jmespath.visitor import _TreeNode

__all__ = [
    "MAX_EXPRESSION_DEPTH",
    "MAX_EXPRESSION_STEPS",
    "BoundedExpression",
    "ExpressionError",
    "ExpressionTooCostly",
    "compile_expression",
]

#: The deepest nesting of a JMESPath expression's parts (calls, brackets, pipes).
MAX_EXPRESSION_DEPTH: Final = 64

#: The most steps (nodes visited) one evaluation may take: about a tenth of a second.
MAX_EXPRESSION_STEPS: Final = 200_000

_FUNCTIONS: Final[dict[str, Any]] = Functions().FUNCTION_TABLE
_OPTIONS: Final = Options(custom_functions=Functions())


class ExpressionError(ValueError):
    """A JMESPath expression that cannot run; the message says why (without the text)."""


class ExpressionTooCostly(jmespath.exceptions.JMESPathError):
    """An evaluation ran past MAX_EXPRESSION_STEPS on one record."""


class _Budgeted(TreeInterpreter):
    """JMESPath's own interpreter, counting the nodes it visits."""

    def __init__(self) -> None:
        super().__init__(_OPTIONS)
        self.left = MAX_EXPRESSION_STEPS

    def visit(self, node: _TreeNode, *args: Any, **kwargs: Any) -> Any:
        self.left -= 1
        if self.left < 0:
            raise ExpressionTooCostly(
                f"the expression took more than {MAX_EXPRESSION_STEPS:,} steps on this record"
            )
        return super().visit(node, *args, **kwargs)


class BoundedExpression(ParsedResult):
    """A compiled expression whose every evaluation is bounded by MAX_EXPRESSION_STEPS."""

    def search(self, value: Any, options: Options | None = None) -> Any:
        return _Budgeted().visit(self.parsed, value)


def _arity_problem(name: str, given: int) -> str | None:
    signature = _FUNCTIONS[name]["signature"]
    wanted = len(signature)
    if signature and signature[-1].get("variadic"):
        if given >= wanted:
            return None
        return f"{name}() takes at least {wanted} argument(s), {given} given"
    if given == wanted:
        return None
    noun = "argument" if wanted == 1 else "arguments"
    return f"{name}() takes {wanted} {noun}, {given} given"


def _call_problem(node: dict[str, Any]) -> str | None:
    name = str(node["value"])
    if name not in _FUNCTIONS:
        close = difflib.get_close_matches(name, sorted(_FUNCTIONS), n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        return f"unknown JMESPath function {name!r}{hint}"
    return _arity_problem(name, len(node["children"]))


def _tree_problem(tree: Any) -> str | None:
    """The first unknown call, wrong arity or excess depth in a parsed tree."""
    pending: list[tuple[Any, int]] = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        if not isinstance(node, dict):
            continue
        if depth > MAX_EXPRESSION_DEPTH:
            return f"nested deeper than {MAX_EXPRESSION_DEPTH} levels"
        if node.get("type") == "function_expression" and (found := _call_problem(node)):
            return found
        pending.extend((child, depth + 1) for child in node.get("children", ()))
    return None


def compile_expression(text: str) -> BoundedExpression:
    """Compile a JMESPath expression; raise ExpressionError saying what is wrong."""
    try:
        parsed = jmespath.compile(text)
    except jmespath.exceptions.JMESPathError as exc:
        raise ExpressionError(str(exc)) from exc
    except RecursionError as exc:  # the parser recurses once per level
        raise ExpressionError(f"nested too deeply (at most {MAX_EXPRESSION_DEPTH} levels)") from exc
    if (problem := _tree_problem(parsed.parsed)) is not None:
        raise ExpressionError(problem)
    return BoundedExpression(parsed.expression, parsed.parsed)
