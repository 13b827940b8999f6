from __future__ import annotations

from typing import Any

import pytest

from fieldwright.domain import DocumentError
from fieldwright.engine import RecordStatus, compile_document, validate
from fieldwright.engine.functions import Registry
from tests.engine.kit import document


def mapped(
    registry: Registry, fields: list[dict[str, Any]], record: dict[str, Any], **extra: Any
) -> Any:
    compiled = compile_document(document(fields=fields, **extra), registry=registry)
    return compiled.apply(record)


def test_simple_nested_and_constant_fields(registry: Registry) -> None:
    result = mapped(
        registry,
        [
            {"target": "$.id", "sources": "$.vid"},
            {
                "target": "$.name.first",
                "sources": "$.properties.firstname.value",
                "transforms": [{"fn": "upper"}],
            },
            {"target": "$.source_system", "constant": "hubspot"},
            {"target": "$.meta", "constant": {"v": 1}},
        ],
        {"vid": 7, "properties": {"firstname": {"value": "ada"}}},
    )
    assert result.status is RecordStatus.OK
    assert result.output == {
        "id": 7,
        "name": {"first": "ADA"},
        "source_system": "hubspot",
        "meta": {"v": 1},
    }


def test_constant_objects_are_not_shared_between_records(registry: Registry) -> None:
    compiled = compile_document(
        document(
            fields=[
                {"target": "$.meta", "constant": {}},
                {"target": "$.meta.id", "sources": "$.id"},
            ]
        ),
        registry=registry,
    )
    assert compiled.apply({"id": 1}).output == {"meta": {"id": 1}}
    assert compiled.apply({"id": 2}).output == {"meta": {"id": 2}}
    assert compiled.document.fields[0].constant == {}


def test_multi_source_field_gets_a_list(registry: Registry) -> None:
    result = mapped(
        registry,
        [
            {
                "target": "$.full",
                "sources": ["$.first", "$.last"],
                "transforms": [{"fn": "join", "args": [" "]}],
            }
        ],
        {"first": "Ada", "last": "Lovelace"},
    )
    assert result.output == {"full": "Ada Lovelace"}


def test_lookup_tables_and_defaults(registry: Registry) -> None:
    fields = [
        {
            "target": "$.stage",
            "sources": "$.stage",
            "transforms": [{"fn": "lookup", "args": ["stage", "?"]}],
        },
        {"target": "$.country", "sources": "$.country", "default": "US"},
    ]
    lookups = {"stage": {"lead": "L", "customer": "C"}}
    assert mapped(registry, fields, {"stage": "lead"}, lookups=lookups).output == {
        "stage": "L",
        "country": "US",
    }
    assert mapped(registry, fields, {"stage": "x", "country": "NO"}, lookups=lookups).output == {
        "stage": "?",
        "country": "NO",
    }


def test_null_passes_through_steps_unless_the_function_handles_null(registry: Registry) -> None:
    fields = [
        {"target": "$.a", "sources": "$.missing", "transforms": [{"fn": "upper"}]},
        {
            "target": "$.b",
            "sources": "$.missing",
            "transforms": [{"fn": "if_null", "args": ["n/a"]}, {"fn": "upper"}],
        },
    ]
    assert mapped(registry, fields, {}).output == {"a": None, "b": "N/A"}


@pytest.mark.parametrize(
    ("on_error", "status", "output"),
    [
        ("fail", RecordStatus.FAILED, None),
        ("skip", RecordStatus.OK, {"ok": 1}),
        ("default", RecordStatus.OK, {"ok": 1, "name": "UNKNOWN"}),
        ("null", RecordStatus.OK, {"ok": 1, "name": None}),
    ],
)
def test_each_on_error_policy(
    registry: Registry, on_error: str, status: RecordStatus, output: Any
) -> None:
    fields = [
        {"target": "$.ok", "sources": "$.ok"},
        {
            "target": "$.name",
            "sources": "$.name",
            "transforms": [{"fn": "upper"}],
            "on_error": on_error,
            "default": "UNKNOWN",
        },
    ]
    result = mapped(registry, fields, {"ok": 1, "name": 42})
    assert result.status is status
    assert result.output == output
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.target == "$.name"
    assert error.step == 0 and error.fn == "upper"
    assert "upper needs text" in error.reason
    assert error.handled_by == on_error


def test_failed_record_lists_every_failing_field(registry: Registry) -> None:
    fields = [
        {"target": "$.a", "sources": "$.a", "transforms": [{"fn": "upper"}]},
        {"target": "$.b", "sources": "$.b", "required": True},
        {"target": "$.c", "sources": "$.c", "rules": {"regex": "^[0-9]{5}$"}},
    ]
    result = mapped(registry, fields, {"a": 1, "c": "12"})
    assert result.status is RecordStatus.FAILED
    assert [e.target for e in result.failures] == ["$.a", "$.b", "$.c"]
    assert "required value is empty" in result.reason()
    assert "does not match the pattern" in result.reason()


