"""Item-relative sources and how a field reads them inside an item.

`@` is the current item, `@.qty` a path below it, `@@.x` a path below the
enclosing item, `@index` and `@number` the item's position (from 0 and from
1); see docs/arrays-item-by-item.md. The readers here take the record and the
`ItemScope` of the item being mapped; `fieldwright.engine.item_plan` decides
which reader each source gets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from fieldwright.engine.paths import PathError, SourcePath, SourceSegment, parse_source
from fieldwright.engine.scope import ItemScope

__all__ = [
    "ITEM_INDEX",
    "ITEM_NUMBER",
    "NotAnArray",
    "Read",
    "Reader",
    "Relative",
    "array_reader",
    "is_relative",
    "parse_relative",
    "shown",
    "source_text",
    "value_reader",
]

ITEM_INDEX: Final = "@index"
ITEM_NUMBER: Final = "@number"

#: Reads a value given the record and the scope of the item being mapped.
Reader = Callable[[Any, ItemScope | None], Any]


class NotAnArray(ValueError):
    """A bound source array holds something else than an array (or null)."""


def is_relative(text: str) -> bool:
    """Whether a source is written relative to an item (`@…`)."""
    return text.startswith("@")


@dataclass(frozen=True, slots=True)
class Relative:
    """A parsed `@` source: `up` items above the current one (0 for `@`, 1 for `@@`),
    then `path` below it (`$` for the item itself) or the position (`special`)."""

    up: int
    path: SourcePath | None
    special: str | None = None


@dataclass(frozen=True, slots=True)
class Read:
    """What one source of an item field reads, as `value_reader` was given it: `up`
    items above the current one (None: the record), then `path` (None: the value
    itself) or the position (`special`: "index" or "number")."""

    up: int | None
    path: SourcePath | None
    special: str | None


def parse_relative(text: str) -> Relative:
    """Parse `@`, `@.a.b`, `@@.x`, `@index`, `@number`; raise PathError."""
    if text in (ITEM_INDEX, ITEM_NUMBER):
        return Relative(0, None, text[1:])
    up = 1 if text.startswith("@@") else 0
    rest = text[up + 1 :]
    if rest.startswith("@"):
        raise PathError(text, "@@ reaches the enclosing item; deeper items are not reachable", 2)
    if rest and rest[0] not in ".[":
        raise PathError(
            text, "after @ write .name or [...], or use @index / @number for the position", up + 1
        )
    try:
        return Relative(up, parse_source("$" + rest))
    except PathError as exc:
        column = None if exc.column is None else exc.column + up
        raise PathError(text, exc.reason, column) from exc


def source_text(segments: Sequence[SourceSegment]) -> str:
    return "$" + "".join(segment.text for segment in segments)


_NAME = re.compile(r"\['([A-Za-z_][A-Za-z0-9_]*)'\]")


def shown(up: int | None, segments: Sequence[SourceSegment]) -> str:
    """A path as a person writes it: `$.items[*]`, `@.taxes[*]`."""
    text = _NAME.sub(r".\1", source_text(segments))
    return text if up is None else "@" * (up + 1) + text[1:]


def _climb(scope: ItemScope | None, up: int) -> ItemScope:
    for _ in range(up):
        assert scope is not None
        scope = scope.parent
    assert scope is not None
    return scope


def _itself(value: Any) -> Any:
    return value


def value_reader(up: int | None, path: SourcePath | None, special: str | None) -> Reader:
    """Read a value from the record (`up` None) or from the item `up` levels above."""
    if special is not None:
        if up == 0:
            if special == "index":
                return lambda record, scope: _climb(scope, 0).index
            return lambda record, scope: _climb(scope, 0).number
        depth = up or 0
        if special == "index":
            return lambda record, scope: _climb(scope, depth).index
        return lambda record, scope: _climb(scope, depth).number
    get: Callable[[Any], Any] = _itself if path is None else path.get
    if up is None:
        return lambda record, scope: get(record)
    if up == 0:
        return lambda record, scope: get(scope.item if scope is not None else None)
    levels = up
    return lambda record, scope: get(_climb(scope, levels).item)


def array_reader(up: int | None, segments: tuple[SourceSegment, ...]) -> Reader:
    """The items of the array `segments` selects below the record or an item: a list,
    None when the array is missing or null; raises NotAnArray for any other value."""
    name = shown(up, segments[:-1])
    if segments and segments[-1].text == "[*]" and all(s.singular for s in segments[:-1]):
        get = parse_source(source_text(segments[:-1])).get if len(segments) > 1 else None

        def listed(base: Any) -> Any:
            value = base if get is None else get(base)
            if value is None or type(value) is list:
                return value
            raise NotAnArray(f"{name} is not an array: {type(value).__name__} {value!r:.60}")

        found: Callable[[Any], Any] = listed
    else:
        found = parse_source(source_text(segments)).get  # a filter, slice or descendants: a list
    if up is None:
        return lambda record, scope: found(record)
    return lambda record, scope: found(_climb(scope, up).item)
