"""Schedules that run a stored pipeline, and the lifecycle of pipeline versions (issues 19
and 20): a schedule, a version's lifecycle row and a sign-off name a mapping or a pipeline,
never both, so their `mapping_id` becomes nullable beside a new `pipeline_id`.

Revision ID: 0008
Revises: 0007 (pipelines).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable, SchemaItem

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The column types as they are at this revision; never import the live models here.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)
ONE_OF = "ck_schedules_mapping_or_pipeline"
ONE_OF_CHECK = (
    "(mapping_id IS NOT NULL AND pipeline_id IS NULL)"
    " OR (mapping_id IS NULL AND pipeline_id IS NOT NULL)"
)
#: The columns of schedules at revision 0007, in the order a SQLite store has them.
COLUMNS_0007 = (
    "id, key, name, mapping_id, kind, cron_expression, interval_seconds, fixed_times, "
    "timezone, start_date, end_date, retry_policy, timeout_seconds, concurrent_runs, "
    "missed_run_policy, notify_on_failure, active, next_run_at, last_run_at, parameters, "
    "created_at, created_by, updated_at, updated_by, sla_expected_seconds, "
    "sla_latest_finish, sla_late_after_seconds, sla_failures_alert"
)


def _schedules_table(*, pipelines: bool, name: str) -> sa.Table:
    """The schedules table before (`pipelines=False`) or after this revision, with its
    constraints named as revision 0001 named them: SQLite rebuilds the table to change them,
    and `--sql` mode cannot reflect it."""

    def enum(values: Sequence[str]) -> sa.Enum:
        return sa.Enum(*values, native_enum=False, create_constraint=False)

    metadata = sa.MetaData()
    sa.Table("mappings", metadata, sa.Column("id", ID, primary_key=True))
    sa.Table("pipelines", metadata, sa.Column("id", ID, primary_key=True))
    extra: list[SchemaItem] = []
    if pipelines:
        extra = [
            sa.Column("pipeline_id", ID, nullable=True),
            sa.ForeignKeyConstraint(
                ["pipeline_id"],
                ["pipelines.id"],
                name="fk_schedules_pipeline_id_pipelines",
                ondelete="CASCADE",
            ),
            sa.CheckConstraint(ONE_OF_CHECK, name=ONE_OF),
        ]
    return sa.Table(
        name,
        metadata,
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("mapping_id", ID, nullable=pipelines),
        sa.Column(
            "kind",
            enum(("cron", "interval", "fixed_time", "event_based", "manual")),
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
        sa.Column("missed_run_policy", enum(("run_once", "run_all", "skip")), nullable=False),
        sa.Column("notify_on_failure", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", UTC_DATETIME, nullable=True),
        sa.Column("last_run_at", UTC_DATETIME, nullable=True),
        sa.Column("parameters", JSON, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("sla_expected_seconds", sa.Integer(), nullable=True),
        sa.Column("sla_latest_finish", sa.String(length=5), nullable=True),
        sa.Column("sla_late_after_seconds", sa.Integer(), nullable=True),
        sa.Column("sla_failures_alert", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_schedules"),
        sa.CheckConstraint(
            "(kind = 'cron' AND cron_expression IS NOT NULL)"
            " OR (kind = 'interval' AND interval_seconds IS NOT NULL)"
            " OR (kind = 'fixed_time' AND fixed_times IS NOT NULL)"
            " OR kind IN ('event_based', 'manual')",
            name="ck_schedules_valid_schedule",
        ),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name="fk_schedules_mapping_id_mappings",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("key", name="uq_schedules_key"),
        sa.CheckConstraint(
            "kind IN ('cron', 'interval', 'fixed_time', 'event_based', 'manual')",
            name="ck_schedules_schedule_kind",
        ),
        sa.CheckConstraint(
            "missed_run_policy IN ('run_once', 'run_all', 'skip')",
            name="ck_schedules_missed_run_policy",
        ),
        *extra,
    )


def _rebuild_sqlite_schedules(*, pipelines: bool) -> None:
    """SQLite cannot change a column's nullability or add a check constraint: make the table
    anew, copy the schedules, and put back what dropping the old one (foreign keys on) took:
    every execution (cascaded) and every run's link to its schedule (set null). Written out,
    not batch mode, so `--sql` output is stable."""
    new = _schedules_table(pipelines=pipelines, name="fw_schedules_0008")
    op.execute("CREATE TEMP TABLE fw_kept_executions AS SELECT * FROM schedule_executions")
    op.execute(
        "CREATE TEMP TABLE fw_kept_schedule_links AS SELECT id, schedule_id FROM runs "
        "WHERE schedule_id IS NOT NULL"
    )
    op.execute(CreateTable(new))
    op.execute(
        f"INSERT INTO fw_schedules_0008 ({COLUMNS_0007}) SELECT {COLUMNS_0007} FROM schedules"
    )
    op.execute("DROP TABLE schedules")
    op.execute("ALTER TABLE fw_schedules_0008 RENAME TO schedules")
    op.create_index("ix_schedules_mapping_id", "schedules", ["mapping_id"])
    op.create_index(
        "ix_schedules_next_run_at_active",
        "schedules",
        ["next_run_at"],
        sqlite_where=sa.text("active"),
    )
    if pipelines:
        op.create_index("ix_schedules_pipeline_id", "schedules", ["pipeline_id"])
    # Oldest first, so a retry's first attempt (parent_id) is back before the retry.
    op.execute(
        "INSERT INTO schedule_executions SELECT * FROM fw_kept_executions "
        "WHERE schedule_id IN (SELECT id FROM schedules) ORDER BY id"
    )
    op.execute(
        "UPDATE runs SET schedule_id = (SELECT k.schedule_id FROM fw_kept_schedule_links k "
        "WHERE k.id = runs.id) WHERE id IN (SELECT k.id FROM fw_kept_schedule_links k "
        "JOIN schedules s ON s.id = k.schedule_id)"
    )
    op.execute("DROP TABLE fw_kept_executions")
    op.execute("DROP TABLE fw_kept_schedule_links")


#: The approval tables, the columns they have at revision 0007 (and keep), their own check.
LIFECYCLE_TABLES = {
    "version_lifecycles": (
        "id, mapping_id, version, state, required_roles, coverage_threshold, submitted_at, "
        "submitted_by, changed_at, changed_by",
        (
            "state",
            "ck_version_lifecycles_lifecycle_state",
            "draft in_review approved active retired",
        ),
        ("version",),
    ),
    "sign_offs": (
        "id, mapping_id, version, role, signed_by, signed_at, comment, details",
        (
            "role",
            "ck_sign_offs_approval_role",
            "technical_review data_owner security_review testing_signoff",
        ),
        ("version", "role"),
    ),
}


def _lifecycle_table(table: str, *, pipelines: bool, name: str) -> sa.Table:
    """`version_lifecycles` or `sign_offs` before or after this revision (see above)."""
    metadata = sa.MetaData()
    sa.Table("mappings", metadata, sa.Column("id", ID, primary_key=True))
    sa.Table("pipelines", metadata, sa.Column("id", ID, primary_key=True))
    _columns, (checked, check_name, values), unique = LIFECYCLE_TABLES[table]
    words = values.split()
    text = sa.String(length=100)
    if table == "version_lifecycles":
        columns: list[SchemaItem] = [
            sa.Column("state", sa.String(length=max(map(len, words))), nullable=False),
            sa.Column("required_roles", JSON, nullable=False),
            sa.Column("coverage_threshold", sa.Float(), nullable=False),
            sa.Column("submitted_at", UTC_DATETIME, nullable=True),
            sa.Column("submitted_by", text, nullable=True),
            sa.Column("changed_at", UTC_DATETIME, nullable=False),
            sa.Column("changed_by", text, nullable=False),
        ]
    else:
        columns = [
            sa.Column("role", sa.String(length=max(map(len, words))), nullable=False),
            sa.Column("signed_by", text, nullable=False),
            sa.Column("signed_at", UTC_DATETIME, nullable=False),
            sa.Column("comment", sa.Text(), nullable=False),
            sa.Column("details", JSON, nullable=False),
        ]
    listed = ", ".join(f"'{word}'" for word in words)
    extra: list[SchemaItem] = []
    if pipelines:
        extra = [
            sa.Column("pipeline_id", ID, nullable=True),
            sa.ForeignKeyConstraint(
                ["pipeline_id"],
                ["pipelines.id"],
                name=f"fk_{table}_pipeline_id_pipelines",
                ondelete="CASCADE",
            ),
            sa.UniqueConstraint(
                "pipeline_id", *unique, name=f"uq_{table}_pipeline_id_{'_'.join(unique)}"
            ),
            sa.CheckConstraint(ONE_OF_CHECK, name=f"ck_{table}_mapping_or_pipeline"),
        ]
    return sa.Table(
        name,
        metadata,
        sa.Column("id", ID, nullable=False),
        sa.Column("mapping_id", ID, nullable=pipelines),
        sa.Column("version", sa.Integer(), nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name=f"fk_{table}_mapping_id_mappings",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "mapping_id", *unique, name=f"uq_{table}_mapping_id_{'_'.join(unique)}"
        ),
        sa.CheckConstraint(f"{checked} IN ({listed})", name=check_name),
        *extra,
    )


def _rebuild_sqlite_lifecycles(*, pipelines: bool) -> None:
    """The approval tables anew (nothing refers to them: a plain copy)."""
    for table, (columns, _check, _unique) in LIFECYCLE_TABLES.items():
        new = f"fw_{table}_0008"
        op.execute(CreateTable(_lifecycle_table(table, pipelines=pipelines, name=new)))
        op.execute(f"INSERT INTO {new} ({columns}) SELECT {columns} FROM {table}")
        op.execute(f"DROP TABLE {table}")
        op.execute(f"ALTER TABLE {new} RENAME TO {table}")
    op.create_index("ix_version_lifecycles_state", "version_lifecycles", ["state"])


def _lifecycles_postgresql(*, upgrade: bool) -> None:
    for table, (_columns, _check, unique) in LIFECYCLE_TABLES.items():
        names = (
            f"fk_{table}_pipeline_id_pipelines",
            f"uq_{table}_pipeline_id_{'_'.join(unique)}",
            f"ck_{table}_mapping_or_pipeline",
        )
        if upgrade:
            op.add_column(table, sa.Column("pipeline_id", ID, nullable=True))
            op.create_foreign_key(
                op.f(names[0]), table, "pipelines", ["pipeline_id"], ["id"], ondelete="CASCADE"
            )
            op.create_unique_constraint(op.f(names[1]), table, ["pipeline_id", *unique])
            op.alter_column(table, "mapping_id", existing_type=ID, nullable=True)
            op.create_check_constraint(op.f(names[2]), table, ONE_OF_CHECK)
            continue
        op.execute(f"DELETE FROM {table} WHERE pipeline_id IS NOT NULL")
        op.drop_constraint(op.f(names[2]), table, type_="check")
        op.alter_column(table, "mapping_id", existing_type=ID, nullable=False)
        op.drop_constraint(op.f(names[1]), table, type_="unique")
        op.drop_constraint(op.f(names[0]), table, type_="foreignkey")
        op.drop_column(table, "pipeline_id")


def _sqlite() -> bool:
    return bool(op.get_context().dialect.name == "sqlite")


def upgrade() -> None:
    if _sqlite():
        _rebuild_sqlite_schedules(pipelines=True)
        _rebuild_sqlite_lifecycles(pipelines=True)
        return
    _lifecycles_postgresql(upgrade=True)
    op.add_column("schedules", sa.Column("pipeline_id", ID, nullable=True))
    op.create_foreign_key(
        op.f("fk_schedules_pipeline_id_pipelines"),
        "schedules",
        "pipelines",
        ["pipeline_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_index(op.f("ix_schedules_pipeline_id"), "schedules", ["pipeline_id"])
    op.alter_column("schedules", "mapping_id", existing_type=ID, nullable=True)
    op.create_check_constraint(op.f(ONE_OF), "schedules", ONE_OF_CHECK)


def downgrade() -> None:
    # A schedule of a pipeline has no place in the older schema: it goes, with its executions.
    op.execute("DELETE FROM schedules WHERE pipeline_id IS NOT NULL")
    if _sqlite():
        for table in LIFECYCLE_TABLES:
            op.execute(f"DELETE FROM {table} WHERE pipeline_id IS NOT NULL")
        _rebuild_sqlite_schedules(pipelines=False)
        _rebuild_sqlite_lifecycles(pipelines=False)
        return
    _lifecycles_postgresql(upgrade=False)
    op.drop_constraint(op.f(ONE_OF), "schedules", type_="check")
    op.alter_column("schedules", "mapping_id", existing_type=ID, nullable=False)
    op.drop_index(op.f("ix_schedules_pipeline_id"), "schedules")
    op.drop_constraint(op.f("fk_schedules_pipeline_id_pipelines"), "schedules", type_="foreignkey")
    op.drop_column("schedules", "pipeline_id")
