"""The template document: a reusable mapping for a pair of systems, instanced per client.

A template carries everything a mapping document does (schemas, lookups, filter,
field mappings, tests, run settings) plus what a library needs to show and
certify it, and a `library` of named transform chains that field mappings use
through a step ``{"fn": "@name"}``. Instancing expands those references, so an
instance is a plain mapping document the engine understands.

`certified` and `certified_at` are informational: the service recomputes
certification from the tests and never trusts the file.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, field_validator

from fieldwright.domain.canonical import parse_json, problems_of, read_json, write_atomically
from fieldwright.domain.chains import (
    LIBRARY_PREFIX,
    check_library,
    check_library_names,
    expand_fields,
)
from fieldwright.domain.document import (
    FORMAT_VERSION,
    Endpoint,
    FieldMapping,
    MappingDocument,
    RunSettings,
    TestCase,
    TransformStep,
)
from fieldwright.domain.errors import DocumentError, Problem

__all__ = [
    "CLIENT_CODE",
    "LIBRARY_PREFIX",
    "TEMPLATE_CODE",
    "Expansion",
    "TemplateCategory",
    "TemplateDocument",
    "dump_template",
    "expand",
    "instance_key",
    "load_template",
    "loads_template",
    "save_template",
    "template_from_data",
    "template_to_data",
]

#: `template_{SRC}_{TGT}`: upper-case letters and digits for each system code.
TEMPLATE_CODE = re.compile(r"^template_([A-Z0-9]{2,20})_([A-Z0-9]{2,20})$")
#: A client code as it appears in a mapping key.
CLIENT_CODE = re.compile(r"^[A-Z0-9]{2,20}$")


class TemplateCategory(StrEnum):
    COMPLIANCE = "compliance"
    SECURITY = "security"
    HR = "hr"
    FINANCE = "finance"
    OPERATIONS = "operations"
    CUSTOM = "custom"


class TemplateDocument(BaseModel):
    """A reusable, tested mapping between two systems (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    fieldwright: int = Field(description="Document format version.")
    code: str = Field(description="Business key, template_{SRC}_{TGT}, e.g. template_QBT_WFN")
    name: str = Field(min_length=1)
    description: str = ""
    category: TemplateCategory = TemplateCategory.CUSTOM
    version: int = Field(default=1, ge=1)
    #: Informational only; recomputed from the tests whenever it matters.
    certified: bool = False
    certified_at: date | None = None
    source_system: str = Field(min_length=1)
    target_system: str = Field(min_length=1)
    source: Endpoint = Field(default_factory=Endpoint)
    target: Endpoint = Field(default_factory=Endpoint)
    lookups: dict[str, dict[str, JsonValue]] = Field(default_factory=dict)
    lookup_defaults: dict[str, JsonValue] = Field(default_factory=dict)
    filter: str | None = None
    #: Named reusable transform chains; a step ``{"fn": "@name"}`` stands for one.
    library: dict[str, list[TransformStep]] = Field(default_factory=dict)
    fields: list[FieldMapping] = Field(default_factory=list)
    tests: list[TestCase] = Field(default_factory=list)
    run: RunSettings = Field(default_factory=RunSettings)
    prerequisites: list[str] = Field(default_factory=list)
    supported_operations: list[str] = Field(default_factory=list)
    rate_limits: dict[str, JsonValue] = Field(default_factory=dict)
    #: Connection settings to fill in; never secrets (those go to the keyring).
    connection_template: dict[str, JsonValue] = Field(default_factory=dict)
    documentation: str = ""

    @field_validator("code")
    @classmethod
    def _code_pattern(cls, value: str) -> str:
        if not TEMPLATE_CODE.match(value):
            raise ValueError(
                f"{value!r} is not a template code; write template_{{SRC}}_{{TGT}} with "
                "upper-case system codes, e.g. template_QBT_WFN"
            )
        return value

    @field_validator("library")
    @classmethod
    def _library_names(
        cls, value: dict[str, list[TransformStep]]
    ) -> dict[str, list[TransformStep]]:
        return check_library_names(value)

    @property
    def systems(self) -> tuple[str, str]:
        """The source and target system codes of the business key (QBT, WFN)."""
        match = TEMPLATE_CODE.match(self.code)
        assert match is not None  # checked by the validator
        return match.group(1), match.group(2)


def instance_key(template: TemplateDocument, client: str, day: date) -> str:
    """`mapping_{SRC}_{TGT}_{CLIENT}_{yyyymmdd}`; the client code is upper-cased and checked."""
    code = client.strip().upper()
    if not CLIENT_CODE.match(code):
        raise ValueError(
            f"client code {client!r} must be 2-20 letters or digits, e.g. ACME (got {code!r})"
        )
    source, target = template.systems
    return f"mapping_{source}_{target}_{code}_{day:%Y%m%d}"


@dataclass(frozen=True, slots=True)
class Expansion:
    """A template made into a mapping document, and where each expanded step came from."""

    document: MappingDocument
    #: (field index, expanded step index) → JSON pointer of that step in the template.
    origins: dict[tuple[int, int], str]

    def template_pointer(self, mapping_pointer: str) -> str:
        """The template's pointer for a problem the engine found in the expanded document."""
        match = re.match(r"^/fields/(\d+)/transforms/(\d+)(.*)$", mapping_pointer)
        if match is None:
            return mapping_pointer
        origin = self.origins.get((int(match.group(1)), int(match.group(2))))
        return origin + match.group(3) if origin else mapping_pointer


_MAPPING_PARTS = (
    "description",
    "source",
    "target",
    "lookups",
    "lookup_defaults",
    "filter",
    "tests",
    "run",
)


def expand(template: TemplateDocument, *, key: str, name: str) -> Expansion:
    """The template as a mapping document under `key`, library calls inlined
    (`fieldwright.domain.chains`, the mechanism mapping documents share).

    An unknown chain name or a chain calling itself raises DocumentError with
    the step's pointer.
    """
    fields, origins, problems = expand_fields(template.fields, template.library)
    problems = [*check_library(template.library), *problems]
    if problems:
        raise DocumentError(_unique(problems))
    parts = {part: getattr(template, part) for part in _MAPPING_PARTS}
    document = MappingDocument(
        fieldwright=FORMAT_VERSION, key=key, name=name, fields=fields, **parts
    )
    return Expansion(document=document, origins=origins)


def _unique(problems: list[Problem]) -> list[Problem]:
    return list({(p.pointer, p.message): p for p in problems}.values())


# -- canonical JSON ---------------------------------------------------------------------------


def template_to_data(template: TemplateDocument) -> dict[str, Any]:
    data: dict[str, Any] = template.model_dump(mode="json", exclude_defaults=True)
    return data


def dump_template(template: TemplateDocument) -> str:
    """The canonical JSON text of a template (same rules as mapping documents)."""
    return json.dumps(template_to_data(template), indent=2, ensure_ascii=False) + "\n"


def template_from_data(data: Any) -> TemplateDocument:
    if not isinstance(data, dict):
        raise DocumentError([Problem("", "a template document is a JSON object")])
    version = data.get("fieldwright")
    if version != FORMAT_VERSION:
        raise DocumentError(
            [Problem("/fieldwright", f"format version must be {FORMAT_VERSION}, not {version!r}")]
        )
    try:
        return TemplateDocument.model_validate(data)
    except ValidationError as exc:
        raise DocumentError(problems_of(exc)) from exc


def loads_template(text: str | bytes, *, source: str | None = None) -> TemplateDocument:
    return parse_json(text, template_from_data, source=source)


def load_template(path: str | os.PathLike[str]) -> TemplateDocument:
    return read_json(path, template_from_data)


def save_template(template: TemplateDocument, path: str | os.PathLike[str]) -> None:
    write_atomically(dump_template(template), path)
