"""Schedules in words and in time: cron descriptions, checks and fire-time plans.

The scheduler's own helpers behind the service's errors: a cron expression or a
schedule that cannot fire raises `InvalidSchedule` with the scheduler's message.
A `Plan` (the scheduler's, Qt-free) answers when a schedule fires.
"""

from __future__ import annotations

from fieldwright.domain.store_models import ScheduleKind, ScheduleRecord
from fieldwright.scheduler import CronError, Plan
from fieldwright.scheduler import InvalidSchedule as _InvalidSchedule
from fieldwright.scheduler import describe_cron as _describe_cron
from fieldwright.scheduler import validate_schedule as _validate_schedule
from fieldwright.service.errors import InvalidSchedule

__all__ = [
    "DURATION_UNITS",
    "Plan",
    "describe_cron",
    "describe_schedule",
    "plan_schedule",
    "validate_schedule",
]

#: The units a schedule's interval is said in, smallest first.
DURATION_UNITS = (("seconds", 1), ("minutes", 60), ("hours", 3600), ("days", 86400))


def describe_cron(expression: str) -> str:
    """A cron expression in words ("at 06:00 on weekdays"); InvalidSchedule names a bad field."""
    try:
        return _describe_cron(expression)
    except CronError as exc:
        raise InvalidSchedule(str(exc)) from exc


def plan_schedule(schedule: ScheduleRecord) -> Plan:
    """When a schedule fires; InvalidSchedule names what stops it from firing."""
    try:
        return Plan.of(schedule)
    except _InvalidSchedule as exc:
        raise InvalidSchedule(str(exc)) from exc


def validate_schedule(schedule: ScheduleRecord) -> Plan:
    """Check a schedule before it is saved (zone, cron fields, dates, that it fires at all
    between its start and end dates); returns its plan."""
    try:
        return _validate_schedule(schedule)
    except _InvalidSchedule as exc:
        raise InvalidSchedule(str(exc)) from exc


def _duration(seconds: int) -> str:
    for unit, size in reversed(DURATION_UNITS):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit.rstrip('s') if count == 1 else unit}"
    return f"{seconds} seconds"


def describe_schedule(record: ScheduleRecord) -> str:
    """What a schedule does, in words ("every 2 hours", "at 06:00 on weekdays"): the
    Schedules page, the schedule editor and `fieldwright schedules list` say the same."""
    if record.kind is ScheduleKind.CRON:
        try:
            return describe_cron(record.cron or "")
        except InvalidSchedule as exc:
            return f"invalid: {exc}"
    if record.kind is ScheduleKind.INTERVAL and record.interval_seconds:
        seconds = record.interval_seconds
        return "every second" if seconds == 1 else f"every {_duration(seconds)}"
    if record.kind is ScheduleKind.FIXED_TIME:
        times = ", ".join(
            t.strftime("%H:%M:%S" if t.second else "%H:%M") for t in record.fixed_times
        )
        return f"every day at {times}"
    if record.kind is ScheduleKind.EVENT_BASED:
        return "on an event"
    return "by hand only (Run now)"
