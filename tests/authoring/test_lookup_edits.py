"""Lookup table and filter edits, without Qt: each undoes to the byte."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from fieldwright.authoring.edits import Edit
from fieldwright.authoring.events import PropertiesChanged
from fieldwright.authoring.lookup_edits import (
    AddLookup,
    DeleteLookup,
    SetFilter,
    SetLookupDefault,
    SetLookupRows,
    rename_lookup,
)
from fieldwright.authoring.lookup_rows import as_table, parse_pasted_rows, rows_problem
from fieldwright.authoring.session import DocumentState
from fieldwright.domain import MappingDocument, dumps


def _document() -> MappingDocument:
    return MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": "k",
            "name": "n",
            "lookups": {"stage": {"lead": "L"}, "country": {"France": "FR"}},
            "lookup_defaults": {"stage": "?"},
            "fields": [
                {
                    "target": "$.stage",
                    "sources": "$.stage",
                    "transforms": [{"fn": "trim"}, {"fn": "lookup", "args": ["stage", "x"]}],
                },
                {"target": "$.name", "sources": "$.name"},
            ],
        }
    )


def _applied_then_undone(edit: Edit) -> MappingDocument:
    """Apply `edit`, check its undo restores the document exactly, and redo it."""
    document = _document()
    before = dumps(document)
    events = edit.apply(document)
    assert events and all(isinstance(e, PropertiesChanged) for e in events[:1])
    after = dumps(document)
    edit.revert(document)
    assert dumps(document) == before
    edit.apply(document)
    assert dumps(document) == after
    return document


def test_add_a_table_with_rows_and_a_default() -> None:
    document = _applied_then_undone(AddLookup(name=" tier ", rows={"1": "gold"}, default="none"))
    assert list(document.lookups) == ["stage", "country", "tier"]
    assert document.lookups["tier"] == {"1": "gold"}
    assert document.lookup_defaults == {"stage": "?", "tier": "none"}


def test_rename_keeps_the_tables_place_its_default_and_the_steps_using_it() -> None:
    document = _applied_then_undone(rename_lookup(_document(), "stage", "stages"))
    assert list(document.lookups) == ["stages", "country"]
    assert document.lookup_defaults == {"stages": "?"}
    mapping = document.field("$.stage")
    assert mapping is not None
    assert [step.args for step in mapping.transforms] == [[], ["stages", "x"]]


def test_delete_takes_the_default_along() -> None:
    document = _applied_then_undone(DeleteLookup(name="stage"))
    assert list(document.lookups) == ["country"]
    assert document.lookup_defaults == {}


def test_set_rows_in_the_order_given() -> None:
    document = _applied_then_undone(SetLookupRows(name="stage", rows={"b": 2, "a": "1"}))
    assert list(document.lookups["stage"].items()) == [("b", 2), ("a", "1")]


def test_set_and_remove_a_default() -> None:
    assert _applied_then_undone(SetLookupDefault(name="country", default="ZZ")).lookup_defaults == {
        "stage": "?",
        "country": "ZZ",
    }
    assert _applied_then_undone(SetLookupDefault(name="stage", default=None)).lookup_defaults == {}


def test_set_and_remove_the_filter() -> None:
    assert _applied_then_undone(SetFilter("stage != 'lost'")).filter == "stage != 'lost'"
    document = _document()
    document.filter = "a"
    SetFilter("  ").apply(document)
    assert document.filter is None


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (AddLookup(name="stage"), "there is a lookup table 'stage' already"),
        (AddLookup(name="  "), "a lookup table needs a name"),
        (DeleteLookup(name="nope"), "no lookup table 'nope'"),
        (SetLookupRows(name="stage", rows={" ": "x"}), "a row has an empty key"),
        (SetLookupDefault(name="nope", default=1), "no lookup table 'nope'"),
        (SetFilter("stage =="), "filter: invalid JMESPath expression"),
    ],
)
def test_a_refused_edit_says_why_and_changes_nothing(edit: Edit, message: str) -> None:
    document = _document()
    before = dumps(document)
    with pytest.raises((KeyError, ValueError, ValidationError), match=message):
        edit.apply(document)
    assert dumps(document) == before


def test_rename_onto_another_table_is_refused() -> None:
    with pytest.raises(ValueError, match="there is a lookup table 'country' already"):
        rename_lookup(_document(), "stage", "country").apply(_document())


def test_the_session_tells_listeners_which_properties_changed() -> None:
    state = DocumentState(_document(), None)
    heard: list[object] = []
    state.subscribe(heard.extend)
    state.apply(SetFilter("a"))
    state.apply(AddLookup(name="t"))
    assert heard == [
        PropertiesChanged(("filter",)),
        PropertiesChanged(("lookup_defaults", "lookups")),
    ]


def test_pasted_spreadsheet_cells_and_csv_become_rows() -> None:
    assert parse_pasted_rows("lead\tL\ncustomer\tC\n\n") == [("lead", "L"), ("customer", "C")]
    assert parse_pasted_rows('lead,L\n"a, b",AB\nsolo\n') == [
        ("lead", "L"),
        ("a, b", "AB"),
        ("solo", ""),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\tb\nc\td\te\n", "pasted line 2: 3 cells"),
        ("a,b\n ,x\n", "pasted line 2: the key"),
    ],
)
def test_pasted_rows_that_cannot_be_entries_name_their_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_pasted_rows(text)


def test_grid_rows_problems_and_table() -> None:
    rows = [("a", "1"), ("", ""), ("b", 2)]
    assert rows_problem(rows) is None
    assert as_table(rows) == {"a": "1", "b": 2}
    assert rows_problem([("a", "1"), ("a", "2")]) == "row 2 repeats the key 'a' of row 1"
    assert rows_problem([("a", "1"), (" ", "2")]) == "row 2 has a value but no key"
