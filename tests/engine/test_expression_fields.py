"""Fields whose value is an expression, and the `expression` step, through whole mappings."""

from __future__ import annotations

from typing import Any

import pytest

from fieldwright.domain import DocumentError, canonical
from fieldwright.engine import RecordStatus, compile_document, validate
from fieldwright.engine.functions import REGISTRY
from fieldwright.engine.trace import trace_record
from tests.engine.kit import document

LINE = {"sku": "A-1", "qty": 3, "price": 19.99, "discount": 0.1}


def line_mapping(**total: Any) -> Any:
    fields = [
        {"target": "$.sku", "sources": "$.sku"},
        {"target": "$.line_total", "expression": "$decimal(price) * qty", **total},
        {
            "target": "$.discounted",
            "expression": "$round($decimal(price) * qty * (1 - $decimal(discount ?? 0)), 2)",
            **total,
        },
    ]
    return compile_document(document(fields=fields), registry=REGISTRY)


def test_line_total_is_qty_times_price_exact_to_the_cent() -> None:
    result = line_mapping().apply(LINE)
    assert result.status is RecordStatus.OK
    assert result.output == {"sku": "A-1", "line_total": 59.97, "discounted": 53.97}


def test_the_batch_path_gives_what_one_record_at_a_time_gives() -> None:
    compiled = line_mapping(on_error="null")
    records = [
        LINE,
        {"sku": "B", "qty": 2, "price": 5},
        {"sku": "C", "qty": None, "price": 5},
        {"sku": "D", "price": 5},
        {"sku": "E", "qty": "two", "price": 5},
    ]
    assert compiled.apply_many(records) == [compiled.apply(r) for r in records]
    outputs = [r.output for r in compiled.apply_many(records)]
    assert [o["line_total"] for o in outputs] == [59.97, 10, None, None, None]
    assert compiled.apply(records[4]).errors[0].reason.startswith("expression failed")


def test_a_failing_expression_follows_on_error() -> None:
    record = {"sku": "Z", "qty": "two", "price": 5}
    failed = line_mapping().apply(record)
    assert failed.status is RecordStatus.FAILED
    error = failed.errors[0]
    assert error.target == "$.line_total"
    assert "cannot multiply text" in error.reason and "line 1, column 17" in error.reason
    defaulted = line_mapping(on_error="default", default=0).apply(record)
    assert defaulted.status is RecordStatus.OK
    assert defaulted.output == {"sku": "Z", "line_total": 0, "discounted": 0}
    skipped = line_mapping(on_error="skip").apply(record)
    assert skipped.output == {"sku": "Z"}


def test_division_by_zero_fails_the_record_with_its_reason() -> None:
    fields = [{"target": "$.unit", "expression": "total / qty"}]
    compiled = compile_document(document(fields=fields), registry=REGISTRY)
    result = compiled.apply({"total": 10, "qty": 0})
    assert result.status is RecordStatus.FAILED
    assert "division by zero" in result.errors[0].reason


def test_aggregates_over_the_records_array() -> None:
    fields = [
        {"target": "$.order_total", "expression": "$sum(lines.($decimal(price) * qty))"},
        {"target": "$.line_count", "expression": "$count(lines)"},
        {"target": "$.largest", "expression": "$max(lines.qty)"},
    ]
    compiled = compile_document(document(fields=fields), registry=REGISTRY)
    order = {"lines": [{"qty": 3, "price": 19.99}, {"qty": 1, "price": 0.01}]}
    assert compiled.apply(order).output == {"order_total": 59.98, "line_count": 2, "largest": 3}
    assert compiled.apply({"lines": []}).output == {
        "order_total": 0,
        "line_count": 0,
        "largest": None,
    }


def test_the_expression_step_sees_the_value_and_the_record() -> None:
    fields = [
        {
            "target": "$.label",
            "sources": "$.sku",
            "transforms": [{"fn": "expression", "args": ['$value & " x " & qty']}],
        }
    ]
    compiled = compile_document(document(fields=fields), registry=REGISTRY)
    assert compiled.apply(LINE).output == {"label": "A-1 x 3"}


