"""Content hash on mapping versions (integrity check on load); runs by status and start.

Existing versions get their hash computed here, so every version written
before this revision is covered too. The index serves the Runs panel's
"failed runs, newest first" filter.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

versions = sa.table(
    "mapping_versions",
    sa.column("id", sa.Integer()),
    sa.column("document", sa.Text()),
    sa.column("content_sha256", sa.String(64)),
)


def upgrade() -> None:
    op.add_column("mapping_versions", sa.Column("content_sha256", sa.String(length=64)))
    op.create_index("ix_runs_status_started_at", "runs", ["status", "started_at"])
    if context.is_offline_mode():
        return  # DDL only; an online upgrade fills the hashes of existing versions.
    bind = op.get_bind()
    rows = bind.execute(sa.select(versions.c.id, versions.c.document)).all()
    for row_id, document in rows:
        digest = hashlib.sha256(document.encode("utf-8")).hexdigest()
        bind.execute(versions.update().where(versions.c.id == row_id).values(content_sha256=digest))


def downgrade() -> None:
    op.drop_index("ix_runs_status_started_at", "runs")
    with op.batch_alter_table("mapping_versions") as batch:
        batch.drop_column("content_sha256")
