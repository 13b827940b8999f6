"""The mapping document: the unit analysts save, share, diff, test and run.

Every model forbids unknown keys, so a typo in a hand-edited document is
reported with its JSON pointer instead of being silently dropped.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from fieldwright.domain.chains import check_library_names
from fieldwright.domain.schema import Schema

__all__ = [
    "FORMAT_VERSION",
    "SYSTEM_CODE",
    "ConnectorRef",
    "CredentialRef",
    "Endpoint",
    "ErrorStrategy",
    "FieldMapping",
    "MappingDocument",
    "Missing",
    "OnError",
    "RunSettings",
    "TestCase",
    "TestKind",
    "TransformStep",
    "ValidationRules",
]

#: The document format this version of Fieldwright writes.
FORMAT_VERSION = 1

#: A client or system code as it appears in a business key: QBT, WFN, ACME_EU.
SYSTEM_CODE = re.compile(r"^[A-Z0-9_]{2,16}$")


class _Model(BaseModel):
    # defer_build: each model's validator is built on its first use, not at import: a run
    # validates a MappingDocument (which builds what it nests once) and little else, and
    # building every model at import was most of the domain's start-up cost (issue 18).
    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)


class CredentialRef(_Model):
    """Where a connection's secret lives in the OS keyring; never the secret itself."""

    service: str = "fieldwright"
    username: str = Field(min_length=1)


class ConnectorRef(_Model):
    """Which connector reads or writes one side of a mapping, and how."""

    kind: str = Field(min_length=1, description="csv, ndjson, json, xlsx, sql, http …")
    settings: dict[str, JsonValue] = Field(default_factory=dict)
    credential: CredentialRef | None = None
    #: The name of a saved connection in the store, when the settings come from there.
    connection: str | None = None


class Endpoint(Schema):
    """One side of a mapping: the record schema (its `fields`) and, optionally, its connector."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)

    connector: ConnectorRef | None = None


class OnError(StrEnum):
    """What a failing field does to its record."""

    FAIL = "fail"  #: the whole record fails and goes to the dead letters
    SKIP = "skip"  #: the target field is left out
    DEFAULT = "default"  #: the field's default is written instead
    NULL = "null"  #: null is written instead


class Missing(StrEnum):
    """What a field does when every one of its source paths is missing from the record.

    A path is missing when it selects nothing (`{}` for `$.a`); a path whose value is
    null (`{"a": null}`) is present. Both read as null in the transform chain.
    """

    NULL = "null"  #: map null as usual: the chain, `default` and `required` apply
    SKIP = "skip"  #: leave the target out, without running the chain or the checks


class TransformStep(_Model):
    """One step of a transform chain: a function of the library and its arguments."""

    fn: str = Field(min_length=1)
    args: list[JsonValue] = Field(default_factory=list)


class ValidationRules(_Model):
    """Checks on a field's final value, after its transform chain."""

    regex: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = Field(default=None, ge=0)
    enum: list[JsonValue] | None = None
    type: str | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in type(self).model_fields)


class FieldMapping(_Model):
    """How one target field is produced: source path(s) or a constant, then a chain."""

    target: str = Field(
        min_length=1,
        description=(
            "Target JSONPath. Under [*] (`$.lines[*].qty`) the field is written once per item "
            "of the source array bound to `$.lines[*]` (docs/arrays-item-by-item.md)."
        ),
    )
    #: Source JSONPaths. With none, the field takes `constant`.
    sources: list[str] = Field(
        default_factory=list,
        description=(
            "Source JSONPaths: `$.…` reads the record. Under a [*] target, `@` is the current "
            "item and `@.qty` a path below it, `@@.x` reads the enclosing item, `@index` and "
            "`@number` give its position (from 0 and from 1), and `$.…` outside the bound array "
            "is the same in every item. The field mapping of `$.lines[*]` itself binds it: "
            'sources ["$.items[*]"] (or "@.taxes[*]" for an array in the item).'
        ),
    )
    constant: JsonValue = None
    #: An expression (JSONata, docs/expressions.md) over the record and the current item
    #: whose result is the field's input, instead of source paths or a constant.
    expression: str | None = None
    transforms: list[TransformStep] = Field(default_factory=list)
    required: bool = False
    default: JsonValue = None
    rules: ValidationRules = Field(default_factory=ValidationRules)
    on_error: OnError = OnError.FAIL
    #: When every source path is missing (not merely null): map null, or skip the target.
    missing: Missing = Missing.NULL
    notes: str = ""
    active: bool = True

    @field_validator("sources", mode="before")
    @classmethod
    def _one_source_as_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _constant_or_sources(self) -> FieldMapping:
        if self.sources and self.constant is not None:
            raise ValueError("a field mapping takes either source paths or a constant, not both")
        if self.expression is not None and (self.sources or self.constant is not None):
            given = "source paths" if self.sources else "a constant"
            raise ValueError(
                f"a field mapping takes an expression or {given}, not both; "
                "an expression reads the fields it needs itself"
            )
        return self

    @property
    def is_constant(self) -> bool:
        return not self.sources and self.expression is None


