"""Stored transformations (issue 19, item 5): named reusable transform chains with their
own tests, identities and immutable versions like pipelines (revision 0007).

Revision ID: 0010
Revises: 0009 (credential expiry). The lead fixes the chain when merging revisions made
in parallel.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The column types as they are at this revision; never import the live models here.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "transformations",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("step_count", sa.Integer(), nullable=False),
        sa.Column("test_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transformations")),
        sa.UniqueConstraint("key", name=op.f("uq_transformations_key")),
        sa.UniqueConstraint("name", name=op.f("uq_transformations_name")),
    )
    op.create_table(
        "transformation_versions",
        sa.Column("id", ID, nullable=False),
        sa.Column("transformation_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("step_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["transformation_id"],
            ["transformations.id"],
            name=op.f("fk_transformation_versions_transformation_id_transformations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transformation_versions")),
        sa.UniqueConstraint(
            "transformation_id",
            "version",
            name=op.f("uq_transformation_versions_transformation_id_version"),
        ),
    )


def downgrade() -> None:
    op.drop_table("transformation_versions")
    op.drop_table("transformations")
