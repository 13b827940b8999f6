"""Change events, without Qt: what each edit says it changed, applied and reverted."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from fieldwright.authoring.automap import accept_suggestions, suggest_mappings
from fieldwright.authoring.edits import (
    AddFieldMapping,
    RemoveFieldMapping,
    ReplaceFieldMapping,
    SetProperties,
    SetSchema,
    edit_mapping,
    map_fields,
)
from fieldwright.authoring.events import (
    DocumentReplaced,
    Events,
    FieldMappingAdded,
    FieldMappingRemoved,
    FieldMappingReplaced,
    PropertiesChanged,
    SchemaChanged,
    TestAdded,
    TestRemoved,
    TestReplaced,
)
from fieldwright.authoring.session import DocumentState
from fieldwright.authoring.suite_edits import AddTest, RemoveTest, ReplaceTest
from fieldwright.domain import FieldMapping, MappingDocument, SchemaField, TestCase, dumps
from fieldwright.service import open_mapping
from tests.conftest import HUBSPOT


def _document() -> MappingDocument:
    return open_mapping(HUBSPOT)


def _index(document: MappingDocument, target: str) -> int:
    return [f.target for f in document.fields].index(target)


def test_the_authoring_package_runs_without_qt() -> None:
    script = (
        "import sys, fieldwright.authoring.session, fieldwright.authoring.compilation, "
        "fieldwright.authoring.automap; "
        "print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


def test_adding_and_removing_a_field_mapping_say_where() -> None:
    document = _document()
    count = len(document.fields)
    add = AddFieldMapping(FieldMapping(target="$.extra", sources=["$.id"]))
    assert add.apply(document) == [FieldMappingAdded(count, "$.extra")]
    assert add.revert(document) == [FieldMappingRemoved(count, "$.extra")]
    at = _index(document, "$.email")
    remove = RemoveFieldMapping("$.email")
    assert remove.apply(document) == [FieldMappingRemoved(at, "$.email")]
    assert remove.revert(document) == [FieldMappingAdded(at, "$.email")]


def test_a_retarget_names_both_targets_and_its_undo_the_reverse() -> None:
    document = _document()
    at = _index(document, "$.email")
    moved = document.fields[at].model_copy(update={"target": "$.mail"})
    edit = ReplaceFieldMapping("$.email", moved)
    assert edit.apply(document) == [FieldMappingReplaced(at, "$.mail", "$.email")]
    assert edit.revert(document) == [FieldMappingReplaced(at, "$.email", "$.mail")]


def test_a_drop_of_a_second_source_replaces_the_mapping() -> None:
    document = _document()
    edit = map_fields(document, "$.properties.phone", "$.email")
    assert edit is not None
    assert edit.apply(document) == [
        FieldMappingReplaced(_index(document, "$.email"), "$.email", "$.email")
    ]


def test_a_schema_load_and_its_undo_say_which_side() -> None:
    document = _document()
    edit = SetSchema("target", [SchemaField(name="only")])
    assert edit.apply(document) == [SchemaChanged("target")]
    assert edit.revert(document) == [SchemaChanged("target")]


def test_test_edits_say_which_test() -> None:
    document = _document()
    count = len(document.tests)
    case = TestCase(name="new", input={}, expected={})
    add = AddTest(case)
    assert add.apply(document) == [TestAdded(count, "new")]
    replace = ReplaceTest(count, case.model_copy(update={"name": "renamed"}))
    assert replace.apply(document) == [TestReplaced(count, "renamed")]
    assert replace.revert(document) == [TestReplaced(count, "new")]
    remove = RemoveTest(count)
    assert remove.apply(document) == [TestRemoved(count, "new")]
    assert remove.revert(document) == [TestAdded(count, "new")]
    assert add.revert(document) == [TestRemoved(count, "new")]


def test_properties_change_validated_and_revert_exactly() -> None:
    document = _document()
    before = dumps(document)
    edit = SetProperties({"name": "Renamed", "filter": "properties.email != null"})
    assert edit.apply(document) == [PropertiesChanged(("filter", "name"))]
    assert document.name == "Renamed" and document.filter == "properties.email != null"
    assert edit.revert(document) == [PropertiesChanged(("filter", "name"))]
    assert dumps(document) == before
    with pytest.raises(ValidationError):
        SetProperties({"name": ""}).apply(document)
    assert dumps(document) == before
    with pytest.raises(KeyError):
        SetProperties({"fields": []})


def test_the_session_hands_each_change_to_its_listeners_in_order() -> None:
    state = DocumentState(_document(), None)
    heard: list[Events] = []
    state.subscribe(heard.append)
    edit = edit_mapping(state.document, "$.email", "Notes", notes="checked")
    state.apply(edit)
    state.revert(edit)
    at = _index(state.document, "$.email")
    assert heard == [
        [FieldMappingReplaced(at, "$.email", "$.email")],
        [FieldMappingReplaced(at, "$.email", "$.email")],
    ]
    replacement = _document()
    state.replace(replacement, None)
    assert heard[-1] == [DocumentReplaced()] and state.document is replacement


def test_an_unsubscribed_listener_hears_nothing_and_a_failed_edit_tells_nobody() -> None:
    state = DocumentState(_document(), None)
    heard: list[Events] = []
    unsubscribe = state.subscribe(heard.append)
    with pytest.raises(KeyError):
        state.apply(RemoveFieldMapping("$.nowhere"))
    unsubscribe()
    state.apply(RemoveFieldMapping("$.email"))
    assert heard == []


def test_auto_map_accepts_every_suggestion_as_one_edit_with_one_event_each() -> None:
    document = _document()
    for target in ("$.company", "$.phone", "$.stage"):
        RemoveFieldMapping(target).apply(document)
    before = dumps(document)
    suggestions = suggest_mappings(document)
    assert len(suggestions) >= 2
    edit = accept_suggestions(document, suggestions)
    assert edit is not None
    events = edit.apply(document)
    assert all(isinstance(event, FieldMappingAdded) for event in events)
    assert [e.target for e in events if isinstance(e, FieldMappingAdded)] == [
        s.target for s in suggestions
    ]
    edit.revert(document)
    assert dumps(document) == before
    assert accept_suggestions(document, []) is None
