from __future__ import annotations

import pytest

from fieldwright.engine import (
    CompiledField,
    RecordStatus,
    compare,
    compile_document,
    run_tests,
    trace_record,
)
from fieldwright.engine.functions import Registry
from fieldwright.engine.testing import MISSING
from tests.engine.kit import document

FIELDS = [
    {
        "target": "$.name",
        "sources": "$.name",
        "transforms": [{"fn": "upper"}, {"fn": "join", "args": ["-"]}],
    },
    {"target": "$.score", "sources": "$.score", "transforms": [{"fn": "add", "args": [1]}]},
    {
        "target": "$.lines[*].v",
        "sources": "$.items[*]",
        "transforms": [{"fn": "add", "args": [10]}],
    },
    {"target": "$.kind", "constant": "contact"},
]


def test_trace_shows_the_value_after_every_step(registry: Registry) -> None:
    compiled = compile_document(document(fields=FIELDS), registry=registry)
    trace = trace_record(compiled, {"name": "ab", "score": "x", "items": [1, 2]})
    assert trace.result.status is RecordStatus.FAILED
    name = trace.field("$.name")
    assert name is not None
    assert name.sources == [("$.name", "ab")]
    assert [(s.fn, s.args, s.value) for s in name.steps] == [
        ("upper", (), "AB"),
        ("join", ("-",), "A-B"),
    ]
    assert name.output == "A-B" and name.error is None
    score = trace.field("$.score")
    assert score is not None and score.error is not None
    assert score.error.step == 0 and score.error.fn == "add"
    assert score.steps == []  # it failed in its first step
    assert trace.field("$.lines[1].v") is not None
    assert trace.field("$.lines[1].v").output == 12.0  # type: ignore[union-attr]
    kind = trace.field("$.kind")
    assert kind is not None and kind.sources == [] and kind.input == "contact"


def test_trace_marks_steps_a_null_passed_through(registry: Registry) -> None:
    compiled = compile_document(document(fields=FIELDS[:1]), registry=registry)
    name = trace_record(compiled, {}).field("$.name")
    assert name is not None
    assert [s.skipped for s in name.steps] == [True, True]


def test_compare_reports_each_differing_path() -> None:
    expected = {"a": 1, "b": {"c": [1, 2]}, "d": "x", "n": 1}
    actual = {"a": 1.0, "b": {"c": [1, 3, 4]}, "e": True, "n": True}
    found = {d.path: (d.expected, d.actual) for d in compare(expected, actual)}
    assert found == {
        "$.b.c[1]": (2, 3),
        "$.b.c[2]": (MISSING, 4),
        "$.d": ("x", MISSING),
        "$.e": (MISSING, True),
        "$.n": (1, True),
    }


def test_run_tests_reports_pass_fail_and_coverage(registry: Registry) -> None:
    tests = [
        {
            "name": "maps a contact",
            "input": {"name": "ab", "score": 1, "items": []},
            "expected": {"name": "A-B", "score": 2.0, "kind": "contact", "lines": []},
        },
        {
            "name": "wrong expectation",
            # No items: the target array is left out (docs/arrays-item-by-item.md).
            "input": {"name": "x", "score": 1},
            "expected": {"name": "y", "score": 2.0, "kind": "contact"},
        },
        {
            "name": "bad score fails",
            "kind": "edge_case",
            "input": {"score": "x"},
            "expected": None,
            "expect_failure": True,
        },
        {"name": "unexpected failure", "input": {"score": "x"}, "expected": {"score": 1}},
    ]
    compiled = compile_document(document(fields=FIELDS, tests=tests), registry=registry)
    suite = run_tests(compiled)
    assert [r.passed for r in suite.results] == [True, False, True, False]
    assert [str(d) for d in suite.results[1].differences] == ["$.name: expected 'y', got 'X'"]
    assert "the record failed: $.score (step 1, add)" in suite.results[3].message
    assert suite.passed == 2 and suite.failed == 2 and not suite.ok
    assert suite.coverage.checked == ("$.name", "$.score", "$.kind")
    assert suite.coverage.unchecked == ("$.lines[*].v",)
    assert suite.coverage.ratio == 0.75


def test_filtered_expectation(registry: Registry) -> None:
    tests = [
        {"name": "archived dropped", "input": {"status": "archived"}, "expected": None},
        {"name": "active kept", "input": {"status": "active"}, "expected": None},
    ]
    compiled = compile_document(
        document(fields=FIELDS[3:], tests=tests, filter="status == 'active'"), registry=registry
    )
    first, second = run_tests(compiled).results
    assert first.passed
    assert not second.passed and "expected the filter to drop" in second.message


def _count_steps(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every value a compiled step is called with (patched into each step's call)."""
    calls: list[object] = []
    original = CompiledField.transform

    def counting(
        self: CompiledField,
        value: object,
        record: object,
        trace: list[object] | None = None,
        scope: object = None,
    ) -> object:
        calls.append(value)
        return original(self, value, record, trace, scope)  # type: ignore[arg-type]

    monkeypatch.setattr(CompiledField, "transform", counting)
    return calls


def test_the_trace_runs_each_transform_chain_once_per_value(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = compile_document(document(fields=FIELDS), registry=registry)
    calls = _count_steps(registry, monkeypatch)
    trace_record(compiled, {"name": "ab", "score": 1, "items": [1, 2]})
    # name, score, kind once each, and one chain per item of lines: not twice as many.
    assert sorted(map(repr, calls)) == sorted(map(repr, ["ab", 1, 1, 2, "contact"]))


@pytest.mark.parametrize(
    "record",
    [
        {"name": "ab", "score": 1, "items": [1, 2]},
        {"name": "ab", "score": "x", "items": [1, "y"]},
        {"name": None, "score": 2},
        {"name": "cd", "score": 3, "items": []},
        {},
    ],
)
def test_the_trace_maps_a_record_as_the_run_does(
    registry: Registry, record: dict[str, object]
) -> None:
    fields = [
        *FIELDS,
        {
            "target": "$.opt",
            "sources": "$.score",
            "on_error": "null",
            "transforms": [{"fn": "add", "args": [1]}],
        },
    ]
    compiled = compile_document(document(fields=fields), registry=registry)
    assert trace_record(compiled, record).result == compiled.apply(record)
