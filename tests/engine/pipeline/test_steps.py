"""Pipeline steps one by one: outputs, counts per step and dead letters naming the step."""

from __future__ import annotations

from typing import Any

import pytest

from fieldwright.domain import DocumentError, ErrorStrategy
from fieldwright.domain.records import Position, SourceItem
from fieldwright.domain.runs import RunStatus
from fieldwright.engine.pipeline import (
    PipelineResolver,
    compile_pipeline,
    preview_pipeline,
    validate_pipeline,
)
from tests.engine.kit import items
from tests.engine.pipeline.kit import pipeline, run

ORDERS: list[dict[str, Any]] = [
    {"id": "A", "country": "us", "items": [{"sku": "x", "qty": 2}, {"sku": "y", "qty": 1}]},
    {"id": "B", "country": "de", "items": []},
    {"id": "C", "country": "us"},
    {"id": "D", "country": "fr", "items": [{"sku": "z", "qty": 5}]},
]


def test_unwind_carries_parent_fields_and_position() -> None:
    doc = pipeline(
        {
            "name": "lines",
            "type": "unwind",
            "path": "$.items",
            "carry": {"order": "$.id", "country": "$.country"},
            "position": "line_no",
        }
    )
    ran = run(doc, ORDERS)
    assert ran.output == [
        {"order": "A", "country": "us", "line_no": 1, "sku": "x", "qty": 2},
        {"order": "A", "country": "us", "line_no": 2, "sku": "y", "qty": 1},
        {"order": "D", "country": "fr", "line_no": 1, "sku": "z", "qty": 5},
    ]
    lines = ran.step("lines")
    # 4 in, 3 out: A expanded by one, B and C had no items (filtered).
    assert (lines.received, lines.emitted, lines.expanded, lines.filtered) == (4, 3, 1, 2)
    assert (ran.counts.read, ran.counts.written, ran.counts.expanded) == (4, 3, 1)


def test_unwind_keep_empty_into_and_position_from_zero() -> None:
    doc = pipeline(
        {
            "name": "u",
            "type": "unwind",
            "path": "$.items",
            "carry": {"order": "$.id"},
            "into": "item",
            "position": "n",
            "position_base": 0,
            "keep_empty": True,
        }
    )
    ran = run(doc, ORDERS[:3])
    assert ran.output == [
        {"order": "A", "n": 0, "item": {"sku": "x", "qty": 2}},
        {"order": "A", "n": 1, "item": {"sku": "y", "qty": 1}},
        {"order": "B", "item": None},
        {"order": "C", "item": None},
    ]


def test_unwind_of_a_non_array_fails_the_record_naming_the_step() -> None:
    doc = pipeline({"name": "lines", "type": "unwind", "path": "$.items"})
    ran = run(doc, [{"items": "oops"}, {"items": [1]}, {"items": [{"a": 1}]}])
    assert ran.output == [{"a": 1}]
    assert [letter.step for letter in ran.letters] == ["lines", "lines"]
    assert "$.items is not an array (got str)" in ran.letters[0].reason
    assert ran.letters[0].reason.startswith("step 'lines': ")
    assert "item 0 of $.items is not an object" in ran.letters[1].reason
    assert ran.letters[1].position == {"line": 2}
    assert ran.step("lines").failed == 2


def test_filter_keeps_what_the_predicate_accepts_and_fails_what_it_cannot_evaluate() -> None:
    doc = pipeline({"name": "us only", "type": "filter", "predicate": "country == 'us'"})
    ran = run(doc, ORDERS)
    assert [r["id"] for r in ran.output] == ["A", "C"]
    assert ran.step("us only").filtered == 2
    bad = pipeline({"name": "f", "type": "filter", "predicate": "length(id) > `1`"})
    ran = run(bad, [{"id": "AB"}, {"id": 5}])
    assert ran.output == [{"id": "AB"}]
    assert ran.letters[0].step == "f"
    assert "cannot be evaluated" in ran.letters[0].reason


def test_map_step_runs_an_inline_mapping() -> None:
    mapping = {
        "fieldwright": 1,
        "key": "mapping_T_T_X_20261203",
        "name": "m",
        "filter": "country != 'fr'",
        "fields": [
            {"target": "$.order", "sources": ["$.id"]},
            {"target": "$.country", "sources": ["$.country"], "transforms": [{"fn": "upper"}]},
        ],
    }
    ran = run(pipeline({"name": "shape", "type": "map", "mapping": mapping}), ORDERS)
    assert ran.output == [
        {"order": "A", "country": "US"},
        {"order": "B", "country": "DE"},
        {"order": "C", "country": "US"},
    ]
    assert ran.step("shape").filtered == 1


def test_map_step_failure_is_a_dead_letter_of_the_step() -> None:
    mapping = {
        "fieldwright": 1,
        "key": "mapping_T_T_X_20261203",
        "name": "m",
        "fields": [{"target": "$.n", "sources": ["$.n"], "transforms": [{"fn": "to_integer"}]}],
    }
    ran = run(pipeline({"name": "numbers", "type": "map", "mapping": mapping}), [{"n": "x"}])
    assert ran.output == []
    assert ran.letters[0].step == "numbers"
    assert ran.letters[0].field == "$.n"
    assert ran.letters[0].input == {"n": "x"}


