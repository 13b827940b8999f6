"""List functions: pick, join, count, order and reshape lists.

A list comes from a JSON array in the source or from a field with several
sources. A single value given to a list function is treated as a one-item
list, so data that holds one item where it usually holds many (as XML often
does) maps the same way.
"""

from __future__ import annotations

import json
from typing import Any

from fieldwright.engine.functions._common import as_items, as_text, is_empty, show, type_name
from fieldwright.engine.functions.registry import (
    ArgType,
    Category,
    Example,
    Param,
    TransformError,
    function,
)

_LIST = Category.LIST


@function(
    "first",
    _LIST,
    "The first item of a list.",
    returns="any",
    examples=[
        Example(["a", "b", "c"], (), "a"),
        Example([], (), None),
        Example("solo", (), "solo"),
    ],
)
def first(value: Any) -> Any:
    """The first item; null for an empty list."""
    items = as_items(value)
    return items[0] if items else None


@function(
    "last",
    _LIST,
    "The last item of a list.",
    returns="any",
    examples=[Example(["a", "b", "c"], (), "c"), Example([], (), None)],
)
def last(value: Any) -> Any:
    """The last item; null for an empty list."""
    items = as_items(value)
    return items[-1] if items else None


@function(
    "nth",
    _LIST,
    "The item at a position of a list.",
    returns="any",
    params=[
        Param("index", ArgType.INTEGER, "position counting from 0; negative counts from the end")
    ],
    examples=[
        Example(["a", "b", "c"], (1,), "b"),
        Example(["a", "b", "c"], (-1,), "c"),
        Example(["a"], (5,), None),
    ],
)
def nth(value: Any, index: int) -> Any:
    """The item at `index` (0 is the first, -1 the last); null when the list is
    shorter."""
    items = as_items(value)
    return items[index] if -len(items) <= index < len(items) else None


@function(
    "join",
    _LIST,
    "Join the items of a list into text.",
    returns="string",
    params=[
        Param("separator", ArgType.STRING, "text put between items", ", "),
        Param("skip_empty", ArgType.BOOLEAN, "leave out null and empty items", True),
    ],
    examples=[
        Example(["red", "green"], (), "red, green"),
        Example([1, None, 3], ("|",), "1|3"),
        Example([1, None, 3], ("|", False), "1||3"),
    ],
)
def join(value: Any, separator: str, skip_empty: bool) -> str:
    """Write each item as text and put `separator` between them. Items that are
    lists or objects fail (flatten or pluck first)."""
    parts: list[str] = []
    for item in as_items(value):
        if item is None or item == "":
            if not skip_empty:
                parts.append("")
            continue
        parts.append(as_text(item))
    return separator.join(parts)


@function(
    "count",
    _LIST,
    "The number of items in a list.",
    returns="integer",
    examples=[Example(["a", None, "c"], (), 3), Example([], (), 0)],
)
def count(value: Any) -> int:
    """How many items the list has, nulls included (`compact` first to leave them
    out). For the length of a text use `length`."""
    return len(as_items(value))


def _identity(item: Any) -> str:
    return json.dumps(item, sort_keys=True, default=str)


@function(
    "unique",
    _LIST,
    "Remove repeated items, keeping the first of each.",
    returns="list",
    examples=[
        Example(["b", "a", "b", 1, "1"], (), ["b", "a", 1, "1"]),
        Example([{"id": 1}, {"id": 1}], (), [{"id": 1}]),
    ],
)
def unique(value: Any) -> list[Any]:
    """Keep each distinct item once, in the order first seen. Items equal in
    content (including objects) are repeats; the number 1 and the text '1' are
    not."""
    seen: set[str] = set()
    result: list[Any] = []
    for item in as_items(value):
        identity = _identity(item)
        if identity not in seen:
            seen.add(identity)
            result.append(item)
    return result


def _sort_key(item: Any, key: str | None) -> Any:
    if key is None:
        return item
    if not isinstance(item, dict):
        raise TransformError(
            f"sorting by {key!r} needs objects, found {type_name(item)} {show(item)}"
        )
    return item.get(key)


