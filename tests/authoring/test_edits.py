"""The designer's edits, without Qt: exact undo, multi-source and structure drops."""

from __future__ import annotations

from fieldwright.authoring.edits import (
    AddFieldMapping,
    SetSchema,
    edit_mapping,
    map_fields,
    remove_mappings,
)
from fieldwright.domain import FieldMapping, FieldType, MappingDocument, SchemaField, dumps
from fieldwright.service import open_mapping
from tests.conftest import HUBSPOT


def _document() -> MappingDocument:
    return open_mapping(HUBSPOT)


def test_map_then_revert_restores_the_document_exactly() -> None:
    document = _document()
    before = dumps(document)
    edit = map_fields(document, "$.properties.phone", "$.email")
    assert edit is not None
    edit.apply(document)
    mapping = document.field("$.email")
    assert mapping is not None
    assert mapping.sources == ["$.properties.email", "$.properties.phone"]
    edit.revert(document)
    assert dumps(document) == before


def test_a_source_dropped_on_an_expression_field_replaces_the_expression() -> None:
    document = _document()
    edit_mapping(document, "$.email", "Set expression", sources=[], expression="x").apply(document)
    before = dumps(document)
    edit = map_fields(document, "$.properties.phone", "$.email")
    assert edit is not None
    edit.apply(document)
    mapping = document.field("$.email")
    assert mapping is not None
    assert (mapping.sources, mapping.expression) == (["$.properties.phone"], None)
    edit.revert(document)
    assert dumps(document) == before


def test_mapping_the_same_source_twice_changes_nothing() -> None:
    document = _document()
    assert map_fields(document, "$.properties.email", "$.email") is None


def test_unknown_paths_make_no_edit() -> None:
    assert map_fields(_document(), "$.nope", "$.email") is None


def test_structure_drop_maps_children_by_name() -> None:
    document = MappingDocument(
        fieldwright=1,
        key="k",
        name="n",
        source={
            "fields": [
                {
                    "name": "person",
                    "type": "object",
                    "fields": [
                        {"name": "Email"},
                        {"name": "age", "type": "integer"},
                        {"name": "x"},
                    ],
                }
            ]
        },
        target={
            "fields": [
                {
                    "name": "contact",
                    "type": "object",
                    "fields": [
                        {"name": "email"},
                        {"name": "age", "type": "integer"},
                        {"name": "y"},
                    ],
                }
            ]
        },
    )
    before = dumps(document)
    edit = map_fields(document, "$.person", "$.contact")
    assert edit is not None
    edit.apply(document)
    assert [(f.sources, f.target) for f in document.fields] == [
        (["$.person.Email"], "$.contact.email"),
        (["$.person.age"], "$.contact.age"),
    ]
    edit.revert(document)
    assert dumps(document) == before


def test_remove_and_edit_and_schema_round_trip() -> None:
    document = _document()
    before = dumps(document)
    edits = [
        remove_mappings(["$.email", "$.phone"]),
        edit_mapping(document, "$.stage", "notes", notes="changed", required=False),
        SetSchema("source", [SchemaField(name="only", type=FieldType.INTEGER)]),
        AddFieldMapping(FieldMapping(target="$.extra", constant="x")),
    ]
    for edit in edits:
        edit.apply(document)
    assert document.field("$.email") is None
    assert [f.name for f in document.source.fields] == ["only"]
    for edit in reversed(edits):
        edit.revert(document)
    assert dumps(document) == before
