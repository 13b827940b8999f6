"""The monitoring dashboard: error patterns of dead letters, service levels of schedules.

Dead letters gain `reason_pattern` (the reason with numbers and quoted values
replaced by placeholders), filled for the letters already stored, and an index to
open one pattern's latest letters. `dead_letter_hours` counts them per hour,
mapping, step, field and pattern (filled here from the stored letters, then kept
by the store as letters are added): the dashboard reads it, not every letter.
Schedules gain optional service levels (expected duration, latest finish, late
start, failures in a row before an alert). Runs gain an index to find a
mapping's latest run of a status (consecutive failures), and one covering the
dashboard's scan of a window.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_DATETIME = sa.DateTime(timezone=True)

# The pattern rules as they are at this revision (never import live code here).
_RULES = (
    (re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|‘[^’\n]*’|“[^”\n]*”"), "<value>"),
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
        ),
        "<date>",
    ),
    (
        re.compile(
            r"\b[0-9a-fA-F]{8}(?:-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}\b|\b0x[0-9a-fA-F]+\b"
        ),
        "<id>",
    ),
    (re.compile(r"(?<![A-Za-z_])[-+]?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?"), "<n>"),
    (re.compile(r"\s+"), " "),
)


def _pattern(reason: str) -> str:
    text = reason
    for rule, placeholder in _RULES:
        text = rule.sub(placeholder, text)
    text = text.strip().replace("\x00", "")
    return text if len(text) <= 200 else text[:199] + "…"


def _fill_patterns() -> None:
    letters = sa.table(
        "dead_letters",
        sa.column("id", sa.Integer()),
        sa.column("reason", sa.Text()),
        sa.column("reason_pattern", sa.String(200)),
    )
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(letters.c.id, letters.c.reason)
            .where(letters.c.id > last)
            .order_by(letters.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            letters.update()
            .where(letters.c.id == sa.bindparam("ident"))
            .values(reason_pattern=sa.bindparam("pattern")),
            [{"ident": ident, "pattern": _pattern(reason or "")} for ident, reason in rows],
        )
        last = rows[-1][0]


def _fill_hours() -> None:
    if op.get_bind().dialect.name == "postgresql":
        hour = "date_trunc('hour', d.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    else:
        hour = "strftime('%Y-%m-%d %H:00:00.000000', d.occurred_at)"
    op.execute(
        "INSERT INTO dead_letter_hours (hour, mapping_key, error_type, field, reason_pattern,"
        " letters, first_at, last_at)"
        f" SELECT {hour}, r.mapping_key, coalesce(d.error_type, ''), coalesce(d.field, ''),"
        " coalesce(d.reason_pattern, ''), count(*), min(d.occurred_at), max(d.occurred_at)"
        " FROM dead_letters d JOIN runs r ON r.id = d.run_id"
        f" GROUP BY {hour}, r.mapping_key, coalesce(d.error_type, ''), coalesce(d.field, ''),"
        " coalesce(d.reason_pattern, '')"
    )


def upgrade() -> None:
    op.add_column("dead_letters", sa.Column("reason_pattern", sa.String(length=200)))
    op.create_index(
        "ix_dead_letters_reason_pattern_occurred_at",
        "dead_letters",
        ["reason_pattern", "occurred_at"],
    )
    op.create_table(
        "dead_letter_hours",
        sa.Column("id", ID, nullable=False),
        sa.Column("hour", UTC_DATETIME, nullable=False),
        sa.Column("mapping_key", sa.String(length=200), nullable=False),
        sa.Column("error_type", sa.String(length=100), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("reason_pattern", sa.String(length=200), nullable=False),
        sa.Column("letters", sa.Integer(), nullable=False),
        sa.Column("first_at", UTC_DATETIME, nullable=False),
        sa.Column("last_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letter_hours")),
        sa.UniqueConstraint(
            "hour",
            "mapping_key",
            "error_type",
            "field",
            "reason_pattern",
            name="uq_dead_letter_hours_group",
        ),
    )
    op.create_index(
        "ix_runs_mapping_key_status_started_at", "runs", ["mapping_key", "status", "started_at"]
    )
    op.create_index(
        "ix_runs_started_at_activity",
        "runs",
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
    )
    op.add_column("schedules", sa.Column("sla_expected_seconds", sa.Integer()))
    op.add_column("schedules", sa.Column("sla_latest_finish", sa.String(length=5)))
    op.add_column("schedules", sa.Column("sla_late_after_seconds", sa.Integer()))
    op.add_column("schedules", sa.Column("sla_failures_alert", sa.Integer()))
    if not context.is_offline_mode():
        _fill_patterns()
        _fill_hours()


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("sla_failures_alert")
        batch.drop_column("sla_late_after_seconds")
        batch.drop_column("sla_latest_finish")
        batch.drop_column("sla_expected_seconds")
    with op.batch_alter_table("runs") as batch:
        batch.drop_index("ix_runs_started_at_activity")
        batch.drop_index("ix_runs_mapping_key_status_started_at")
    op.drop_table("dead_letter_hours")
    with op.batch_alter_table("dead_letters") as batch:
        batch.drop_index("ix_dead_letters_reason_pattern_occurred_at")
        batch.drop_column("reason_pattern")
