"""What the scheduler reports, through plain callbacks (the GUI adapts them to Qt signals).

Callbacks run on the scheduler's threads (a tick or a worker); they must return quickly
and never touch a widget directly. An exception in a callback is logged, not raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from fieldwright.domain.runs import RunStatus

__all__ = [
    "ExecutionCallback",
    "ExecutionEvent",
    "SchedulerState",
    "StateCallback",
    "StateChange",
]

log = logging.getLogger("fieldwright.scheduler")
T = TypeVar("T")


class SchedulerState(StrEnum):
    STOPPED = "stopped"
    STARTING = "starting"
    #: This process holds the lock and fires schedules.
    ACTIVE = "active"
    #: Another process fires schedules; this one waits to take over.
    STANDBY = "standby"
    #: The store cannot be reached; retrying with backoff.
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class StateChange:
    state: SchedulerState
    message: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ExecutionEvent:
    """An execution started (status running) or finished (completed, failed, cancelled,
    skipped). `parent_id` is the first attempt's id for a retry."""

    schedule_key: str
    execution_id: int
    fire_time: datetime
    attempt: int
    status: RunStatus
    message: str = ""
    run_key: str | None = None
    parent_id: int | None = None


StateCallback = Callable[[StateChange], None]
ExecutionCallback = Callable[[ExecutionEvent], None]


def notify(callback: Callable[[T], None] | None, event: T) -> None:
    if callback is None:
        return
    try:
        callback(event)
    except Exception:  # a listener's bug must not stop the scheduler
        log.exception("scheduler callback %r failed on %r", callback, event)
