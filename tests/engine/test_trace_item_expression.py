"""Tracing a record through an expression field under `[*]` (issue 15, item 5).

An item-level field whose input is an expression reads no source paths; the trace
records its value with no sources instead of failing on the expression's result.
"""

from __future__ import annotations

from fieldwright.domain import MappingDocument
from fieldwright.engine import compile_document, trace_record
from fieldwright.engine.results import RecordStatus


def test_an_item_expression_is_traced_with_its_value() -> None:
    document = MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": "mapping_A_B_TRACE_20261203",
            "name": "trace",
            "fields": [
                {"target": "$.lines[*]", "sources": ["$.items[*]"]},
                {"target": "$.lines[*].total", "expression": "$decimal(@.price) * @.qty"},
            ],
        }
    )
    trace = trace_record(
        compile_document(document),
        {"items": [{"price": "1.10", "qty": 3}, {"price": "2", "qty": 1}]},
    )
    assert trace.result.status is RecordStatus.OK
    assert trace.result.output == {"lines": [{"total": 3.3}, {"total": 2}]}
    totals = [f for f in trace.fields if f.target.endswith(".total")]
    assert [(f.target, f.sources, f.output) for f in totals] == [
        ("$.lines[0].total", [], 3.3),
        ("$.lines[1].total", [], 2),
    ]
    assert all(f.expression == "$decimal(@.price) * @.qty" for f in totals)
