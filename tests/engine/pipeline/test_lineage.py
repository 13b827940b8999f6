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
