"""The dashboard's dead-letter queries: error patterns, their trend, one pattern's letters.

Counted from the hourly roll-up (`dead_letter_hours`, kept by the store as letters
are added), so a month of a million letters reads thousands of rows; one pattern's
letters come from `dead_letters` by index ``(reason_pattern, occurred_at)``.
`MonitoringRepository` (monitoring.py) builds on this class.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, cast, func, select

from fieldwright.domain.store_models import DeadLetterRecord
from fieldwright.store.errors import InvalidRecord
from fieldwright.store.letter_hours import hour_of
from fieldwright.store.models import DeadLetterHour, DeadLetterRow, Run
from fieldwright.store.store import Store

__all__ = ["DeadLetterQueries", "ErrorDay", "ErrorPatternRow"]


@dataclass(frozen=True, slots=True)
class ErrorPatternRow:
    error_type: str | None
    field: str | None
    pattern: str
    letters: int
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True, slots=True)
class ErrorDay:
    error_type: str | None
    field: str | None
    pattern: str
    day: date
    letters: int


def _day(value: Any) -> date:
    """date() gives text on SQLite and a date on PostgreSQL."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _utc(value: Any) -> datetime:
    """Aggregates lose the column type: SQLite gives naive text, PostgreSQL aware datetimes."""
    stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def _check_window(since: datetime, until: datetime) -> None:
    if since.tzinfo is None or until.tzinfo is None:
        raise InvalidRecord("a monitoring window needs timezone-aware datetimes")
    if since >= until:
        raise InvalidRecord(f"the window starts ({since}) at or after it ends ({until})")


class DeadLetterQueries:
    """Window queries shared by the dashboard's repository, and those of dead letters."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._sqlite = store.engine.dialect.name == "sqlite"

    def _seconds(self, end: Any, start: Any) -> ColumnElement[float]:
        if self._sqlite:
            return (func.julianday(end) - func.julianday(start)) * 86400.0
        return cast(func.extract("epoch", end - start), Float)

    def _date(self, column: Any) -> ColumnElement[Any]:
        if self._sqlite:
            return func.date(column)
        return func.date(func.timezone("UTC", column))

    # -- dead letters -----------------------------------------------------------------------

    @staticmethod
    def _hours(
        since: datetime, until: datetime, mapping_key: str | None
    ) -> list[ColumnElement[bool]]:
        conditions = [DeadLetterHour.hour >= hour_of(since), DeadLetterHour.hour < until]
        if mapping_key is not None:
            conditions.append(DeadLetterHour.mapping_key == mapping_key)
        return conditions

    def error_patterns(
        self,
        since: datetime,
        until: datetime,
        *,
        mapping_key: str | None = None,
        limit: int = 20,
    ) -> list[ErrorPatternRow]:
        """The most frequent (step, field, pattern) groups of dead letters, most first.

        Counted by the hour (dead_letter_hours): the window's first hour is whole.
        """
        _check_window(since, until)
        letters = func.sum(DeadLetterHour.letters)
        query = (
            select(
                DeadLetterHour.error_type,
                DeadLetterHour.field,
                DeadLetterHour.reason_pattern,
                letters,
                func.min(DeadLetterHour.first_at),
                func.max(DeadLetterHour.last_at),
            )
            .where(*self._hours(since, until, mapping_key))
            .group_by(
                DeadLetterHour.reason_pattern, DeadLetterHour.error_type, DeadLetterHour.field
            )
            .order_by(letters.desc(), DeadLetterHour.reason_pattern, DeadLetterHour.field)
            .limit(limit)
        )
        with self._store.session() as session:
            return [
                ErrorPatternRow(kind or None, field or None, text, int(n), _utc(first), _utc(last))
                for kind, field, text, n, first, last in session.execute(query)
            ]

    def error_trend(
        self,
        since: datetime,
        until: datetime,
        patterns: list[ErrorPatternRow],
        *,
        mapping_key: str | None = None,
    ) -> list[ErrorDay]:
        """Dead letters per UTC day of the given groups, oldest day first."""
        _check_window(since, until)
        if not patterns:
            return []
        wanted = {(p.error_type, p.field, p.pattern) for p in patterns}
        day = self._date(DeadLetterHour.hour).label("day")
        query = (
            select(
                DeadLetterHour.error_type,
                DeadLetterHour.field,
                DeadLetterHour.reason_pattern,
                day,
                func.sum(DeadLetterHour.letters),
            )
            .where(
                *self._hours(since, until, mapping_key),
                DeadLetterHour.reason_pattern.in_(sorted({p.pattern for p in patterns})),
            )
            .group_by(
                DeadLetterHour.reason_pattern, DeadLetterHour.error_type, DeadLetterHour.field, day
            )
            .order_by(day)
        )
        with self._store.session() as session:
            return [
                ErrorDay(kind or None, field or None, text, _day(value), int(n))
                for kind, field, text, value, n in session.execute(query)
                if (kind or None, field or None, text) in wanted
            ]

    def pattern_letters(
        self,
        since: datetime,
        until: datetime,
        *,
        pattern: str,
        error_type: str | None,
        field: str | None,
        limit: int = 200,
    ) -> list[DeadLetterRecord]:
        """The latest dead letters of one group, newest first, with their run keys."""
        _check_window(since, until)
        if not 1 <= limit <= 10_000:
            raise InvalidRecord("a page holds 1 to 10,000 dead letters")
        query = (
            select(DeadLetterRow, Run.key)
            .join(Run, Run.id == DeadLetterRow.run_id)
            .where(
                DeadLetterRow.occurred_at >= since,
                DeadLetterRow.occurred_at < until,
                func.coalesce(DeadLetterRow.reason_pattern, "") == pattern,
                DeadLetterRow.error_type.is_(None)
                if error_type is None
                else DeadLetterRow.error_type == error_type,
                DeadLetterRow.field.is_(None) if field is None else DeadLetterRow.field == field,
            )
            .order_by(DeadLetterRow.occurred_at.desc(), DeadLetterRow.id.desc())
            .limit(limit)
        )
        with self._store.session() as session:
            return [
                DeadLetterRecord(
                    id=row.id,
                    run_key=run_key,
                    error_id=row.error_id,
                    error_type=row.error_type,
                    position=row.position,
                    position_text=row.position_text,
                    field=row.field,
                    reason=row.reason,
                    input=row.input,
                    raw=row.raw,
                    occurred_at=row.occurred_at,
                )
                for row, run_key in session.execute(query)
            ]
