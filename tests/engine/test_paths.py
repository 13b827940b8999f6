"""Paths follow RFC 9535: the RFC's own examples, through Fieldwright's path API."""

from __future__ import annotations

from typing import Any

import pytest

from fieldwright.engine.paths import PathError, parse_source, parse_target

BOOKSTORE: dict[str, Any] = {
    "store": {
        "book": [
            {
                "category": "reference",
                "author": "Nigel Rees",
                "title": "Sayings of the Century",
                "price": 8.95,
            },
            {
                "category": "fiction",
                "author": "Evelyn Waugh",
                "title": "Sword of Honour",
                "price": 12.99,
            },
            {
                "category": "fiction",
                "author": "Herman Melville",
                "title": "Moby Dick",
                "isbn": "0-553-21311-3",
                "price": 8.99,
            },
            {
                "category": "fiction",
                "author": "J. R. R. Tolkien",
                "title": "The Lord of the Rings",
                "isbn": "0-395-19395-8",
                "price": 22.99,
            },
        ],
        "bicycle": {"color": "red", "price": 399},
    }
}
BOOKS = BOOKSTORE["store"]["book"]
AUTHORS = [b["author"] for b in BOOKS]

FILTER_DOC: dict[str, Any] = {
    "a": [3, 5, 1, 2, 4, 6, {"b": "j"}, {"b": "k"}, {"b": {}}, {"b": "kilo"}],
    "o": {"p": 1, "q": 2, "r": 3, "s": 5, "t": {"u": 6}},
    "e": "f",
}
LETTERS = ["a", "b", "c", "d", "e", "f", "g"]


def find(path: str, data: Any) -> Any:
    compiled = parse_source(path)
    return compiled.get(data)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.store.book[*].author", AUTHORS),
        ("$..author", AUTHORS),
        ("$.store..price", [8.95, 12.99, 8.99, 22.99, 399]),
        ("$..book[-1:]", [BOOKS[3]]),
        ("$..book[0,1]", BOOKS[:2]),
        ("$..book[:2]", BOOKS[:2]),
        ("$..book[?@.isbn]", BOOKS[2:]),
        ("$..book[?@.price<10]", [BOOKS[0], BOOKS[2]]),
        ("$..book[2].publisher", []),
    ],
)
def test_rfc_bookstore_queries(path: str, expected: Any) -> None:
    compiled = parse_source(path)
    assert not compiled.singular
    assert sorted(map(repr, compiled.get(BOOKSTORE))) == sorted(map(repr, expected))


def test_rfc_singular_queries_compile_to_direct_values() -> None:
    assert find("$.store.bicycle.color", BOOKSTORE) == "red"
    assert find("$.store.book[2].author", BOOKSTORE) == "Herman Melville"
    assert find("$.store.book[-1].title", BOOKSTORE) == "The Lord of the Rings"
    assert find("$.store.book[9].title", BOOKSTORE) is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.o['j j']", {"k.k": 3}),
        ("$.o['j j']['k.k']", 3),
        ('$.o["j j"]["k.k"]', 3),
        ('$["\'"]["@"]', 2),
    ],
)
def test_rfc_name_selectors(path: str, expected: Any) -> None:
    assert find(path, {"o": {"j j": {"k.k": 3}}, "'": {"@": 2}}) == expected


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("$['\\n']", "\n"),
        ("$['\\u263a']", "☺"),
        ("$['\\uD834\\uDD1E']", "𝄞"),
        ("$.☺", "☺"),
        ("$['\\'']", "'"),
        ("$['a\\\\b']", "a\\b"),
        ("$['x y']", "x y"),
    ],
)
def test_escaped_and_non_ascii_names(path: str, key: str) -> None:
    assert find(path, {key: 42, "other": 0}) == 42


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$[1]", "b"),
        ("$[-2]", "f"),
        ("$[1:3]", ["b", "c"]),
        ("$[5:]", ["f", "g"]),
        ("$[1:5:2]", ["b", "d"]),
        ("$[5:1:-2]", ["f", "d"]),
        ("$[::-1]", LETTERS[::-1]),
        ("$[0,2]", ["a", "c"]),
        ("$[0,0]", ["a", "a"]),
    ],
)
def test_indexes_and_slices(path: str, expected: Any) -> None:
    assert find(path, LETTERS) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.a[?@.b == 'kilo']", [{"b": "kilo"}]),
        ("$.a[?@>3.5]", [5, 4, 6]),
        ("$.a[?@.b]", [{"b": "j"}, {"b": "k"}, {"b": {}}, {"b": "kilo"}]),
        ("$.o[?@<3, ?@<3]", [1, 2, 1, 2]),
        ('$.a[?@<2 || @.b == "k"]', [1, {"b": "k"}]),
        ('$.a[?match(@.b, "[jk]")]', [{"b": "j"}, {"b": "k"}]),
        ('$.a[?search(@.b, "[jk]")]', [{"b": "j"}, {"b": "k"}, {"b": "kilo"}]),
        ("$.o[?@>1 && @<4]", [2, 3]),
        ("$.a[?length(@.b) == 4]", [{"b": "kilo"}]),
        ("$[?count(@.*) == 5]", [FILTER_DOC["o"]]),
        ("$.a[?value(@.b) == 'j']", [{"b": "j"}]),
        ("$['a','e']", [FILTER_DOC["a"], "f"]),
    ],
)
def test_rfc_filters_functions_and_multiple_selectors(path: str, expected: Any) -> None:
    assert find(path, FILTER_DOC) == expected