class TestKind(StrEnum):
    UNIT = "unit"
    INTEGRATION = "integration"
    EDGE_CASE = "edge_case"
    PERFORMANCE = "performance"


class TestCase(_Model):
    """An input record and the output the mapping must produce from it."""

    __test__ = False  # not a pytest class

    name: str = Field(min_length=1)
    kind: TestKind = TestKind.UNIT
    description: str = ""
    input: dict[str, JsonValue]
    #: The expected target record; `null` expects the filter to drop the record.
    expected: dict[str, JsonValue] | None
    #: Expect the record to fail (and goes to the dead letters) instead.
    expect_failure: bool = False


class ErrorStrategy(StrEnum):
    """What a run does when a record fails."""

    FAIL_FAST = "fail_fast"  #: stop at the first failed record
    CONTINUE_ON_ERROR = "continue_on_error"  #: keep going; failed records become dead letters
    RETRY = "retry"  #: retry transient connector errors, then continue on error


class RunSettings(_Model):
    error_strategy: ErrorStrategy = ErrorStrategy.CONTINUE_ON_ERROR
    batch_size: int = Field(default=1000, ge=1, le=1_000_000)
    max_attempts: int = Field(default=3, ge=1, le=100)
    retry_delay_seconds: float = Field(default=2.0, ge=0)
    timeout_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="How long Run now and Run with… in the app may take before the run is "
        "stopped and logged failed ('timed out'); a schedule has its own timeout, and a "
        "headless `fieldwright run` is stopped by its caller (Ctrl-C).",
    )


class MappingDocument(_Model):
    """A whole mapping: schemas, lookups, filter, field mappings, tests, run settings."""

    fieldwright: int = Field(description="Document format version.")
    key: str = Field(min_length=1, description="Business key, e.g. mapping_QBT_WFN_ACME_20250724")
    name: str = Field(min_length=1)
    description: str = ""
    #: Short upper-case codes of the client and the two systems (ACME, QBT, WFN); "" when unset.
    client: str = ""
    source_system: str = ""
    target_system: str = ""
    version: int = Field(default=1, ge=1)
    source: Endpoint = Field(default_factory=Endpoint)
    target: Endpoint = Field(default_factory=Endpoint)
    lookups: dict[str, dict[str, JsonValue]] = Field(default_factory=dict)
    #: A lookup table's value for keys it lacks, by table name (absent: null).
    lookup_defaults: dict[str, JsonValue] = Field(default_factory=dict)
    #: JMESPath predicate over the source record; records it rejects are filtered.
    filter: str | None = None
    #: Named reusable transform chains; a step ``{"fn": "@name"}`` calls one
    #: (`fieldwright.domain.chains`).
    library: dict[str, list[TransformStep]] = Field(default_factory=dict)
    fields: list[FieldMapping] = Field(default_factory=list)
    tests: list[TestCase] = Field(default_factory=list)
    run: RunSettings = Field(default_factory=RunSettings)

    @field_validator("library")
    @classmethod
    def _library_names(
        cls, value: dict[str, list[TransformStep]]
    ) -> dict[str, list[TransformStep]]:
        return check_library_names(value)

    @field_validator("client", "source_system", "target_system")
    @classmethod
    def _code_syntax(cls, value: str) -> str:
        if value and not SYSTEM_CODE.match(value):
            raise ValueError(
                f"{value!r} is not a code: write 2 to 16 upper-case letters, digits or _, "
                "e.g. ACME or QBT"
            )
        return value

    @model_validator(mode="after")
    def _defaults_of_tables(self) -> MappingDocument:
        unknown = [name for name in self.lookup_defaults if name not in self.lookups]
        if unknown:
            known = ", ".join(sorted(self.lookups)) or "none"
            raise ValueError(
                f"lookup_defaults names no lookup table: {', '.join(unknown)} (tables: {known})"
            )
        return self

    def field(self, target: str) -> FieldMapping | None:
        """The field mapping writing `target`, if any."""
        return next((f for f in self.fields if f.target == target), None)
