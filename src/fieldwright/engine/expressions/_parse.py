"""Parse expression text with jsonata-python's parser, errors at a line and column.

Only the parser of jsonata-python is used: `_compile` turns its syntax tree
into closures. One addition to JSONata's grammar: `@` at the start of a
path is the current item of a field mapped item by item (``@.qty``), as
item-relative source paths write it; JSONata's `@$var` focus binding after a
step is untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from jsonata.jexception import JException

# jsonata-python (0.06 CPU s to import) is imported by the first expression parsed: a
# mapping without one never loads it (`fieldwright run`'s start-up).

__all__ = [
    "ITEM",
    "MAX_EXPRESSION_LENGTH",
    "TARGET",
    "ExpressionSyntaxError",
    "Node",
    "parse",
    "where",
]

#: The name the parsed tree gives the current item (`@`).
ITEM: Final = "@"
#: The variable a field's expression reads the target record written so far with
#: (`$target.lines`; docs/expressions.md).
TARGET: Final = "target"
#: The longest expression text accepted.
MAX_EXPRESSION_LENGTH: Final = 100_000

Node = Any  # jsonata.parser.Parser.Symbol: untyped upstream

#: What jsonata-python's parser raises on some malformed texts instead of its JException
#: (a lone "/" reads past the end of the text, for one).
_PARSER_SLIPS: Final = (
    IndexError,
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    OverflowError,
    re.error,  # a /regex/ literal is compiled while tokenizing
)
_NUMBER_AT_END: Final = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$")


@dataclass(frozen=True, slots=True)
class ExpressionSyntaxError(ValueError):
    """An expression that cannot be compiled, and where (line and column from 1)."""

    message: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


def where(text: str, offset: int) -> tuple[int, int]:
    """The line and column (from 1) of character `offset` of `text`."""
    offset = max(0, min(offset, len(text)))
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


@cache
def _item_or_focus() -> type[Any]:
    from jsonata import parser as jsonata_parser

    class _ItemOrFocus(jsonata_parser.Parser.InfixFocusVariableBind):  # type: ignore[misc]
        """`@` as a prefix is the current item; as an infix, JSONata's focus binding."""

        def nud(self) -> Any:
            self.type = "variable"
            self.value = ITEM
            return self

    return _ItemOrFocus


def _parser() -> Any:
    from jsonata import parser as jsonata_parser
    from jsonata import tokenizer as jsonata_tokenizer

    parser = jsonata_parser.Parser()
    original = parser.symbol_table["@"]
    item = _item_or_focus()(parser, jsonata_tokenizer.Tokenizer.operators["@"])
    item.id = item.value = "@"
    item.lbp = original.lbp
    parser.symbol_table["@"] = item
    return parser


def _start(exc: JException, text: str) -> int:
    """Where the offending token starts (the parser reports where it ends)."""
    location = int(exc.location or 0)
    token = exc.current
    if isinstance(token, str) and token not in ("(end)",) and text[:location].endswith(token):
        return location - len(token)
    return location


def _message(exc: JException) -> str:
    text = str(exc)
    if exc.error == "S0102":
        return "number out of range"
    if exc.error == "S0211" and exc.current == "@":
        return "@ (the current item) must start a path, as in @.qty"
    return text[0].lower() + text[1:] if text else f"syntax error ({exc.error})"


def _exact_numbers(node: Node, text: str) -> None:
    """Integer literals as written (the tokenizer reads every number as a float)."""
    from jsonata import parser as jsonata_parser

    pending = [node]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if not isinstance(current, jsonata_parser.Parser.Symbol) or id(current) in seen:
            continue
        seen.add(id(current))
        if current.type == "number" and isinstance(current.position, int):
            found = _NUMBER_AT_END.search(text[: current.position])
            if found and not any(c in found.group() for c in ".eE"):
                exact = int(found.group())
                current.value = -exact if current.value < 0 else exact
        for name in ("lhs", "rhs", "expression", "condition", "then", "_else", "procedure", "body"):
            child = getattr(current, name, None)
            if child is not None:
                pending.append(child)
        for name in ("steps", "arguments", "expressions", "stages", "predicate"):
            pending.extend(getattr(current, name, None) or ())
            if name == "stages":
                pending.extend(getattr(s, "expr", None) for s in getattr(current, name, None) or ())
            if name == "predicate":
                pending.extend(getattr(s, "expr", None) for s in getattr(current, name, None) or ())


def parse(text: str) -> Node:
    """The syntax tree of `text`; raise ExpressionSyntaxError with the line and column."""
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionSyntaxError(
            f"the expression is longer than {MAX_EXPRESSION_LENGTH:,} characters", 1, 1
        )
    if not text.strip():
        raise ExpressionSyntaxError("the expression is empty", 1, 1)
    from jsonata.jexception import JException

    try:
        tree = _parser().parse(text)
    except JException as exc:
        line, column = where(text, _start(exc, text))
        raise ExpressionSyntaxError(_message(exc), line, column) from None
    except RecursionError:
        raise ExpressionSyntaxError("the expression is nested too deeply", 1, 1) from None
    except _PARSER_SLIPS as exc:  # the upstream parser trips on a few malformed texts
        line, column = where(text, len(text))
        raise ExpressionSyntaxError(
            f"syntax error: the expression cannot be read ({type(exc).__name__})", line, column
        ) from None
    _exact_numbers(tree, text)
    return tree
