"""JSONPath for source and target fields, parsed once at compile time.

Every path is parsed by python-jsonpath in strict mode, which follows RFC 9535
(quoted names with escapes, non-ASCII shorthand names, several selectors in one
bracket, negative indexes, slices with steps, descendants, filters and the
standard functions). A path whose segments each select one member or one index
compiles to a direct getter; every other path keeps python-jsonpath's compiled
query. Target paths may use names, non-negative indexes and ``[*]``; they
create the objects and arrays they pass through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from fieldwright.engine.functions._patterns import (
    MATCH_TIMEOUT,
    PatternError,
    PatternTimeout,
    compile_pattern,
)
from fieldwright.engine.path_getters import wildcard_getter

if TYPE_CHECKING:
    from jsonpath import JSONPath, JSONPathEnvironment

__all__ = [
    "MAX_PATH_SEGMENTS",
    "WILDCARD",
    "PathError",
    "SourcePath",
    "SourceSegment",
    "TargetPath",
    "describe_source",
    "parse_source",
    "parse_target",
]


def _bounded(pattern: str, value: str, *, full: bool, compiled: Any) -> bool:
    """One RFC 9535 match()/search(), bounded by MATCH_TIMEOUT like every document pattern."""
    find = compiled.fullmatch if full else compiled.search
    try:
        return find(value, timeout=MATCH_TIMEOUT, concurrent=True) is not None
    except TimeoutError as exc:
        raise PatternTimeout(
            f"the JSONPath pattern {pattern!r} took longer than {MATCH_TIMEOUT:g} s "
            "(it backtracks too much: simplify nested repeats such as (a+)+)"
        ) from exc


@cache
def _environment() -> JSONPathEnvironment:
    """RFC 9535 in strict mode, with match() and search() bounded in time and thread-safe
    (python-jsonpath is imported on the first path that is not plain: see _plain_parts)."""
    from jsonpath import JSONPathEnvironment, function_extensions

    class BoundedMatch(function_extensions.Match):
        def __call__(self, value: object, pattern: object) -> bool:
            if not isinstance(value, str) or not isinstance(pattern, str):
                return False
            compiled = self.check_cache(pattern)
            return compiled is not None and _bounded(pattern, value, full=True, compiled=compiled)

    class BoundedSearch(function_extensions.Search):
        def __call__(self, value: object, pattern: object) -> bool:
            if not isinstance(value, str) or not isinstance(pattern, str):
                return False
            compiled = self.check_cache(pattern)
            return compiled is not None and _bounded(pattern, value, full=False, compiled=compiled)

    class Environment(JSONPathEnvironment):
        def setup_function_extensions(self) -> None:
            super().setup_function_extensions()
            self.function_extensions["match"] = BoundedMatch(thread_safe=True)
            self.function_extensions["search"] = BoundedSearch(thread_safe=True)

    return Environment(strict=True)


#: The most segments a source or target path may have; records nest at most
#: this deep in practice, and deeper paths cannot be written out.
MAX_PATH_SEGMENTS: Final = 128

#: How many ``[*]`` a target path may nest (orders → lines → taxes is 2).
MAX_ITEM_DEPTH: Final = 8

#: The ``[*]`` segment of a target path.
WILDCARD: Final = "*"

Segment = str | int

#: How much of a long path a message quotes.
_SHOWN: Final = 80


class PathError(ValueError):
    """A path that cannot be used, with the 0-based column of the problem."""

    def __init__(self, path: str, message: str, column: int | None = None) -> None:
        self.path = path
        self.column = column
        where = f" at column {column + 1}" if column is not None else ""
        self.reason = message
        shown = path if len(path) <= _SHOWN else path[: _SHOWN - 1] + "…"
        super().__init__(f"invalid path `{shown}`{where}: {message}")


def _compile(text: str) -> JSONPath:
    from jsonpath import JSONPath, JSONPathError

    try:
        query = _environment().compile(text)
    except JSONPathError as exc:
        token = getattr(exc, "token", None)
        column = None
        if token is not None:
            column = len(text) if token.index < 0 else token.index  # -1 marks the end
        raise PathError(text, str(exc.args[0]) if exc.args else str(exc), column) from exc
    except RecursionError as exc:  # the parser recurses once per nested filter
        raise PathError(text, "filters nested too deeply") from exc
    if not isinstance(query, JSONPath):  # a compound (union) path, not RFC 9535
        raise PathError(text, "'|' and '&' unions are not JSONPath (RFC 9535)")
    if len(query.segments) > MAX_PATH_SEGMENTS:
        raise PathError(
            text,
            f"{len(query.segments)} segments; a path may have at most {MAX_PATH_SEGMENTS}",
        )
    if (problem := _pattern_problem(query)) is not None:
        raise PathError(text, problem)
    return query


def _pattern_problem(query: JSONPath) -> str | None:
    """Why a pattern written in a match() or search() of the path cannot compile, if one can't."""
    from jsonpath.filter import FunctionExtension, StringLiteral
    from jsonpath.selectors import Filter

    pending: list[Any] = [
        selector.expression
        for segment in query.segments
        for selector in segment.selectors
        if isinstance(selector, Filter)
    ]
    while pending:
        node = pending.pop()
        children = node.children()
        if isinstance(node, FunctionExtension) and node.name in ("match", "search"):
            literal = children[1] if len(children) > 1 else None
            if isinstance(literal, StringLiteral):
                try:
                    compile_pattern(literal.value)
                except PatternError as exc:
                    shown = literal.value[:_SHOWN]
                    return f"invalid regular expression {shown!r} in {node.name}(): {exc}"
        pending.extend(children)
    return None


