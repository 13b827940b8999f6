"""Schedules in words and in time: cron descriptions, checks and fire-time plans.

The scheduler's own helpers behind the service's errors: a cron expression or a
schedule that cannot fire raises `InvalidSchedule` with the scheduler's message.
A `Plan` (the scheduler's, Qt-free) answers when a schedule fires.
"""

from __future__ import annotations

from fieldwright.domain.store_models import ScheduleRecord
from fieldwright.scheduler import CronError, Plan
from fieldwright.scheduler import InvalidSchedule as _InvalidSchedule
from fieldwright.scheduler import describe_cron as _describe_cron
from fieldwright.scheduler import validate_schedule as _validate_schedule
from fieldwright.service.errors import InvalidSchedule

__all__ = ["Plan", "describe_cron", "plan_schedule", "validate_schedule"]


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
