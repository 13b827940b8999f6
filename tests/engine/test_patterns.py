"""Patterns written in documents are bounded in time: a catastrophic one fails a record, fast."""

from __future__ import annotations

import time
from typing import Any

import pytest
import regex

from fieldwright.engine import RecordStatus, compile_document, validate
from fieldwright.engine.functions._patterns import MATCH_TIMEOUT, compile_pattern
from tests.engine.kit import document

#: `(a|aa)+` backtracks exponentially on a run of a's that ends in something else.
CATASTROPHIC = "(a|aa)+$"
SLOW_VALUE = "a" * 60 + "b"


def _timed(fields: list[dict[str, Any]], *records: dict[str, Any]) -> tuple[list[Any], float]:
    compiled = compile_document(document(fields=fields))
    started = time.perf_counter()
    results = [compiled.apply(record) for record in records]
    return results, time.perf_counter() - started


def test_a_catastrophic_validation_rule_fails_the_record_within_a_second() -> None:
    fields = [{"target": "$.code", "sources": "$.code", "rules": {"regex": CATASTROPHIC}}]
    (slow, fine), elapsed = _timed(fields, {"code": SLOW_VALUE}, {"code": "aaaa"})
    assert elapsed < 5  # unbounded, it runs for minutes; the 1 s target is measured in bench/
    assert slow.status is RecordStatus.FAILED
    assert "took longer than" in slow.errors[0].reason
    assert CATASTROPHIC in slow.errors[0].reason
    assert fine.status is RecordStatus.OK and fine.output == {"code": "aaaa"}


def test_a_catastrophic_regex_function_fails_only_that_field_under_on_error_null() -> None:
    fields = [
        {
            "target": "$.clean",
            "sources": "$.code",
            "transforms": [{"fn": "regex_replace", "args": [CATASTROPHIC, "x"]}],
            "on_error": "null",
        },
        {"target": "$.id", "sources": "$.id"},
    ]
    (result,), elapsed = _timed(fields, {"code": SLOW_VALUE, "id": 7})
    assert elapsed < 5  # unbounded, it runs for minutes; the 1 s target is measured in bench/
    assert result.status is RecordStatus.OK
    assert result.output == {"clean": None, "id": 7}
    assert result.errors[0].fn == "regex_replace"
    assert "took longer than" in result.errors[0].reason


def test_a_catastrophic_jsonpath_match_fails_the_field_not_the_run() -> None:
    fields = [{"target": "$.names", "sources": "$.items[?match(@.n, '(a|aa)+')].n"}]
    (slow, fine), elapsed = _timed(
        fields, {"items": [{"n": SLOW_VALUE}]}, {"items": [{"n": "aaa"}, {"n": "ab"}]}
    )
    assert elapsed < 5  # unbounded, it runs for minutes; the 1 s target is measured in bench/
    assert slow.status is RecordStatus.FAILED
    assert "cannot read the source" in slow.errors[0].reason
    assert fine.output == {"names": ["aaa"]}


def test_batch_mapping_conserves_records_when_one_pattern_times_out() -> None:
    fields = [{"target": "$.code", "sources": "$.code", "rules": {"regex": CATASTROPHIC}}]
    compiled = compile_document(document(fields=fields))
    results = compiled.apply_many([{"code": "aa"}, {"code": SLOW_VALUE}, {"code": "a"}])
    assert [r.status for r in results] == [RecordStatus.OK, RecordStatus.FAILED, RecordStatus.OK]


def test_rfc9535_match_uses_unicode_properties_and_dot_excludes_line_ends() -> None:
    # I-Regexp (RFC 9485) semantics: needs the `regex` module, declared through
    # python-jsonpath's strict extra.
    fields = [
        {"target": "$.upper", "sources": "$.items[?match(@, '\\\\p{Lu}.*')]"},
        {"target": "$.dots", "sources": "$.items[?match(@, 'a.b')]"},
    ]
    (result,), _ = _timed(fields, {"items": ["Ab", "ab", "a\rb", "a-b"]})
    assert result.output == {"upper": ["Ab"], "dots": ["a-b"]}


@pytest.mark.parametrize("pattern", ["(", "[a-", "a{2,1}", "*a"])
def test_validate_names_a_broken_pattern_with_its_pointer(pattern: str) -> None:
    fields = [
        {"target": "$.a", "sources": "$.a", "rules": {"regex": pattern}},
        {
            "target": "$.b",
            "sources": "$.b",
            "transforms": [{"fn": "regex_match", "args": [pattern]}],
        },
    ]
    problems = validate(document(fields=fields))
    pointers = sorted(p.pointer for p in problems)
    assert pointers == ["/fields/0/rules/regex", "/fields/1/transforms/0/args/0"], problems


def test_the_bound_is_the_documented_one() -> None:
    pattern = compile_pattern(CATASTROPHIC)
    started = time.perf_counter()
    with pytest.raises(ValueError, match="took longer than"):
        pattern.search(SLOW_VALUE)
    assert MATCH_TIMEOUT <= time.perf_counter() - started < 5


def test_the_preview_trace_shows_a_timed_out_source_as_the_fields_error() -> None:
    from fieldwright.engine.trace import trace_record

    fields = [
        {"target": "$.names", "sources": "$.items[?match(@.n, '(a|aa)+')].n", "on_error": "null"},
        {"target": "$.id", "sources": "$.id"},
    ]
    compiled = compile_document(document(fields=fields))
    started = time.perf_counter()
    traced = trace_record(compiled, {"items": [{"n": SLOW_VALUE}], "id": 3})
    assert time.perf_counter() - started < 5
    assert traced.result.output == {"names": None, "id": 3}
    names = traced.field("$.names")
    assert names is not None and names.error is not None
    assert "took longer than" in names.error.reason


def test_a_text_that_ran_out_of_time_fails_again_at_once() -> None:
    pattern = compile_pattern(CATASTROPHIC)
    with pytest.raises(ValueError, match="took longer than"):
        pattern.search(SLOW_VALUE)
    started = time.perf_counter()
    with pytest.raises(ValueError, match="took longer than"):
        pattern.search(SLOW_VALUE)  # the careful path's second look at the same value
    assert time.perf_counter() - started < MATCH_TIMEOUT
    assert pattern.search("aaa") is not None  # other texts still match normally


@pytest.mark.parametrize(
    ("text", "linear"),
    [
        (r"\D", True),
        (r"^[A-Z]{2}-\d{4}$", True),
        (r"(\d{1,3}\.){3}\d{1,3}", True),
        (r"(a|aa)+$", False),
        (r"(a+)+", False),
        (r"\s+", False),
        (r"(x)\1", False),
        (r"\p{Lu}", False),
    ],
)
def test_only_patterns_that_cannot_backtrack_badly_skip_the_timeout(
    text: str, linear: bool
) -> None:
    from fieldwright.engine.functions._patterns import _linear

    assert (_linear(text) is not None) is linear
    pattern = compile_pattern(text)
    # Both engines agree on what they match.
    for value in ("AB-1234", "(555) 123", "10.0.0.1", "aaaa", "xx", "Éa"):
        fast = pattern.search(value)
        slow = regex.compile(text, regex.V0).search(value)
        assert (fast and fast.group(0)) == (slow and slow.group(0))
