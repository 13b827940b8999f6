"""The designer's trace: every step's records, and a record's lineage back to the input."""

from __future__ import annotations

from typing import Any

from fieldwright.engine.pipeline import compile_pipeline, preview_pipeline
from fieldwright.engine.pipeline.lineage import trace_pipeline
from tests.engine.kit import items
from tests.engine.pipeline.kit import pipeline

ORDERS: list[dict[str, Any] | None] = [
    {"id": "A", "country": "us", "items": [{"sku": "x", "qty": 2}, {"sku": "y", "qty": 1}]},
    {"id": "B", "country": "de", "items": [{"sku": "x", "qty": "many"}]},
    None,
    {"id": "C", "country": "us", "items": [{"sku": "z", "qty": 4}]},
    {"id": "D", "country": "fr", "items": [{"sku": "z", "qty": 5}]},
]

STEPS: list[dict[str, Any]] = [
    {"name": "lines", "type": "unwind", "path": "$.items", "carry": {"country": "$.country"}},
    {
        "name": "per country",
        "type": "aggregate",
        "group_by": ["$.country"],
        "aggregates": [{"name": "qty", "fn": "sum", "field": "$.qty"}],
    },
    {
        "name": "split",
        "type": "route",
        "branches": [
            {
                "name": "kept",
                "when": "country == 'us'",
                "target": {"connector": {"kind": "ndjson", "settings": {"path": "us.ndjson"}}},
            },
            {"name": "big", "when": "qty > `4`", "steps": []},
        ],
    },
]


def test_each_step_keeps_every_record_and_the_run_output_agrees() -> None:
    document = pipeline(*STEPS)
    trace = trace_pipeline(compile_pipeline(document), items(ORDERS))
    assert [s.name for s in trace.steps] == ["lines", "per country", "split"]
    assert len(trace.inputs) == 4 and trace.positions[2] == "line 4"
    assert len(trace.steps[0].records) == 5
    assert trace.steps[1].records == [{"country": "us", "qty": 7}, {"country": "fr", "qty": 5}]
    # The route: fr (qty 5) goes to "big" and comes back; us goes to its own target.
    assert trace.steps[2].records == [{"country": "fr", "qty": 5}]
    assert trace.steps[2].targets == {"kept": [{"country": "us", "qty": 7}]}
    streamed = preview_pipeline(compile_pipeline(document), items(ORDERS))
    assert [s.records for s in streamed.steps] == [s.records for s in trace.steps]
    assert [s.counts for s in streamed.steps] == [s.counts for s in trace.steps]


def test_lineage_of_an_aggregate_reaches_every_member_of_its_group() -> None:
    trace = trace_pipeline(compile_pipeline(pipeline(*STEPS)), items(ORDERS))
    hops = trace.lineage(1, 0)  # us: 7
    assert [h.step for h in hops] == ["per country", "lines", None]
    assert hops[1].records == (
        {"country": "us", "sku": "x", "qty": 2},
        {"country": "us", "sku": "y", "qty": 1},
        {"country": "us", "sku": "z", "qty": 4},
    )
    assert [r["id"] for r in hops[2].records] == ["A", "C"]
    assert [trace.positions[i] for i in hops[2].indices] == ["line 1", "line 4"]


def test_dead_letters_name_the_step_and_the_line_of_the_input() -> None:
    trace = trace_pipeline(compile_pipeline(pipeline(*STEPS)), items(ORDERS))
    aggregate = trace.steps[1]
    assert [(d.step, d.position_text) for d in aggregate.letters] == [("per country", "line 2")]
    assert aggregate.counts.balanced and aggregate.counts.failed == 1
    # B failed: its group (de) has no record left and gives no output.
    assert "de" not in [r["country"] for r in aggregate.records]
    assert [d.position_text for d in trace.letters] == ["line 3", "line 2"]


BRANCHED: list[dict[str, Any]] = [
    {"name": "known", "type": "filter", "predicate": "id != null"},
    {
        "name": "split",
        "type": "route",
        "branches": [
            {
                "name": "us",
                "when": "country == 'us'",
                "steps": [
                    {"name": "lines", "type": "unwind", "path": "$.items"},
                    {
                        "name": "per sku",
                        "type": "aggregate",
                        "group_by": ["$.sku"],
                        "aggregates": [{"name": "qty", "fn": "sum", "field": "$.qty"}],
                    },
                ],
            },
            {
                "name": "fr",
                "when": "country == 'fr'",
                "steps": [
                    {"name": "tag", "type": "unwind", "path": "$.items", "carry": {"id": "$.id"}}
                ],
                "target": {"connector": {"kind": "ndjson", "settings": {"path": "fr.ndjson"}}},
            },
        ],
    },
]


def test_a_record_out_of_a_branch_names_the_records_of_the_branch_steps_it_came_from() -> None:
    trace = trace_pipeline(compile_pipeline(pipeline(*BRANCHED)), items(ORDERS))
    split = trace.steps[1]
    # B (de) goes on at once; the us branch gives one record per sku
    assert split.records == [
        ORDERS[1],
        {"sku": "x", "qty": 2},
        {"sku": "y", "qty": 1},
        {"sku": "z", "qty": 4},
    ]
    assert split.via == [None, ("us", 0), ("us", 1), ("us", 2)]
    hops = trace.lineage(1, 1)  # sku x: from A's first line only
    assert [h.step for h in hops] == ["split", "split/us/per sku", "split/us/lines", "known", None]
    assert hops[1].records == ({"sku": "x", "qty": 2},)
    assert hops[2].records == ({"sku": "x", "qty": 2},)
    assert [r["id"] for r in hops[3].records] == ["A"]
    assert [trace.positions[i] for i in hops[4].indices] == ["line 1"]
    # A record that went on without a branch names the record that entered the route.
    hops = trace.lineage(1, 0)
    assert [h.step for h in hops] == ["split", "known", None]
    assert hops[-1].records == (ORDERS[1],)
    # The run agrees with the trace on the records and on every step's counts.
    streamed = preview_pipeline(compile_pipeline(pipeline(*BRANCHED)), items(ORDERS))
    assert [s.records for s in streamed.steps] == [s.records for s in trace.steps]
    assert [s.counts for s in streamed.steps] == [s.counts for s in trace.steps]


def test_an_aggregate_inside_a_branch_reaches_every_member_of_its_group() -> None:
    orders = [
        {"id": "A", "country": "us", "items": [{"sku": "x", "qty": 2}]},
        {"id": "B", "country": "us", "items": [{"sku": "x", "qty": 3}, {"sku": "y", "qty": 1}]},
    ]
    trace = trace_pipeline(compile_pipeline(pipeline(*BRANCHED)), items(orders))
    hops = trace.lineage(1, 0)  # sku x: 5, from A and B
    assert hops[1].records == ({"sku": "x", "qty": 5},)
    assert hops[2].records == ({"sku": "x", "qty": 2}, {"sku": "x", "qty": 3})
    assert [r["id"] for r in hops[-1].records] == ["A", "B"]


def test_a_branch_targets_record_has_its_lineage_too() -> None:
    trace = trace_pipeline(compile_pipeline(pipeline(*BRANCHED)), items(ORDERS))
    assert trace.steps[1].targets == {"fr": [{"id": "D", "sku": "z", "qty": 5}]}
    hops = trace.target_lineage(1, "fr", 0)
    assert [h.step for h in hops] == ["split/fr (target)", "split/fr/tag", "known", None]
    assert [r["id"] for r in hops[-1].records] == ["D"]
    assert [trace.positions[i] for i in hops[-1].indices] == ["line 5"]