def test_validate_points_into_the_expression() -> None:
    fields = [
        {"target": "$.a", "expression": "qty *\n  * price"},
        {
            "target": "$.b",
            "sources": "$.x",
            "transforms": [{"fn": "expression", "args": ["$nope(1)"]}],
        },
    ]
    problems = validate(document(fields=fields), registry=REGISTRY)
    assert [(p.pointer, p.message) for p in problems] == [
        ("/fields/0/expression", "invalid expression: line 2, column 5: syntax error: price"),
        (
            "/fields/1/transforms/0/args/0",
            "invalid expression: line 1, column 1: unknown function $nope",
        ),
    ]


def test_an_expression_is_exclusive_with_sources_and_a_constant() -> None:
    for other in ({"sources": "$.a"}, {"constant": 1}):
        with pytest.raises(DocumentError) as caught:
            canonical.from_data(
                {
                    "fieldwright": 1,
                    "key": "k",
                    "name": "n",
                    "fields": [{"target": "$.t", "expression": "a", **other}],
                }
            )
        (problem,) = caught.value.problems
        assert problem.pointer == "/fields/0"
        assert "takes an expression or" in problem.message


def test_canonical_json_is_stable_for_old_documents_and_keeps_expressions() -> None:
    old = document(fields=[{"target": "$.a", "sources": "$.a"}])
    assert "expression" not in canonical.dumps(old)
    new = document(fields=[{"target": "$.t", "expression": "qty * price"}])
    text = canonical.dumps(new)
    assert '"expression": "qty * price"' in text
    assert canonical.dumps(canonical.loads(text)) == text


def test_the_preview_trace_shows_the_expression_and_its_value() -> None:
    trace = trace_record(line_mapping(), LINE)
    field = trace.field("$.line_total")
    assert field is not None
    assert field.expression == "$decimal(price) * qty"
    assert field.input == 59.97 and field.output == 59.97


def test_line_total_item_by_item_with_the_current_item() -> None:
    fields = [
        {"target": "$.lines[*]", "sources": "$.items[*]"},
        {"target": "$.lines[*].sku", "sources": "@.sku"},
        {"target": "$.lines[*].line_total", "expression": "$decimal(@.price) * @.qty"},
        {"target": "$.lines[*].unit", "expression": "@.price / @.qty", "on_error": "null"},
        {
            "target": "$.lines[*].label",
            "sources": "@.sku",
            "transforms": [{"fn": "expression", "args": ['$value & " x " & @.qty']}],
        },
        {"target": "$.order_total", "expression": "$sum(items.($decimal(price) * qty))"},
    ]
    compiled = compile_document(document(fields=fields), registry=REGISTRY)
    order = {"items": [{"sku": "A", "qty": 3, "price": 19.99}, {"sku": "B", "qty": 0, "price": 5}]}
    result = compiled.apply(order)
    assert result.output == {
        "lines": [
            {"sku": "A", "line_total": 59.97, "unit": 6.663333333333333, "label": "A x 3"},
            {"sku": "B", "line_total": 0, "unit": None, "label": "B x 0"},
        ],
        "order_total": 59.97,
    }
    (error,) = result.errors
    assert error.target == "$.lines[1].unit"
    assert error.reason == "expression failed at line 1, column 9: division by zero"
    records = [order, {"items": []}, {}]
    assert compiled.apply_many(records) == [compiled.apply(r) for r in records]


def _problems(fields: list[dict[str, Any]], **extra: Any) -> list[str]:
    return [f"{p.pointer}: {p.message}" for p in validate(document(fields=fields, **extra))]


def test_target_reads_the_fields_written_before_it() -> None:
    compiled = compile_document(
        document(
            fields=[
                {"target": "$.net", "expression": "$decimal(price) * qty"},
                {"target": "$.gross", "expression": "$round($decimal($target.net) * 1.2, 2)"},
                {"target": "$.label", "expression": '$target.gross & " for " & $target.net'},
                {"target": "$.note", "sources": "$.note", "on_error": "null"},
                {"target": "$.noted", "expression": "$exists($target.note)"},
            ]
        ),
        registry=REGISTRY,
    )
    records = [{"price": 19.99, "qty": 3}, {"price": None, "qty": 1, "note": None}, {"qty": 2}]
    results = compiled.apply_many(records)
    assert [r.output for r in results] == [
        {"net": 59.97, "gross": 71.96, "label": "71.96 for 59.97", "note": None, "noted": True},
        {"net": None, "gross": None, "label": " for ", "note": None, "noted": True},
        {"net": None, "gross": None, "label": " for ", "note": None, "noted": True},
    ]
    assert results == [compiled.apply(record) for record in records]
    traced = trace_record(compiled, records[0])
    gross = next(t for t in traced.fields if t.target == "$.gross")
    assert (gross.expression, gross.output) == ("$round($decimal($target.net) * 1.2, 2)", 71.96)


