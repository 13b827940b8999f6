"""Approvals before production: version lifecycles, sign-offs, the audit trail, store settings.

A version without a lifecycle row is a draft, so existing stores need no data
migration. `store_settings` starts empty: `require_approval` is off until
someone turns it on, so schedules of a store made before this revision keep
running the latest saved version as they did (issue 20, item 3).

Revision ID: 0006
Revises: 0005 once the monitoring indexes (0005, issue 20 item 2) are merged; until
then 0004. Whoever merges both sets `down_revision` to "0005".
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The column types as they are at this revision; never import the live models here.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)
STATES = ("draft", "in_review", "approved", "active", "retired")
ROLES = ("technical_review", "data_owner", "security_review", "testing_signoff")


def _enum(values: Sequence[str], name: str) -> sa.Enum:
    return sa.Enum(
        *values, name=name, native_enum=False, create_constraint=True, length=max(map(len, values))
    )


def upgrade() -> None:
    op.create_table(
        "version_lifecycles",
        sa.Column("id", ID, nullable=False),
        sa.Column("mapping_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", _enum(STATES, "lifecycle_state"), nullable=False),
        sa.Column("required_roles", JSON, nullable=False),
        sa.Column("coverage_threshold", sa.Float(), nullable=False),
        sa.Column("submitted_at", UTC_DATETIME, nullable=True),
        sa.Column("submitted_by", sa.String(length=100), nullable=True),
        sa.Column("changed_at", UTC_DATETIME, nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name=op.f("fk_version_lifecycles_mapping_id_mappings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version_lifecycles")),
        sa.UniqueConstraint(
            "mapping_id", "version", name=op.f("uq_version_lifecycles_mapping_id_version")
        ),
    )
    op.create_index("ix_version_lifecycles_state", "version_lifecycles", ["state"])
    op.create_table(
        "sign_offs",
        sa.Column("id", ID, nullable=False),
        sa.Column("mapping_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("role", _enum(ROLES, "approval_role"), nullable=False),
        sa.Column("signed_by", sa.String(length=100), nullable=False),
        sa.Column("signed_at", UTC_DATETIME, nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name=op.f("fk_sign_offs_mapping_id_mappings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_offs")),
        sa.UniqueConstraint(
            "mapping_id", "version", "role", name=op.f("uq_sign_offs_mapping_id_version_role")
        ),
    )
    op.create_table(
        "audit_trail",
        sa.Column("id", ID, nullable=False),
        sa.Column("mapping_key", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_trail")),
    )
    op.create_index("ix_audit_trail_mapping_key_at", "audit_trail", ["mapping_key", "at"])
    op.create_table(
        "store_settings",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", JSON, nullable=True),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_store_settings")),
    )


def downgrade() -> None:
    op.drop_table("store_settings")
    op.drop_index("ix_audit_trail_mapping_key_at", table_name="audit_trail")
    op.drop_table("audit_trail")
    op.drop_table("sign_offs")
    op.drop_index("ix_version_lifecycles_state", table_name="version_lifecycles")
    op.drop_table("version_lifecycles")
