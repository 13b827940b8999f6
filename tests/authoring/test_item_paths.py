"""Drops onto fields under [*] write item-relative sources and bind the target array."""

from __future__ import annotations

from typing import Any

from fieldwright.authoring.edits import map_fields
from fieldwright.authoring.item_paths import item_source, schema_source
from fieldwright.domain import FieldMapping, MappingDocument
from fieldwright.service import validate_mapping as validate_document

ORDER_SOURCE = {
    "fields": [
        {"name": "order_id"},
        {
            "name": "items",
            "type": "array",
            "fields": [
                {"name": "sku"},
                {"name": "qty", "type": "integer"},
                {"name": "taxes", "type": "array", "fields": [{"name": "rate"}]},
            ],
        },
    ]
}
ORDER_TARGET = {
    "fields": [
        {
            "name": "lines",
            "type": "array",
            "fields": [
                {"name": "sku"},
                {"name": "qty", "type": "integer"},
                {"name": "order"},
                {"name": "taxes", "type": "array", "fields": [{"name": "rate"}]},
            ],
        }
    ]
}


def _document(fields: list[dict[str, Any]] | None = None) -> MappingDocument:
    return MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": "k",
            "name": "n",
            "source": ORDER_SOURCE,
            "target": ORDER_TARGET,
            "fields": fields or [],
        }
    )


def _dropped(document: MappingDocument, source: str, target: str) -> MappingDocument:
    edit = map_fields(document, source, target)
    assert edit is not None
    edit.apply(document)
    return document


def test_a_drop_into_an_unbound_array_binds_it_and_writes_the_relative_form() -> None:
    document = _dropped(_document(), "$.items[*].qty", "$.lines[*].qty")
    assert [(f.target, f.sources) for f in document.fields] == [
        ("$.lines[*]", ["$.items[*]"]),
        ("$.lines[*].qty", ["@.qty"]),
    ]
    _dropped(document, "$.items[*].sku", "$.lines[*].sku")
    assert document.field("$.lines[*].sku") == FieldMapping(
        target="$.lines[*].sku", sources="@.sku"
    )
    assert len(document.fields) == 3  # bound once
    assert validate_document(document) == []


def test_a_record_field_stays_absolute_and_binds_nothing() -> None:
    document = _dropped(_document(), "$.order_id", "$.lines[*].order")
    assert [(f.target, f.sources) for f in document.fields] == [
        ("$.lines[*].order", ["$.order_id"])
    ]


def test_nested_arrays_bind_relative_to_the_enclosing_item() -> None:
    document = _dropped(_document(), "$.items[*].taxes[*].rate", "$.lines[*].taxes[*].rate")
    assert [(f.target, f.sources) for f in document.fields] == [
        ("$.lines[*]", ["$.items[*]"]),
        ("$.lines[*].taxes[*]", ["@.taxes[*]"]),
        ("$.lines[*].taxes[*].rate", ["@.rate"]),
    ]
    assert validate_document(document) == []
    assert schema_source(document, "$.lines[*].taxes[*].rate", "@.rate") == (
        "$.items[*].taxes[*].rate"
    )


def test_an_array_bound_to_another_array_or_by_older_sources_is_left_alone() -> None:
    other = _document([{"target": "$.lines[*]", "sources": "$.others[*]"}])
    assert item_source(other, "$.items[*].qty", "$.lines[*].qty") == ("$.items[*].qty", [])
    older = _document([{"target": "$.lines[*].sku", "sources": "$.items[*].sku"}])
    assert item_source(older, "$.items[*].qty", "$.lines[*].qty") == ("$.items[*].qty", [])


def test_an_array_dropped_on_an_array_binds_once_and_maps_children_relative() -> None:
    document = _dropped(_document(), "$.items", "$.lines")
    assert [(f.target, f.sources) for f in document.fields] == [
        ("$.lines[*]", ["$.items[*]"]),
        ("$.lines[*].sku", ["@.sku"]),
        ("$.lines[*].qty", ["@.qty"]),
        ("$.lines[*].taxes[*]", ["@.taxes[*]"]),
        ("$.lines[*].taxes[*].rate", ["@.rate"]),
    ]
    assert validate_document(document) == []


def test_schema_source_finds_the_row_of_relative_sources() -> None:
    document = _document([{"target": "$.lines[*]", "sources": "$.items[*]"}])
    assert schema_source(document, "$.lines[*].qty", "@.qty") == "$.items[*].qty"
    assert schema_source(document, "$.lines[*].qty", "@") == "$.items[*]"
    assert schema_source(document, "$.lines[*].qty", "@number") == "@number"
    assert schema_source(document, "$.total", "$.order_id") == "$.order_id"