def test_validate_step_checks_required_and_rules() -> None:
    doc = pipeline(
        {
            "name": "checks",
            "type": "validate",
            "checks": [
                {"field": "$.id", "required": True, "regex": "^[A-Z]$"},
                {"field": "$.qty", "min": 1},
            ],
        }
    )
    ran = run(doc, [{"id": "A", "qty": 1}, {"qty": 2}, {"id": "ab"}, {"id": "B", "qty": 0}])
    assert ran.output == [{"id": "A", "qty": 1}]
    assert [letter.field for letter in ran.letters] == ["$.id", "$.id", "$.qty"]
    assert "required value is missing" in ran.letters[0].reason


def _employees(_step: Any) -> list[SourceItem]:
    rows = [
        {"emp": 1, "name": "Ada", "dept": "R&D"},
        {"emp": 2, "name": "Grace", "dept": "Ops"},
        {"emp": 1, "name": "Ada twice", "dept": "X"},
    ]
    return [SourceItem(Position(line=n + 2), row) for n, row in enumerate(rows)]


RESOLVER = PipelineResolver(partner=_employees)
HOURS = [{"emp": 1, "h": 8}, {"emp": 3, "h": 4}, {"emp": 2, "h": 6}, {"h": 1}]


def _enrich(**options: Any) -> dict[str, Any]:
    return {
        "name": "who",
        "type": "enrich",
        "source": {"kind": "csv", "settings": {"path": "employees.csv"}},
        "on": {"$.emp": "$.emp"},
        **options,
    }


def test_enrich_left_join_keeps_records_without_a_partner() -> None:
    ran = run(pipeline(_enrich(fields={"name": "$.name"})), HOURS, RESOLVER)
    assert ran.output == [
        {"emp": 1, "h": 8, "name": "Ada"},  # the first of the duplicates wins
        {"emp": 3, "h": 4},
        {"emp": 2, "h": 6, "name": "Grace"},
        {"h": 1},
    ]


def test_enrich_inner_join_filters_and_into_nests() -> None:
    ran = run(pipeline(_enrich(how="inner", into="employee")), HOURS, RESOLVER)
    assert ran.output == [
        {"emp": 1, "h": 8, "employee": {"emp": 1, "name": "Ada", "dept": "R&D"}},
        {"emp": 2, "h": 6, "employee": {"emp": 2, "name": "Grace", "dept": "Ops"}},
    ]
    assert ran.step("who").filtered == 2


def test_enrich_no_match_dead_letter_and_default() -> None:
    ran = run(pipeline(_enrich(no_match="dead_letter", fields={"d": "$.dept"})), HOURS, RESOLVER)
    assert [r.get("d") for r in ran.output] == ["R&D", "Ops"]
    assert "no record of the enrich source has $.emp = 3" in ran.letters[0].reason
    ran = run(
        pipeline(_enrich(no_match="default", defaults={"dept": "?"}, fields={"dept": "$.dept"})),
        HOURS,
        RESOLVER,
    )
    assert [r["dept"] for r in ran.output] == ["R&D", "?", "Ops", "?"]


def test_enrich_reads_its_source_once_per_run() -> None:
    opened: list[int] = []

    def partner(step: Any) -> list[SourceItem]:
        opened.append(1)
        return _employees(step)

    run(pipeline(_enrich()), HOURS * 50, PipelineResolver(partner=partner))
    assert opened == [1]


def test_dedupe_keeps_first_or_last() -> None:
    rows = [{"k": 1, "v": "a"}, {"k": 2, "v": "b"}, {"k": 1, "v": "c"}, {"k": 1.0, "v": "d"}]
    first = run(pipeline({"name": "d", "type": "dedupe", "keys": ["$.k"]}), rows)
    assert [r["v"] for r in first.output] == ["a", "b"]
    assert first.step("d").merged == 2
    last = run(pipeline({"name": "d", "type": "dedupe", "keys": ["$.k"], "keep": "last"}), rows)
    assert [r["v"] for r in last.output] == ["b", "d"]


def test_sort_is_stable_with_mixed_directions_and_types() -> None:
    rows = [
        {"a": 1, "b": "x", "n": 0},
        {"a": None, "b": "y", "n": 1},
        {"a": 1, "b": "z", "n": 2},
        {"a": "t", "b": "x", "n": 3},
        {"a": 0.5, "b": "x", "n": 4},
        {"b": "x", "n": 5},
    ]
    doc = pipeline(
        {
            "name": "s",
            "type": "sort",
            "keys": [{"field": "$.b", "descending": True}, {"field": "$.a"}],
        }
    )
    assert [r["n"] for r in run(doc, rows).output] == [2, 1, 5, 4, 0, 3]


