"""Pipelines in the store: identities and immutable versions, like mappings, and the step
a pipeline run's dead letter failed at (issue 19, items 1-2).

Revision ID: 0007
Revises: 0006 (approvals). The lead fixes the chain when merging revisions made in parallel.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The column types as they are at this revision; never import the live models here.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)
TRIGGERS = ("manual", "schedule", "retry", "test", "reprocess")
STATUSES = ("scheduled", "running", "completed", "failed", "cancelled", "skipped")
CONSERVES = "ck_runs_completed_run_conserves_records"
CONSERVES_0006 = (
    "status <> 'completed' OR records_read = records_written + records_failed"
    " + records_filtered + records_skipped"
)
CONSERVES_0007 = (
    "status <> 'completed' OR records_read + records_expanded = records_written"
    " + records_failed + records_filtered + records_skipped + records_merged"
)


def _runs_table(*, pipelines: bool, name: str = "runs") -> sa.Table:
    """The runs table as it is before (`pipelines=False`) or after this revision: SQLite
    rebuilds it to change its check constraint, and `--sql` mode cannot reflect it."""
    extra = (
        [
            sa.Column("records_expanded", sa.Integer(), server_default="0", nullable=False),
            sa.Column("records_merged", sa.Integer(), server_default="0", nullable=False),
        ]
        if pipelines
        else []
    )

    def enum(values: Sequence[str], name: str) -> sa.Enum:
        return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)

    metadata = sa.MetaData()
    sa.Table("schedules", metadata, sa.Column("id", ID, primary_key=True))  # its foreign key's
    return sa.Table(
        name,
        metadata,
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("mapping_key", sa.String(length=200), nullable=False),
        sa.Column("mapping_version", sa.Integer(), nullable=True),
        sa.Column("schedule_id", ID, nullable=True),
        sa.Column("trigger", enum(TRIGGERS, "run_trigger"), nullable=False),
        sa.Column("status", enum(STATUSES, "run_status"), nullable=False),
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
        sa.Column("parent_run_key", sa.String(length=200), nullable=True),
        sa.Column("process_id", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("details", JSON, nullable=True),
        *extra,
        sa.CheckConstraint(
            CONSERVES_0007 if pipelines else CONSERVES_0006,
            name=CONSERVES,
        ),
        sa.CheckConstraint(
            "records_read >= 0 AND records_written >= 0 AND records_failed >= 0"
            " AND records_filtered >= 0 AND records_skipped >= 0",
            name="ck_runs_counts_not_negative",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name="fk_runs_schedule_id_schedules",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
        sa.UniqueConstraint("key", name="uq_runs_key"),
    )


#: The indexes of `runs` at this revision, which SQLite's rebuild drops: made again in this
#: order in `--sql` mode (a live upgrade replays the ones the database has). Whoever merges a
#: revision before this one that indexes runs adds its indexes here.
RUN_INDEXES = (
    ("ix_runs_mapping_key_started_at", ["mapping_key", "started_at"]),
    ("ix_runs_schedule_id", ["schedule_id"]),
    ("ix_runs_started_at", ["started_at"]),
    ("ix_runs_status_started_at", ["status", "started_at"]),
    ("ix_runs_parent_run_key", ["parent_run_key"]),
    # revision 0005 (the dashboard)
    ("ix_runs_mapping_key_status_started_at", ["mapping_key", "status", "started_at"]),
    (
        "ix_runs_started_at_activity",
        [
            "started_at",
            "mapping_key",
            "status",
            "ended_at",
            "records_read",
            "records_written",
            "records_failed",
            "schedule_id",
        ],
    ),
)


def _rebuild_sqlite_runs(*, pipelines: bool) -> None:
    """SQLite cannot change a check constraint: make the table anew, copy the runs, and
    put back what dropping the old one (foreign keys on) took from its dead letters and
    schedule executions. Written out, not batch mode, so `--sql` output is stable."""
    columns = ", ".join(c.name for c in _runs_table(pipelines=False).columns)
    new = _runs_table(pipelines=pipelines, name="fw_runs_0007")
    op.execute("CREATE TEMP TABLE fw_kept_dead_letters AS SELECT * FROM dead_letters")
    op.execute(
        "CREATE TEMP TABLE fw_kept_run_links AS SELECT id, run_id FROM schedule_executions "
        "WHERE run_id IS NOT NULL"
    )
    indexes: list[str] = []
    if not context.is_offline_mode():  # whatever indexes earlier revisions gave runs
        indexes = list(
            op.get_bind().scalars(
                sa.text(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs' "
                    "AND sql IS NOT NULL ORDER BY name"
                )
            )
        )
    op.execute(CreateTable(new))
    op.execute(f"INSERT INTO fw_runs_0007 ({columns}) SELECT {columns} FROM runs")
    op.execute("DROP TABLE runs")
    op.execute("ALTER TABLE fw_runs_0007 RENAME TO runs")
    if indexes:
        for statement in indexes:
            op.execute(statement)
    else:  # --sql mode cannot read them: the indexes runs has at this revision
        for name, indexed in RUN_INDEXES:
            op.create_index(name, "runs", indexed)
    op.execute("INSERT INTO dead_letters SELECT * FROM fw_kept_dead_letters")
    op.execute(
        "UPDATE schedule_executions SET run_id = (SELECT k.run_id FROM fw_kept_run_links k "
        "WHERE k.id = schedule_executions.id) WHERE id IN (SELECT id FROM fw_kept_run_links)"
    )
    op.execute("DROP TABLE fw_kept_dead_letters")
    op.execute("DROP TABLE fw_kept_run_links")


def _sqlite() -> bool:
    return bool(op.get_context().dialect.name == "sqlite")


def upgrade() -> None:
    op.create_table(
        "pipelines",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("step_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipelines")),
        sa.UniqueConstraint("key", name=op.f("uq_pipelines_key")),
    )
    op.create_table(
        "pipeline_versions",
        sa.Column("id", ID, nullable=False),
        sa.Column("pipeline_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("step_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_pipeline_versions_pipeline_id_pipelines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_versions")),
        sa.UniqueConstraint(
            "pipeline_id", "version", name=op.f("uq_pipeline_versions_pipeline_id_version")
        ),
    )
    # A pipeline run's dead letters name the step the record failed at.
    op.add_column("dead_letters", sa.Column("step", sa.Text(), nullable=True))
    # A pipeline run conserves records with what its steps expanded and merged.
    if _sqlite():
        _rebuild_sqlite_runs(pipelines=True)
        return
    for name in ("records_expanded", "records_merged"):
        op.add_column("runs", sa.Column(name, sa.Integer(), server_default="0", nullable=False))
    op.drop_constraint(op.f(CONSERVES), "runs", type_="check")
    op.create_check_constraint(op.f(CONSERVES), "runs", CONSERVES_0007)


def downgrade() -> None:
    if _sqlite():
        op.drop_column("dead_letters", "step")
        _rebuild_sqlite_runs(pipelines=False)
    else:
        op.drop_column("dead_letters", "step")
        op.drop_constraint(op.f(CONSERVES), "runs", type_="check")
        op.create_check_constraint(op.f(CONSERVES), "runs", CONSERVES_0006)
        op.drop_column("runs", "records_merged")
        op.drop_column("runs", "records_expanded")
    op.drop_table("pipeline_versions")
    op.drop_table("pipelines")