def test_validate_refuses_target_reads_that_cannot_be_written_first() -> None:
    fields: list[dict[str, Any]] = [
        {"target": "$.a", "expression": "$target.b + 1"},
        {"target": "$.b", "expression": "$target.a + 1"},
        {"target": "$.c", "expression": "$target.c"},
        {"target": "$.d", "expression": "$count($target)"},
        {"target": "$.e", "expression": "$target.nothing"},
        {"target": "$.lines[*]", "sources": "$.items[*]"},
        {"target": "$.lines[*].x", "expression": "$target.a"},
        {
            "target": "$.f",
            "sources": "$.f",
            "transforms": [{"fn": "expression", "args": ["$target.a"]}],
        },
    ]
    problems = _problems(fields)
    assert any(
        p.startswith("/fields/0/expression: $target.b reads $.b, which is written after $.a")
        for p in problems
    )  # a cycle: the first of the two reads a later field
    assert not any(p.startswith("/fields/1/") for p in problems)
    assert (
        "/fields/2/expression: $target.c reads this field's own target: a field cannot read itself"
        in problems
    )
    assert any(p.startswith("/fields/3/expression: name the field $target reads") for p in problems)
    assert "/fields/4/expression: $target.nothing: no field writes $.nothing" in problems
    assert any(
        p.startswith("/fields/6/expression: $target is read by a field written once per record")
        for p in problems
    )
    assert any(p.startswith("/fields/7/transforms/0") and "not by a step" in p for p in problems)
    with pytest.raises(DocumentError):
        compile_document(document(fields=fields), registry=REGISTRY)


def test_target_follows_the_target_schemas_order() -> None:
    """Targets are written in the target schema's order: a field listed first in the
    document but later in the schema may read one the schema lists before it."""
    fields: list[dict[str, Any]] = [
        {"target": "$.total", "expression": "$target.net * 2"},
        {"target": "$.net", "sources": "$.net"},
    ]
    schema = {"fields": [{"name": "net", "type": "number"}, {"name": "total", "type": "number"}]}
    assert _problems(fields) == [
        "/fields/0/expression: $target.net reads $.net, which is written after $.total "
        "(targets are written in the target schema's order, then the document's): "
        "a field reads only the fields before it"
    ]
    compiled = compile_document(document(fields=fields, target=schema), registry=REGISTRY)
    records = [{"net": 2}, {"net": None}, {}]
    assert [r.output for r in compiled.apply_many(records)] == [
        {"net": 2, "total": 4},
        {"net": None, "total": None},
        {"net": None, "total": None},
    ]
    assert compiled.apply_many(records) == [compiled.apply(r) for r in records]


def test_a_field_reads_a_sibling_written_before_it_under_the_same_parent() -> None:
    fields: list[dict[str, Any]] = [
        {"target": "$.summary.count", "expression": "$count(items)"},
        {"target": "$.summary.label", "expression": '$target.summary.count & " items"'},
        {"target": "$.summary.again", "expression": "$target.summary.again"},
        {"target": "$.summary.first", "expression": "$target.summary.last"},
        {"target": "$.summary.last", "sources": "$.last"},
    ]
    problems = _problems(fields)
    assert not any(p.startswith("/fields/1/") for p in problems)
    assert (
        "/fields/2/expression: $target.summary.again reads this field's own target: "
        "a field cannot read itself"
    ) in problems
    assert any(
        p.startswith("/fields/3/expression: $target.summary.last reads $.summary.last, which")
        for p in problems
    )
    compiled = compile_document(document(fields=fields[:2]), registry=REGISTRY)
    records = [{"items": [1, 2]}, {}]
    assert [r.output for r in compiled.apply_many(records)] == [
        {"summary": {"count": 2, "label": "2 items"}},
        {"summary": {"count": 0, "label": "0 items"}},
    ]
    assert compiled.apply_many(records) == [compiled.apply(record) for record in records]
