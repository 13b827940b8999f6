"""Runs know their parent run (a retry or a reprocess of it) and which process runs them.

`parent_run_key` names the run a retry attempt or a reprocess of dead letters
follows: by business key, like `mapping_key`, so the log stays readable on
its own (and SQLite adds the column without rebuilding the table).
`process_id` and `host` let the next start tell a run left "running" by a
killed process from one still running elsewhere; `details` keeps what the
run read and wrote (connector kinds and paths, never secrets) and its attempt.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The column types as they are at this revision; never import the live models here.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("runs", sa.Column("parent_run_key", sa.String(length=200), nullable=True))
    op.add_column("runs", sa.Column("process_id", sa.Integer(), nullable=True))
    op.add_column("runs", sa.Column("host", sa.String(length=255), nullable=True))
    op.add_column("runs", sa.Column("details", JSON, nullable=True))
    op.create_index(op.f("ix_runs_parent_run_key"), "runs", ["parent_run_key"])


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_index(op.f("ix_runs_parent_run_key"))
        batch.drop_column("details")
        batch.drop_column("host")
        batch.drop_column("process_id")
        batch.drop_column("parent_run_key")
