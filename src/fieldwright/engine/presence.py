"""Missing versus null: whether a source path selects anything in a record.

A singular source path reads null both for ``{"a": null}`` and for ``{}``.
Where the difference matters, a field mapping's ``missing: "skip"`` leaves its
target out when every source path is missing, and the functions `is_missing`
and `is_present` (`engine/functions/presence.py`) test one path. A path is
*missing* when it selects nothing: a member that is absent, an index past the
end, a step into a value that is not an object or array. A path that reaches
a member whose value is null is *present*.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fieldwright.engine.paths import Segment, SourcePath, _compile, parse_source

__all__ = ["ITEM_PREFIX", "PathPresence", "Presence", "presence_test", "source_presence"]

#: A path of the current item (under a ``[*]`` target) starts with this.
ITEM_PREFIX = "@"

#: True when the path selects something in the record (or item) it is given.
Presence = Callable[[Any], bool]


def _walks(segments: Sequence[Segment]) -> Presence:
    def present(record: Any) -> bool:
        value = record
        for segment in segments:
            if isinstance(segment, str):
                if type(value) is not dict or segment not in value:
                    return False
                value = value[segment]
            else:
                if type(value) is not list or not -len(value) <= segment < len(value):
                    return False
                value = value[segment]
        return True

    return present


def source_presence(source: SourcePath) -> Presence:
    """The presence test of a compiled source path (direct for plain paths)."""
    if source.segments is not None:
        return _walks(source.segments)
    query = _compile(source.text)
    return lambda record: next(iter(query.finditer(record)), None) is not None


@dataclass(frozen=True, slots=True)
class PathPresence:
    """A prepared path argument: its text, whether it reads the current item, its test."""

    text: str
    item: bool
    test: Presence


def presence_test(text: str) -> PathPresence:
    """The presence test of a path written as ``$…`` (the record) or ``@…``
    (the current item); raise PathError when it does not parse."""
    item = text.startswith(ITEM_PREFIX)
    source = parse_source("$" + text[1:] if item else text)
    return PathPresence(text, item, source_presence(source))
