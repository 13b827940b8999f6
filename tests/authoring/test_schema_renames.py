"""A schema rename renames the key in the tests too (inputs for a source field, expected
outputs for a target field, item by item under arrays); one undo puts everything back."""

from __future__ import annotations

from fieldwright.authoring.events import SchemaChanged, TestReplaced
from fieldwright.authoring.schema_edits import RenameSchemaField
from fieldwright.authoring.schema_renames import rename_in
from fieldwright.domain import MappingDocument, TestCase, dumps
from tests.authoring.test_schema_edits import _document


def _with_tests() -> MappingDocument:
    document = _document()
    document.tests = [
        TestCase(
            name="one line",
            input={"first": "Ada", "last": "L", "lines": [{"qty": 2}, {"qty": 3}]},
            expected={"id": 1, "contact": {"name": "Ada L", "email": "L"}, "items": [{"n": 2}]},
        ),
        TestCase(name="untouched", input={"other": 1}, expected=None, expect_failure=True),
    ]
    return document


def test_renaming_a_source_field_renames_it_in_the_test_inputs_item_by_item() -> None:
    document = _with_tests()
    before = dumps(document)
    edit = RenameSchemaField("source", path="$.lines[*].qty", name="quantity")
    events = edit.apply(document)
    assert document.tests[0].input["lines"] == [{"quantity": 2}, {"quantity": 3}]
    assert document.tests[1].input == {"other": 1}
    assert document.fields[1].sources == ["$.lines[*].quantity"]
    assert events[0] == SchemaChanged("source") and TestReplaced(0, "one line") in events
    edit.revert(document)
    assert dumps(document) == before


def test_renaming_a_target_object_renames_it_in_the_expected_outputs() -> None:
    document = _with_tests()
    edit = RenameSchemaField("target", path="$.contact", name="person")
    edit.apply(document)
    expected = document.tests[0].expected
    assert expected is not None and list(expected) == ["id", "person", "items"]  # order kept
    assert document.tests[0].input["first"] == "Ada"  # a target rename leaves inputs alone


def test_a_source_rename_keeps_the_inputs_and_the_sources_in_step() -> None:
    document = _with_tests()
    RenameSchemaField("source", path="$.first", name="given").apply(document)
    assert document.tests[0].input["given"] == "Ada" and "first" not in document.tests[0].input
    assert document.fields[0].sources == ["$.given", "$.last"]


def test_rename_in_leaves_data_alone_where_the_new_name_is_taken_or_the_path_absent() -> None:
    data = {"a": 1, "b": 2}
    assert rename_in(data, [("a", False)], "b") is data
    assert rename_in(data, [("x", False)], "y") is data
    assert rename_in(data, [("a", False), ("c", False)], "d") is data
    assert rename_in([1], [("a", False)], "b") == [1]


def test_an_examples_suite_passes_as_before_after_renames_on_both_sides() -> None:
    from fieldwright.domain.canonical import load
    from fieldwright.service import run_document_tests
    from tests.conftest import HUBSPOT

    document = load(HUBSPOT)
    before = run_document_tests(document)
    RenameSchemaField("source", path="$.properties.firstname", name="given_name").apply(document)
    target = document.target.fields[1].name
    RenameSchemaField("target", path=f"$.{target}", name=f"{target}_renamed").apply(document)
    after = run_document_tests(document)
    assert [r.passed for r in after.results] == [r.passed for r in before.results]
    assert sum(r.passed for r in after.results) == len(document.tests) > 0
