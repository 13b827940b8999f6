"""Reference material the GUI and CLI show: the function library and the document's JSON Schema."""

from __future__ import annotations

from typing import Any

from fieldwright.domain import MappingDocument
from fieldwright.engine.functions import REGISTRY, ArgHint, FunctionSpec

__all__ = ["ArgHint", "document_json_schema", "function_library"]


def function_library() -> list[FunctionSpec]:
    """Every registered function, by category then name."""
    return list(REGISTRY)


def document_json_schema() -> dict[str, Any]:
    """The JSON Schema of the mapping document, for editors."""
    schema = MappingDocument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Fieldwright mapping document"
    return schema