@pytest.mark.parametrize(
    ("path", "column"),
    [
        ("$.a[", 4),
        ("$.a[01]", 4),
        ("$['\\z']", 3),
        ("$.a[?@.b]x", 9),
        ("a.b", 0),
    ],
)
def test_invalid_paths_are_refused_with_their_position(path: str, column: int) -> None:
    with pytest.raises(PathError) as info:
        parse_source(path)
    assert info.value.column == column
    assert f"column {column + 1}" in str(info.value)
    assert path in str(info.value)


def test_unknown_filter_function_is_refused() -> None:
    with pytest.raises(PathError, match="foo"):
        parse_source("$[?foo(@)]")


def test_missing_keys_and_wrong_types_give_none() -> None:
    record = {"a": {"b": "text"}, "list": [1, 2]}
    assert find("$.a.missing", record) is None
    assert find("$.a.b.c", record) is None
    assert find("$.a.b[0]", record) is None  # a string is not an array
    assert find("$.list.x", record) is None
    assert find("$.list[5]", record) is None


def test_target_paths_create_nested_objects_and_arrays() -> None:
    out: dict[str, Any] = {}
    parse_target("$.customer.address.city").set(out, "Oslo")
    parse_target("$.customer['full name']").set(out, "Ada")
    parse_target("$.tags[1]").set(out, "b")
    assert out == {
        "customer": {"address": {"city": "Oslo"}, "full name": "Ada"},
        "tags": [None, "b"],
    }


def test_target_items_and_broadcast() -> None:
    out: dict[str, Any] = {}
    parse_target("$.lines[*].hours").set_items(out, [7.5, 8])
    parse_target("$.lines[*].employee").broadcast(out, "E1")
    assert out == {"lines": [{"hours": 7.5, "employee": "E1"}, {"hours": 8, "employee": "E1"}]}
    assert parse_target("$.lines[*].hours").lookup(out) == [7.5, 8]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("$..a", "only use member names"),
        ("$.a[?@.b]", "only use member names"),
        ("$.a[1:2]", "only use member names"),
        ("$" + ".a[*]" * 9, "at most 8 arrays"),
        ("$.a[-1]", "negative"),
        ("$", "must name a field"),
        ("$[0]", "start with a member name"),
    ],
)
def test_target_paths_refuse_what_cannot_be_written(path: str, reason: str) -> None:
    with pytest.raises(
        PathError, match=reason.replace("[", r"\[").replace("*", r"\*").replace("]", r"\]")
    ):
        parse_target(path)
