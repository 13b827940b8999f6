"""The mapping reference says what the engine does (issue 15 item 3)."""

from __future__ import annotations

from typing import Any

from fieldwright.domain import Missing, OnError, from_data
from fieldwright.engine import compile_document
from fieldwright.engine.functions import REGISTRY
from fieldwright.engine.reference import MISSING, ON_ERROR, TOPICS, field_help, reference_markdown


def _one(field: dict[str, Any]) -> Any:
    return compile_document(
        from_data({"fieldwright": 1, "key": "k", "name": "n", "fields": [field]})
    )


def test_every_on_error_and_missing_value_is_described() -> None:
    assert set(ON_ERROR) == set(OnError)
    assert set(MISSING) == set(Missing)
    for value in (*OnError, *Missing):
        assert f"`{value.value}`:" in field_help("on_error") + field_help("missing")


def test_regex_is_a_search_as_the_reference_says() -> None:
    assert "A search, not a full match" in field_help("rules.regex")
    compiled = _one({"target": "$.b", "sources": ["$.a"], "rules": {"regex": "b"}})
    assert compiled.apply({"a": "abc"}).output == {"b": "abc"}
    anchored = _one({"target": "$.b", "sources": ["$.a"], "rules": {"regex": "^b$"}})
    assert anchored.apply({"a": "abc"}).status.value == "failed"


def test_min_and_max_check_numbers_only_as_the_reference_says() -> None:
    assert "Numbers only" in field_help("rules.min")
    compiled = _one({"target": "$.b", "sources": ["$.a"], "rules": {"min": 1, "max": 2}})
    assert compiled.apply({"a": 2}).output == {"b": 2}
    assert "is not a number" in compiled.apply({"a": "2024-01-01"}).reason()
    assert "is not a number" in compiled.apply({"a": True}).reason()


def test_enum_equality_as_the_reference_says() -> None:
    compiled = _one({"target": "$.b", "sources": ["$.a"], "rules": {"enum": [1, "A"]}})
    assert [compiled.apply({"a": v}).status.value for v in (1.0, True, "a", None)] == [
        "ok",
        "ok",
        "failed",
        "ok",
    ]


def test_default_then_required_then_rules() -> None:
    compiled = _one({"target": "$.b", "sources": ["$.a"], "default": "x", "rules": {"regex": "^y"}})
    assert "does not match" in compiled.apply({}).reason()  # the default is checked
    handled = _one(
        {
            "target": "$.b",
            "sources": ["$.a"],
            "default": "x",
            "on_error": "default",
            "rules": {"regex": "^y"},
        }
    )
    assert handled.apply({"a": "z"}).output == {"b": "x"}  # on_error: default, unchecked


def test_topics_and_functions_have_help() -> None:
    assert field_help("no such topic") == ""
    assert field_help("lookup").startswith("lookup(value, table: lookup")
    assert "default applies" not in field_help("upper")
    assert "gets the function's default" in field_help("lookup")
    page = reference_markdown()
    for topic in TOPICS.values():
        assert topic.text in page
    for spec in REGISTRY:
        assert f"#### `{spec.name}`" in page
        assert f"*Null:* {spec.nulls.value}." in page