@pytest.mark.parametrize(
    ("rules", "value", "ok"),
    [
        ({"min": 0, "max": 10}, 5, True),
        ({"min": 0, "max": 10}, 11, False),
        ({"min": 0}, -1, False),
        ({"min": 0}, "text", False),
        ({"max_length": 3}, "abcd", False),
        ({"max_length": 3}, "abc", True),
        ({"enum": ["A", "B"]}, "C", False),
        ({"enum": ["A", "B"]}, "A", True),
        ({"type": "integer"}, 1.5, False),
        ({"type": "integer"}, 2, True),
        ({"type": "date"}, "2025-07-24", True),
        ({"type": "date"}, "24/07/2025", False),
        ({"type": "datetime"}, "2025-07-24T10:00:00+02:00", True),
        ({"type": "boolean"}, 1, False),
    ],
)
def test_validation_rules(registry: Registry, rules: dict[str, Any], value: Any, ok: bool) -> None:
    result = mapped(registry, [{"target": "$.v", "sources": "$.v", "rules": rules}], {"v": value})
    assert (result.status is RecordStatus.OK) is ok


def test_filter_rejects_records(registry: Registry) -> None:
    compiled = compile_document(
        document(fields=[{"target": "$.id", "sources": "$.id"}], filter="status == 'active' && id"),
        registry=registry,
    )
    assert compiled.apply({"id": 1, "status": "active"}).status is RecordStatus.OK
    assert compiled.apply({"id": 1, "status": "archived"}).status is RecordStatus.FILTERED
    assert compiled.apply({"id": 0, "status": "active"}).status is RecordStatus.OK


def test_arrays_of_objects_map_item_by_item(registry: Registry) -> None:
    fields = [
        {
            "target": "$.lines[*].hours",
            "sources": "$.entries[*].duration",
            "transforms": [{"fn": "add", "args": [1]}],
        },
        {"target": "$.lines[*].code", "sources": "$.entries[*].type"},
        {"target": "$.lines[*].employee", "sources": "$.employee"},
        {
            "target": "$.total_entries",
            "sources": "$.entries[*].duration",
            "transforms": [{"fn": "join", "args": ["+"]}],
        },
    ]
    record = {
        "employee": "E7",
        "entries": [{"duration": 1, "type": "REG"}, {"duration": 2, "type": "OT"}],
    }
    assert mapped(registry, fields, record).output == {
        "lines": [
            {"hours": 2.0, "code": "REG", "employee": "E7"},
            {"hours": 3.0, "code": "OT", "employee": "E7"},
        ],
        "total_entries": "1+2",
    }


def test_a_failing_array_item_names_its_index(registry: Registry) -> None:
    fields = [
        {"target": "$.names[*]", "sources": "$.people[*].name", "transforms": [{"fn": "upper"}]}
    ]
    result = mapped(registry, fields, {"people": [{"name": "a"}, {"name": 5}]})
    assert result.status is RecordStatus.FAILED
    assert result.failures[0].target == "$.names[1]"


def test_inactive_fields_are_not_mapped(registry: Registry) -> None:
    fields = [
        {"target": "$.a", "sources": "$.a"},
        {"target": "$.b", "sources": "$.b", "active": False},
    ]
    assert mapped(registry, fields, {"a": 1, "b": 2}).output == {"a": 1}


def test_document_problems_are_listed_with_pointers(registry: Registry) -> None:
    doc = document(
        fields=[
            {"target": "$.a", "sources": "$.a", "transforms": [{"fn": "uper"}]},
            {"target": "$.b[", "sources": ["$.ok", "$.x[01]"]},
            {"target": "$.c", "sources": "$.c", "transforms": [{"fn": "add", "args": ["ten"]}]},
            {"target": "$.d", "sources": "$.d", "transforms": [{"fn": "lookup", "args": ["nope"]}]},
            {"target": "$.e", "sources": "$.e", "transforms": [{"fn": "add"}]},
            {"target": "$.a", "sources": "$.z"},
            {"target": "$.f", "sources": "$.f", "rules": {"regex": "([", "type": "text"}},
        ],
        filter="a ==",
        lookups={"stage": {}},
    )
    problems = {p.pointer: p.message for p in validate(doc, registry=registry)}
    assert "did you mean upper" in problems["/fields/0/transforms/0/fn"]
    assert "column 5" in problems["/fields/1/target"]
    assert "leading zero" in problems["/fields/1/sources/1"]
    assert "must be a number, not string 'ten'" in problems["/fields/2/transforms/0/args/0"]
    assert "'nope' does not exist (tables: stage)" in problems["/fields/3/transforms/0/args/0"]
    assert "needs argument 'amount'" in problems["/fields/4/transforms/0"]
    assert "already mapped by field 0" in problems["/fields/5/target"]
    assert "invalid regular expression" in problems["/fields/6/rules/regex"]
    assert "unknown type 'text'" in problems["/fields/6/rules/type"]
    assert "invalid JMESPath" in problems["/filter"]
    assert len(problems) == 10
    with pytest.raises(DocumentError) as info:
        compile_document(doc, registry=registry, source="broken.fwmap.json")
    assert str(info.value).startswith("broken.fwmap.json: the mapping document has 10 problems:")


def test_too_many_arguments(registry: Registry) -> None:
    doc = document(
        fields=[{"target": "$.a", "sources": "$.a", "transforms": [{"fn": "upper", "args": [1]}]}]
    )
    [problem] = validate(doc, registry=registry)
    assert problem.pointer == "/fields/0/transforms/0/args/0"
    assert "remove the extra" in problem.message
