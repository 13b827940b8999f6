"""Records the store hands back: versions, diffs, runs, schedules, templates, connections.

They are plain pydantic models so the service, the GUI and the CLI can use
them without knowing anything about SQL.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from fieldwright.domain.runs import RunCounts, RunStatus, RunTrigger

__all__ = [
    "Backoff",
    "ConnectionRecord",
    "DeadLetterPage",
    "DeadLetterRecord",
    "DeploymentStatus",
    "FieldChange",
    "MappingDiff",
    "MappingSummary",
    "MappingTestRecord",
    "MappingVersionInfo",
    "MissedRunPolicy",
    "RetryPolicy",
    "RunPage",
    "RunRecord",
    "ScheduleExecutionRecord",
    "ScheduleKind",
    "ScheduleRecord",
    "TemplateInstanceRecord",
    "TemplateRecord",
    "TestResultRecord",
    "TestStatus",
]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MappingVersionInfo(_Record):
    """One saved version of a mapping: who saved it, when, and why."""

    key: str
    version: int
    name: str
    saved_at: datetime
    saved_by: str
    comment: str = ""
    field_count: int = 0
    content_sha256: str | None = None


class MappingSummary(_Record):
    """A mapping as a list shows it: its latest version and who touched it last."""

    key: str
    name: str
    description: str = ""
    latest_version: int
    field_count: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class FieldChange(_Record):
    """A field mapping present in both versions whose settings differ."""

    target: str
    #: Attribute (dotted for nested ones, e.g. `rules.regex`) → [old value, new value].
    changes: dict[str, tuple[JsonValue, JsonValue]]


class MappingDiff(_Record):
    """What changed in the field mappings between two versions, keyed by target path."""

    key: str
    old_version: int
    new_version: int
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[FieldChange] = Field(default_factory=list)
    #: Top-level parts of the document that changed besides `fields` (name, lookups, …).
    other_changes: list[str] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.other_changes)


class TestStatus(StrEnum):
    __test__ = False  # not a pytest class

    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"


class MappingTestRecord(_Record):
    """A test case of a mapping's current version and its last result."""

    __test__ = False

    mapping_key: str
    name: str
    kind: str
    active: bool
    last_status: TestStatus = TestStatus.PENDING
    last_run_at: datetime | None = None


class TestResultRecord(_Record):
    """The outcome of running one test case once."""

    __test__ = False

    test_name: str
    mapping_version: int
    status: TestStatus
    actual_output: dict[str, JsonValue] | None = None
    execution_time_ms: int | None = Field(default=None, ge=0)
    error_message: str | None = None
    run_at: datetime | None = None


class RunRecord(_Record):
    """One entry of the batch processing log."""

    key: str = Field(description="proc_{src}_{tgt}_{client}_{yyyymmdd_hhmmss}")
    mapping_key: str
    mapping_version: int | None = None
    trigger: RunTrigger = RunTrigger.MANUAL
    status: RunStatus = RunStatus.RUNNING
    started_at: datetime
    ended_at: datetime | None = None
    counts: RunCounts = Field(default_factory=RunCounts)
    error_summary: str | None = None
    schedule_key: str | None = None
    started_by: str | None = None
    dead_letter_count: int = 0


class RunPage(_Record):
    """A page of runs, newest first; pass `next_cursor` as `after` for the next page."""

    items: list[RunRecord]
    next_cursor: str | None = None


class DeadLetterRecord(_Record):
    """A stored dead letter: the failed record and the run it belongs to."""

    id: int
    run_key: str
    error_id: str
    error_type: str | None = None
    position: dict[str, Any]
    position_text: str
    field: str | None = None
    reason: str
    input: dict[str, Any] | None = None
    raw: str | None = None
    occurred_at: datetime
    #: The pipeline step the record failed at; None for a mapping run.
    step: str | None = None


class DeadLetterPage(_Record):
    items: list[DeadLetterRecord]
    total: int
    next_after_id: int | None = None


class ScheduleKind(StrEnum):
    CRON = "cron"
    INTERVAL = "interval"
    FIXED_TIME = "fixed_time"
    EVENT_BASED = "event_based"
    MANUAL = "manual"


