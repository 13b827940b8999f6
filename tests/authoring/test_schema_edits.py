"""Schema edits without Qt: exact undo, mappings that follow a rename or go with a delete."""

from __future__ import annotations

import pytest

from fieldwright.authoring.events import (
    FieldMappingAdded,
    FieldMappingRemoved,
    FieldMappingReplaced,
    SchemaChanged,
)
from fieldwright.authoring.schema_edits import (
    AddSchemaField,
    DeleteSchemaField,
    MoveSchemaField,
    RenameSchemaField,
    SetFieldProperties,
    UpdateFromSample,
    is_under,
    mappings_of,
)
from fieldwright.authoring.session import DocumentState
from fieldwright.domain import FieldMapping, FieldType, MappingDocument, SchemaField, dumps


def _document() -> MappingDocument:
    return MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": "k",
            "name": "n",
            "source": {
                "fields": [
                    {"name": "first"},
                    {"name": "last"},
                    {
                        "name": "lines",
                        "type": "array",
                        "items": "object",
                        "fields": [{"name": "qty"}],
                    },
                ]
            },
            "target": {
                "fields": [
                    {"name": "id", "type": "integer"},
                    {
                        "name": "contact",
                        "type": "object",
                        "fields": [{"name": "name"}, {"name": "email"}],
                    },
                    {
                        "name": "items",
                        "type": "array",
                        "items": "object",
                        "fields": [{"name": "n"}],
                    },
                ]
            },
            "fields": [
                {"target": "$.contact.name", "sources": ["$.first", "$.last"]},
                {"target": "$.items[*].n", "sources": ["$.lines[*].qty"]},
                {"target": "$.id", "constant": 1},
                {"target": "$.contact.email", "sources": ["$.last"]},
            ],
        }
    )


def _round_trip(document: MappingDocument, edit: object) -> None:
    """Apply then revert `edit`: the document is byte-identical to before."""
    before = dumps(document)
    edit.apply(document)  # type: ignore[attr-defined]
    assert dumps(document) != before
    edit.revert(document)  # type: ignore[attr-defined]
    assert dumps(document) == before


def test_paths_under_a_field() -> None:
    assert is_under("$.a", "$.a")
    assert is_under("$.a.b", "$.a")
    assert is_under("$.a[*].b", "$.a")
    assert is_under("$.a['x y']", "$.a")
    assert not is_under("$.ab", "$.a")


def test_add_a_field_an_object_a_child_and_an_array_of_objects() -> None:
    document = _document()
    before = dumps(document)
    edits = [
        AddSchemaField("target", new=SchemaField(name="address", type=FieldType.OBJECT)),
        AddSchemaField("target", parent="$.address", new=SchemaField(name="city")),
        AddSchemaField(
            "target",
            new=SchemaField(name="tags", type=FieldType.ARRAY, items=FieldType.OBJECT),
            index=0,
        ),
        AddSchemaField("target", parent="$.tags", new=SchemaField(name="label")),
    ]
    events = [edit.apply(document) for edit in edits]
    assert events[0] == [SchemaChanged("target")]
    assert [e.path for e in edits] == ["$.address", "$.address.city", "$.tags", "$.tags[*].label"]
    assert [path for path, _f in document.target.walk()][:2] == ["$.tags", "$.tags[*].label"]
    assert "$.address.city" in document.target.paths()
    for edit in reversed(edits):
        assert edit.revert(document) == [SchemaChanged("target")]
    assert dumps(document) == before


def test_add_refuses_a_duplicate_name_and_a_leaf_parent_without_changing_anything() -> None:
    document = _document()
    before = dumps(document)
    with pytest.raises(ValueError, match="already a field named id"):
        AddSchemaField("target", new=SchemaField(name="id")).apply(document)
    with pytest.raises(ValueError, match="only objects and arrays"):
        AddSchemaField("target", parent="$.id", new=SchemaField(name="x")).apply(document)
    with pytest.raises(KeyError):
        AddSchemaField("target", parent="$.nope", new=SchemaField(name="x")).apply(document)
    assert dumps(document) == before


def test_renaming_a_target_object_rewrites_the_mappings_below_it() -> None:
    document = _document()
    edit = RenameSchemaField("target", path="$.contact", name="person")
    events = edit.apply(document)
    assert edit.new_path == "$.person"
    assert [m.target for m in document.fields] == [
        "$.person.name",
        "$.items[*].n",
        "$.id",
        "$.person.email",
    ]
    assert events == [
        SchemaChanged("target"),
        FieldMappingReplaced(0, "$.person.name", "$.contact.name"),
        FieldMappingReplaced(3, "$.person.email", "$.contact.email"),
    ]
    assert edit.revert(document) == [
        FieldMappingReplaced(3, "$.contact.email", "$.person.email"),
        FieldMappingReplaced(0, "$.contact.name", "$.person.name"),
        SchemaChanged("target"),
    ]
    _round_trip(document, RenameSchemaField("target", path="$.contact", name="person"))


def test_renaming_under_and_of_arrays_rewrites_star_paths() -> None:
    document = _document()
    RenameSchemaField("source", path="$.lines", name="rows").apply(document)
    RenameSchemaField("source", path="$.rows[*].qty", name="quantity").apply(document)
    RenameSchemaField("target", path="$.items[*].n", name="count").apply(document)
    mapping = document.fields[1]
    assert (mapping.target, mapping.sources) == ("$.items[*].count", ["$.rows[*].quantity"])
    _round_trip(document, RenameSchemaField("source", path="$.last", name="family name"))


