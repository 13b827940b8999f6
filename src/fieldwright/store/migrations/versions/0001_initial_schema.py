"""Initial schema: mappings and their versions, templates, schedules, runs, dead letters.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The column types as they were at this revision; never import the live models here.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("keyring_service", sa.String(length=200), nullable=True),
        sa.Column("keyring_username", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("name", name=op.f("uq_connections_name")),
    )
    op.create_table(
        "mappings",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("field_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mappings")),
        sa.UniqueConstraint("key", name=op.f("uq_mappings_key")),
    )
    op.create_table(
        "templates",
        sa.Column("id", ID, nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("certified", sa.Boolean(), nullable=False),
        sa.Column("certified_on", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_templates_code_version")),
    )
    op.create_index("ix_templates_category_active", "templates", ["category", "active"])

    op.create_table(
        "field_mappings",
        sa.Column("id", ID, nullable=False),
        sa.Column("mapping_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("target_path", sa.Text(), nullable=False),
        sa.Column("sources", JSON, nullable=False),
        sa.Column("constant", JSON, nullable=True),
        sa.Column("transforms", JSON, nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("default_value", JSON, nullable=True),
        sa.Column("validation_rules", JSON, nullable=False),
        sa.Column(
            "on_error",
            sa.Enum(
                "fail",
                "skip",
                "default",
                "null",
                name="on_error",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name=op.f("fk_field_mappings_mapping_id_mappings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_mappings")),
        sa.UniqueConstraint(
            "mapping_id", "position", name=op.f("uq_field_mappings_mapping_id_position")
        ),
    )
    op.create_index(op.f("ix_field_mappings_target_path"), "field_mappings", ["target_path"])
    if op.get_context().dialect.name == "postgresql":
        # JSONB containment queries (which mappings read this source, use this function).
        op.create_index(
            "ix_field_mappings_sources_gin", "field_mappings", ["sources"], postgresql_using="gin"
        )
        op.create_index(
            "ix_field_mappings_transforms_gin",
            "field_mappings",
            ["transforms"],
            postgresql_using="gin",
        )

    op.create_table(
        "mapping_tests",
        sa.Column("id", ID, nullable=False),
        sa.Column("mapping_id", ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("input_data", JSON, nullable=False),
        sa.Column("expected_output", JSON, nullable=True),
        sa.Column("expect_failure", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name=op.f("fk_mapping_tests_mapping_id_mappings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_tests")),
        sa.UniqueConstraint("mapping_id", "name", name=op.f("uq_mapping_tests_mapping_id_name")),
    )
    op.create_table(
        "mapping_versions",
        sa.Column("id", ID, nullable=False),
        sa.Column("mapping_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("field_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name=op.f("fk_mapping_versions_mapping_id_mappings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_versions")),
        sa.UniqueConstraint(
            "mapping_id", "version", name=op.f("uq_mapping_versions_mapping_id_version")
        ),
    )
    op.create_table(
        "schedules",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("mapping_id", ID, nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "cron",
                "interval",
                "fixed_time",
                "event_based",
                "manual",
                name="schedule_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("cron_expression", sa.String(length=200), nullable=True),
        sa.Column("interval_seconds", sa.Integer(), nullable=True),
        sa.Column("fixed_times", JSON, nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("retry_policy", JSON, nullable=False),
        sa.Column("timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("concurrent_runs", sa.Boolean(), nullable=False),
        sa.Column(
            "missed_run_policy",
            sa.Enum(
                "run_once",
                "run_all",
                "skip",
                name="missed_run_policy",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("notify_on_failure", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", UTC_DATETIME, nullable=True),
        sa.Column("last_run_at", UTC_DATETIME, nullable=True),
        sa.Column("parameters", JSON, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "(kind = 'cron' AND cron_expression IS NOT NULL)"
            " OR (kind = 'interval' AND interval_seconds IS NOT NULL)"
            " OR (kind = 'fixed_time' AND fixed_times IS NOT NULL)"
            " OR kind IN ('event_based', 'manual')",
            name=op.f("ck_schedules_valid_schedule"),
        ),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name=op.f("fk_schedules_mapping_id_mappings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint("key", name=op.f("uq_schedules_key")),
    )
    op.create_index(op.f("ix_schedules_mapping_id"), "schedules", ["mapping_id"])
    op.create_index(
        "ix_schedules_next_run_at_active",
        "schedules",
        ["next_run_at"],
        postgresql_where=sa.text("active"),
        sqlite_where=sa.text("active"),
    )

    op.create_table(
        "template_instances",
        sa.Column("id", ID, nullable=False),
        sa.Column("template_id", ID, nullable=False),
        sa.Column("mapping_id", ID, nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("customizations", JSON, nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "testing",
                "active",
                "deprecated",
                name="deployment_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("deployed_at", UTC_DATETIME, nullable=True),
        sa.Column("deployed_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name=op.f("fk_template_instances_mapping_id_mappings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["templates.id"],
            name=op.f("fk_template_instances_template_id_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_instances")),
    )
    op.create_index(op.f("ix_template_instances_mapping_id"), "template_instances", ["mapping_id"])
    op.create_index(
        op.f("ix_template_instances_template_id"), "template_instances", ["template_id"]
    )

    op.create_table(
        "mapping_test_results",
        sa.Column("id", ID, nullable=False),
        sa.Column("test_id", ID, nullable=False),
        sa.Column("mapping_version", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "passed",
                "failed",
                "skipped",
                "error",
                name="test_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("actual_output", JSON, nullable=True),
        sa.Column("execution_time_ms", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("run_at", UTC_DATETIME, nullable=False),
        sa.Column("run_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["test_id"],
            ["mapping_tests.id"],
            name=op.f("fk_mapping_test_results_test_id_mapping_tests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_test_results")),
    )
    op.create_index(
        "ix_mapping_test_results_test_run_at", "mapping_test_results", ["test_id", "run_at"]
    )

    op.create_table(
        "runs",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("mapping_key", sa.String(length=200), nullable=False),
        sa.Column("mapping_version", sa.Integer(), nullable=True),
        sa.Column("schedule_id", ID, nullable=True),
        sa.Column(
            "trigger",
            sa.Enum(
                "manual",
                "schedule",
                "retry",
                "test",
                "reprocess",
                name="run_trigger",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "running",
                "completed",
                "failed",
                "cancelled",
                "skipped",
                name="run_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("ended_at", UTC_DATETIME, nullable=True),
        sa.Column("records_read", sa.Integer(), nullable=False),
        sa.Column("records_written", sa.Integer(), nullable=False),
        sa.Column("records_failed", sa.Integer(), nullable=False),
        sa.Column("records_filtered", sa.Integer(), nullable=False),
        sa.Column("records_skipped", sa.Integer(), nullable=False),
        sa.Column("error_summary", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "status <> 'completed' OR records_read = records_written + records_failed"
            " + records_filtered + records_skipped",
            name=op.f("ck_runs_completed_run_conserves_records"),
        ),
        sa.CheckConstraint(
            "records_read >= 0 AND records_written >= 0 AND records_failed >= 0"
            " AND records_filtered >= 0 AND records_skipped >= 0",
            name=op.f("ck_runs_counts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_runs_schedule_id_schedules"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.UniqueConstraint("key", name=op.f("uq_runs_key")),
    )
    op.create_index("ix_runs_mapping_key_started_at", "runs", ["mapping_key", "started_at"])
    op.create_index(op.f("ix_runs_schedule_id"), "runs", ["schedule_id"])
    op.create_index("ix_runs_started_at", "runs", ["started_at"])

    op.create_table(
        "dead_letters",
        sa.Column("id", ID, nullable=False),
        sa.Column("run_id", ID, nullable=False),
        sa.Column("error_id", sa.String(length=200), nullable=False),
        sa.Column("error_type", sa.String(length=100), nullable=True),
        sa.Column("position", JSON, nullable=False),
        sa.Column("position_text", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("input", JSON, nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("occurred_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_dead_letters_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    op.create_index(op.f("ix_dead_letters_error_id"), "dead_letters", ["error_id"])
    op.create_index("ix_dead_letters_run_id_id", "dead_letters", ["run_id", "id"])

    op.create_table(
        "schedule_executions",
        sa.Column("id", ID, nullable=False),
        sa.Column("schedule_id", ID, nullable=False),
        sa.Column("run_id", ID, nullable=True),
        sa.Column("scheduled_at", UTC_DATETIME, nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=True),
        sa.Column("ended_at", UTC_DATETIME, nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "running",
                "completed",
                "failed",
                "cancelled",
                "skipped",
                name="execution_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("records_processed", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("warning_count", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_schedule_executions_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_schedule_executions_schedule_id_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_executions")),
    )
    op.create_index(op.f("ix_schedule_executions_run_id"), "schedule_executions", ["run_id"])
    op.create_index(
        "ix_schedule_executions_schedule_scheduled_at",
        "schedule_executions",
        ["schedule_id", "scheduled_at"],
    )


def downgrade() -> None:
    op.drop_table("schedule_executions")
    op.drop_table("dead_letters")
    op.drop_table("runs")
    op.drop_table("mapping_test_results")
    op.drop_table("template_instances")
    op.drop_table("schedules")
    op.drop_table("mapping_versions")
    op.drop_table("mapping_tests")
    op.drop_table("field_mappings")
    op.drop_table("templates")
    op.drop_table("mappings")
    op.drop_table("connections")
