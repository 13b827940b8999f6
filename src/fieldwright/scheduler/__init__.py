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

from typing import TYPE_CHECKING

from fieldwright._lazy import lazy_exports

if TYPE_CHECKING:
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

#: Where each name lives: importing the package (for `fire_times`, a cron check) does
#: not import APScheduler, which only `Scheduler` needs (issue 18, start-up).
_LOCATIONS = {
    "Clock": "fieldwright.scheduler.clock",
    "CronError": "fieldwright.scheduler.cron",
    "CronExpression": "fieldwright.scheduler.cron",
    "ExecutionCallback": "fieldwright.scheduler.events",
    "ExecutionEvent": "fieldwright.scheduler.events",
    "ExecutionOutcome": "fieldwright.scheduler.runner",
    "InvalidSchedule": "fieldwright.scheduler.plan",
    "LockStatus": "fieldwright.scheduler.lock",
    "ManualClock": "fieldwright.scheduler.clock",
    "OutcomeStatus": "fieldwright.scheduler.runner",
    "Plan": "fieldwright.scheduler.plan",
    "ScheduledRunner": "fieldwright.scheduler.runner",
    "Scheduler": "fieldwright.scheduler.scheduler",
    "SchedulerConfig": "fieldwright.scheduler.scheduler",
    "SchedulerLock": "fieldwright.scheduler.lock",
    "SchedulerState": "fieldwright.scheduler.events",
    "StateCallback": "fieldwright.scheduler.events",
    "StateChange": "fieldwright.scheduler.events",
    "SystemClock": "fieldwright.scheduler.clock",
    "describe_cron": "fieldwright.scheduler.cron",
    "fire_times": "fieldwright.scheduler.plan",
    "retry_delay": "fieldwright.scheduler.retry",
    "should_retry": "fieldwright.scheduler.retry",
    "validate_schedule": "fieldwright.scheduler.plan",
}

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

__getattr__, __dir__ = lazy_exports("fieldwright.scheduler", globals(), _LOCATIONS, __all__)
