"""The scheduler: a lease table (one firing process at a time) and retry links.

Retries of a fire time point at its first attempt (``parent_id``); the index on
(status, scheduled_at) finds executions that are due to be dispatched.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_DATETIME = sa.DateTime(timezone=True)
#: SQLite cannot add a named constraint to a table: it is rebuilt ("move and copy") with
#: these statements, written out so the DDL renders offline and in a stable order (sql/).
SQLITE_REBUILD = (
    """CREATE TABLE _fw_new_schedule_executions (
    id INTEGER NOT NULL,
    schedule_id INTEGER NOT NULL,
    run_id INTEGER,
    scheduled_at DATETIME NOT NULL,
    started_at DATETIME,
    ended_at DATETIME,
    status VARCHAR(9) NOT NULL,
    attempt INTEGER NOT NULL,
    records_processed INTEGER NOT NULL,
    error_count INTEGER NOT NULL,
    warning_count INTEGER NOT NULL,
    notes TEXT NOT NULL,
    parent_id INTEGER,
    CONSTRAINT pk_schedule_executions PRIMARY KEY (id),
    CONSTRAINT ck_schedule_executions_execution_status CHECK (status IN ('scheduled', """
    """'running', 'completed', 'failed', 'cancelled', 'skipped')),
    CONSTRAINT fk_schedule_executions_run_id_runs FOREIGN KEY(run_id)
        REFERENCES runs (id) ON DELETE SET NULL,
    CONSTRAINT fk_schedule_executions_schedule_id_schedules FOREIGN KEY(schedule_id)
        REFERENCES schedules (id) ON DELETE CASCADE,
    CONSTRAINT fk_schedule_executions_parent_id_schedule_executions FOREIGN KEY(parent_id)
        REFERENCES schedule_executions (id) ON DELETE CASCADE
)""",
    """INSERT INTO _fw_new_schedule_executions (id, schedule_id, run_id, scheduled_at,
    started_at, ended_at, status, attempt, records_processed, error_count, warning_count,
    notes) SELECT id, schedule_id, run_id, scheduled_at, started_at, ended_at, status,
    attempt, records_processed, error_count, warning_count, notes FROM schedule_executions""",
    "DROP TABLE schedule_executions",
    "ALTER TABLE _fw_new_schedule_executions RENAME TO schedule_executions",
    "CREATE INDEX ix_schedule_executions_run_id ON schedule_executions (run_id)",
    "CREATE INDEX ix_schedule_executions_schedule_scheduled_at"
    " ON schedule_executions (schedule_id, scheduled_at)",
)


def upgrade() -> None:
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("acquired_at", UTC_DATETIME, nullable=False),
        sa.Column("renewed_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_leases")),
    )
    if op.get_context().dialect.name == "sqlite":
        for statement in SQLITE_REBUILD:
            op.execute(statement)
    else:
        op.add_column("schedule_executions", sa.Column("parent_id", ID, nullable=True))
        op.create_foreign_key(
            op.f("fk_schedule_executions_parent_id_schedule_executions"),
            "schedule_executions",
            "schedule_executions",
            ["parent_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_index(op.f("ix_schedule_executions_parent_id"), "schedule_executions", ["parent_id"])
    op.create_index(
        "ix_schedule_executions_status_scheduled_at",
        "schedule_executions",
        ["status", "scheduled_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_schedule_executions_status_scheduled_at", "schedule_executions")
    op.drop_index(op.f("ix_schedule_executions_parent_id"), "schedule_executions")
    with op.batch_alter_table("schedule_executions") as batch:
        batch.drop_constraint(
            op.f("fk_schedule_executions_parent_id_schedule_executions"), type_="foreignkey"
        )
        batch.drop_column("parent_id")
    op.drop_table("scheduler_leases")
