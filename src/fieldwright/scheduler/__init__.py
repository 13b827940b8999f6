"""The scheduler: fires the store's schedules through APScheduler, one process at a time.

The service layer builds it with a runner (the scheduler cannot import the service)::

    scheduler = Scheduler(store, runner, on_state=..., on_execution_finished=...)
    scheduler.start()      # ... scheduler.stop()

Design
------
- The schedule table is the source of truth. APScheduler (3.x ``BackgroundScheduler``,
  MemoryJobStore only) executes: a heartbeat job and one wake-up job per schedule (job id
  = schedule key, rebuilt from the store on start and on `Scheduler.reload`) call
  `Scheduler.tick`, and each execution runs in APScheduler's run thread pool.
- Fieldwright, not APScheduler, decides what is due: `Plan` computes fire times
  (cron with Vixie DST rules, interval, fixed daily times; see `fieldwright.scheduler.plan`),
  `tick` compares them with the store's ``next_run_at`` and applies the missed-run policy,
  the overlap rule, retries (`retry_delay`) and timeouts. Every fire time becomes a schedule
  execution row; retries link to the first attempt (``parent_id``).
- A `Clock` makes time controllable: tests use `ManualClock` and call `tick` themselves.
- After editing a schedule, save it with ``next_run_at=None`` and call `reload` (or wait
  for the next heartbeat): the scheduler plans it from the current time.
"""

from fieldwright.scheduler.clock import Clock, ManualClock, SystemClock
from fieldwright.scheduler.cron import CronError, CronExpression, describe_cron
from fieldwright.scheduler.events import (
    ExecutionCallback,
    ExecutionEvent,
    SchedulerState,
    StateCallback,
    StateChange,
)
from fieldwright.scheduler.lock import LockStatus, SchedulerLock
from fieldwright.scheduler.plan import InvalidSchedule, Plan, fire_times, validate_schedule
from fieldwright.scheduler.retry import retry_delay, should_retry
from fieldwright.scheduler.runner import ExecutionOutcome, OutcomeStatus, ScheduledRunner
from fieldwright.scheduler.scheduler import Scheduler, SchedulerConfig

__all__ = [
    "Clock",
    "CronError",
    "CronExpression",
    "ExecutionCallback",
    "ExecutionEvent",
    "ExecutionOutcome",
    "InvalidSchedule",
    "LockStatus",
    "ManualClock",
    "OutcomeStatus",
    "Plan",
    "ScheduledRunner",
    "Scheduler",
    "SchedulerConfig",
    "SchedulerLock",
    "SchedulerState",
    "StateCallback",
    "StateChange",
    "SystemClock",
    "describe_cron",
    "fire_times",
    "retry_delay",
    "should_retry",
    "validate_schedule",
]
