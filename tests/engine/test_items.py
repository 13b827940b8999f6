"""Arrays of objects item by item: bindings, @ sources, nesting, what validate refuses."""

from __future__ import annotations

from typing import Any

import pytest

from fieldwright.domain import DocumentError
from fieldwright.engine.compiler import CompiledMapping, compile_document
from fieldwright.engine.functions import Category, Registry, StepContext, function
from fieldwright.engine.results import RecordStatus
from fieldwright.engine.trace import trace_record
from fieldwright.engine.validation import validate
from tests.engine.kit import document

LABEL = {"fn": "join", "args": [" x "]}

ORDER = {
    "order_id": "O1",
    "items": [
        {"sku": "A", "qty": 2, "taxes": [{"rate": 5}, {"rate": 7}]},
        {"sku": "B", "qty": 1, "taxes": []},
    ],
}

NESTED = [
    {"target": "$.order", "sources": "$.order_id"},
    {"target": "$.lines[*]", "sources": "$.items[*]"},
    {"target": "$.lines[*].line", "sources": "@number"},
    {"target": "$.lines[*].label", "sources": ["@.sku", "@.qty"], "transforms": [LABEL]},
    {"target": "$.lines[*].order", "sources": "$.order_id"},
    {"target": "$.lines[*].taxes[*]", "sources": "@.taxes[*]"},
    {"target": "$.lines[*].taxes[*].rate", "sources": "@.rate"},
    {"target": "$.lines[*].taxes[*].sku", "sources": "@@.sku"},
    {"target": "$.lines[*].taxes[*].at", "sources": "@index"},
]


def compiled(registry: Registry, fields: list[dict[str, Any]]) -> CompiledMapping:
    return compile_document(document(fields=fields), registry=registry)


def both_paths(mapping: CompiledMapping, record: dict[str, Any]) -> Any:
    """The output of the careful path, held equal to the batch path's."""
    careful = mapping.apply(record)
    (batch,) = mapping.apply_many([record])
    assert batch == careful
    return careful.output


def test_two_sources_of_one_item_pair_item_by_item(registry: Registry) -> None:
    fields = [{"target": "$.lines[*].label", "sources": ["@.sku", "@.qty"], "transforms": [LABEL]}]
    fields.insert(0, {"target": "$.lines[*]", "sources": "$.items[*]"})
    mapping = compiled(registry, fields)
    assert both_paths(mapping, {"items": []}) == {"lines": []}
    assert both_paths(mapping, {"items": [{"sku": "A", "qty": 2}]}) == {
        "lines": [{"label": "A x 2"}]
    }


def test_absolute_per_item_sources_still_work_and_add_no_phantom_items(
    registry: Registry,
) -> None:
    fields = [
        {
            "target": "$.lines[*].label",
            "sources": ["$.items[*].sku", "$.items[*].qty"],
            "transforms": [LABEL],
        },
        {"target": "$.lines[*].order", "sources": "$.order_id"},
    ]
    mapping = compiled(registry, fields)
    assert both_paths(mapping, {"order_id": 1, "items": []}) == {"lines": []}
    assert both_paths(mapping, {"order_id": 1, "items": [{"sku": "A", "qty": 2}]}) == {
        "lines": [{"label": "A x 2", "order": 1}]
    }


def test_nested_arrays_read_the_item_the_parent_item_the_position_and_the_record(
    registry: Registry,
) -> None:
    assert both_paths(compiled(registry, NESTED), ORDER) == {
        "order": "O1",
        "lines": [
            {
                "line": 1,
                "label": "A x 2",
                "order": "O1",
                "taxes": [{"rate": 5, "sku": "A", "at": 0}, {"rate": 7, "sku": "A", "at": 1}],
            },
            {"line": 2, "label": "B x 1", "order": "O1", "taxes": []},
        ],
    }


def test_nested_absolute_sources_find_their_arrays(registry: Registry) -> None:
    fields = [
        {"target": "$.lines[*].sku", "sources": "$.items[*].sku"},
        {"target": "$.lines[*].taxes[*].rate", "sources": "$.items[*].taxes[*].rate"},
    ]
    assert both_paths(compiled(registry, fields), ORDER) == {
        "lines": [{"sku": "A", "taxes": [{"rate": 5}, {"rate": 7}]}, {"sku": "B", "taxes": []}]
    }


