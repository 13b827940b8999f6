"""The hourly roll-up of dead letters (table dead_letter_hours), kept as letters are stored."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fieldwright.store.models import DeadLetterHour

__all__ = ["LetterKey", "count_letters", "hour_of"]

#: mapping key, step (error type), field, reason pattern, when it failed.
LetterKey = tuple[str, str | None, str | None, str, datetime]
_KEY = ("hour", "mapping_key", "error_type", "field", "reason_pattern")


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def count_letters(session: Session, letters: Iterable[LetterKey]) -> int:
    """Add the letters to their hours' counts (one upsert per group); how many groups."""
    groups: dict[tuple[datetime, str, str, str, str], list[Any]] = {}
    for mapping_key, error_type, field, pattern, occurred in letters:
        key = (hour_of(occurred), mapping_key, error_type or "", field or "", pattern)
        entry = groups.get(key)
        if entry is None:
            groups[key] = [1, occurred, occurred]
        else:
            entry[0] += 1
            entry[1] = min(entry[1], occurred)
            entry[2] = max(entry[2], occurred)
    if not groups:
        return 0
    rows = [
        dict(zip(_KEY, key, strict=True), letters=n, first_at=first, last_at=last)
        for key, (n, first, last) in groups.items()
    ]
    table = DeadLetterHour
    statement: Any
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(table)
        first = func.least(table.first_at, statement.excluded.first_at)
        last = func.greatest(table.last_at, statement.excluded.last_at)
    else:  # SQLite's min() and max() of two values
        statement = sqlite.insert(table)
        first = func.min(table.first_at, statement.excluded.first_at)
        last = func.max(table.last_at, statement.excluded.last_at)
    statement = statement.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={
            "letters": table.letters + statement.excluded.letters,
            "first_at": first,
            "last_at": last,
        },
    )
    session.execute(statement, rows)
    return len(rows)