def _simple_segments(query: JSONPath, *, allow_wildcard: bool) -> list[Segment] | None:
    """The names / indexes of a path if each segment selects exactly one of them."""
    from jsonpath.segments import JSONPathChildSegment
    from jsonpath.selectors import IndexSelector, NameSelector, WildcardSelector

    segments: list[Segment] = []
    for segment in query.segments:
        if type(segment) is not JSONPathChildSegment or len(segment.selectors) != 1:
            return None
        selector = segment.selectors[0]
        if isinstance(selector, NameSelector):
            segments.append(selector.name)
        elif isinstance(selector, IndexSelector):
            segments.append(selector.index)
        elif allow_wildcard and isinstance(selector, WildcardSelector):
            segments.append(WILDCARD)
        else:
            return None
    return segments


def _getter(segments: tuple[Segment, ...]) -> Callable[[Any], Any]:
    """A direct getter; None where the path leads nowhere (missing key, wrong type)."""
    if len(segments) == 1 and isinstance(segments[0], str):
        (key,) = segments

        def get_one(record: Any) -> Any:
            return record.get(key) if type(record) is dict else None

        return get_one
    if len(segments) == 2 and all(isinstance(s, str) for s in segments):
        first, second = segments

        def get_two(record: Any) -> Any:
            if type(record) is dict:
                inner = record.get(first)
                if type(inner) is dict:
                    return inner.get(second)
            return None

        return get_two

    def get_many(record: Any) -> Any:
        value = record
        for segment in segments:
            if isinstance(segment, str):
                if type(value) is not dict:
                    return None
                value = value.get(segment)
            else:
                if type(value) is not list:
                    return None
                try:
                    value = value[segment]
                except IndexError:
                    return None
        return value

    return get_many


def _plain_segments(query: JSONPath) -> tuple[Segment | None, ...] | None:
    """The names, indexes and wildcards (None, so that a member named '*' stays a
    name) of a path whose segments each have one of them as their only selector."""
    from jsonpath.segments import JSONPathChildSegment
    from jsonpath.selectors import IndexSelector, NameSelector, WildcardSelector

    segments: list[Segment | None] = []
    for segment in query.segments:
        if type(segment) is not JSONPathChildSegment or len(segment.selectors) != 1:
            return None
        selector = segment.selectors[0]
        if isinstance(selector, NameSelector):
            segments.append(selector.name)
        elif isinstance(selector, IndexSelector):
            segments.append(selector.index)
        elif isinstance(selector, WildcardSelector):
            segments.append(None)
        else:
            return None
    return tuple(segments) if None in segments else None


