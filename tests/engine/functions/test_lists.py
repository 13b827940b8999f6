"""List functions: edge cases, bad arguments and runtime errors."""

from __future__ import annotations

import pytest

from fieldwright.engine.functions import TransformError
from tests.engine.functions.conftest import Problems, Run


def test_single_values_are_one_item_lists(run: Run) -> None:
    assert run("count", "solo") == 1
    assert run("first", {"a": 1}) == {"a": 1}
    assert run("sort", 5) == [5]
    assert run("pluck", {"sku": "A"}, "sku") == ["A"]


def test_nth_bounds(run: Run) -> None:
    assert run("nth", ["a", "b"], -2) == "a"
    assert run("nth", ["a", "b"], -3) is None
    assert run("nth", [], 0) is None


def test_join(run: Run) -> None:
    assert run("join", [True, 2.0, "x"], "") == "true2x"
    with pytest.raises(TransformError, match="expected text, got object"):
        run("join", [{"a": 1}])


def test_unique_keeps_first_and_distinguishes_types(run: Run) -> None:
    assert run("unique", [1, 1.0, True, "1", 1]) == [1, 1.0, True, "1"]
    assert run("unique", [{"a": 1, "b": 2}, {"b": 2, "a": 1}]) == [{"a": 1, "b": 2}]
    assert run("unique", [None, None]) == [None]


def test_sort(run: Run) -> None:
    assert run("sort", ["b", "B", "a"]) == ["B", "a", "b"]
    assert run("sort", [2, None, 1.5], True) == [2, 1.5, None]
    assert run("sort", [{"n": 2}, {"m": 1}, {"n": 1}], False, "n") == [{"n": 1}, {"n": 2}, {"m": 1}]
    with pytest.raises(TransformError, match="cannot sort a list mixing integer and text"):
        run("sort", [1, "a"])
    with pytest.raises(TransformError, match="sorting by 'n' needs objects, found integer 3"):
        run("sort", [3], False, "n")


def test_flatten(run: Run, problems: Problems) -> None:
    assert run("flatten", [[1, [2]], [[3]]], 0) == [[1, [2]], [[3]]]
    assert run("flatten", [[1, [2, [3, [4]]]]], 10) == [1, 2, 3, 4]
    assert problems("flatten", -1) == ["depth must be zero or more, not -1"]


def test_compact_and_contains(run: Run) -> None:
    assert run("compact", [None]) == []
    assert run("contains", [{"a": 1}], {"a": 1}) is True
    assert run("contains", [None], None) is True
    assert run("contains", [True], 1) is False


def test_pluck_refuses_non_objects(run: Run) -> None:
    assert run("pluck", [None, {"k": 1}], "k") == [None, 1]
    with pytest.raises(TransformError, match="pluck needs a list of objects, found text 'x'"):
        run("pluck", ["x"], "k")


def test_slice_and_reverse(run: Run) -> None:
    assert run("slice", [1, 2, 3], 5) == []
    assert run("slice", [1, 2, 3], 0, -1) == [1, 2]
    assert run("reverse", "a") == ["a"]


def test_list_arguments_are_checked(problems: Problems) -> None:
    assert problems("nth") == [
        "nth needs argument 'index' (position counting from 0; negative counts from the end)"
    ]
    assert problems("nth", "1") == ["index must be a whole number, not string '1'"]
    assert problems("sort", "desc") == ["descending must be true or false, not string 'desc'"]
    assert problems("slice", 0, None) == []
    assert problems("pluck", 1) == ["key must be a string, not integer 1"]