def test_missing_and_null_arrays_leave_the_target_out_and_empty_ones_write_empty(
    registry: Registry,
) -> None:
    mapping = compiled(registry, NESTED)
    assert both_paths(mapping, {"order_id": "O2"}) == {"order": "O2"}
    assert both_paths(mapping, {"order_id": "O2", "items": None}) == {"order": "O2"}
    assert both_paths(mapping, {"order_id": "O2", "items": [{"sku": "C", "qty": 1}]}) == {
        "order": "O2",
        "lines": [{"line": 1, "label": "C x 1", "order": "O2"}],
    }


def test_the_binding_fields_default_stands_for_a_missing_array(registry: Registry) -> None:
    fields = [dict(NESTED[1], default=[]), *NESTED[2:4]]
    mapping = compiled(registry, fields)
    assert both_paths(mapping, {}) == {"lines": []}
    assert both_paths(mapping, {"items": None}) == {"lines": []}
    assert both_paths(mapping, {"items": [{"sku": "A", "qty": 1}]}) == {
        "lines": [{"line": 1, "label": "A x 1"}]
    }


def test_a_null_item_is_mapped_with_null_values(registry: Registry) -> None:
    mapping = compiled(registry, NESTED)
    output = both_paths(mapping, {"items": [None, {"sku": "A", "qty": 1}]})
    assert output["lines"][0] == {"line": 1, "label": "", "order": None}
    assert output["lines"][1]["line"] == 2
    required = [
        {"target": "$.names[*]", "sources": "$.items[*]"},
    ]
    assert both_paths(compiled(registry, required), {"items": [None, "a"]}) == {
        "names": [None, "a"]
    }


def test_a_source_array_that_is_not_an_array_fails_the_record_naming_it(
    registry: Registry,
) -> None:
    result = compiled(registry, NESTED).apply({"items": "A,B"})
    assert result.status is RecordStatus.FAILED
    assert result.errors[0].target == "$.lines[*]"
    assert "$.items is not an array: str 'A,B'" in result.errors[0].reason


def test_a_failing_step_names_the_item_at_every_level(registry: Registry) -> None:
    fields = [
        *NESTED[:2],
        {"target": "$.lines[*].taxes[*]", "sources": "@.taxes[*]"},
        {
            "target": "$.lines[*].taxes[*].rate",
            "sources": "@.rate",
            "transforms": [{"fn": "upper"}],
        },
    ]
    result = compiled(registry, fields).apply({"items": [{"taxes": []}, {"taxes": ["x", {}]}]})
    assert result.status is RecordStatus.OK  # a null rate passes through upper
    result = compiled(registry, fields).apply({"items": [{"taxes": [{"rate": 5}]}]})
    assert result.status is RecordStatus.FAILED
    assert result.errors[0].target == "$.lines[0].taxes[0].rate"


def test_context_functions_see_the_item_scope(registry: Registry) -> None:
    @function("position", Category.LOGIC, "The item's number.", context=True, registry=registry)
    def position(context: StepContext, value: Any) -> Any:
        assert context.scope is not None
        parent = context.scope.parent
        return f"{parent.number if parent else '-'}.{context.scope.number}={value}"

    fields = [
        {"target": "$.lines[*]", "sources": "$.items[*]"},
        {"target": "$.lines[*].taxes[*]", "sources": "@.taxes[*]"},
        {
            "target": "$.lines[*].taxes[*].rate",
            "sources": "@.rate",
            "transforms": [{"fn": "position"}],
        },
    ]
    output = both_paths(compiled(registry, fields), ORDER)
    assert output["lines"][0]["taxes"] == [{"rate": "1.1=5"}, {"rate": "1.2=7"}]


def test_the_trace_shows_each_items_source_values(registry: Registry) -> None:
    trace = trace_record(compiled(registry, NESTED), ORDER)
    label = trace.field("$.lines[1].label")
    assert label is not None
    assert label.sources == [("@.sku", "B"), ("@.qty", 1)]
    assert label.output == "B x 1"
    binding = trace.field("$.lines[*]")
    assert binding is not None and binding.output == ORDER["items"]
    inner = trace.field("$.lines[0].taxes[*]")
    assert inner is not None and inner.sources == [("@.taxes[*]", [{"rate": 5}, {"rate": 7}])]