@dataclass(frozen=True, slots=True, eq=False)
class SourcePath:
    """A compiled source path. `singular` paths yield one value, others a list."""

    text: str
    singular: bool
    get: Callable[[Any], Any]
    #: The member names / indexes of a simple path (one value per segment), else None.
    segments: tuple[Segment, ...] | None = None
    #: For a path of member names then ``[*]`` (`$.a.b[*]`), the names: the batch path
    #: spreads the column of `$.a.b` (a list's items, an object's values, else none).
    spread: tuple[str, ...] | None = None


#: A path of ASCII member names (`.name`), non-negative indexes (`[2]`) and `[*]`, written
#: the one way RFC 9535 reads it without quotes or blanks: parsed without python-jsonpath
#: (whose import and parse cost a run's start-up more than the rest of the engine).
#: Anything else, valid or not, goes to python-jsonpath; a test holds the two equal.
_PLAIN_TEXT: Final = re.compile(r"\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[(?:0|[1-9][0-9]{0,8}|\*)\])*")
_PLAIN_PART: Final = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(0|[1-9][0-9]{0,8})\]|\[\*\]")


def _plain_parts(text: str) -> list[Segment | None] | None:
    """The names, indexes and wildcards (None) of a plain path (see _PLAIN_TEXT), else None."""
    if _PLAIN_TEXT.fullmatch(text) is None:
        return None
    parts: list[Segment | None] = [
        name or (int(index) if index else None) for name, index in _PLAIN_PART.findall(text, 1)
    ]
    if len(parts) > MAX_PATH_SEGMENTS:
        raise PathError(text, f"{len(parts)} segments; a path may have at most {MAX_PATH_SEGMENTS}")
    return parts


def _source_of_plain(text: str, parts: list[Segment | None]) -> SourcePath:
    if None not in parts:
        simple = tuple(p for p in parts if p is not None)
        return SourcePath(text, True, _getter(simple), simple)
    plain = tuple(parts)
    names = tuple(s for s in plain[:-1] if isinstance(s, str))
    spread = names if plain[-1] is None and len(names) == len(plain) - 1 else None
    return SourcePath(text, False, wildcard_getter(plain), None, spread)


def parse_source(text: str) -> SourcePath:
    """Compile a source path; raise PathError with the position of the problem."""
    parts = _plain_parts(text)
    if parts is not None:
        return _source_of_plain(text, parts)
    query = _compile(text)
    simple = _simple_segments(query, allow_wildcard=False)
    if simple is not None:
        return SourcePath(text, True, _getter(tuple(simple)), tuple(simple))
    if query.singular_query():
        return SourcePath(text, True, lambda record: next(iter(query.findall(record)), None))
    plain = _plain_segments(query)
    if plain is not None:  # names, indexes and [*]: no python-jsonpath per record
        return _source_of_plain(text, list(plain))
    return SourcePath(text, False, query.findall)


@dataclass(frozen=True, slots=True)
class SourceSegment:
    """One segment of a source path: its canonical text (`['items']`, `[*]`, `[?...]`)
    and whether it selects at most one value (a member name or an index)."""

    text: str
    singular: bool


def describe_source(text: str) -> tuple[SourceSegment, ...]:
    """The segments of a source path (`$` paths only), to compare and split paths."""
    from jsonpath.segments import JSONPathChildSegment
    from jsonpath.selectors import IndexSelector, NameSelector

    described: list[SourceSegment] = []
    for segment in _compile(text).segments:
        singular = (
            type(segment) is JSONPathChildSegment
            and len(segment.selectors) == 1
            and isinstance(segment.selectors[0], NameSelector | IndexSelector)
        )
        described.append(SourceSegment(str(segment), singular))
    return tuple(described)


