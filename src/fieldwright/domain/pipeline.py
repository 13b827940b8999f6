"""The pipeline document: named steps that turn a stream of records into another.

A mapping turns one record into one record; a pipeline chains steps that may
turn one record into many (`unwind`), many into one (`aggregate`, `dedupe`),
join a second source (`enrich`), screen (`filter`, `validate`) and reorder
(`sort`). Like a mapping it is canonical JSON with a format version
(`fieldwright_pipeline`), a business key and every problem reported with its
JSON pointer (`domain/pipeline_canonical.py`).

Paths in steps are JSONPath (`$.order_id`, `$.shipping.country`); a path that
names a key of the output (a group key, a carried field) writes it under its
last member name unless the step gives a name.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from fieldwright.domain.document import (
    SYSTEM_CODE,
    ConnectorRef,
    Endpoint,
    MappingDocument,
    RunSettings,
    ValidationRules,
)
from fieldwright.domain.runs import RunCounts

__all__ = [
    "PIPELINE_FORMAT_VERSION",
    "AggregateFunction",
    "AggregateStep",
    "Aggregation",
    "Branch",
    "DedupeStep",
    "EnrichMode",
    "EnrichStep",
    "FieldCheck",
    "FilterStep",
    "JoinKind",
    "Keep",
    "MapStep",
    "NoMatch",
    "PipelineCounts",
    "PipelineDocument",
    "PipelineStep",
    "PipelineTest",
    "RouteMode",
    "RouteStep",
    "SortKey",
    "SortStep",
    "UnwindStep",
    "ValidateStep",
]

#: The pipeline format this version of Fieldwright writes.
PIPELINE_FORMAT_VERSION = 1

_STEP_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,63}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class _Step(_Model):
    name: str = Field(description="Unique in the pipeline; dead letters and counts name it.")
    description: str = ""

    @field_validator("name")
    @classmethod
    def _name_syntax(cls, value: str) -> str:
        if not _STEP_NAME.match(value):
            raise ValueError(
                f"{value!r} is not a step name: 1 to 64 letters, digits, spaces, _ . or -, "
                "starting with a letter, digit or _"
            )
        return value


class MapStep(_Step):
    """Each record through a mapping: inline, or a mapping file beside the pipeline."""

    type: Literal["map"] = "map"
    #: An inline mapping document, or the path of a mapping file (relative to the pipeline).
    mapping: MappingDocument | str


class FilterStep(_Step):
    """Keep the records a JMESPath predicate is true for (the mapping filter's language)."""

    type: Literal["filter"] = "filter"
    predicate: str = Field(min_length=1)


class FieldCheck(ValidationRules):
    """Rules on one field of the record; a failing record becomes a dead letter."""

    field: str = Field(min_length=1, description="JSONPath of the value checked")
    required: bool = False


class ValidateStep(_Step):
    type: Literal["validate"] = "validate"
    checks: list[FieldCheck] = Field(min_length=1)


class UnwindStep(_Step):
    """One record per item of an array, the item's fields with chosen parent fields."""

    type: Literal["unwind"] = "unwind"
    path: str = Field(min_length=1, description="JSONPath of the array, e.g. $.items")
    #: Parent fields copied into every item's record: output name → JSONPath.
    carry: dict[str, str] = Field(default_factory=dict)
    #: The item under this name; absent, an object item's fields are merged in.
    into: str | None = None
    #: The item's position under this name (from `position_base`); absent, not written.
    position: str | None = None
    position_base: int = Field(default=1, ge=0, le=1)
    #: A record whose array is missing, null or empty gives one record without an item.
    keep_empty: bool = False


class JoinKind(StrEnum):
    LEFT = "left"  #: every record goes on; `no_match` says what happens without a partner
    INNER = "inner"  #: a record without a partner is filtered


class NoMatch(StrEnum):
    KEEP = "keep"  #: the record goes on without the enriched fields
    DEAD_LETTER = "dead_letter"  #: the record fails, naming the keys it looked for
    DEFAULT = "default"  #: the record takes `defaults`


class EnrichMode(StrEnum):
    INDEX = "index"  #: the source is read once per run and indexed by its keys
    LOOKUP = "lookup"  #: keys are looked up in batches, with a bounded cache (SQL, HTTP)


#: Connector kinds an enrich step can look keys up in.
LOOKUP_KINDS = ("sql", "http")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def url_placeholders(url: str) -> list[str]:
    """The `{name}` placeholders of an HTTP enrich source's URL template, in order."""
    return _PLACEHOLDER.findall(url)


class EnrichStep(_Step):
    """Join each record with a record of a second source, found by keys.

    The second source is a file, a SQL table or query (inline settings, or a saved
    connection by its name in `source.connection`) or an HTTP endpoint. With
    `mode: index` it is read once and indexed by its keys (when a key is there twice
    the first record read wins); with `mode: lookup` (SQL, HTTP) the keys are looked
    up `batch_size` at a time, the answers kept in a cache of `cache_size` keys.
    Keys match by their text: the number 1, 1.0 and the text "1" (a CSV cell) are one key.
    """

    type: Literal["enrich"] = "enrich"
    source: ConnectorRef
    #: The join keys: JSONPath in the record → JSONPath in the second source's record.
    on: dict[str, str] = Field(min_length=1)
    how: JoinKind = JoinKind.LEFT
    no_match: NoMatch = NoMatch.KEEP
    #: Fields taken from the partner: output name → JSONPath in it; absent, all its fields.
    fields: dict[str, str] = Field(default_factory=dict)
    #: The partner's fields under this name instead of merged into the record.
    into: str | None = None
    #: The fields a record without a partner takes under `no_match: default`.
    defaults: dict[str, JsonValue] = Field(default_factory=dict)
    mode: EnrichMode = EnrichMode.INDEX
    #: Keys looked up together (one SQL query, one batch request).
    batch_size: int = Field(default=500, ge=1, le=10_000)
    #: Keys whose answer (found or not) is kept for the records that follow.
    cache_size: int = Field(default=10_000, ge=0, le=10_000_000)
    #: HTTP: the JSONPath of the record (or the array of records) in a response; `$` the body.
    records_path: str | None = None
    #: HTTP batch endpoint: the query parameter that carries the keys, comma-separated.
    batch_param: str | None = None
    #: HTTP: the most requests a run may send to the source; beyond it the run stops.
    max_requests: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _defaults_only_for_default(self) -> EnrichStep:
        if self.defaults and self.no_match is not NoMatch.DEFAULT:
            raise ValueError("defaults apply only with no_match: default")
        if self.how is JoinKind.INNER and self.no_match is not NoMatch.KEEP:
            raise ValueError(
                "an inner join filters records without a partner; no_match applies to left joins"
            )
        kind = self.source.kind.lower()
        if self.mode is EnrichMode.LOOKUP and kind not in LOOKUP_KINDS:
            raise ValueError(
                f"mode lookup looks keys up in a SQL table or an HTTP endpoint, not a {kind} "
                "source; a file is read once (mode index)"
            )
        if (kind != "http" or self.mode is not EnrichMode.LOOKUP) and (
            self.records_path is not None
            or self.batch_param is not None
            or self.max_requests is not None
        ):
            raise ValueError(
                "records_path, batch_param and max_requests apply to HTTP lookups (mode "
                "lookup); an HTTP source read whole takes the HTTP connector's settings"
            )
        url = self.source.settings.get("url")
        if (
            kind == "http"
            and self.mode is EnrichMode.LOOKUP
            and (url is not None or self.source.connection is None)
        ):
            names = url_placeholders(url) if isinstance(url, str) else []
            wanted = [_last_member(p) for p in self.on.values()]
            if self.batch_param is None and not names:
                raise ValueError(
                    "an HTTP lookup names its keys in the URL ({"
                    + (wanted[0] if wanted else "id")
                    + "}) or sends them in batch_param"
                )
            if self.batch_param is not None and names:
                raise ValueError("give the keys in the URL or in batch_param, not both")
            if self.batch_param is not None and len(self.on) != 1:
                raise ValueError("a batch endpoint (batch_param) takes one key")
            unknown = [n for n in names if n not in wanted]
            if unknown:
                raise ValueError(
                    f"the URL's placeholder {{{unknown[0]}}} is not a key; the keys are "
                    + ", ".join(wanted)
                    + " (the last names of the source paths in `on`)"
                )
            missing = [n for n in wanted if n not in names]
            if names and missing:
                raise ValueError(f"the URL names no placeholder for the key {missing[0]}")
        return self


def _last_member(path: str) -> str:
    """The last member name of a simple JSONPath (`$.a.b` → b); the text itself otherwise."""
    tail = path.rsplit(".", 1)[-1]
    return tail.strip("[]'\"") or path


class AggregateFunction(StrEnum):
    COUNT = "count"
    SUM = "sum"
    MIN = "min"
    MAX = "max"
    AVG = "avg"
    FIRST = "first"
    LAST = "last"
    COLLECT = "collect"
    COUNT_DISTINCT = "count_distinct"


class Aggregation(_Model):
    """One output field of a group: a function over a field of its records."""

    name: str = Field(min_length=1, description="The output field")
    fn: AggregateFunction
    #: JSONPath of the value; `count` without one counts records.
    field: str | None = None

    @model_validator(mode="after")
    def _field_needed(self) -> Aggregation:
        if self.field is None and self.fn is not AggregateFunction.COUNT:
            raise ValueError(f"{self.fn.value} needs the field it reads")
        return self


class AggregateStep(_Step):
    """One record per group of records with equal keys, in the order groups first appear.

    Sums are exact decimals (0.1 + 0.2 is 0.3); nulls and missing values are left
    out of sum, min, max, avg and count_distinct; `count` with a field counts the
    records where it is not null. Memory stays bounded: beyond the run's group
    budget partial groups spill to temporary files and are merged.
    """

    type: Literal["aggregate"] = "aggregate"
    #: The group keys: JSONPath; written under their last member name.
    group_by: list[str] = Field(default_factory=list)
    aggregates: list[Aggregation] = Field(min_length=1)


class SortKey(_Model):
    field: str = Field(min_length=1, description="JSONPath of the key")
    descending: bool = False


class SortStep(_Step):
    """Records in the order of their keys; records with equal keys keep their order.

    Nulls and missing keys come first (last when descending); values of different
    types order null < booleans < numbers < text < lists and objects.
    """

    type: Literal["sort"] = "sort"
    keys: list[SortKey] = Field(min_length=1)


class Keep(StrEnum):
    FIRST = "first"
    LAST = "last"


class DedupeStep(_Step):
    """One record per key: the first or the last seen, in the order of those kept."""

    type: Literal["dedupe"] = "dedupe"
    keys: list[str] = Field(min_length=1)
    keep: Keep = Keep.FIRST


class PipelineCounts(RunCounts):
    """A pipeline run's counts: read + expanded = written + failed + filtered + skipped + merged.

    `expanded` counts the records unwind steps made beyond one per input record,
    `merged` the records aggregate and dedupe steps folded into another.
    """

    expanded: int = 0
    merged: int = 0

    @property
    def balanced(self) -> bool:
        return self.read + self.expanded == (
            self.written + self.failed + self.filtered + self.skipped + self.merged
        )


class RouteMode(StrEnum):
    FIRST = "first"  #: a record goes to the first branch it matches
    ALL = "all"  #: fan-out: a record goes to every branch it matches, a copy each


class Branch(_Model):
    """Where the records a predicate matches go: their own steps, then a target or back."""

    name: str = Field(min_length=1)
    #: JMESPath over the record; absent, every record matches (last: "otherwise").
    when: str | None = None
    steps: list[PipelineStep] = Field(default_factory=list)
    #: The branch's own target: a file (`connector.settings.path`, beside the run's output),
    #: a SQL table (kind sql: `settings.table`, a url or a saved `connection`) or an HTTP
    #: endpoint (kind http: `settings.url` or a saved `connection`; posted once the run
    #: succeeded); absent, the branch's records go on after the route step.
    target: Endpoint | None = None

    @field_validator("steps")
    @classmethod
    def _unique_names(cls, steps: list[PipelineStep]) -> list[PipelineStep]:
        return _unique(steps)


class RouteStep(_Step):
    """Records to named branches by predicate; records no branch takes go on unchanged.

    A branch's records are kept in a temporary file until the input ends, then run
    through its steps: into its own target, or back into the stream after the records
    that went on (branch by branch, in order).
    """

    type: Literal["route"] = "route"
    mode: RouteMode = RouteMode.FIRST
    branches: list[Branch] = Field(min_length=1)

    @field_validator("branches")
    @classmethod
    def _unique_branches(cls, branches: list[Branch]) -> list[Branch]:
        names = [b.name for b in branches]
        if twice := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"branch names are unique: {', '.join(twice)} is given twice")
        return branches