@pytest.mark.parametrize(
    ("fields", "where", "says"),
    [
        (
            [
                {
                    "target": "$.lines[*].label",
                    "sources": ["$.items[*].sku", "$.parts[*].qty"],
                }
            ],
            "/fields/0/sources/1",
            "cannot be paired item by item with $.items[*].sku",
        ),
        (
            [
                {"target": "$.lines[*].a", "sources": "$.items[*].a"},
                {"target": "$.lines[*].b", "sources": "$.parts[*].b"},
            ],
            "/fields/1/sources/0",
            "different arrays into $.lines[*]",
        ),
        (
            [
                {"target": "$.lines[*]", "sources": "$.items[*]"},
                {"target": "$.lines[*].b", "sources": "$.parts[*].b"},
            ],
            "/fields/1/sources/0",
            "cannot be paired",
        ),
        ([{"target": "$.total", "sources": "@.qty"}], "/fields/0/sources/0", "not lie under [*]"),
        (
            [
                {"target": "$.lines[*]", "sources": "$.items[*]"},
                {"target": "$.lines[*].x", "sources": "@@.qty"},
            ],
            "/fields/1/sources/0",
            "reads the enclosing item",
        ),
        (
            [{"target": "$.lines[*].qty", "sources": "@.qty"}],
            "/fields/0/sources",
            "nothing says which items $.lines[*] has",
        ),
        (
            [
                {"target": "$.lines[*]", "sources": "$.items[*]", "transforms": [{"fn": "upper"}]},
                {"target": "$.lines[*].x", "sources": "@.x"},
            ],
            "/fields/0/sources",
            "only names the source array",
        ),
        (
            [{"target": "$.lines[*]", "sources": "@qty"}],
            "/fields/0/sources/0",
            "after @ write .name",
        ),
        (
            [
                {"target": "$.lines[*]", "sources": "$.items[*]"},
                {"target": "$.lines[*].x", "sources": "@.a["},
            ],
            "/fields/1/sources/0",
            "invalid path `@.a[`",
        ),
    ],
)
def test_validate_refuses_sources_that_cannot_be_paired(
    registry: Registry, fields: list[dict[str, Any]], where: str, says: str
) -> None:
    problems = validate(document(fields=fields), registry=registry)
    assert any(p.pointer == where and says in p.message for p in problems), problems
    with pytest.raises(DocumentError):
        compile_document(document(fields=fields), registry=registry)


def test_a_list_below_the_item_is_read_whole(registry: Registry) -> None:
    fields = [
        {"target": "$.lines[*]", "sources": "$.items[*]"},
        {"target": "$.lines[*].rates", "sources": "@.taxes[*].rate"},
        {"target": "$.lines[*].first", "sources": "@.taxes[0].rate"},
    ]
    assert both_paths(compiled(registry, fields), ORDER)["lines"] == [
        {"rates": [5, 7], "first": 5},
        {"rates": [], "first": None},
    ]


def test_a_binding_by_the_array_itself_or_a_filter(registry: Registry) -> None:
    whole = [
        {"target": "$.lines[*]", "sources": "$.items"},
        {"target": "$.lines[*].sku", "sources": "@.sku"},
    ]
    assert both_paths(compiled(registry, whole), ORDER) == {"lines": [{"sku": "A"}, {"sku": "B"}]}
    some = [
        {"target": "$.lines[*]", "sources": "$.items[?@.qty > 1]"},
        {"target": "$.lines[*].sku", "sources": "@.sku"},
        {"target": "$.lines[*].n", "sources": "@number"},
    ]
    assert both_paths(compiled(registry, some), ORDER) == {"lines": [{"sku": "A", "n": 1}]}


def test_item_fields_are_written_in_the_target_schemas_order(registry: Registry) -> None:
    target = {
        "fields": [
            {
                "name": "lines",
                "type": "array",
                "fields": [{"name": "b"}, {"name": "a"}, {"name": "c"}],
            }
        ]
    }
    fields = [
        {"target": "$.lines[*].c", "sources": "@.c"},
        {"target": "$.lines[*].a", "sources": "@.a"},
        {"target": "$.lines[*]", "sources": "$.items[*]"},
        {"target": "$.lines[*].b", "sources": "@.b"},
    ]
    mapping = compile_document(document(fields=fields, target=target), registry=registry)
    record = {"items": [{"a": 1, "b": 2, "c": 3}]}
    for result in (mapping.apply(record), *mapping.apply_many([record])):
        assert result.output is not None
        assert list(result.output["lines"][0]) == ["b", "a", "c"]
