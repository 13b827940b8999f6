"""Plain paths (ASCII member names, non-negative indexes, `[*]`) are parsed without
python-jsonpath (engine/paths.py `_plain_parts`): every path, plain or near-plain, valid or
not, compiles to what python-jsonpath's parse gives, or fails with the same message."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fieldwright.engine import paths
from fieldwright.engine.paths import PathError, parse_source, parse_target

#: Segments, plain and otherwise: keywords, leading zeros, negative and huge indexes,
#: blanks, quotes, non-ASCII names, filters, descendants, malformed pieces.
PIECES = [
    *(".a", ".b_1", "._x", ".A9", ".true", ".null", ".in", ".and", ".length", ".keys"),
    *("[0]", "[7]", "[12]", "[123456789]", "[1234567890]", "[9007199254740992]", "[01]"),
    *("[-1]", "[*]", ".*", "['a']", '["b"]', "[ 0 ]", "[0 ]", ".é", "..a", "[?@.a]"),
    *(".", "[", "]", "[]", "[1:2]", "[0,1]", ".a b", ".1a", "[+1]", "[00]", "['*']", ".$"),
]
RECORDS: list[Any] = [
    {"a": {"b_1": [1, {"a": 2}], "true": 3}, "_x": [[4, 5], {"A9": 6}]},
    {"a": [{"a": [7, 8]}, {"null": None}], "in": {"and": "x"}},
    [1, 2],
    None,
]


def _slow(parse: Any, text: str) -> Any:
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(paths, "_plain_parts", lambda _text: None)
        return _outcome(parse, text)


def _outcome(parse: Any, text: str) -> Any:
    try:
        parsed = parse(text)
    except PathError as exc:
        return ("error", str(exc), exc.column)
    if isinstance(parsed, paths.TargetPath):
        return ("target", parsed.segments)
    return (
        "source",
        parsed.singular,
        parsed.segments,
        parsed.spread,
        [_got(parsed.get, record) for record in RECORDS],
    )


def _got(get: Any, record: Any) -> Any:
    try:
        return get(record)
    except (TypeError, AttributeError, KeyError, IndexError) as exc:
        return type(exc).__name__


@settings(max_examples=400, deadline=None)
@given(text=st.lists(st.sampled_from(PIECES), max_size=5).map(lambda p: "$" + "".join(p)))
@example(text="$")
@example(text="$" + ".a" * 129)
@example(text="$" + ".a" * 128)
@example(text="a.b")
def test_plain_paths_parse_as_python_jsonpath_does(text: str) -> None:
    assert _outcome(parse_source, text) == _slow(parse_source, text), text
    assert _outcome(parse_target, text) == _slow(parse_target, text), text


def test_the_plain_parse_is_taken_for_plain_paths_only() -> None:
    assert paths._plain_parts("$.a[0][*].b_2") == ["a", 0, None, "b_2"]
    for text in ("$.a[01]", "$.a[-1]", "$['a']", "$.é", "$..a", "$.a[ 0 ]", "$.a[?@.b]"):
        assert paths._plain_parts(text) is None, text