@function(
    "sort",
    _LIST,
    "Sort a list.",
    returns="list",
    params=[
        Param("descending", ArgType.BOOLEAN, "largest first", False),
        Param("key", ArgType.STRING, "for a list of objects: the key to sort by", None),
    ],
    examples=[
        Example([3, 1, 2], (), [1, 2, 3]),
        Example(["b", None, "a"], (True,), ["b", "a", None]),
        Example([{"n": 2}, {"n": 1}], (False, "n"), [{"n": 1}, {"n": 2}]),
    ],
)
def sort(value: Any, descending: bool, key: str | None) -> list[Any]:
    """Sort numbers by size and text alphabetically (case-sensitive; upper case
    first). Nulls go last. A list mixing numbers and text fails."""
    present: list[tuple[Any, Any]] = []
    missing: list[Any] = []
    for item in as_items(value):
        sort_by = _sort_key(item, key)
        if sort_by is None:
            missing.append(item)
        else:
            present.append((sort_by, item))
    try:
        present.sort(key=lambda pair: pair[0], reverse=descending)
    except TypeError:
        kinds = sorted({type_name(pair[0]) for pair in present})
        raise TransformError(f"cannot sort a list mixing {' and '.join(kinds)}") from None
    return [item for _, item in present] + missing


@function(
    "flatten",
    _LIST,
    "Merge nested lists into one list.",
    returns="list",
    params=[Param("depth", ArgType.INTEGER, "how many levels of nesting to remove", 1, minimum=0)],
    examples=[
        Example([[1, 2], [3], 4], (), [1, 2, 3, 4]),
        Example([[1, [2, [3]]]], (2,), [1, 2, [3]]),
    ],
)
def flatten(value: Any, depth: int) -> list[Any]:
    """Replace each item that is a list by its items, `depth` levels deep."""
    if depth < 0:
        raise TransformError(f"depth must be zero or more, not {depth}")
    items = as_items(value)
    for _ in range(depth):
        if not any(isinstance(item, list) for item in items):
            break
        items = [inner for item in items for inner in (item if isinstance(item, list) else [item])]
    return items


@function(
    "compact",
    _LIST,
    "Remove null and empty items from a list.",
    returns="list",
    examples=[Example(["a", None, "", " ", [], 0, False], (), ["a", 0, False])],
)
def compact(value: Any) -> list[Any]:
    """Leave out null, blank text, and empty lists and objects; 0 and false stay."""
    return [item for item in as_items(value) if not is_empty(item)]


@function(
    "pluck",
    _LIST,
    "Take one key out of each object of a list.",
    returns="list",
    params=[Param("key", ArgType.STRING, "the key to take from each object")],
    examples=[
        Example([{"sku": "A1", "qty": 2}, {"sku": "B7"}], ("sku",), ["A1", "B7"]),
        Example([{"qty": 2}, {}], ("qty",), [2, None]),
    ],
)
def pluck(value: Any, key: str) -> list[Any]:
    """The value of `key` in each object (null where it is missing or the item is
    null). For deeper paths use `jmespath` ('items[].price.amount')."""
    result: list[Any] = []
    for item in as_items(value):
        if item is not None and not isinstance(item, dict):
            raise TransformError(
                f"pluck needs a list of objects, found {type_name(item)} {show(item)}"
            )
        result.append(None if item is None else item.get(key))
    return result


@function(
    "contains",
    _LIST,
    "Whether a list contains an item.",
    returns="boolean",
    params=[Param("item", ArgType.ANY, "the item to look for")],
    examples=[Example(["vip", "new"], ("vip",), True), Example([1, 2], ("1",), False)],
)
def contains(value: Any, item: Any) -> bool:
    """True when an item of the list equals `item` (the text '1' is not the
    number 1). To test whether text contains a part use `regex_match`."""
    wanted = _identity(item)
    return any(_identity(candidate) == wanted for candidate in as_items(value))


@function(
    "slice",
    _LIST,
    "A part of a list by positions.",
    returns="list",
    params=[
        Param("start", ArgType.INTEGER, "first position, from 0; negative counts from the end"),
        Param("end", ArgType.INTEGER, "position to stop before; the end when omitted", None),
    ],
    examples=[
        Example(["a", "b", "c", "d"], (1, 3), ["b", "c"]),
        Example(["a", "b", "c"], (-2,), ["b", "c"]),
    ],
)
def slice_list(value: Any, start: int, end: int | None) -> list[Any]:
    """Items from `start` up to (not including) `end`; positions past the end
    give fewer items, not an error."""
    return as_items(value)[start:end]


@function(
    "reverse",
    _LIST,
    "Reverse the order of a list.",
    returns="list",
    examples=[Example([1, 2, 3], (), [3, 2, 1])],
)
def reverse(value: Any) -> list[Any]:
    """The items in the opposite order."""
    return as_items(value)[::-1]
