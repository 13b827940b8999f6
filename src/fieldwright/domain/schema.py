"""Record schemas: the tree of fields a source yields or a target expects."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, JsonValue

__all__ = ["FieldType", "Schema", "SchemaField", "member_path"]


class FieldType(StrEnum):
    """The value types a schema field may declare."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    OBJECT = "object"
    ARRAY = "array"
    ANY = "any"


def _is_shorthand(name: str) -> bool:
    if not name or name[0].isdigit():
        return False
    return all(ch == "_" or ch.isalnum() or ord(ch) > 0x7F for ch in name)


def member_path(parent: str, name: str) -> str:
    """The JSONPath of member `name` below `parent`, quoted when it must be."""
    if _is_shorthand(name):
        return f"{parent}.{name}"
    escaped = name.replace("\\", "\\\\").replace("'", "\\'")
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f"{parent}['{escaped}']"


class SchemaField(BaseModel):
    """One field of a record: a leaf value, an object of fields or an array."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use

    name: str = Field(min_length=1)
    type: FieldType = FieldType.STRING
    required: bool = False
    description: str = ""
    example: JsonValue = None
    #: Element type of an array field; its `fields` describe object elements.
    items: FieldType | None = None
    #: Child fields of an object, or of the objects inside an array.
    fields: list[SchemaField] = Field(default_factory=list)

    def walk(self, parent: str = "$") -> Iterator[tuple[str, SchemaField]]:
        """Yield (JSONPath, field) for this field and every field below it."""
        path = member_path(parent, self.name)
        yield path, self
        child_parent = f"{path}[*]" if self.type is FieldType.ARRAY else path
        for child in self.fields:
            yield from child.walk(child_parent)


class Schema(BaseModel):
    """The fields of one side of a mapping, in the order the analyst sees them."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use

    fields: list[SchemaField] = Field(default_factory=list)

    def walk(self) -> Iterator[tuple[str, SchemaField]]:
        """Yield (JSONPath, field) for every field of the schema, depth first."""
        for field in self.fields:
            yield from field.walk("$")

    def paths(self) -> dict[str, SchemaField]:
        """Every field by its JSONPath."""
        return dict(self.walk())
