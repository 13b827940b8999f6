"""The template document: a reusable mapping for a pair of systems, instanced per client.

A template carries everything a mapping document does (schemas, lookups, filter,
field mappings, tests, run settings) plus what a library needs to show and
certify it, and a `library` of named transform chains that field mappings use
through a step ``{"fn": "@name"}``. Instancing expands those references, so an
instance is a plain mapping document the engine understands.

A template may also carry a **pipeline** (issue 19 item 6): `pipeline` holds a
pipeline's body (endpoints, steps, tests, run settings) whose map steps name the
template's own named `mappings` (``"mapping": "timesheet"``). Instancing makes
each named mapping a mapping document (`mapping_{SRC}_{TGT}_{CLIENT}_{date}_{NAME}`)
and the pipeline a pipeline document (`pipeline_{SRC}_{TGT}_{CLIENT}_{date}`) whose
map steps name those mappings' keys. The top-level mapping (`fields`) may sit
next to the pipeline or be left out.

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

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    field_validator,
    model_validator,
)

from fieldwright.domain.approvals import ApprovalSettings
from fieldwright.domain.canonical import parse_json, read_json, write_atomically
from fieldwright.domain.chains import (
    LIBRARY_PREFIX,
    check_library,
    check_library_names,
    expand_fields,
)
from fieldwright.domain.document import (
    FORMAT_VERSION,
    SYSTEM_CODE,
    Endpoint,
    FieldMapping,
    MappingDocument,
    RunSettings,
    TestCase,
    TransformStep,
)
from fieldwright.domain.errors import DocumentError, Problem
from fieldwright.domain.pipeline import (
    PIPELINE_FORMAT_VERSION,
    MapStep,
    PipelineDocument,
    PipelineStep,
    PipelineTest,
    RouteStep,
)
from fieldwright.domain.pipeline import _unique as _unique_steps
from fieldwright.domain.pipeline_canonical import step_problems, typed_steps

__all__ = [
    "CLIENT_CODE",
    "LIBRARY_PREFIX",
    "MAPPING_NAME",
    "TEMPLATE_CODE",
    "Expansion",
    "TemplateCategory",
    "TemplateDocument",
    "TemplateMapping",
    "TemplatePipeline",
    "dump_template",
    "expand",
    "expand_pipeline",
    "instance_key",
    "load_template",
    "loads_template",
    "mapping_instance_key",
    "pipeline_instance_key",
    "pipeline_problems",
    "save_template",
    "template_from_data",
    "template_to_data",
]

#: `template_{SRC}_{TGT}`: upper-case letters and digits for each system code.
TEMPLATE_CODE = re.compile(r"^template_([A-Z0-9]{2,20})_([A-Z0-9]{2,20})$")
#: A client code as it appears in a mapping key.
CLIENT_CODE = re.compile(r"^[A-Z0-9]{2,20}$")
#: The name of one of a template's mappings, as a pipeline's map step gives it.
MAPPING_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class TemplateCategory(StrEnum):
    COMPLIANCE = "compliance"
    SECURITY = "security"
    HR = "hr"
    FINANCE = "finance"
    OPERATIONS = "operations"
    CUSTOM = "custom"


class TemplateMapping(BaseModel):
    """One named mapping of a template that carries a pipeline: a mapping document's
    parts (the template's `library` chains are shared by every mapping)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str = Field(default="", description="Shown name; default: the mapping's name")
    description: str = ""
    source: Endpoint = Field(default_factory=Endpoint)
    target: Endpoint = Field(default_factory=Endpoint)
    lookups: dict[str, dict[str, JsonValue]] = Field(default_factory=dict)
    lookup_defaults: dict[str, JsonValue] = Field(default_factory=dict)
    filter: str | None = None
    fields: list[FieldMapping] = Field(min_length=1)
    tests: list[TestCase] = Field(default_factory=list)
    run: RunSettings = Field(default_factory=RunSettings)


class TemplatePipeline(BaseModel):
    """A pipeline's body, as a template carries it: the key, name, client and system
    codes are given when the template is used. A map step's `mapping` is the name of
    one of the template's `mappings` (or an inline mapping document)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    description: str = ""
    source: Endpoint = Field(default_factory=Endpoint)
    target: Endpoint = Field(default_factory=Endpoint)
    steps: list[PipelineStep] = Field(min_length=1)
    spill_after: int = Field(default=20_000, ge=1, le=100_000_000)
    tests: list[PipelineTest] = Field(default_factory=list)
    run: RunSettings = Field(default_factory=RunSettings)

    @field_validator("steps")
    @classmethod
    def _unique_names(cls, steps: list[PipelineStep]) -> list[PipelineStep]:
        return _unique_steps(steps)


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
    #: Who signs a mapping made from this template before it runs on schedule (issue 20).
    approval: ApprovalSettings = Field(default_factory=ApprovalSettings)
    #: Named mappings a pipeline's map steps use (issue 19 item 6): name → mapping.
    mappings: dict[str, TemplateMapping] = Field(default_factory=dict)
    #: The pipeline the template makes, next to (or instead of) its top-level mapping.
    pipeline: TemplatePipeline | None = None

    @field_validator("mappings")
    @classmethod
    def _mapping_names(cls, value: dict[str, TemplateMapping]) -> dict[str, TemplateMapping]:
        for name in value:
            if not MAPPING_NAME.match(name):
                raise ValueError(
                    f"{name!r} is not a mapping name: 1 to 32 lower-case letters, digits or _, "
                    "starting with a letter, e.g. timesheet"
                )
        return value

    @model_validator(mode="after")
    def _mappings_need_pipeline(self) -> TemplateDocument:
        if self.mappings and self.pipeline is None:
            raise ValueError(
                "named mappings are the steps of a pipeline: add `pipeline`, or move the "
                "mapping's fields to the top level"
            )
        return self

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


def mapping_instance_key(template: TemplateDocument, client: str, day: date, name: str) -> str:
    """`mapping_{SRC}_{TGT}_{CLIENT}_{yyyymmdd}_{NAME}`: the key of named mapping `name`."""
    return f"{instance_key(template, client, day)}_{name.upper()}"


def pipeline_instance_key(template: TemplateDocument, client: str, day: date) -> str:
    """`pipeline_{SRC}_{TGT}_{CLIENT}_{yyyymmdd}`: the key of the template's pipeline."""
    return "pipeline_" + instance_key(template, client, day).removeprefix("mapping_")


@dataclass(frozen=True, slots=True)
class Expansion:
    """A template made into a mapping document, and where each expanded step came from."""

    document: MappingDocument
    #: (field index, expanded step index) → JSON pointer of that step in the template.
    origins: dict[tuple[int, int], str]
    #: Where the mapping lies in the template: "" (top level) or `/mappings/NAME`.
    prefix: str = ""

    def template_pointer(self, mapping_pointer: str) -> str:
        """The template's pointer for a problem the engine found in the expanded document."""
        match = re.match(r"^/fields/(\d+)/transforms/(\d+)(.*)$", mapping_pointer)
        if match is None:
            return self.prefix + mapping_pointer
        origin = self.origins.get((int(match.group(1)), int(match.group(2))))
        return origin + match.group(3) if origin else self.prefix + mapping_pointer


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


def expand(
    template: TemplateDocument, *, key: str, name: str, mapping: str | None = None
) -> Expansion:
    """The template (or its named mapping `mapping`) as a mapping document under `key`,
    library calls inlined (`fieldwright.domain.chains`, the mechanism mapping documents
    share).

    An unknown chain name or a chain calling itself raises DocumentError with
    the step's pointer (under `/mappings/NAME` for a named mapping).
    """
    part: TemplateDocument | TemplateMapping = template
    prefix = ""
    if mapping is not None:
        if mapping not in template.mappings:
            raise DocumentError([Problem("/mappings", f"the template has no mapping {mapping!r}")])
        part, prefix = template.mappings[mapping], f"/mappings/{mapping}"
    fields, origins, problems = expand_fields(part.fields, template.library)
    if prefix:
        origins = {at: _under(prefix, where) for at, where in origins.items()}
        problems = [Problem(_under(prefix, p.pointer), p.message) for p in problems]
    problems = [*check_library(template.library), *problems]
    if problems:
        raise DocumentError(_unique(problems))
    parts = {name: getattr(part, name) for name in _MAPPING_PARTS}
    document = MappingDocument(
        fieldwright=FORMAT_VERSION, key=key, name=name, fields=fields, **parts
    )
    return Expansion(document=document, origins=origins, prefix=prefix)


def _under(prefix: str, pointer: str) -> str:
    """A pointer into a named mapping's fields, placed under `prefix`; library pointers stay."""
    return prefix + pointer if pointer.startswith("/fields") else pointer


# -- pipelines --------------------------------------------------------------------------------


def _map_steps(steps: list[PipelineStep], at: str) -> list[tuple[str, MapStep]]:
    """Every map step (those in route branches too) with its pointer."""
    found: list[tuple[str, MapStep]] = []
    for index, step in enumerate(steps):
        if isinstance(step, MapStep):
            found.append((f"{at}/{index}", step))
        elif isinstance(step, RouteStep):
            for number, branch in enumerate(step.branches):
                found += _map_steps(branch.steps, f"{at}/{index}/branches/{number}/steps")
    return found


def pipeline_problems(template: TemplateDocument) -> list[Problem]:
    """A pipeline's map steps naming no mapping of the template; named mappings no step uses."""
    if template.pipeline is None:
        return []
    problems: list[Problem] = []
    used: set[str] = set()
    for at, step in _map_steps(template.pipeline.steps, "/pipeline/steps"):
        if not isinstance(step.mapping, str):
            continue
        used.add(step.mapping)
        if step.mapping not in template.mappings:
            known = ", ".join(sorted(template.mappings)) or "none"
            problems.append(
                Problem(
                    f"{at}/mapping",
                    f"map step {step.name!r} names {step.mapping!r}, which is not one of the "
                    f"template's mappings (it has: {known})",
                )
            )
    for name in sorted(set(template.mappings) - used):
        problems.append(
            Problem(f"/mappings/{name}", f"no map step of the pipeline uses mapping {name!r}")
        )
    return problems


def _named(steps: list[PipelineStep], keys: dict[str, str]) -> list[PipelineStep]:
    renamed: list[PipelineStep] = []
    for step in steps:
        if isinstance(step, MapStep) and isinstance(step.mapping, str):
            step = step.model_copy(update={"mapping": keys.get(step.mapping, step.mapping)})
        elif isinstance(step, RouteStep):
            branches = [
                branch.model_copy(update={"steps": _named(branch.steps, keys)})
                for branch in step.branches
            ]
            step = step.model_copy(update={"branches": branches})
        renamed.append(step)
    return renamed


def expand_pipeline(
    template: TemplateDocument,
    *,
    key: str,
    name: str,
    mapping_keys: dict[str, str],
    client: str = "",
) -> PipelineDocument:
    """The template's pipeline as a pipeline document under `key`: its map steps name the
    keys `mapping_keys` gives the template's mappings. DocumentError (with pointers) when
    the template has no pipeline or a map step names no mapping of the template."""
    body = template.pipeline
    if body is None:
        raise DocumentError([Problem("/pipeline", f"template {template.code!r} has no pipeline")])
    problems = pipeline_problems(template)
    if problems:
        raise DocumentError(problems)
    source, target = (code if SYSTEM_CODE.match(code) else "" for code in template.systems)
    return PipelineDocument(
        fieldwright_pipeline=PIPELINE_FORMAT_VERSION,
        key=key,
        name=name,
        description=body.description or template.description,
        client=client if SYSTEM_CODE.match(client) else "",
        source_system=source,
        target_system=target,
        source=body.source,
        target=body.target,
        steps=_named(body.steps, mapping_keys),
        spill_after=body.spill_after,
        tests=body.tests,
        run=body.run,
    )


def _unique(problems: list[Problem]) -> list[Problem]:
    return list({(p.pointer, p.message): p for p in problems}.values())


# -- canonical JSON ---------------------------------------------------------------------------


def template_to_data(template: TemplateDocument) -> dict[str, Any]:
    data: dict[str, Any] = template.model_dump(mode="json", exclude_defaults=True)
    if template.pipeline is not None:  # every step keeps its type, as in a pipeline file
        typed_steps(data["pipeline"]["steps"], template.pipeline.steps)
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
        template = TemplateDocument.model_validate(data)
    except ValidationError as exc:
        raise DocumentError(step_problems(exc, data, under="/pipeline")) from exc
    problems = pipeline_problems(template)
    if problems:
        raise DocumentError(problems)
    return template


def loads_template(text: str | bytes, *, source: str | None = None) -> TemplateDocument:
    return parse_json(text, template_from_data, source=source)


def load_template(path: str | os.PathLike[str]) -> TemplateDocument:
    return read_json(path, template_from_data)


def save_template(template: TemplateDocument, path: str | os.PathLike[str]) -> None:
    write_atomically(dump_template(template), path)
