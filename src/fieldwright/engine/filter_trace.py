"""Why the record filter dropped a record: the expression and the values it read.

The filter is a JMESPath predicate over the source record. For the lineage we
name each record path it reads (`stage`, `address.country`, `lines[0]`) with
the value it found there, so an analyst sees "stage != 'lost' saw stage = lost"
without evaluating the expression in their head.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import jmespath.exceptions
import jmespath.parser
from jmespath.visitor import TreeInterpreter

__all__ = ["FilterTrace", "filter_inputs"]

#: Node types whose later children read items of a list, not the record: only the
#: first child (the list) is a record path.
_ITEM_RELATIVE = {"projection", "filter_projection", "value_projection", "flatten"}


@dataclass(frozen=True, slots=True)
class FilterTrace:
    """The filter that left a record out, and the record values it read."""

    expression: str
    #: (record path, value found there; None where absent), in the expression's order.
    seen: list[tuple[str, Any]] = field(default_factory=list)


def _name(node: Mapping[str, Any]) -> str | None:
    """The path text of a plain record path node; None for anything else."""
    kind = node.get("type")
    if kind == "field":
        return str(node["value"])
    if kind == "index":
        return f"[{node['value']}]"
    if kind in {"subexpression", "index_expression"}:
        parts = [_name(child) for child in node.get("children", ())]
        if any(part is None for part in parts):
            return None
        joiner = "." if kind == "subexpression" else ""
        return joiner.join(part for part in parts if part is not None).replace(".[", "[")
    return None


def _paths(node: Any) -> Iterator[tuple[str, Any]]:
    """The record paths the expression reads, outermost first, each once per mention."""
    if not isinstance(node, dict):
        return
    name = _name(node)
    if name is not None:
        yield name, node
        return
    if node.get("type") == "expref":  # &field: read from items later, not from the record
        return
    children = node.get("children", ())
    if node.get("type") in _ITEM_RELATIVE:
        children = children[:1]
    for child in children:
        yield from _paths(child)


def filter_inputs(expression: jmespath.parser.ParsedResult, record: Any) -> FilterTrace:
    """The filter's text and each record path it reads with the value found there."""
    interpreter = TreeInterpreter()
    seen: dict[str, Any] = {}
    for name, node in _paths(expression.parsed):
        if name in seen:
            continue
        try:
            seen[name] = interpreter.visit(node, record)
        except jmespath.exceptions.JMESPathError:
            seen[name] = None
    return FilterTrace(expression.expression, list(seen.items()))
