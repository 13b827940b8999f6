"""Schema fields to and from JSON Schema (draft 2020-12)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldwright.connectors.errors import SchemaConversionError
from fieldwright.domain.errors import pointer
from fieldwright.domain.schema import FieldType, SchemaField, member_path

__all__ = ["DRAFT_2020_12", "schema_from_json_schema", "schema_to_json_schema"]

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

_TO_JSON: dict[FieldType, dict[str, str]] = {
    FieldType.STRING: {"type": "string"},
    FieldType.INTEGER: {"type": "integer"},
    FieldType.NUMBER: {"type": "number"},
    FieldType.BOOLEAN: {"type": "boolean"},
    FieldType.DATE: {"type": "string", "format": "date"},
    FieldType.DATETIME: {"type": "string", "format": "date-time"},
    FieldType.OBJECT: {"type": "object"},
    FieldType.ARRAY: {"type": "array"},
    FieldType.ANY: {},
}
_FROM_JSON = {
    "string": FieldType.STRING,
    "integer": FieldType.INTEGER,
    "number": FieldType.NUMBER,
    "boolean": FieldType.BOOLEAN,
    "object": FieldType.OBJECT,
    "array": FieldType.ARRAY,
}
_MAX_DEPTH = 32


def _at(where: str, *tokens: str | int) -> str:
    """The JSON pointer `where` extended by `tokens`."""
    return where + pointer(*tokens)


# -- to JSON Schema -------------------------------------------------------------------


def schema_to_json_schema(
    fields: list[SchemaField],
    *,
    title: str | None = None,
    enums: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    """A draft 2020-12 JSON Schema of records with these fields.

    `enums` (JSONPath → values, as `InferredSchema.enums`) adds ``enum`` keywords
    (to the items of an array field).
    """
    document: dict[str, Any] = {"$schema": DRAFT_2020_12}
    if title:
        document["title"] = title
    document["type"] = "object"
    document.update(_object_body(fields, "$", enums or {}))
    return document


def _object_body(
    fields: list[SchemaField], parent: str, enums: Mapping[str, list[str]]
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "properties": {
            field.name: _field_schema(field, member_path(parent, field.name), enums)
            for field in fields
        }
    }
    required = [field.name for field in fields if field.required]
    if required:
        body["required"] = required
    return body


def _field_schema(field: SchemaField, path: str, enums: Mapping[str, list[str]]) -> dict[str, Any]:
    schema: dict[str, Any] = dict(_TO_JSON[field.type])
    if field.type is FieldType.OBJECT:
        schema.update(_object_body(field.fields, path, enums))
    elif field.type is FieldType.ARRAY and (field.items is not None or field.fields):
        item_type = field.items if field.items is not None else FieldType.OBJECT
        items: dict[str, Any] = dict(_TO_JSON[item_type])
        if item_type is FieldType.OBJECT:
            items.update(_object_body(field.fields, f"{path}[*]", enums))
        schema["items"] = items
    if field.description:
        schema["description"] = field.description
    if field.example is not None:
        schema["examples"] = [field.example]
    if path in enums:
        enum_holder = schema.get("items", schema) if field.type is FieldType.ARRAY else schema
        enum_holder["enum"] = list(enums[path])
    return schema


# -- from JSON Schema -----------------------------------------------------------------


def schema_from_json_schema(document: Mapping[str, Any]) -> list[SchemaField]:
    """The fields of the records a JSON Schema describes (an object schema with properties).

    Understood: ``type`` (also as a list with ``"null"``), ``format`` date /
    date-time, ``properties``, ``required``, ``items``, local ``$ref`` into
    ``$defs`` / ``definitions``, ``anyOf`` / ``oneOf`` with one non-null
    branch, ``allOf`` (merged), ``enum`` / ``const``, ``description`` /
    ``title``, ``examples`` / ``example``. Anything else becomes `any`.
    """
    if not isinstance(document, Mapping):
        raise SchemaConversionError("a JSON Schema must be a JSON object")
    root = _Reader(document)
    schema = root.resolve(document, "", 0)
    if "properties" not in schema or root.kind(schema, "")[0] not in (FieldType.OBJECT, None):
        raise SchemaConversionError(
            "the JSON Schema does not describe an object with properties; "
            "records must be JSON objects"
        )
    return root.fields(schema, "", 0)


class _Reader:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: Any, where: str, depth: int) -> Mapping[str, Any]:
        if isinstance(schema, bool):
            return {}  # true (anything) or false (nothing): no type to tell
        if not isinstance(schema, Mapping):
            raise SchemaConversionError(f"{where or '/'}: a schema must be a JSON object")
        if depth > _MAX_DEPTH:
            return {}  # a recursive $ref: stop describing deeper levels
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target: Any = self.document
            if not ref.startswith("#"):
                raise SchemaConversionError(f"{where or '/'}: only local $ref are supported: {ref}")
            for token in ref[1:].split("/")[1:]:
                token = token.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, Mapping) or token not in target:
                    raise SchemaConversionError(f"{where or '/'}: $ref {ref} points nowhere")
                target = target[token]
            merged = {**self.resolve(target, ref[1:], depth + 1), **schema}
            merged.pop("$ref")
            return merged
        for keyword in ("anyOf", "oneOf"):
            branches = schema.get(keyword)
            if isinstance(branches, list):
                real = [
                    b for b in branches if not (isinstance(b, Mapping) and b.get("type") == "null")
                ]
                if len(real) == 1:
                    rest = {k: v for k, v in schema.items() if k != keyword}
                    return {**self.resolve(real[0], where, depth + 1), **rest}
        all_of = schema.get("allOf")
        if isinstance(all_of, list):
            merged_all: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for index, branch in enumerate(all_of):
                part = self.resolve(branch, _at(where, "allOf", index), depth + 1)
                for key, value in part.items():
                    if key in ("properties",) and key in merged_all:
                        merged_all[key] = {**merged_all[key], **value}
                    elif key == "required" and key in merged_all:
                        merged_all[key] = [*merged_all[key], *value]
                    else:
                        merged_all.setdefault(key, value)
            return merged_all
        return schema

    def kind(self, schema: Mapping[str, Any], where: str) -> tuple[FieldType | None, bool]:
        """(the field type or None when the schema says nothing, whether it says anything)."""
        declared = schema.get("type")
        names = [declared] if isinstance(declared, str) else list(declared or [])
        names = [name for name in names if name != "null"]
        for name in names:
            if name not in _FROM_JSON:
                raise SchemaConversionError(f"{where or '/'}: unknown type {name!r}")
        if len(names) > 1:
            return (
                FieldType.NUMBER if set(names) == {"integer", "number"} else FieldType.ANY
            ), True
        if len(names) == 1:
            found = _FROM_JSON[names[0]]
            if found is FieldType.STRING:
                found = {"date": FieldType.DATE, "date-time": FieldType.DATETIME}.get(
                    str(schema.get("format")), FieldType.STRING
                )
            return found, True
        if "properties" in schema:
            return FieldType.OBJECT, True
        if "items" in schema or "prefixItems" in schema:
            return FieldType.ARRAY, True
        values = schema.get("enum", [schema["const"]] if "const" in schema else None)
        if isinstance(values, list) and values:
            kinds = {self._value_type(value) for value in values if value is not None}
            if len(kinds) == 1:
                return kinds.pop(), True
        return None, False

    @staticmethod
    def _value_type(value: Any) -> FieldType:
        if isinstance(value, bool):
            return FieldType.BOOLEAN
        if isinstance(value, int):
            return FieldType.INTEGER
        if isinstance(value, float):
            return FieldType.NUMBER
        return FieldType.STRING if isinstance(value, str) else FieldType.ANY

    def fields(self, schema: Mapping[str, Any], where: str, depth: int) -> list[SchemaField]:
        properties = schema.get("properties") or {}
        if not isinstance(properties, Mapping):
            raise SchemaConversionError(f"{where or '/'}/properties: must be a JSON object")
        required = set(schema.get("required") or [])
        return [
            self.field(name, sub, name in required, _at(where, "properties", name), depth)
            for name, sub in properties.items()
        ]

    def field(self, name: str, raw: Any, required: bool, where: str, depth: int) -> SchemaField:
        schema = self.resolve(raw, where, depth + 1)
        kind = self.kind(schema, where)[0] or FieldType.ANY
        children: list[SchemaField] = []
        items: FieldType | None = None
        if kind is FieldType.OBJECT:
            children = self.fields(schema, where, depth + 1)
        elif kind is FieldType.ARRAY and isinstance(schema.get("items"), Mapping | bool):
            item_where = _at(where, "items")
            item_schema = self.resolve(schema["items"], item_where, depth + 1)
            items = self.kind(item_schema, item_where)[0] or FieldType.ANY
            if items is FieldType.OBJECT:
                children = self.fields(item_schema, item_where, depth + 1)
        examples = schema.get("examples")
        example = examples[0] if isinstance(examples, list) and examples else schema.get("example")
        description = schema.get("description") or schema.get("title") or ""
        return SchemaField(
            name=name,
            type=kind,
            required=required,
            description=str(description),
            example=example,
            items=items,
            fields=children,
        )
