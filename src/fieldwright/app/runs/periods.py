"""The Runs page's date filter: its periods ("Last 7 days", "Between…") as the
[since, until) bounds a run history query takes, in local time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate

__all__ = ["PERIODS", "day_of", "period_bounds"]

#: The date filter's choices: label and how many days back (None: no limit, -1: between dates).
PERIODS: tuple[tuple[str, int | None], ...] = (
    ("Any time", None),
    ("Today", 0),
    ("Last 7 days", 6),
    ("Last 30 days", 29),
    ("Between…", -1),
)


def day_of(value: QDate) -> date:
    """The day a date box shows."""
    return date(value.year(), value.month(), value.day())


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone()


def period_bounds(
    days_back: int | None, first: date, last: date, today: date | None = None
) -> tuple[datetime | None, datetime | None]:
    """[since, until) in local time: whole days, `last` included; None means unbounded."""
    if days_back is None:
        return None, None
    if days_back >= 0:
        today = today or date.today()
        return _local_midnight(today - timedelta(days=days_back)), None
    return _local_midnight(first), _local_midnight(last + timedelta(days=1))
