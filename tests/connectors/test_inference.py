"""Schema inference on HubSpot-like records, and the JSON Schema round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fieldwright.connectors import (
    DRAFT_2020_12,
    NdjsonSource,
    SchemaConversionError,
    infer_schema,
    infer_schema_details,
    schema_from_json_schema,
    schema_to_json_schema,
)
from fieldwright.domain.schema import FieldType, Schema, SchemaField

STAGES = ["lead", "customer", "subscriber"]


def contact(n: int) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": str(1000 + n),
        "properties": {
            "email": f"person{n}@example.com",
            "firstname": f"Name{n}",
            "lifecyclestage": STAGES[n % 3],
            "hs_lead_score": n if n % 2 else n + 0.5,
            "num_employees": 10 * n,
            "createdate": "2024-01-05T10:00:00.123Z",
            "birthday": f"1990-02-2{n % 8 + 1}",
            "phone": None if n % 4 == 0 else f"+44 20 7946 0{n:03d}",
            "mixed": n if n % 2 else "n/a",
        },
        "associations": {"companies": {"results": [{"id": str(n), "type": "primary"}]}},
        "tags": ["vip", "beta"] if n % 2 else [],
        "archived": n % 5 == 0,
        "blob": {"a": 1} if n % 2 else [1],
        "never": None,
    }
    if n % 3:
        record["properties"]["company"] = "Acme"
    return record


RECORDS = [contact(n) for n in range(1, 13)]


def by_name(fields: list[SchemaField]) -> dict[str, SchemaField]:
    return {field.name: field for field in fields}


def test_nested_hubspot_records() -> None:
    fields = by_name(infer_schema(RECORDS))
    assert list(fields) == ["id", "properties", "associations", "tags", "archived", "blob", "never"]
    assert fields["id"].type is FieldType.STRING and fields["id"].required
    assert fields["id"].example == "1001"
    assert fields["archived"].type is FieldType.BOOLEAN
    assert fields["blob"].type is FieldType.ANY
    assert fields["never"].type is FieldType.ANY and not fields["never"].required

    props = by_name(fields["properties"].fields)
    assert fields["properties"].type is FieldType.OBJECT
    assert props["email"].type is FieldType.STRING
    assert props["hs_lead_score"].type is FieldType.NUMBER  # ints and floats
    assert props["num_employees"].type is FieldType.INTEGER
    assert props["createdate"].type is FieldType.DATETIME
    assert props["birthday"].type is FieldType.DATE
    assert props["mixed"].type is FieldType.STRING
    assert props["phone"].type is FieldType.STRING
    assert props["phone"].example == "+44 20 7946 0001"
    assert not props["phone"].required  # null in some records
    assert not props["company"].required  # absent from some records
    assert props["email"].required

    companies = by_name(by_name(fields["associations"].fields)["companies"].fields)["results"]
    assert companies.type is FieldType.ARRAY and companies.items is FieldType.OBJECT
    assert [(f.name, f.type, f.required) for f in companies.fields] == [
        ("id", FieldType.STRING, True),
        ("type", FieldType.STRING, True),
    ]
    assert fields["tags"].items is FieldType.STRING
    assert fields["tags"].example == ["vip", "beta"]


def test_enum_candidates_are_low_cardinality_repeated_strings() -> None:
    details = infer_schema_details(RECORDS)
    assert details.records == 12
    assert details.enums == {
        "$.properties.lifecyclestage": ["customer", "lead", "subscriber"],
        "$.properties.company": ["Acme"],
        "$.associations.companies.results[*].type": ["primary"],
        "$.tags": ["beta", "vip"],
    }
    assert "$.properties.email" not in details.enums  # all distinct
    assert "$.properties.firstname" not in details.enums
    assert "$.properties.mixed" not in details.enums  # strings mixed with numbers
    assert by_name(details.fields)["tags"].description == "each one of: beta, vip"
    stage = by_name(by_name(details.fields)["properties"].fields)["lifecyclestage"]
    assert stage.description == "one of: customer, lead, subscriber"
    # paths are those of the schema tree
    assert set(details.enums) <= set(Schema(fields=details.fields).paths())


def test_too_few_records_for_an_enum() -> None:
    details = infer_schema_details([{"status": "a"}, {"status": "b"}, {"status": "a"}])
    assert details.enums == {}


def test_max_records_limits_the_sample() -> None:
    records = [{"a": 1}] * 5 + [{"a": "text", "b": True}]
    assert by_name(infer_schema(records, max_records=5))["a"].type is FieldType.INTEGER
    fields = by_name(infer_schema(records))
    assert fields["a"].type is FieldType.STRING and not fields["b"].required


def test_reads_the_items_of_a_source(tmp_path: Path) -> None:
    path = tmp_path / "c.ndjson"
    path.write_text('{"id": 1, "at": "2024-01-05"}\nnot json\n{"id": 2.5}\n')
    fields = by_name(infer_schema(NdjsonSource(path)))
    assert fields["id"].type is FieldType.NUMBER and fields["id"].required
    assert fields["at"].type is FieldType.DATE and not fields["at"].required


def test_strings_that_only_look_like_dates() -> None:
    fields = by_name(
        infer_schema(
            [{"d": "2024-13-45", "t": "2024-01-05 10:00", "z": "2024-01-05T10:00:00+0200"}]
        )
    )
    assert fields["d"].type is FieldType.STRING
    assert fields["t"].type is FieldType.DATETIME
    assert fields["z"].type is FieldType.DATETIME


def test_json_schema_round_trip() -> None:
    details = infer_schema_details(RECORDS)
    document = schema_to_json_schema(details.fields, title="HubSpot contact", enums=details.enums)
    assert document["$schema"] == DRAFT_2020_12 == "https://json-schema.org/draft/2020-12/schema"
    assert document["title"] == "HubSpot contact"
    assert document["required"] == ["id", "properties", "associations", "tags", "archived", "blob"]
    props = document["properties"]["properties"]["properties"]
    assert props["createdate"] == {
        "type": "string",
        "format": "date-time",
        "examples": ["2024-01-05T10:00:00.123Z"],
    }
    assert props["lifecyclestage"]["enum"] == ["customer", "lead", "subscriber"]
    assert document["properties"]["blob"] == {"examples": [[1]]}  # any: no type keyword
    assert document["properties"]["tags"]["items"] == {"type": "string", "enum": ["beta", "vip"]}
    results = document["properties"]["associations"]["properties"]["companies"]["properties"][
        "results"
    ]
    assert results["type"] == "array" and results["items"]["required"] == ["id", "type"]
    assert schema_from_json_schema(document) == details.fields


def test_from_json_schema_understands_refs_nullable_and_combinators() -> None:
    document = {
        "$schema": DRAFT_2020_12,
        "type": "object",
        "required": ["id", "owner"],
        "properties": {
            "id": {"type": "integer", "description": "Record id"},
            "owner": {"$ref": "#/$defs/person"},
            "manager": {"anyOf": [{"$ref": "#/$defs/person"}, {"type": "null"}]},
            "score": {"type": ["number", "null"]},
            "count": {"type": ["integer", "number"]},
            "either": {"type": ["string", "integer"]},
            "stage": {"enum": ["lead", "customer"]},
            "born": {"type": "string", "format": "date", "example": "1990-01-01"},
            "tuple": {"type": "array", "prefixItems": [{"type": "string"}]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "merged": {"allOf": [{"properties": {"a": {"type": "string"}}}, {"required": ["a"]}]},
        },
        "$defs": {
            "person": {
                "type": "object",
                "title": "A person",
                "properties": {"name": {"type": "string"}, "boss": {"$ref": "#/$defs/person"}},
            }
        },
    }
    fields = by_name(schema_from_json_schema(document))
    assert fields["id"] == SchemaField(
        name="id", type=FieldType.INTEGER, required=True, description="Record id"
    )
    owner = fields["owner"]
    assert owner.type is FieldType.OBJECT and owner.required and owner.description == "A person"
    assert by_name(owner.fields)["boss"].type is FieldType.OBJECT  # recursion is cut, not endless
    assert fields["manager"].type is FieldType.OBJECT and not fields["manager"].required
    assert fields["score"].type is FieldType.NUMBER
    assert fields["count"].type is FieldType.NUMBER
    assert fields["either"].type is FieldType.ANY
    assert fields["stage"].type is FieldType.STRING
    assert fields["born"].type is FieldType.DATE and fields["born"].example == "1990-01-01"
    assert fields["tuple"].type is FieldType.ARRAY and fields["tuple"].items is None
    assert fields["tags"].items is FieldType.STRING
    merged = fields["merged"]
    assert merged.type is FieldType.OBJECT and by_name(merged.fields)["a"].required


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"type": "array", "items": {}}, "does not describe an object"),
        (
            {"type": "object", "properties": {"a": {"type": "text"}}},
            "/properties/a: unknown type 'text'",
        ),
        (
            {"properties": {"a": {"$ref": "#/$defs/missing"}}},
            r"/properties/a: \$ref #/\$defs/missing points nowhere",
        ),
        ({"properties": {"a": {"$ref": "https://x.org/s.json"}}}, "only local"),
    ],
)
def test_from_json_schema_errors_say_where(document: dict[str, Any], message: str) -> None:
    with pytest.raises(SchemaConversionError, match=message):
        schema_from_json_schema(document)
