"""Credentials that expire (issue 20, item 4): a connection's secret gets an expiry and a
rotation date, and certificates attached to a connection keep their public facts.

Existing connections get no dates (nothing expires until someone says so). A
certificate row never holds a private key or a secret: the file's path, what the
certificate says (subject, issuer, serial, fingerprint, validity) and its public
PEM; its key is ``cert_{CLIENT}_{SYSTEM}_{yyyymmdd}`` (the date: not_after).

Revision ID: 0009
Revises: 0008 (schedules and lifecycles of pipelines).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The column types as they are at this revision; never import the live models here.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("connections", sa.Column("expires_at", UTC_DATETIME, nullable=True))
    op.add_column("connections", sa.Column("rotate_by", UTC_DATETIME, nullable=True))
    op.create_table(
        "certificates",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("client", sa.String(length=60), nullable=False),
        sa.Column("system", sa.String(length=60), nullable=False),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=100), nullable=False),
        sa.Column("not_before", UTC_DATETIME, nullable=False),
        sa.Column("not_after", UTC_DATETIME, nullable=False),
        sa.Column("pem", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_certificates_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("key", name=op.f("uq_certificates_key")),
    )
    op.create_index("ix_certificates_connection_id", "certificates", ["connection_id"])
    op.create_index("ix_certificates_not_after", "certificates", ["not_after"])


def downgrade() -> None:
    op.drop_index("ix_certificates_not_after", table_name="certificates")
    op.drop_index("ix_certificates_connection_id", table_name="certificates")
    op.drop_table("certificates")
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("rotate_by")
        batch.drop_column("expires_at")
