"""The store's tables as a typed SQLAlchemy 2 model, one for SQLite and PostgreSQL.

Surrogate integer ids join the tables; business keys (``mapping_…``,
``proc_…``, ``template_…``) are unique natural keys. Runs name their mapping
by key, not by foreign key, so the batch log outlives a deleted mapping.
The migrations in ``migrations/versions`` must create exactly this schema;
a test compares the two.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from fieldwright.domain.approvals import ApprovalRole, LifecycleState
from fieldwright.domain.document import OnError
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.domain.store_models import (
    DeploymentStatus,
    MissedRunPolicy,
    ScheduleKind,
    TestStatus,
)
from fieldwright.store.types import ID, JSONDocument, UTCDateTime, str_enum, utcnow

__all__ = [
    "AuditRow",
    "Base",
    "Certificate",
    "Connection",
    "DeadLetterHour",
    "DeadLetterRow",
    "FieldMappingRow",
    "Mapping",
    "MappingTest",
    "MappingTestResult",
    "MappingVersion",
    "Pipeline",
    "PipelineVersion",
    "Run",
    "Schedule",
    "ScheduleExecution",
    "SchedulerLease",
    "SignOffRow",
    "StoreSetting",
    "Template",
    "TemplateInstance",
    "Transformation",
    "TransformationVersion",
    "VersionLifecycleRow",
]

KEY = String(200)
#: A row of a mapping or of a pipeline, never both (schedules, lifecycles; revision 0008).
ONE_OWNER = (
    "(mapping_id IS NOT NULL AND pipeline_id IS NULL)"
    " OR (mapping_id IS NULL AND pipeline_id IS NOT NULL)"
)
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Audited:
    """Who created and last changed a row, and when (UTC); the Store fills the "by"."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))