@dataclass(frozen=True, slots=True, eq=False)
class TargetPath:
    """A compiled target path: names, indexes and ``[*]`` (arrays mapped item by item)."""

    text: str
    segments: tuple[Segment, ...]

    @property
    def per_item(self) -> bool:
        """The path maps each item of a list into an array of objects."""
        return WILDCARD in self.segments

    @property
    def array_prefix(self) -> tuple[Segment, ...]:
        """The segments before ``[*]`` (the array), or all of them."""
        if WILDCARD in self.segments:
            return self.segments[: self.segments.index(WILDCARD)]
        return self.segments

    def set(self, record: dict[str, Any], value: Any) -> None:
        """Write `value`, creating objects and arrays on the way (no ``[*]``)."""
        _assign(record, self.segments, value)

    def set_items(self, record: dict[str, Any], values: list[Any]) -> None:
        """Write `values[i]` at the i-th item of the ``[*]`` array."""
        star = self.segments.index(WILDCARD)
        before, after = self.segments[:star], self.segments[star + 1 :]
        array = _container(record, before, list)
        while len(array) < len(values):
            array.append({} if after else None)
        for index, value in enumerate(values):
            if after:
                if not isinstance(array[index], dict):
                    array[index] = {}
                _assign(array[index], after, value)
            else:
                array[index] = value

    def broadcast(self, record: dict[str, Any], value: Any) -> None:
        """Write the same `value` into every existing item of the ``[*]`` array."""
        star = self.segments.index(WILDCARD)
        before, after = self.segments[:star], self.segments[star + 1 :]
        array = _container(record, before, list)
        for index, item in enumerate(array):
            if after:
                if not isinstance(item, dict):
                    array[index] = item = {}
                _assign(item, after, value)
            else:
                array[index] = value

    def lookup(self, record: Any) -> list[Any]:
        """The values at this path in `record` (all items for ``[*]``); [] if absent."""
        values: list[Any] = [record]
        for segment in self.segments:
            found: list[Any] = []
            for value in values:
                if segment == WILDCARD:
                    if isinstance(value, list):
                        found.extend(value)
                elif isinstance(segment, str):
                    if isinstance(value, dict) and segment in value:
                        found.append(value[segment])
                elif isinstance(value, list) and -len(value) <= segment < len(value):
                    found.append(value[segment])
            values = found
        return values


def _container(record: dict[str, Any], segments: tuple[Segment, ...], kind: type) -> Any:
    if not segments:
        raise TypeError("a target path cannot start with [*]")
    parent = _walk_create(record, segments[:-1], segments[-1])
    last = segments[-1]
    current = parent[last] if _has(parent, last) else None
    if not isinstance(current, kind):
        current = kind()
        _put(parent, last, current)
    return current


def _has(container: Any, segment: Segment) -> bool:
    if isinstance(segment, str):
        return segment in container
    return segment < len(container)


def _put(container: Any, segment: Segment, value: Any) -> None:
    if isinstance(segment, str):
        container[segment] = value
        return
    while len(container) <= segment:
        container.append(None)
    container[segment] = value


def _walk_create(record: Any, segments: tuple[Segment, ...], last: Segment) -> Any:
    """Walk `segments`, creating each missing container to suit the segment after it."""
    node = record
    if not segments:
        return node
    following = (*segments[1:], last)
    for segment, after in zip(segments, following, strict=True):
        child = node[segment] if _has(node, segment) else None
        wanted = list if isinstance(after, int) else dict
        if not isinstance(child, wanted):
            child = wanted()
            _put(node, segment, child)
        node = child
    return node


def _assign(record: dict[str, Any], segments: tuple[Segment, ...], value: Any) -> None:
    if len(segments) == 1:
        _put(record, segments[0], value)
        return
    parent = _walk_create(record, segments[:-1], segments[-1])
    _put(parent, segments[-1], value)


def parse_target(text: str) -> TargetPath:
    """Compile a target path; raise PathError saying what a target may contain."""
    parts = _plain_parts(text)
    segments: list[Segment] | None
    if parts is not None:
        segments = [WILDCARD if part is None else part for part in parts]
    else:
        segments = _simple_segments(_compile(text), allow_wildcard=True)
    if segments is None:
        raise PathError(
            text,
            "a target path may only use member names, indexes and [*] (no filters, "
            "slices, descendants or several selectors)",
        )
    if not segments:
        raise PathError(text, "the target path must name a field below $")
    if any(isinstance(s, int) and s < 0 for s in segments):
        raise PathError(text, "a target path cannot use negative indexes")
    if segments.count(WILDCARD) > MAX_ITEM_DEPTH:
        raise PathError(
            text, f"a target path may nest at most {MAX_ITEM_DEPTH} arrays ([*]) in each other"
        )
    if segments[0] == WILDCARD or isinstance(segments[0], int):
        raise PathError(text, "a target record is an object: start with a member name", 1)
    return TargetPath(text, tuple(segments))
