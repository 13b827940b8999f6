"""Why a value cannot be written: the exact reason and where in the record, for dead letters.

The sinks encode at full speed and come here only for a record the encoder
refused (or, for JSON, one whose encoding holds a ``null`` that may stand for
a NaN): the walk is iterative, so a record nested thousands of levels deep is
described, not a RecursionError.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from fieldwright.domain.records import holds_non_finite

__all__ = [
    "JSON_MAX_DEPTH",
    "holds_non_finite",
    "json_problem",
    "non_finite",
    "path_text",
    "surrogate",
]

#: How deeply the JSON writer (orjson) nests objects and arrays: deeper is refused.
JSON_MAX_DEPTH = 254
_INT_RANGE = (-(2**63), 2**64 - 1)
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PATH_DEPTH = 20
_SCALARS = (str, int, float, bool, type(None), datetime, date, time, UUID, Decimal)


def path_text(parent: str, key: str | int) -> str:
    """A JSONPath one step below `parent`: ``$.name``, ``$['odd key']``, ``$.list[2]``."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if _NAME.fullmatch(key) else f"{parent}[{key!r}]"


def surrogate(text: str) -> str | None:
    """The reason a string cannot be UTF-8 (a lone surrogate), or None."""
    found = _SURROGATE.search(text)
    if found is None:
        return None
    return (
        f"a lone surrogate ({found.group()!r}) at character {found.start() + 1}, "
        "which UTF-8 cannot encode"
    )


def non_finite(value: float) -> str | None:
    """'NaN', 'Infinity' or '-Infinity' for a float that is not a finite number, else None."""
    if math.isfinite(value):
        return None
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _walk(value: Any, root: str) -> Iterator[tuple[str, int, Any]]:
    """(path, depth, value) of `value` and everything inside it, depth first, iteratively.

    Paths are built only to a depth of 20 (deeper nodes carry that ancestor's path with
    ``…``): a record nested thousands of levels deep costs no quadratic text.
    """
    stack: list[tuple[str, int, Any]] = [(root, 0, value)]
    while stack:
        path, depth, node = stack.pop()
        yield path, depth, node
        pairs: list[tuple[str | int, Any]]
        if isinstance(node, Mapping):
            pairs = [(str(key), child) for key, child in node.items()]
        elif isinstance(node, list | tuple | set | frozenset):
            pairs = list(enumerate(node))
        else:
            continue
        if depth < _PATH_DEPTH:
            children = [(path_text(path, key), depth + 1, child) for key, child in pairs]
        else:
            deeper = path if path.endswith("…") else f"{path}…"
            children = [(deeper, depth + 1, child) for _, child in pairs]
        stack.extend(reversed(children))


def json_problem(value: Any, root: str = "$", depth: int = 0) -> tuple[str, str] | None:
    """(path, reason) of the first thing in `value` JSON cannot hold as written, or None.

    `depth` is how deep `value` already sits (a record's own object is at depth 1).
    """
    for path, level, node in _walk(value, root):
        container = isinstance(node, Mapping | list | tuple | set | frozenset)
        if container and depth + level + 1 > JSON_MAX_DEPTH:
            return path, (
                f"nests deeper than the JSON writer allows ({JSON_MAX_DEPTH} levels of objects "
                "and arrays)"
            )
        if isinstance(node, Mapping):
            key = next((k for k in node if not isinstance(k, str)), None)
            if key is not None:
                return path, f"the key {key!r} is not a string"
        elif isinstance(node, str):
            reason = surrogate(node)
            if reason:
                return path, reason
        elif isinstance(node, float):
            kind = non_finite(node)
            if kind:
                return path, f"{kind}, which JSON cannot hold"
        elif isinstance(node, int) and not isinstance(node, bool):
            if not _INT_RANGE[0] <= node <= _INT_RANGE[1]:
                return path, f"the integer {node} is beyond the 64-bit range the JSON writer takes"
        elif not container and not isinstance(node, _SCALARS):
            return path, f"a {type(node).__name__} value is not JSON"
    return None
