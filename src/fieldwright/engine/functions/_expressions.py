"""JMESPath expressions from documents, checked whole at compile time.

`jmespath.compile` checks the syntax only: a call of an unknown function, or
of a known one with the wrong number of arguments, would fail every record at
run time. `compile_expression` checks those too, and refuses expressions
nested deeper than MAX_EXPRESSION_DEPTH (the parser and the evaluator recurse
once per level) with a message instead of a RecursionError.
"""

from __future__ import annotations

import difflib
from typing import Any, Final

import jmespath
import jmespath.exceptions
from jmespath.functions import Functions
from jmespath.parser import ParsedResult

__all__ = ["MAX_EXPRESSION_DEPTH", "ExpressionError", "compile_expression"]

#: The deepest nesting of a JMESPath expression's parts (calls, brackets, pipes).
MAX_EXPRESSION_DEPTH: Final = 64

_FUNCTIONS: Final[dict[str, Any]] = Functions().FUNCTION_TABLE


class ExpressionError(ValueError):
    """A JMESPath expression that cannot run; the message says why (without the text)."""


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


def compile_expression(text: str) -> ParsedResult:
    """Compile a JMESPath expression; raise ExpressionError saying what is wrong."""
    try:
        parsed = jmespath.compile(text)
    except jmespath.exceptions.JMESPathError as exc:
        raise ExpressionError(str(exc)) from exc
    except RecursionError as exc:  # the parser recurses once per level
        raise ExpressionError(f"nested too deeply (at most {MAX_EXPRESSION_DEPTH} levels)") from exc
    if (problem := _tree_problem(parsed.parsed)) is not None:
        raise ExpressionError(problem)
    return parsed