def test_renaming_a_source_rewrites_every_mapping_reading_it() -> None:
    document = _document()
    RenameSchemaField("source", path="$.last", name="family name").apply(document)
    assert document.fields[0].sources == ["$.first", "$['family name']"]
    assert document.fields[3].sources == ["$['family name']"]


def test_rename_refuses_a_sibling_name() -> None:
    document = _document()
    with pytest.raises(ValueError, match="already"):
        RenameSchemaField("source", path="$.last", name="first").apply(document)


def test_deleting_takes_its_mappings_and_one_undo_restores_both() -> None:
    document = _document()
    before = dumps(document)
    assert mappings_of(document, "target", "$.contact") == ["$.contact.name", "$.contact.email"]
    assert mappings_of(document, "source", "$.last") == ["$.contact.name", "$.contact.email"]
    edit = DeleteSchemaField("target", path="$.contact")
    events = edit.apply(document)
    assert "$.contact" not in document.target.paths()
    assert [m.target for m in document.fields] == ["$.items[*].n", "$.id"]
    assert events == [
        SchemaChanged("target"),
        FieldMappingRemoved(3, "$.contact.email"),
        FieldMappingRemoved(0, "$.contact.name"),
    ]
    assert edit.revert(document) == [
        FieldMappingAdded(0, "$.contact.name"),
        FieldMappingAdded(3, "$.contact.email"),
        SchemaChanged("target"),
    ]
    assert dumps(document) == before


def test_deleting_a_source_field_takes_the_mappings_that_read_it() -> None:
    document = _document()
    DeleteSchemaField("source", path="$.lines").apply(document)
    assert [m.target for m in document.fields] == ["$.contact.name", "$.id", "$.contact.email"]
    _round_trip(document, DeleteSchemaField("source", path="$.first"))


def test_move_within_its_parent() -> None:
    document = _document()
    edit = MoveSchemaField("target", path="$.contact.email", index=0)
    assert edit.apply(document) == [SchemaChanged("target")]
    assert [f.name for f in document.target.fields[1].fields] == ["email", "name"]
    edit.revert(document)
    _round_trip(document, MoveSchemaField("target", path="$.id", index=2))
    with pytest.raises(ValueError):
        MoveSchemaField("target", path="$.id", index=3).apply(document)


def test_set_type_required_description_and_example() -> None:
    document = _document()
    changes = {"type": "date", "required": True, "description": "Joined", "example": "2024-07-04"}
    edit = SetFieldProperties("target", path="$.contact.email", changes=changes)
    assert edit.apply(document) == [SchemaChanged("target")]
    field = document.target.paths()["$.contact.email"]
    assert (field.type, field.required, field.description, field.example) == (
        FieldType.DATE,
        True,
        "Joined",
        "2024-07-04",
    )
    edit.revert(document)
    _round_trip(document, SetFieldProperties("target", path="$.id", changes={"required": True}))


def test_an_object_becoming_an_array_takes_its_mapping_paths_along() -> None:
    document = _document()
    edit = SetFieldProperties("target", path="$.contact", changes={"type": "array"})
    events = edit.apply(document)
    assert document.target.paths()["$.contact"].items is FieldType.OBJECT
    assert document.fields[0].target == "$.contact[*].name"
    assert FieldMappingReplaced(3, "$.contact[*].email", "$.contact.email") in events
    edit.revert(document)
    assert document.fields[0].target == "$.contact.name"


def test_set_properties_refuses_what_a_field_cannot_be() -> None:
    document = _document()
    before = dumps(document)
    with pytest.raises(ValueError, match="holds fields"):
        SetFieldProperties("target", path="$.contact", changes={"type": "string"}).apply(document)
    with pytest.raises(KeyError):
        SetFieldProperties("target", path="$.id", changes={"name": "x"})
    with pytest.raises(ValueError):
        SetFieldProperties("target", path="$.id", changes={"type": "colour"}).apply(document)
    assert dumps(document) == before


def test_update_from_sample_adds_new_fields_and_finds_vanished_ones() -> None:
    document = _document()
    document.source.fields[0].description = "kept"
    sample = [
        SchemaField(name="first", type=FieldType.INTEGER),
        SchemaField(
            name="lines",
            type=FieldType.ARRAY,
            items=FieldType.OBJECT,
            fields=[SchemaField(name="qty"), SchemaField(name="price", type=FieldType.NUMBER)],
        ),
        SchemaField(name="email"),
    ]
    edit = UpdateFromSample("source", sample=sample)
    before = dumps(document)
    assert edit.apply(document) == [SchemaChanged("source")]
    assert edit.added == ["$.lines[*].price", "$.email"]
    assert edit.vanished == ["$.last"]
    first = document.source.fields[0]
    assert (first.type, first.description) == (FieldType.STRING, "kept")
    assert [f.name for f in document.source.fields] == ["first", "last", "lines", "email"]
    assert len(document.fields) == 4  # nothing deleted, no mapping touched
    edit.revert(document)
    assert dumps(document) == before


def test_schema_edits_through_the_session_tell_listeners() -> None:
    state = DocumentState(_document(), None)
    heard: list[object] = []
    state.subscribe(heard.extend)
    edit = RenameSchemaField("target", path="$.id", name="key")
    state.apply(edit)
    state.revert(edit)
    assert heard == [
        SchemaChanged("target"),
        FieldMappingReplaced(2, "$.key", "$.id"),
        FieldMappingReplaced(2, "$.id", "$.key"),
        SchemaChanged("target"),
    ]
    assert state.document.field("$.id") == FieldMapping(target="$.id", constant=1)
