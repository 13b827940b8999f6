"""Reference material the GUI and CLI show: the function library, the document's JSON Schema,
and the mapping reference (docs/reference.md and the inspector's help use the same texts)."""

from __future__ import annotations

from typing import Any

from fieldwright.domain import MappingDocument
from fieldwright.engine import reference
from fieldwright.engine.functions import REGISTRY, ArgHint, FunctionSpec

__all__ = [
    "ArgHint",
    "document_json_schema",
    "field_help",
    "function_library",
    "reference_markdown",
]


def function_library() -> list[FunctionSpec]:
    """Every registered function, by category then name."""
    return list(REGISTRY)


def document_json_schema() -> dict[str, Any]:
    """The JSON Schema of the mapping document, for editors."""
    schema = MappingDocument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Fieldwright mapping document"
    return schema


def reference_markdown() -> str:
    """The mapping reference as Markdown: field options, on_error, validation rules, null
    behaviour and every function (what `fieldwright functions --markdown` writes)."""
    return reference.reference_markdown()


def field_help(topic: str) -> str:
    """The reference's plain text for a topic ("on_error", "rules.regex", "missing", …) or a
    function's name; "" for an unknown topic."""
    return reference.field_help(topic)