PipelineStep = Annotated[
    MapStep
    | FilterStep
    | ValidateStep
    | UnwindStep
    | EnrichStep
    | AggregateStep
    | SortStep
    | DedupeStep
    | RouteStep,
    Field(discriminator="type"),
]
Branch.model_rebuild()
RouteStep.model_rebuild()


def _unique(steps: list[PipelineStep]) -> list[PipelineStep]:
    seen: dict[str, int] = {}
    for index, step in enumerate(steps):
        if step.name in seen:
            raise ValueError(
                f"steps {seen[step.name]} and {index} are both named {step.name!r}; "
                "step names are unique"
            )
        seen[step.name] = index
    return steps


class PipelineTest(_Model):
    """Input records and what the pipeline must give from them."""

    __test__ = False  # not a pytest class

    name: str = Field(min_length=1)
    description: str = ""
    input: list[dict[str, JsonValue]]
    #: The records of the run's output, in order.
    expected: list[dict[str, JsonValue]] = Field(default_factory=list)
    #: The records of each route branch's own target, by branch name, in order.
    expected_targets: dict[str, list[dict[str, JsonValue]]] = Field(default_factory=dict)
    #: How many records must fail (become dead letters).
    expected_failures: int = Field(default=0, ge=0)


class PipelineDocument(_Model):
    """A whole pipeline: endpoints, named steps, run settings."""

    fieldwright_pipeline: int = Field(description="Pipeline format version.")
    key: str = Field(min_length=1, description="Business key, e.g. pipeline_SHOP_ERP_ACME_20261203")
    name: str = Field(min_length=1)
    description: str = ""
    client: str = ""
    source_system: str = ""
    target_system: str = ""
    version: int = Field(default=1, ge=1)
    source: Endpoint = Field(default_factory=Endpoint)
    target: Endpoint = Field(default_factory=Endpoint)
    steps: list[PipelineStep] = Field(default_factory=list)
    #: Records a sort, or groups an aggregate, keeps in memory before spilling to disk.
    spill_after: int = Field(default=20_000, ge=1, le=100_000_000)
    tests: list[PipelineTest] = Field(default_factory=list)
    run: RunSettings = Field(default_factory=RunSettings)

    @field_validator("client", "source_system", "target_system")
    @classmethod
    def _code_syntax(cls, value: str) -> str:
        if value and not SYSTEM_CODE.match(value):
            raise ValueError(
                f"{value!r} is not a code: write 2 to 16 upper-case letters, digits or _, "
                "e.g. ACME or QBT"
            )
        return value

    @field_validator("steps")
    @classmethod
    def _unique_names(cls, steps: list[PipelineStep]) -> list[PipelineStep]:
        return _unique(steps)

    def step(self, name: str) -> PipelineStep | None:
        return next((s for s in self.steps if s.name == name), None)
