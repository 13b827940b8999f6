"""The batch path of arrays mapped item by item (engine/item_columns.py) equals the careful
path record by record, on random orders with missing, null, empty and non-array item lists,
null and non-object items, and values that fail a step, a rule or an expression (those
records fail alone, with the careful path's errors, or recover through on_error)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.engine.compiler import CompiledMapping, compile_document
from fieldwright.engine.item_columns import node_column
from fieldwright.engine.results import RecordStatus
from tests.engine.kit import document

LINE_TOTAL = "$round($decimal(@.price) * $decimal(@.qty) * (100 - (@.discount_pct ?? 0)) / 100, 2)"

FIELDS: list[dict[str, Any]] = [
    {"target": "$.id", "sources": "$.oid"},
    {"target": "$.lines[*]", "sources": "$.items[*]", "default": []},
    {"target": "$.lines[*].n", "sources": "@number"},
    {"target": "$.lines[*].i", "sources": "@index"},
    {
        "target": "$.lines[*].sku",
        "sources": "@.sku",
        "transforms": [{"fn": "trim"}, {"fn": "upper"}],
    },
    {"target": "$.lines[*].qty", "sources": "@.qty", "transforms": [{"fn": "to_integer"}]},
    {
        "target": "$.lines[*].price",
        "sources": "@.price",
        "transforms": [{"fn": "to_number"}],
        "on_error": "null",
    },
    {"target": "$.lines[*].total", "expression": LINE_TOTAL},
    {"target": "$.lines[*].money.order", "sources": "$.oid"},
    {"target": "$.lines[*].both", "sources": ["@.sku", "$.oid"]},
    {"target": "$.lines[*].kind", "constant": "line"},
    {"target": "$.lines[*].disc", "sources": "@.discount_pct", "default": 0},
    {
        "target": "$.lines[*].shape",
        "sources": "@.shape.name",
        "rules": {"max_length": 3},
        "on_error": "default",
        "default": "?",
    },
    {"target": "$.count", "expression": "$count(items)"},
    {"target": "$.total", "expression": f"$round($sum(items.{LINE_TOTAL.replace('@.', '')}), 2)"},
]
#: An array of values (the item itself is written), and a required item field.
SCALARS: list[dict[str, Any]] = [
    {"target": "$.skus[*]", "sources": "$.items[*].sku", "transforms": [{"fn": "upper"}]},
    {"target": "$.codes[*].code", "sources": "$.items[*].sku", "required": True},
]

MISSING = object()

texts = st.sampled_from([" ab-1", "cd-2 ", "", "ÉF", "x" * 5])
numbers_as_text = st.sampled_from(["1", "2.50", "19.99", "0.005", "-3", "1e2", "abc", " 7 "])
odd = st.one_of(st.none(), st.integers(-3, 3), st.floats(0, 10, allow_nan=False), st.booleans())


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(MISSING), strategy)


def _object(**members: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({k: _maybe(v) for k, v in members.items()}).map(
        lambda d: {k: v for k, v in d.items() if v is not MISSING}
    )


item = st.one_of(
    _object(
        sku=st.one_of(texts, odd),
        qty=st.one_of(numbers_as_text, odd),
        price=st.one_of(numbers_as_text, odd),
        discount_pct=st.one_of(st.sampled_from([5, 10, 50]), odd, texts),
        shape=st.one_of(_object(name=st.one_of(texts, odd)), odd, texts),
    ),
    st.none(),
    st.integers(0, 2),
)
items = st.one_of(
    st.lists(item, max_size=5), st.none(), st.just("not a list"), st.just({"sku": "a"})
)
records = _object(oid=st.one_of(texts, odd), items=items)


def _compiled(fields: list[dict[str, Any]]) -> CompiledMapping:
    return compile_document(document(fields=fields))


ORDERS = _compiled(FIELDS)
ITEMS_ONLY = _compiled(SCALARS)


def test_the_arrays_of_these_mappings_take_the_batch_path() -> None:
    for mapping in (ORDERS, ITEMS_ONLY):
        nodes = mapping.items.plan.nodes
        assert nodes
        assert all(node_column(node, mapping.items.fields) is not None for node in nodes)


@settings(max_examples=400, deadline=None)
@given(st.lists(records, max_size=6))
def test_the_batch_path_equals_the_careful_path(chunk: list[dict[str, Any]]) -> None:
    for mapping in (ORDERS, ITEMS_ONLY):
        careful = [mapping.apply(record) for record in chunk]
        assert mapping.apply_many(chunk) == careful


def test_one_bad_item_fails_its_record_alone_with_the_field_and_reason() -> None:
    good = {"oid": "A", "items": [{"sku": "ab", "qty": "2", "price": "1.25"}]}
    bad = {
        "oid": "B",
        "items": [{"sku": "ab", "qty": "2", "price": "1"}, {"sku": "cd", "qty": "x"}],
    }
    recovered = {"oid": "C", "items": [{"qty": "1", "price": "2", "shape": {"name": "long"}}]}
    results = ORDERS.apply_many([good, bad, recovered, {"oid": "D"}])
    assert [r.status for r in results] == [
        RecordStatus.OK,
        RecordStatus.FAILED,
        RecordStatus.OK,
        RecordStatus.OK,
    ]
    assert results[0].output is not None
    assert results[0].output["lines"][0]["total"] == 2.5
    assert results[0].output["total"] == 2.5
    assert [e.target for e in results[1].errors] == [
        "$.lines[1].qty",
        "$.lines[1].total",
        "$.total",
    ]
    assert results[2].output is not None and results[2].output["lines"][0]["shape"] == "?"
    assert [(e.target, e.handled_by) for e in results[2].errors] == [
        ("$.lines[0].shape", "default")
    ]
    assert results[3].output == {"id": "D", "lines": [], "count": 0, "total": 0}


def test_a_bound_value_that_is_not_an_array_fails_the_record_saying_so() -> None:
    (result,) = ORDERS.apply_many([{"oid": "A", "items": "abc"}])
    assert result.status is RecordStatus.FAILED
    assert "$.items is not an array" in result.reason()


#: The order total summed from the line totals already written (`$target`), beside the
#: one computed again from the items.
FROM_LINES = _compiled(
    [*FIELDS, {"target": "$.from_lines", "expression": "$round($sum($target.lines.total), 2)"}]
)
FROM_LINES_EXACT = _compiled(
    [
        *FIELDS,
        {
            "target": "$.from_lines",
            "expression": "$round($sum($target.lines.$decimal(total)), 2)",
        },
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(records, max_size=6))
def test_a_field_reading_the_lines_written_equals_the_careful_path_and_the_total(
    chunk: list[dict[str, Any]],
) -> None:
    """Through `$target` the batch path reads the lines the item columns wrote; it maps as
    the careful path does, and the sum of the written line totals (as decimals) is the
    order total computed again from the items."""
    for mapping in (FROM_LINES, FROM_LINES_EXACT):
        careful = [mapping.apply(record) for record in chunk]
        assert mapping.apply_many(chunk) == careful
    for result in FROM_LINES_EXACT.apply_many(chunk):
        if result.status is RecordStatus.OK and result.output is not None:
            assert result.output["from_lines"] == result.output["total"]


def test_the_lines_written_are_read_as_written() -> None:
    order = {
        "oid": "A",
        "items": [
            {"sku": "a", "qty": "3", "price": "19.99", "discount_pct": 15},
            {"sku": "b", "qty": "1", "price": "0.10"},
        ],
    }
    (result,) = FROM_LINES_EXACT.apply_many([order])
    assert result.output is not None
    assert [line["total"] for line in result.output["lines"]] == [50.97, 0.1]
    assert result.output["from_lines"] == result.output["total"] == 51.07
