"""Pipelines made by a template are template instances too (issue 19, item 6): an instance
row names the mapping or the pipeline a template version made, so `template_instances`
gets a nullable `pipeline_id` beside its `mapping_id`. Existing rows name mappings and
keep doing so; a deleted pipeline leaves its instance row without one, as a mapping does.

Revision ID: 0011
Revises: 0010 (transformations).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import CreateTable, SchemaItem

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The column types as they are at this revision; never import the live models here.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FOREIGN_KEY = "fk_template_instances_pipeline_id_pipelines"
INDEX = "ix_template_instances_pipeline_id"
UTC_DATETIME = sa.DateTime(timezone=True)


#: The columns of template_instances at revision 0010, in the order a SQLite store has them.
COLUMNS_0010 = (
    "id, template_id, mapping_id, name, customizations, status, deployed_at, deployed_by, "
    "created_at, created_by, updated_at, updated_by"
)


def _instances_table(*, pipelines: bool, name: str) -> sa.Table:
    """template_instances before (`pipelines=False`) or after this revision, its constraints
    named as revision 0001 named them (SQLite rebuilds the table to add a named foreign key)."""
    metadata = sa.MetaData()
    for table in ("templates", "mappings", "pipelines"):
        sa.Table(table, metadata, sa.Column("id", ID, primary_key=True))
    extra: list[SchemaItem] = []
    if pipelines:
        extra = [
            sa.Column("pipeline_id", ID, nullable=True),
            sa.ForeignKeyConstraint(
                ["pipeline_id"], ["pipelines.id"], name=FOREIGN_KEY, ondelete="SET NULL"
            ),
        ]
    return sa.Table(
        name,
        metadata,
        sa.Column("id", ID, nullable=False),
        sa.Column("template_id", ID, nullable=False),
        sa.Column("mapping_id", ID, nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("customizations", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("deployed_at", UTC_DATETIME, nullable=True),
        sa.Column("deployed_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_template_instances"),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["templates.id"],
            name="fk_template_instances_template_id_templates",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name="fk_template_instances_mapping_id_mappings",
            ondelete="SET NULL",
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'testing', 'active', 'deprecated')",
            name="ck_template_instances_deployment_status",
        ),
        *extra,
    )


def _rebuild_sqlite(*, pipelines: bool) -> None:
    """Make the table anew and copy the instances (nothing points at them). Written out,
    not batch mode, so `--sql` output is stable."""
    new = _instances_table(pipelines=pipelines, name="fw_template_instances_0011")
    op.execute(CreateTable(new))
    op.execute(
        f"INSERT INTO fw_template_instances_0011 ({COLUMNS_0010}) "
        f"SELECT {COLUMNS_0010} FROM template_instances"
    )
    op.execute("DROP TABLE template_instances")
    op.execute("ALTER TABLE fw_template_instances_0011 RENAME TO template_instances")
    op.create_index("ix_template_instances_template_id", "template_instances", ["template_id"])
    op.create_index("ix_template_instances_mapping_id", "template_instances", ["mapping_id"])


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        _rebuild_sqlite(pipelines=True)
    else:
        op.add_column("template_instances", sa.Column("pipeline_id", ID, nullable=True))
        op.create_foreign_key(
            FOREIGN_KEY,
            "template_instances",
            "pipelines",
            ["pipeline_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index(INDEX, "template_instances", ["pipeline_id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="template_instances")
    if op.get_context().dialect.name == "sqlite":
        _rebuild_sqlite(pipelines=False)
    else:
        op.drop_constraint(FOREIGN_KEY, "template_instances", type_="foreignkey")
        op.drop_column("template_instances", "pipeline_id")