class Connection(Audited, Base):
    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(KEY, unique=True)
    kind: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    keyring_service: Mapped[str | None] = mapped_column(String(200))
    keyring_username: Mapped[str | None] = mapped_column(String(200))
    #: When the secret stops working, and when it should be rotated by (revision 0008).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rotate_by: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Certificate(Audited, Base):
    """A connection's X.509 certificate: its public facts, never a private key."""

    __tablename__ = "certificates"
    __table_args__ = (Index("ix_certificates_not_after", "not_after"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    #: cert_{CLIENT}_{SYSTEM}_{yyyymmdd} (the date: not_after).
    key: Mapped[str] = mapped_column(KEY, unique=True)
    connection_id: Mapped[int] = mapped_column(
        ID, ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    client: Mapped[str] = mapped_column(String(60))
    system: Mapped[str] = mapped_column(String(60))
    path: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(Text)
    serial: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(100))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    pem: Mapped[str] = mapped_column(Text, default="")


class Template(Audited, Base):
    __tablename__ = "templates"
    __table_args__ = (
        UniqueConstraint("code", "version"),
        Index("ix_templates_category_active", "category", "active"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    code: Mapped[str] = mapped_column(KEY)
    version: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text, default="")
    certified: Mapped[bool] = mapped_column(Boolean, default=False)
    certified_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class Mapping(Audited, Base):
    """A mapping's identity; its content lives in immutable versions."""

    __tablename__ = "mappings"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    key: Mapped[str] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    #: Bumped with a compare-and-set on every save: the optimistic lock.
    latest_version: Mapped[int] = mapped_column(Integer)
    field_count: Mapped[int] = mapped_column(Integer, default=0)


class Pipeline(Audited, Base):
    """A pipeline's identity (issue 19); its content lives in immutable versions."""

    __tablename__ = "pipelines"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    key: Mapped[str] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    #: Bumped with a compare-and-set on every save: the optimistic lock.
    latest_version: Mapped[int] = mapped_column(Integer)
    step_count: Mapped[int] = mapped_column(Integer, default=0)


class PipelineVersion(Base):
    """One immutable saved version of a pipeline: its whole canonical document text."""

    __tablename__ = "pipeline_versions"
    __table_args__ = (UniqueConstraint("pipeline_id", "version"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    #: Canonical JSON text (fieldwright.domain.pipeline_canonical.dumps_pipeline).
    document: Mapped[str] = mapped_column(Text)
    #: sha256 of `document`; checked on load.
    content_sha256: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    step_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))


class Transformation(Audited, Base):
    """A stored transformation's identity (issue 19, item 5); content in immutable versions.

    `name` is the chain name mappings call it by (``@name``): unique, so a call names one."""

    __tablename__ = "transformations"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    key: Mapped[str] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(KEY, unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(20), default="map")
    #: Bumped with a compare-and-set on every save that changes something: the optimistic lock.
    latest_version: Mapped[int] = mapped_column(Integer)
    step_count: Mapped[int] = mapped_column(Integer, default=0)
    test_count: Mapped[int] = mapped_column(Integer, default=0)


class TransformationVersion(Base):
    """One immutable saved version of a transformation: its whole canonical document text."""

    __tablename__ = "transformation_versions"
    __table_args__ = (UniqueConstraint("transformation_id", "version"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    transformation_id: Mapped[int] = mapped_column(
        ForeignKey("transformations.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    #: Canonical JSON text (fieldwright.domain.transformation.dumps_transformation).
    document: Mapped[str] = mapped_column(Text)
    #: sha256 of `document`; checked on load.
    content_sha256: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    step_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))


class TemplateInstance(Audited, Base):
    __tablename__ = "template_instances"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("templates.id", ondelete="CASCADE"), index=True
    )
    mapping_id: Mapped[int | None] = mapped_column(
        ForeignKey("mappings.id", ondelete="SET NULL"), index=True
    )
    #: The pipeline the template version made (revision 0011); such a row names no mapping.
    pipeline_id: Mapped[int | None] = mapped_column(
        ForeignKey("pipelines.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    customizations: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    status: Mapped[DeploymentStatus] = mapped_column(
        str_enum(DeploymentStatus, "deployment_status")
    )
    deployed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deployed_by: Mapped[str | None] = mapped_column(String(100))


class MappingVersion(Base):
    """One immutable saved version: the whole canonical document text."""

    __tablename__ = "mapping_versions"
    __table_args__ = (UniqueConstraint("mapping_id", "version"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    mapping_id: Mapped[int] = mapped_column(ForeignKey("mappings.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    #: Canonical JSON text (fieldwright.domain.canonical.dumps): byte-exact, key order kept.
    document: Mapped[str] = mapped_column(Text)
    #: sha256 of `document`; checked on load (added in revision 0002).
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    field_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))


class FieldMappingRow(Base):
    """One field mapping of a mapping's current version, for queries across mappings."""

    __tablename__ = "field_mappings"
    __table_args__ = (
        UniqueConstraint("mapping_id", "position"),
        Index("ix_field_mappings_sources_gin", "sources", postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
        Index("ix_field_mappings_transforms_gin", "transforms", postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    mapping_id: Mapped[int] = mapped_column(ForeignKey("mappings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    target_path: Mapped[str] = mapped_column(Text, index=True)
    sources: Mapped[list[str]] = mapped_column(JSONDocument)
    constant: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    transforms: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    default_value: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    validation_rules: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    on_error: Mapped[OnError] = mapped_column(str_enum(OnError, "on_error"))
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MappingTest(Audited, Base):
    """A test case of a mapping's current version; removed tests stay, inactive, with results."""

    __tablename__ = "mapping_tests"
    __table_args__ = (UniqueConstraint("mapping_id", "name"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    mapping_id: Mapped[int] = mapped_column(ForeignKey("mappings.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    input_data: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    expected_output: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    expect_failure: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MappingTestResult(Base):
    __tablename__ = "mapping_test_results"
    __table_args__ = (Index("ix_mapping_test_results_test_run_at", "test_id", "run_at"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    test_id: Mapped[int] = mapped_column(ForeignKey("mapping_tests.id", ondelete="CASCADE"))
    mapping_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[TestStatus] = mapped_column(str_enum(TestStatus, "test_status"))
    actual_output: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    execution_time_ms: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(Text)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    run_by: Mapped[str] = mapped_column(String(100))


class Schedule(Audited, Base):
    __tablename__ = "schedules"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'cron' AND cron_expression IS NOT NULL)"
            " OR (kind = 'interval' AND interval_seconds IS NOT NULL)"
            " OR (kind = 'fixed_time' AND fixed_times IS NOT NULL)"
            " OR kind IN ('event_based', 'manual')",
            name="valid_schedule",
        ),
        # A schedule runs a stored mapping or a stored pipeline, never both (revision 0008).
        CheckConstraint(ONE_OWNER, name="mapping_or_pipeline"),
        Index(
            "ix_schedules_next_run_at_active",
            "next_run_at",
            postgresql_where=text("active"),
            sqlite_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    key: Mapped[str] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(Text)
    mapping_id: Mapped[int | None] = mapped_column(
        ForeignKey("mappings.id", ondelete="CASCADE"), index=True
    )
    #: The stored pipeline it runs instead of a mapping (revision 0008).
    pipeline_id: Mapped[int | None] = mapped_column(
        ForeignKey("pipelines.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ScheduleKind] = mapped_column(str_enum(ScheduleKind, "schedule_kind"))
    cron_expression: Mapped[str | None] = mapped_column(String(200))
    interval_seconds: Mapped[int | None] = mapped_column(Integer)
    fixed_times: Mapped[list[str] | None] = mapped_column(JSONDocument)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    retry_policy: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    timeout_seconds: Mapped[int] = mapped_column(Integer, default=300)
    concurrent_runs: Mapped[bool] = mapped_column(Boolean, default=False)
    missed_run_policy: Mapped[MissedRunPolicy] = mapped_column(
        str_enum(MissedRunPolicy, "missed_run_policy")
    )
    notify_on_failure: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    #: Service levels (revision 0005), all optional: how long a run should take, the
    #: time of day ("HH:MM", schedule timezone) it should have finished by, how late a
    #: start may be, and how many failures in a row raise an alert.
    sla_expected_seconds: Mapped[int | None] = mapped_column(Integer)
    sla_latest_finish: Mapped[str | None] = mapped_column(String(5))
    sla_late_after_seconds: Mapped[int | None] = mapped_column(Integer)
    sla_failures_alert: Mapped[int | None] = mapped_column(Integer)


class Run(Audited, Base):
    """The batch processing log: one row per run of a mapping."""

    __tablename__ = "runs"
    __table_args__ = (
        CheckConstraint(
            "records_read >= 0 AND records_written >= 0 AND records_failed >= 0"
            " AND records_filtered >= 0 AND records_skipped >= 0",
            name="counts_not_negative",
        ),
        CheckConstraint(
            "status <> 'completed' OR records_read + records_expanded = records_written"
            " + records_failed + records_filtered + records_skipped + records_merged",
            name="completed_run_conserves_records",
        ),
        Index("ix_runs_mapping_key_started_at", "mapping_key", "started_at"),
        Index("ix_runs_started_at", "started_at"),
        Index("ix_runs_status_started_at", "status", "started_at"),
        Index("ix_runs_mapping_key_status_started_at", "mapping_key", "status", "started_at"),
        # Covers the dashboard's scan of a window of runs (revision 0005).
        Index(
            "ix_runs_started_at_activity",
            "started_at",
            "mapping_key",
            "status",
            "ended_at",
            "records_read",
            "records_written",
            "records_failed",
            "schedule_id",
        ),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    key: Mapped[str] = mapped_column(KEY, unique=True)
    mapping_key: Mapped[str] = mapped_column(KEY)
    mapping_version: Mapped[int | None] = mapped_column(Integer)
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedules.id", ondelete="SET NULL"), index=True
    )
    trigger: Mapped[RunTrigger] = mapped_column(str_enum(RunTrigger, "run_trigger"))
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus, "run_status"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    records_read: Mapped[int] = mapped_column(Integer, default=0)
    records_written: Mapped[int] = mapped_column(Integer, default=0)
    records_failed: Mapped[int] = mapped_column(Integer, default=0)
    records_filtered: Mapped[int] = mapped_column(Integer, default=0)
    records_skipped: Mapped[int] = mapped_column(Integer, default=0)
    error_summary: Mapped[str | None] = mapped_column(Text)
    #: The run this one retries or reprocesses, by key like `mapping_key` (revision 0004).
    parent_run_key: Mapped[str | None] = mapped_column(KEY, index=True)
    #: Which process runs it: a run left "running" by a dead process is failed on start.
    process_id: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    #: What it read and wrote (connector kinds and settings, no secrets), its attempt.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    #: A pipeline run's records an unwind made beyond one per input, and the records an
    #: aggregate or a dedupe folded into another (revision 0007); 0 for a mapping run.
    records_expanded: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    records_merged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ScheduleExecution(Base):
    __tablename__ = "schedule_executions"
    __table_args__ = (
        Index("ix_schedule_executions_schedule_scheduled_at", "schedule_id", "scheduled_at"),
        Index("ix_schedule_executions_status_scheduled_at", "status", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), index=True
    )
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus, "execution_status"))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    records_processed: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: A retry names the first attempt of its fire time (added in revision 0003).
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_executions.id", ondelete="CASCADE"), index=True
    )


class SchedulerLease(Base):
    """Which process fires schedules: one row per lock name, renewed while it is held.

    On SQLite the row is the lock (taken when missing or expired); on PostgreSQL an
    advisory lock decides and the row only says who holds it (revision 0003).
    """

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeadLetterRow(Base):
    """A failed record of a run: where it came from, which field, why, and its input."""

    __tablename__ = "dead_letters"
    __table_args__ = (
        Index("ix_dead_letters_run_id_id", "run_id", "id"),
        # The latest letters of one error pattern (the dashboard opens a group; 0005).
        Index("ix_dead_letters_reason_pattern_occurred_at", "reason_pattern", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    #: err_{type}_{timestamp}; not unique, so a burst of same-millisecond errors is never lost.
    error_id: Mapped[str] = mapped_column(KEY, index=True)
    error_type: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    position_text: Mapped[str] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    input: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, nullable=True)
    raw: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: `reason` with numbers and quoted values replaced by placeholders (revision 0005).
    reason_pattern: Mapped[str | None] = mapped_column(String(200))
    #: The pipeline step the record failed at; None for a mapping run (revision 0007).
    step: Mapped[str | None] = mapped_column(Text)


class DeadLetterHour(Base):
    """Dead letters counted per hour, mapping, step, field and reason pattern (revision 0005).

    Kept up to date as letters are stored (an upsert per group), so the dashboard's error
    patterns and their trends read thousands of rows, not a million. No null in the key
    ("" for a letter without a step or field): an upsert must find its row.
    """

    __tablename__ = "dead_letter_hours"
    __table_args__ = (
        UniqueConstraint(
            "hour",
            "mapping_key",
            "error_type",
            "field",
            "reason_pattern",
            name="uq_dead_letter_hours_group",
        ),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime)
    mapping_key: Mapped[str] = mapped_column(KEY)
    error_type: Mapped[str] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(Text)
    reason_pattern: Mapped[str] = mapped_column(String(200))
    letters: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)


# -- approvals before production (revision 0006, issue 20) -----------------------------------


class VersionLifecycleRow(Base):
    """Where one version of a mapping is in its lifecycle; a version without a row is a draft.

    `required_roles` and `coverage_threshold` are fixed when the version is submitted
    for review (from its template's approval settings, else every role).
    """

    __tablename__ = "version_lifecycles"
    __table_args__ = (
        UniqueConstraint("mapping_id", "version"),
        UniqueConstraint("pipeline_id", "version"),
        Index("ix_version_lifecycles_state", "state"),
        CheckConstraint(ONE_OWNER, name="mapping_or_pipeline"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    mapping_id: Mapped[int | None] = mapped_column(ForeignKey("mappings.id", ondelete="CASCADE"))
    #: A pipeline's version instead of a mapping's (revision 0008).
    pipeline_id: Mapped[int | None] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[LifecycleState] = mapped_column(str_enum(LifecycleState, "lifecycle_state"))
    required_roles: Mapped[list[str]] = mapped_column(JSONDocument)
    coverage_threshold: Mapped[float] = mapped_column(Float)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(100))


class SignOffRow(Base):
    """One role's sign-off of one version of a mapping."""

    __tablename__ = "sign_offs"
    __table_args__ = (
        UniqueConstraint("mapping_id", "version", "role"),
        UniqueConstraint("pipeline_id", "version", "role"),
        CheckConstraint(ONE_OWNER, name="mapping_or_pipeline"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    mapping_id: Mapped[int | None] = mapped_column(ForeignKey("mappings.id", ondelete="CASCADE"))
    #: A pipeline's version instead of a mapping's (revision 0008).
    pipeline_id: Mapped[int | None] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    role: Mapped[ApprovalRole] = mapped_column(str_enum(ApprovalRole, "approval_role"))
    signed_by: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")
    #: A testing sign-off's suite results: tests passed and failed, coverage.
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class AuditRow(Base):
    """The audit trail: who did what, when, to which version. Names the mapping by key,
    like runs do, so the trail outlives a deleted mapping."""

    __tablename__ = "audit_trail"
    __table_args__ = (Index("ix_audit_trail_mapping_key_at", "mapping_key", "at"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    mapping_key: Mapped[str] = mapped_column(KEY)
    version: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class StoreSetting(Base):
    """A setting of the whole store (not of one user), e.g. ``require_approval``."""

    __tablename__ = "store_settings"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))
