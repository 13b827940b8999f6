"""Checks on JSON documents before they are parsed: nesting depth and duplicate keys.

`json.loads` recurses once per level (a 10,000-level document raises
RecursionError) and keeps the last of two equal keys without a word. The
scan here walks the text's tokens with an explicit stack, so it cannot
recurse, and names the JSON pointer of each problem.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from fieldwright.domain.errors import Problem, pointer

__all__ = ["MAX_NESTING", "nesting_problem", "text_problems"]

#: The deepest nesting of objects and arrays a document may have (the document
#: itself is level 1). Deeper documents are refused at load with a pointer.
MAX_NESTING = 64

#: A string (escapes kept) or one structural character; numbers and literals are skipped.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\],:]', re.DOTALL)


def _too_deep(at: list[str | int]) -> Problem:
    return Problem(
        pointer(*at),
        f"nested deeper than {MAX_NESTING} levels (the limit for a document); flatten this value",
    )


@dataclass(slots=True)
class _Level:
    """One open object or array: where the scan is inside it."""

    is_object: bool
    place: str | int = 0
    expects_key: bool = True
    keys: set[str] = field(default_factory=set)


def _key(token: str) -> str:
    try:
        key = json.loads(token)
    except json.JSONDecodeError:  # the parse after the scan reports it
        return token[1:-1]
    return key if isinstance(key, str) else token[1:-1]


def _open(levels: list[_Level], is_object: bool) -> Problem | None:
    if len(levels) >= MAX_NESTING:
        return _too_deep([level.place for level in levels])
    levels.append(_Level(is_object))
    return None


def _name(levels: list[_Level], token: str, problems: list[Problem]) -> None:
    """A string in an object where a key is due: check it is new there."""
    level = levels[-1]
    key = _key(token)
    level.place, level.expects_key = key, False
    if key in level.keys:
        at = [outer.place for outer in levels]
        problems.append(Problem(pointer(*at), f"the key {key!r} appears twice; keep one"))
    level.keys.add(key)


def text_problems(text: str) -> list[Problem]:
    """Duplicate keys and nesting beyond MAX_NESTING in JSON `text`, with pointers.

    Malformed text is scanned as far as it goes; parsing it reports the rest.
    """
    problems: list[Problem] = []
    levels: list[_Level] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "{[":
            if (deep := _open(levels, token == "{")) is not None:
                return [*problems, deep]
        elif token in "}]":
            if levels:
                levels.pop()
        elif not levels:
            continue
        elif token == ",":
            level = levels[-1]
            if level.is_object:
                level.expects_key = True
            elif isinstance(level.place, int):
                level.place += 1
        elif token != ":" and levels[-1].is_object and levels[-1].expects_key:
            _name(levels, token, problems)
    return problems


def nesting_problem(data: Any) -> Problem | None:
    """The first place where `data` nests deeper than MAX_NESTING, walked without recursion."""
    pending: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while pending:
        value, at = pending.pop()
        if not isinstance(value, dict | list):
            continue
        if len(at) >= MAX_NESTING:
            return _too_deep(list(at))
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        pending.extend((child, (*at, key)) for key, child in pairs)
    return None
