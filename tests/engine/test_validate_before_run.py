"""validate finds before a run everything a run would otherwise find record by record."""

from __future__ import annotations

from typing import Any

import pytest

from fieldwright.domain import Problem
from fieldwright.engine import compile_document, validate
from fieldwright.engine.functions import MAX_SIZE
from fieldwright.engine.paths import MAX_PATH_SEGMENTS
from tests.engine.kit import document


def _problems(**parts: Any) -> dict[str, str]:
    found: list[Problem] = validate(document(**parts))
    return {problem.pointer: problem.message for problem in found}


def _step(fn: str, *args: Any) -> list[dict[str, Any]]:
    return [{"target": "$.out", "sources": "$.a", "transforms": [{"fn": fn, "args": list(args)}]}]


def test_a_filter_calling_an_unknown_jmespath_function_is_named() -> None:
    problems = _problems(filter="lenght(tags) > `0`")
    assert list(problems) == ["/filter"]
    assert "unknown JMESPath function 'lenght'" in problems["/filter"]
    assert "length" in problems["/filter"]  # the close match


def test_an_expression_argument_calling_an_unknown_function_is_named() -> None:
    problems = _problems(fields=_step("jmespath_record", "upper(first)"))
    assert "unknown JMESPath function 'upper'" in problems["/fields/0/transforms/0/args/0"]


def test_a_jmespath_function_with_the_wrong_number_of_arguments_is_named() -> None:
    problems = _problems(filter="length(a, b)")
    assert "length() takes 1 argument, 2 given" in problems["/filter"]


def test_an_unknown_jmespath_function_no_longer_fails_every_record() -> None:
    with pytest.raises(ValueError, match="lenght"):
        compile_document(document(filter="lenght(tags) > `0`"))


@pytest.mark.parametrize("pattern", ["[", "(a", "a{2,1}"])
def test_a_broken_pattern_in_a_jsonpath_match_is_named(pattern: str) -> None:
    source = f"$.items[?match(@.code, '{pattern}')]"
    problems = _problems(fields=[{"target": "$.out", "sources": source}])
    assert "invalid regular expression" in problems["/fields/0/sources/0"]


def test_pad_left_with_an_absurd_width_is_refused_with_the_maximum() -> None:
    problems = _problems(fields=_step("pad_left", 10**12, "0"))
    message = problems["/fields/0/transforms/0/args/0"]
    assert f"at most {MAX_SIZE:,}" in message, message


@pytest.mark.parametrize(
    ("fn", "args", "arg", "words"),
    [
        ("pad_right", [-1], 0, "zero or more"),
        ("pad_left", [5, ""], 1, "must not be empty"),
        ("left", [-3], 0, "zero or more"),
        ("hash_prefix", [100], 0, "at most 64"),
        ("mask", [4, "**"], 1, "one character"),
        ("format_number", [10**9], 0, "at most"),
    ],
)
def test_constant_arguments_out_of_range_are_refused(
    fn: str, args: list[Any], arg: int, words: str
) -> None:
    problems = _problems(fields=_step(fn, *args))
    assert words in problems.get(f"/fields/0/transforms/0/args/{arg}", ""), problems


def test_a_source_path_of_twenty_thousand_segments_is_refused_at_validate() -> None:
    problems = _problems(fields=[{"target": "$.out", "sources": "$" + ".a" * 20_000}])
    message = problems["/fields/0/sources/0"]
    assert f"at most {MAX_PATH_SEGMENTS}" in message


def test_a_target_path_of_twenty_thousand_segments_is_refused_at_validate() -> None:
    problems = _problems(fields=[{"target": "$" + ".a" * 20_000, "sources": "$.a"}])
    assert f"at most {MAX_PATH_SEGMENTS}" in problems["/fields/0/target"]


@pytest.mark.parametrize(
    ("part", "where"),
    [
        ({"filter": "(" * 5000 + "a" + ")" * 5000}, "/filter"),
        ({"fields": _step("jmespath_record", "[" * 5000 + "]" * 5000)}, None),
        (
            {
                "fields": [
                    {"target": "$.out", "sources": "$[?" + "(" * 5000 + "@" + ")" * 5000 + "]"}
                ]
            },
            None,
        ),
        ({"fields": _step("regex_match", "(" * 5000 + ")" * 5000)}, None),
    ],
)
def test_deeply_nested_expressions_are_problems_not_recursion_errors(
    part: dict[str, Any], where: str | None
) -> None:
    problems = _problems(**part)
    assert problems, "a 5000-level expression should not pass"
    if where is not None:
        assert where in problems
    assert all("too deeply" in m or "invalid" in m for m in problems.values()), problems
