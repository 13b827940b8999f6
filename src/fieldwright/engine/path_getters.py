"""Direct getters of source paths of names, indexes and ``[*]``, without python-jsonpath.

They select what RFC 9535 selects, in document order (python-jsonpath's findall);
tests/engine/test_row_speed.py holds them equal on generated documents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

__all__ = ["wildcard_getter"]

#: A member name or an index (a wildcard is None in a getter's segments).
Segment = str | int


def wildcard_getter(segments: tuple[Segment | None, ...]) -> Callable[[Any], list[Any]]:
    """A direct getter of a path of names, indexes and ``[*]`` (None): the values
    RFC 9535 selects, in document order (what python-jsonpath's findall gives)."""
    star = segments.index(None)
    prefix = tuple(s for s in segments[:star] if s is not None)
    if star == len(segments) - 1:

        def get_items(record: Any) -> list[Any]:
            value = _present(record, prefix) if prefix else record
            if type(value) is list:
                return list(value)
            if type(value) is dict:
                return list(value.values())
            return []

        return get_items

    def get_all(record: Any) -> list[Any]:
        nodes = [record]
        for segment in segments:
            found: list[Any] = []
            if segment is None:
                for node in nodes:
                    if type(node) is list:
                        found.extend(node)
                    elif type(node) is dict:
                        found.extend(node.values())
            elif isinstance(segment, str):
                for node in nodes:
                    if type(node) is dict and segment in node:
                        found.append(node[segment])
            else:
                for node in nodes:
                    if type(node) is list and -len(node) <= segment < len(node):
                        found.append(node[segment])
            nodes = found
            if not nodes:
                break
        return nodes

    return get_all


_ABSENT: Final = object()


def _present(record: Any, segments: tuple[Segment, ...]) -> Any:
    """The node at a path of names and indexes, or _ABSENT (a null member is present)."""
    value = record
    for segment in segments:
        if isinstance(segment, str):
            if type(value) is not dict:
                return _ABSENT
            value = value.get(segment, _ABSENT)
            if value is _ABSENT:
                return _ABSENT
        elif type(value) is list and -len(value) <= segment < len(value):
            value = value[segment]
        else:
            return _ABSENT
    return value
