"""Schema inference: the tree of fields that a sample of records shows.

Types: string, integer, number (integers mixed with floats), boolean, date
and datetime (strings that look like ISO dates), object and array (with the
type of their items, and the fields of object items). A field whose values
mix scalar types is a string; one that mixes objects or arrays with other
values is `any`; one that was only ever null is `any` too.

A field is `required` when it is present and non-null in every record (for
nested fields: in every object that holds it). Its `example` is its first
non-null value. Low-cardinality strings are enum candidates: they appear in
`InferredSchema.enums` by JSONPath and in the field's description
("one of: a, b, c"); for an array of such strings the enum is keyed by the
array's path and describes its items ("each one of: a, b").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any

from pydantic import JsonValue

from fieldwright.connectors.json_schema import schema_from_json_schema, schema_to_json_schema
from fieldwright.domain.records import Record, SourceItem
from fieldwright.domain.schema import FieldType, SchemaField, member_path

__all__ = [
    "InferredSchema",
    "infer_schema",
    "infer_schema_details",
    "schema_from_json_schema",
    "schema_to_json_schema",
]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?", re.IGNORECASE
)
_SCALARS = frozenset({"string", "date", "datetime", "integer", "number", "boolean"})
_MAX_ENUM_LENGTH = 64
_EXAMPLE_ITEMS = 3


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True


def _string_kind(text: str) -> str:
    if len(text) == 10 and _DATE.fullmatch(text) and _is_date(text):
        return "date"
    if 16 <= len(text) <= 40 and _DATETIME.fullmatch(text) and _is_date(text):
        return "datetime"
    return "string"


@dataclass
class _Node:
    """What the sample showed at one place of the record tree."""

    max_enum: int
    present: int = 0  #: times the member was there (null or not)
    non_null: int = 0
    objects: int = 0  #: times the value was an object: the denominator of `required` below
    kinds: dict[str, None] = field(default_factory=dict)  #: ordered set of value kinds
    example: Any = None
    children: dict[str, _Node] = field(default_factory=dict)
    items: _Node | None = None
    strings: dict[str, None] | None = field(default_factory=dict)  #: distinct values, or None

    def observe(self, value: Any) -> None:
        if value is None:
            return
        self.non_null += 1
        if isinstance(value, dict):
            self.kinds["object"] = None
            self.objects += 1
            for key, member in value.items():
                child = self.children.get(key)
                if child is None:
                    child = self.children[key] = _Node(self.max_enum)
                child.present += 1
                child.observe(member)
            return
        if isinstance(value, list):
            self.kinds["array"] = None
            if self.example is None and value and not isinstance(value[0], dict | list):
                self.example = value[:_EXAMPLE_ITEMS]
            if self.items is None:
                self.items = _Node(self.max_enum)
            for element in value:
                self.items.present += 1
                self.items.observe(element)
            return
        if self.example is None:
            self.example = value
        if isinstance(value, bool):
            self.kinds["boolean"] = None
        elif isinstance(value, int):
            self.kinds["integer"] = None
        elif isinstance(value, float):
            self.kinds["number"] = None
        elif isinstance(value, str):
            self.kinds[_string_kind(value)] = None
            self._count_string(value)
        else:
            self.kinds["string"] = None

    def _count_string(self, value: str) -> None:
        if self.strings is None:
            return
        if len(value) > _MAX_ENUM_LENGTH:
            self.strings = None
            return
        self.strings[value] = None
        if len(self.strings) > self.max_enum:
            self.strings = None

    def field_type(self) -> FieldType:
        kinds = set(self.kinds)
        if not kinds:
            return FieldType.ANY
        if len(kinds) == 1:
            return FieldType(next(iter(kinds)))
        if kinds == {"integer", "number"}:
            return FieldType.NUMBER
        return FieldType.STRING if kinds <= _SCALARS else FieldType.ANY

    def enum(self) -> list[str] | None:
        if set(self.kinds) != {"string"} or not self.strings:
            return None
        values = sorted(self.strings)
        # Enough repetition to tell a closed set from a handful of unique names.
        if self.non_null < max(5, 2 * len(values)):
            return None
        return values


@dataclass(frozen=True)
class InferredSchema:
    """The inferred fields, the enum candidates by JSONPath, and how many records were sampled."""

    fields: list[SchemaField]
    enums: dict[str, list[str]]
    records: int


def _fields(parent: _Node, path: str, enums: dict[str, list[str]]) -> list[SchemaField]:
    return [
        _field(name, node, parent, member_path(path, name), enums)
        for name, node in parent.children.items()
    ]


def _field(
    name: str, node: _Node, parent: _Node, path: str, enums: dict[str, list[str]]
) -> SchemaField:
    kind = node.field_type()
    description = ""
    children: list[SchemaField] = []
    items: FieldType | None = None
    example: JsonValue = None
    if kind is FieldType.OBJECT:
        children = _fields(node, path, enums)
    elif kind is FieldType.ARRAY:
        element = node.items
        if element is not None and element.non_null:
            items = element.field_type()
            if items is FieldType.OBJECT:
                children = _fields(element, f"{path}[*]", enums)
            values = element.enum()
            if values is not None:
                enums[path] = values
                description = "each one of: " + ", ".join(values)
        example = node.example
    else:
        example = node.example
        values = node.enum()
        if values is not None:
            enums[path] = values
            description = "one of: " + ", ".join(values)
    return SchemaField(
        name=name,
        type=kind,
        required=node.non_null == parent.objects and parent.objects > 0,
        description=description,
        example=example,
        items=items,
        fields=children,
    )


def infer_schema_details(
    records: Iterable[Record | SourceItem],
    *,
    max_records: int = 1000,
    max_enum_values: int = 10,
) -> InferredSchema:
    """Infer the schema of the first `max_records` records, with enum candidates.

    Accepts records or the `SourceItem`s of a source (unreadable items are
    left out), so ``infer_schema_details(open_source(path))`` works.
    """
    root = _Node(max_enum_values)

    def only_records() -> Iterable[Record]:
        for entry in records:
            if isinstance(entry, SourceItem):
                if entry.record is not None:
                    yield entry.record
            else:
                yield entry

    sampled = 0
    for record in islice(only_records(), max_records):
        root.observe(record)
        sampled += 1
    enums: dict[str, list[str]] = {}
    return InferredSchema(fields=_fields(root, "$", enums), enums=enums, records=sampled)


def infer_schema(
    records: Iterable[Record | SourceItem], *, max_records: int = 1000
) -> list[SchemaField]:
    """The schema fields the first `max_records` records show (see the module's doc)."""
    return infer_schema_details(records, max_records=max_records).fields