class MissedRunPolicy(StrEnum):
    RUN_ONCE = "run_once"
    RUN_ALL = "run_all"
    SKIP = "skip"


class Backoff(StrEnum):
    EXPONENTIAL_JITTER = "exponential_jitter"
    LINEAR = "linear"
    FIXED = "fixed"


class RetryPolicy(_Record):
    max_attempts: int = Field(default=3, ge=1, le=100)
    base_delay_seconds: float = Field(default=30.0, ge=0)
    max_delay_seconds: float = Field(default=900.0, ge=0)
    backoff: Backoff = Backoff.EXPONENTIAL_JITTER


class ScheduleRecord(_Record):
    """When a mapping or a pipeline runs on its own, and what happens when things go wrong."""

    key: str
    name: str
    #: The key of the stored mapping it runs, or of the stored pipeline when `pipeline` is
    #: set (as a run's `mapping_key` names either).
    mapping_key: str
    pipeline: bool = False
    kind: ScheduleKind
    cron: str | None = None
    interval_seconds: int | None = Field(default=None, ge=1)
    fixed_times: list[time] = Field(default_factory=list)
    timezone: str = "UTC"
    start_date: date | None = None
    end_date: date | None = None
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    timeout_seconds: int = Field(default=300, ge=1)
    concurrent_runs: bool = False
    missed_run_policy: MissedRunPolicy = MissedRunPolicy.RUN_ONCE
    notify_on_failure: bool = True
    active: bool = True
    next_run_at: datetime | None = None
    last_run_at: datetime | None = None
    parameters: dict[str, JsonValue] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _kind_has_its_setting(self) -> ScheduleRecord:
        if self.kind is ScheduleKind.CRON and not self.cron:
            raise ValueError("a cron schedule needs a cron expression")
        if self.kind is ScheduleKind.INTERVAL and self.interval_seconds is None:
            raise ValueError("an interval schedule needs interval_seconds")
        if self.kind is ScheduleKind.FIXED_TIME and not self.fixed_times:
            raise ValueError("a fixed-time schedule needs at least one time of day")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("the end date is before the start date")
        return self


class ScheduleExecutionRecord(_Record):
    id: int | None = None
    schedule_key: str
    scheduled_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    status: RunStatus = RunStatus.SCHEDULED
    run_key: str | None = None
    attempt: int = Field(default=1, ge=1)
    records_processed: int = 0
    error_count: int = 0
    warning_count: int = 0
    notes: str = ""


class TemplateRecord(_Record):
    """A reusable template; `document` stays generic until the template model lands."""

    code: str = Field(min_length=1, description="template_{src}_{tgt}")
    name: str = Field(min_length=1)
    category: str = "custom"
    version: str = "1"
    description: str = ""
    certified: bool = False
    certified_on: date | None = None
    active: bool = True
    document: dict[str, JsonValue] = Field(default_factory=dict)
    updated_at: datetime | None = None
    updated_by: str | None = None


class DeploymentStatus(StrEnum):
    DRAFT = "draft"
    TESTING = "testing"
    ACTIVE = "active"
    DEPRECATED = "deprecated"


class TemplateInstanceRecord(_Record):
    id: int | None = None
    template_code: str
    template_version: str
    name: str
    mapping_key: str | None = None
    #: The pipeline the template version made (an instance names a mapping or a pipeline).
    pipeline_key: str | None = None
    customizations: dict[str, JsonValue] = Field(default_factory=dict)
    status: DeploymentStatus = DeploymentStatus.DRAFT
    deployed_at: datetime | None = None
    deployed_by: str | None = None


class ConnectionRecord(_Record):
    """A saved connection; the secret stays in the OS keyring (service + username)."""

    name: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    description: str = ""
    settings: dict[str, JsonValue] = Field(default_factory=dict)
    keyring_service: str | None = None
    keyring_username: str | None = None
    #: When the secret stops working (a token's or password's expiry), UTC; None: never.
    expires_at: datetime | None = None
    #: When the secret should be replaced by (a policy's rotation date), UTC; None: no date.
    rotate_by: datetime | None = None