def test_aggregate_functions() -> None:
    rows = [
        {"g": "a", "x": 0.1, "s": "p"},
        {"g": "b", "x": 2, "s": "q"},
        {"g": "a", "x": 0.2, "s": "q"},
        {"g": "a", "x": None, "s": "p"},
        {"g": "b", "x": 3, "s": None},
    ]
    aggregates = [
        {"name": fn, "fn": fn, "field": "$.x"}
        for fn in ("sum", "min", "max", "avg", "first", "last", "collect", "count_distinct")
    ]
    doc = pipeline(
        {
            "name": "by g",
            "type": "aggregate",
            "group_by": ["$.g"],
            "aggregates": [
                {"name": "n", "fn": "count"},
                {"name": "has_x", "fn": "count", "field": "$.x"},
                {"name": "kinds", "fn": "count_distinct", "field": "$.s"},
                *aggregates,
            ],
        }
    )
    ran = run(doc, rows)
    assert ran.output == [
        {
            "g": "a",
            "n": 3,
            "has_x": 2,
            "kinds": 2,
            "sum": 0.3,
            "min": 0.1,
            "max": 0.2,
            "avg": 0.15,
            "first": 0.1,
            "last": None,
            "collect": [0.1, 0.2],
            "count_distinct": 2,
        },
        {
            "g": "b",
            "n": 2,
            "has_x": 2,
            "kinds": 1,
            "sum": 5,
            "min": 2,
            "max": 3,
            "avg": 2.5,
            "first": 2,
            "last": 3,
            "collect": [2, 3],
            "count_distinct": 2,
        },
    ]
    assert ran.step("by g").merged == 3


def test_aggregate_without_keys_is_one_group() -> None:
    doc = pipeline(
        {"name": "all", "type": "aggregate", "aggregates": [{"name": "n", "fn": "count"}]}
    )
    assert run(doc, ORDERS).output == [{"n": 4}]


def test_fail_fast_stops_and_writes_nothing() -> None:
    doc = pipeline(
        {"name": "lines", "type": "unwind", "path": "$.items"}, run={"error_strategy": "fail_fast"}
    )
    ran = run(doc, [{"items": [{"a": 1}]}, {"items": 3}, {"items": [{"a": 2}]}])
    assert ran.status is RunStatus.FAILED
    assert ran.output == []
    assert "step 'lines'" in (ran.message or "")
    assert ran.counts.skipped == 1
    ran = run(doc, [{"items": 3}], strategy=ErrorStrategy.CONTINUE_ON_ERROR)
    assert ran.status is RunStatus.COMPLETED


def test_problems_carry_json_pointers() -> None:
    doc = pipeline(
        {"name": "f", "type": "filter", "predicate": "a ==="},
        {"name": "s", "type": "sort", "keys": [{"field": "$.items[*]"}]},
        {
            "name": "g",
            "type": "aggregate",
            "group_by": ["$.n"],
            "aggregates": [{"name": "n", "fn": "count"}],
        },
        {
            "name": "m",
            "type": "map",
            "mapping": {
                "fieldwright": 1,
                "key": "k",
                "name": "m",
                "fields": [{"target": "$.x", "sources": ["$.x"], "transforms": [{"fn": "nope"}]}],
            },
        },
        {"name": "e", "type": "map", "mapping": "other.fwmap.json"},
    )
    pointers = [p.pointer for p in validate_pipeline(doc)]
    assert pointers[:3] == ["/steps/0/predicate", "/steps/1/keys/0/field", "/steps/2"]
    assert pointers[3].startswith("/steps/3/mapping/fields/0/transforms/0")
    assert pointers[4] == "/steps/4/mapping"
    with pytest.raises(DocumentError):
        compile_pipeline(doc)


def test_an_unreadable_enrich_record_fails_the_run_naming_the_step() -> None:
    def broken(_step: Any) -> list[SourceItem]:
        return [SourceItem(Position(line=3), None, "not JSON")]

    ran = run(pipeline(_enrich()), HOURS, PipelineResolver(partner=broken))
    assert ran.status is RunStatus.FAILED
    assert ran.message == "step 'who': the enrich source line 3: not JSON"


def test_preview_keeps_each_steps_first_records_with_their_origin() -> None:
    doc = pipeline(
        {"name": "lines", "type": "unwind", "path": "$.items", "carry": {"id": "$.id"}},
        {
            "name": "n",
            "type": "aggregate",
            "group_by": ["$.id"],
            "aggregates": [{"name": "n", "fn": "count"}],
        },
    )
    preview = preview_pipeline(compile_pipeline(doc), items(ORDERS), limit=2)
    lines, groups = preview.steps
    assert lines.records == [{"id": "A", "sku": "x", "qty": 2}, {"id": "A", "sku": "y", "qty": 1}]
    assert lines.origins == ["line 1", "line 1"]
    assert (lines.counts.received, lines.counts.emitted) == (4, 3)
    assert groups.records == [{"id": "A", "n": 2}, {"id": "D", "n": 1}]
    assert groups.origins == ["line 1", "line 4"]
    assert preview.error is None and preview.letters == []
