"""APScheduler wiring: the background scheduler, its executors, and the trigger adapter.

Only a MemoryJobStore is used: the schedule table is the source of truth and jobs are
rebuilt from it on start. (A pickled job store would run code when unpickling and drops
rows it cannot unpickle.)
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from fieldwright.scheduler.plan import Plan

__all__ = ["CONTROL", "RUNS", "PlanTrigger", "background_scheduler"]

#: Executor of runs (the mapping work), and of the scheduler's own short jobs (wake-ups,
#: heartbeat), kept apart so a pool full of long runs never delays a fire time.
RUNS = "runs"
CONTROL = "control"


class PlanTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler ships no type hints
    """An APScheduler trigger over a Fieldwright `Plan` (same fire times as the calendar)."""

    __slots__ = ("plan",)

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is None:
            return self.plan.first_from(now.astimezone(UTC))
        return self.plan.next_after(previous_fire_time.astimezone(UTC))

    def __str__(self) -> str:
        return f"fieldwright[{self.plan.key}]"

    def __repr__(self) -> str:
        return f"<PlanTrigger {self.plan.key}>"


class _QuietOverlaps(logging.Filter):
    """Drops APScheduler's "skipped: maximum number of running instances reached".

    Overlaps are Fieldwright's business: a fire time of a schedule whose run is still
    going waits its turn as an execution row (or runs beside it with concurrent_runs),
    and a wake-up that finds the previous one busy is redundant. APScheduler would
    otherwise log a warning at every fire time of one long run.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


_QUIET = _QuietOverlaps()


def background_scheduler(max_workers: int) -> Any:
    """A BackgroundScheduler in UTC with the run pool and the control pool.

    Misfires are Fieldwright's business (the missed-run policy, decided from the store),
    so APScheduler never drops a late job: no grace limit, and late wake-ups coalesce.
    """
    logger = logging.getLogger("apscheduler.scheduler")
    if _QUIET not in logger.filters:
        logger.addFilter(_QUIET)
    return BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={
            RUNS: ThreadPoolExecutor(max_workers=max_workers),
            CONTROL: ThreadPoolExecutor(max_workers=1),
            "default": ThreadPoolExecutor(max_workers=1),
        },
        job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        timezone=UTC,
    )
