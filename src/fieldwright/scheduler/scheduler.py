"""The Scheduler: fires the store's schedules through APScheduler, one process at a time.

Design. Fieldwright decides *what* is due; APScheduler executes.

- Every `tick()` (a heartbeat job in APScheduler's control pool, a wake-up job per
  schedule at its exact fire times, or a test calling it directly with a `ManualClock`)
  takes or renews the store lock, plans new schedules, turns each due fire time into a
  schedule execution row (moving ``next_run_at`` on in the same transaction, a
  compare-and-set), applies the missed-run and overlap rules, dispatches due rows
  (regular runs, catch-up runs, retries) into the run pool, and ends runs that passed
  their timeout.
- A fire time processed more than ``grace_seconds`` late, or several fire times at once,
  were *missed* (downtime, a busy pool): ``run_once`` records the earlier ones skipped and
  runs the latest, ``run_all`` queues every one in order, ``skip`` records them skipped.
- Without ``concurrent_runs`` a fire time that arrives while a run of the same schedule is
  in flight is recorded skipped ("previous run still running"); catch-up runs and retries
  wait for it instead.
- When the store is unreachable the tick reports ERROR and retries with backoff; finished
  runs are written once it is back.
"""

from __future__ import annotations

import logging
import os
import random as _random
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import MissedRunPolicy, ScheduleExecutionRecord, ScheduleRecord
from fieldwright.scheduler.aps import CONTROL, RUNS, PlanTrigger, background_scheduler
from fieldwright.scheduler.clock import Clock, SystemClock
from fieldwright.scheduler.events import (
    ExecutionCallback,
    SchedulerState,
    StateCallback,
    StateChange,
    notify,
)
from fieldwright.scheduler.executions import Inflight, Outbox, finish_record, record
from fieldwright.scheduler.lock import SchedulerLock, lock_for
from fieldwright.scheduler.plan import TINY, InvalidSchedule, Plan
from fieldwright.scheduler.runner import ExecutionOutcome, ScheduledRunner
from fieldwright.store import NotFound, Store, StoreError
from fieldwright.store.schedules import ExecutionAttempt, ScheduleRepository

__all__ = ["Scheduler", "SchedulerConfig"]

log = logging.getLogger("fieldwright.scheduler")
HEARTBEAT_ID = "fieldwright:heartbeat"
KICK_ID = "fieldwright:kick"


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    #: Runs at the same time (APScheduler's run pool).
    max_workers: int = 4
    #: Seconds between heartbeat ticks; None: nobody ticks but the caller (tests).
    heartbeat_seconds: float | None = 5.0
    #: One APScheduler job per schedule (id = schedule key) waking at its fire times.
    precise_wakeups: bool = True
    #: A fire time processed later than this counts as missed.
    grace_seconds: float = 60.0
    #: SQLite lease lifetime; renewed every tick, so keep it well above heartbeat_seconds.
    lease_seconds: float = 30.0
    #: While the store is unreachable, the tick retries after 1, 2, 4 … s, at most this:
    #: a store that comes back is used again within `outage_max_delay` seconds.
    outage_base_delay: float = 1.0
    outage_max_delay: float = 10.0


class Scheduler:
    """Fires the schedules of one store. Start it, stop it; watch it through callbacks."""

    def __init__(
        self,
        store: Store,
        runner: ScheduledRunner,
        *,
        clock: Clock | None = None,
        config: SchedulerConfig | None = None,
        on_state: StateCallback | None = None,
        on_execution_started: ExecutionCallback | None = None,
        on_execution_finished: ExecutionCallback | None = None,
        random: Callable[[], float] = _random.random,
        lock: SchedulerLock | None = None,
    ) -> None:
        self._store = store
        self._repo = ScheduleRepository(store)
        self._runner = runner
        self._clock: Clock = clock or SystemClock()
        self._config = config or SchedulerConfig()
        self._on_state = on_state
        self._on_started = on_execution_started
        self._on_finished = on_execution_finished
        self._random = random
        self._lock = lock or lock_for(store, ttl=self._config.lease_seconds)
        self._state = SchedulerState.STOPPED
        self._message = "not started"
        self._aps: Any = None
        #: Held around every call into APScheduler's job store from our threads, and by
        #: `stop` while it marks the scheduler stopping: APScheduler's shutdown(wait=True)
        #: holds its job-store lock while it joins the pools, so a run finishing in a pool
        #: thread must not be inside add_job/get_jobs then (that deadlocked `serve`).
        self._jobs_guard = threading.RLock()
        self._stopping = False
        self._tick_lock = threading.Lock()
        self._inflight: dict[int, Inflight] = {}
        self._idle = threading.Condition()
        self._outbox = Outbox()
        self._failures = 0
        self._retry_at: datetime | None = None
        self._jobs_stale = True
        self._invalid: set[str] = set()

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def state(self) -> SchedulerState:
        return self._state

    @property
    def message(self) -> str:
        return self._message

    def start(self) -> SchedulerState:
        """Start APScheduler and tick once (lock, plan, fire what is due)."""
        if self._aps is not None:
            return self._state
        self._set_state(SchedulerState.STARTING, "starting")
        self._stopping = False
        self._aps = background_scheduler(self._config.max_workers)
        self._aps.start()
        if self._config.heartbeat_seconds:
            self._aps.add_job(
                self.tick,
                "interval",
                seconds=self._config.heartbeat_seconds,
                id=HEARTBEAT_ID,
                executor=CONTROL,
            )
        return self.tick()

    def stop(self, *, wait: bool = True, timeout: float = 30.0) -> None:
        """Ask running runs to cancel, wait for them (if `wait`, at most `timeout` seconds),
        give the lock up. Always ends: runs are waited for outside APScheduler's lock."""
        with self._jobs_guard:
            self._stopping = True  # from here on no thread of ours calls into APScheduler
        with self._idle:
            for inflight in self._inflight.values():
                inflight.cancel.set()
        aps = self._aps
        if aps is not None:
            idle = self.wait_idle(timeout) if wait else True
            if not idle:
                log.warning("runs did not stop within %g s of cancel; leaving them", timeout)
            aps.shutdown(wait=wait and idle)
            self._aps = None
        try:
            self._outbox.flush()
            self._lock.release()
        except StoreError as exc:
            log.warning("stopping the scheduler without the store: %s", exc)
        self._set_state(SchedulerState.STOPPED, "stopped")

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no execution is in flight; False when `timeout` (real seconds) passed."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._inflight, timeout)

    def reload(self) -> SchedulerState:
        """Rebuild the per-schedule jobs from the store (after schedules were edited)."""
        self._jobs_stale = True
        return self.tick()

    def trigger_now(self, key: str) -> ExecutionAttempt:
        """Queue an execution of a schedule now (manual schedules, "run now")."""
        row = self._repo.record_execution(
            ScheduleExecutionRecord(
                schedule_key=key, scheduled_at=self._clock.now(), notes="started by hand"
            )
        )
        self._kick()
        return ExecutionAttempt.model_validate(row.model_dump())

    # -- the tick ---------------------------------------------------------------------------

    def tick(self) -> SchedulerState:
        """One pass: lock, plan, fire due schedules, dispatch due executions, end hung runs."""
        with self._tick_lock:
            now = self._clock.now()
            self._end_timed_out(now)
            if self._retry_at is not None and now < self._retry_at:
                return self._state
            try:
                self._outbox.flush()
                status = self._lock.acquire(now)
                if not status.held:
                    self._remove_wake_jobs()
                    self._set_state(SchedulerState.STANDBY, status.message)
                    return self._state
                if self._state is not SchedulerState.ACTIVE:
                    self._recover()
                    self._jobs_stale = True
                self._set_state(
                    SchedulerState.ACTIVE,
                    f"firing schedules (pid {os.getpid()} on host {socket.gethostname()})",
                )
                self._plan_new(now)
                for schedule in self._repo.due(now):
                    self._fire(schedule, now)
                if self._jobs_stale:
                    self._rebuild_jobs()
                self._dispatch(now)
            except StoreError as exc:
                self._failures += 1
                delay = min(
                    self._config.outage_max_delay,
                    self._config.outage_base_delay * 2 ** min(self._failures - 1, 30),
                )
                self._retry_at = now + timedelta(seconds=delay)
                self._set_state(
                    SchedulerState.ERROR, f"{exc} (attempt {self._failures}; next in {delay:g} s)"
                )
            else:
                self._failures = 0
                self._retry_at = None
            return self._state

    def _plan(self, schedule: ScheduleRecord) -> Plan | None:
        try:
            plan = Plan.of(schedule)
        except InvalidSchedule as exc:
            if schedule.key not in self._invalid:
                log.error("schedule %s cannot fire: %s", schedule.key, exc)
                self._invalid.add(schedule.key)
            return None
        self._invalid.discard(schedule.key)
        return plan

    def _plan_new(self, now: datetime) -> None:
        planned = {}
        for schedule in self._repo.unplanned():
            plan = self._plan(schedule)
            upcoming = plan.first_from(now) if plan else None
            if upcoming is not None:
                planned[schedule.key] = upcoming
        if self._repo.plan(planned):
            self._jobs_stale = True

    def _fire(self, schedule: ScheduleRecord, now: datetime) -> None:
        """Turn the fire times a schedule passed into execution rows; move it on."""
        plan = self._plan(schedule)
        expected = schedule.next_run_at
        assert expected is not None  # due() only returns planned schedules
        fires = plan.between(expected, now + TINY) if plan else []
        rows = self._rows_for(schedule, fires, now)
        added = self._repo.advance(
            schedule.key,
            expected_next_run_at=expected,
            next_run_at=plan.next_after(now) if plan else None,
            last_run_at=fires[-1] if fires else None,
            executions=rows,
        )
        for row in added or []:
            if row.status is RunStatus.SKIPPED:
                inflight = Inflight(row, schedule, row.scheduled_at)
                notify(self._on_finished, inflight.event(row.status, row.notes))

    def _rows_for(
        self, schedule: ScheduleRecord, fires: Sequence[datetime], now: datetime
    ) -> list[ExecutionAttempt]:
        def row(when: datetime, note: str = "", *, skipped: bool = False) -> ExecutionAttempt:
            status = RunStatus.SKIPPED if skipped else RunStatus.SCHEDULED
            return ExecutionAttempt(
                schedule_key=schedule.key,
                scheduled_at=when,
                status=status,
                notes=note,
                ended_at=now if skipped else None,
            )

        if not fires:
            return []
        busy = not schedule.concurrent_runs and self._busy(schedule.key)
        overlap = "previous run still running"
        late = now - fires[-1] > timedelta(seconds=self._config.grace_seconds)
        if len(fires) == 1 and not late:
            return [row(fires[0], overlap, skipped=True) if busy else row(fires[0])]
        missed = "missed: the scheduler was not running (or was busy) at this time"
        policy = schedule.missed_run_policy
        if policy is MissedRunPolicy.SKIP:
            return [row(f, f"{missed}; missed-run policy skip", skipped=True) for f in fires]
        if policy is MissedRunPolicy.RUN_ALL:
            return [
                row(f, f"catch-up run {i + 1} of {len(fires)} (run_all)")
                for i, f in enumerate(fires)
            ]
        last = fires[-1]
        caught_up = f"{missed}; run_once caught up with one run for {last.isoformat()}"
        rows = [row(f, caught_up, skipped=True) for f in fires[:-1]]
        catch_up = f"catch-up run for {len(fires)} missed fire time(s) (run_once)"
        rows.append(row(last, overlap, skipped=True) if busy else row(last, catch_up))
        return rows

    # -- dispatch, execution, timeouts --------------------------------------------------------

    def _busy(self, key: str) -> bool:
        with self._idle:
            return any(i.execution.schedule_key == key for i in self._inflight.values())

    def _still_due(self, row: ExecutionAttempt) -> bool:
        """Whether `row` is still waiting in the store. `_dispatch` lists due rows first and
        dispatches them one by one: a row of that list may have been dispatched by an earlier
        tick and finished meanwhile (no longer in flight, but no longer scheduled either),
        and running it again would run one fire time twice."""
        try:
            current = self._repo.execution(row.id or 0)
        except NotFound:
            return False
        return current.status is RunStatus.SCHEDULED

    def _dispatch(self, now: datetime) -> None:
        due = self._repo.executions_between(None, now + TINY, statuses=[RunStatus.SCHEDULED])
        schedules: dict[str, ScheduleRecord] = {}
        for row in due:
            with self._idle:
                if row.id in self._inflight:
                    continue
            key = row.schedule_key
            if key not in schedules:
                try:
                    schedules[key] = self._repo.get(key)
                except NotFound:
                    continue
            schedule = schedules[key]
            if not schedule.active:
                skipped = row.model_copy(
                    update={
                        "status": RunStatus.SKIPPED,
                        "ended_at": now,
                        "notes": "the schedule was deactivated",
                    }
                )
                self._repo.record_execution(skipped)
                continue
            if not schedule.concurrent_runs and self._busy(key):
                continue  # catch-up runs and retries wait their turn
            if not self._still_due(row):
                continue
            fire_time = row.scheduled_at
            if row.parent_id is not None:
                fire_time = self._repo.execution(row.parent_id).scheduled_at
            inflight = Inflight(row, schedule, fire_time)
            with self._jobs_guard:
                if self._stopping or self._aps is None:
                    return  # stopping: the execution stays due for the next start
                with self._idle:
                    self._inflight[row.id or 0] = inflight
                self._aps.add_job(
                    self._execute,
                    args=(inflight,),
                    id=f"fieldwright:execution:{row.id}",
                    executor=RUNS,
                )

    def _execute(self, inflight: Inflight) -> None:
        """Runs in a worker of the run pool."""
        now = self._clock.now()
        inflight.started_at = now
        running = inflight.execution.model_copy(
            update={"status": RunStatus.RUNNING, "started_at": now}
        )
        self._outbox.write(lambda: record(self._repo, running))
        notify(self._on_started, inflight.event(RunStatus.RUNNING))
        schedule = inflight.schedule

        def started(run_key: str) -> None:  # link the row to its run at once
            inflight.run_key = run_key
            linked = running.model_copy(update={"run_key": run_key})
            self._outbox.write(lambda: record(self._repo, linked))

        try:
            outcome = self._runner(
                schedule,
                inflight.fire_time,
                inflight.execution.attempt,
                inflight.cancel,
                float(schedule.timeout_seconds),
                started,
            )
        except Exception as exc:  # a runner bug is a failed run, not a dead worker
            log.exception("the runner of schedule %s raised", schedule.key)
            outcome = ExecutionOutcome.failed(f"the run raised {type(exc).__name__}: {exc}")
        self._finish(inflight, outcome)

    def _finish(self, inflight: Inflight, outcome: ExecutionOutcome) -> None:
        with self._idle:
            if inflight.finished:
                log.info(
                    "outcome of %s after its timeout ignored: %s", inflight.execution.id, outcome
                )
                return
            inflight.finished = True
        final, retry = finish_record(inflight, outcome, self._clock.now(), self._random)

        def write() -> None:
            record(self._repo, final)
            if retry is not None:
                self._repo.record_execution(retry)

        self._outbox.write(write)
        with self._idle:
            self._inflight.pop(inflight.execution.id or 0, None)
            self._idle.notify_all()
        notify(self._on_finished, inflight.event(final.status, final.notes, final.run_key))
        self._kick()

    def _end_timed_out(self, now: datetime) -> None:
        with self._idle:
            expired = [
                i
                for i in self._inflight.values()
                if i.started_at is not None
                and not i.finished
                and now - i.started_at >= timedelta(seconds=i.schedule.timeout_seconds)
            ]
        for inflight in expired:
            inflight.cancel.set()
            seconds = inflight.schedule.timeout_seconds
            self._finish(
                inflight,
                ExecutionOutcome.failed(f"timed out after {seconds} s; the run was asked to stop"),
            )

    def _recover(self) -> None:
        """Executions left running by a scheduler that died are marked failed."""
        now = self._clock.now()
        for row in self._repo.executions_between(None, None, statuses=[RunStatus.RUNNING]):
            with self._idle:
                if row.id in self._inflight:
                    continue
            self._repo.record_execution(
                row.model_copy(
                    update={
                        "status": RunStatus.FAILED,
                        "ended_at": now,
                        "notes": "; ".join(
                            part
                            for part in (
                                row.notes,
                                "interrupted: the scheduler process stopped while it ran",
                            )
                            if part
                        ),
                    }
                )
            )

    # -- APScheduler jobs ---------------------------------------------------------------------

    def _kick(self) -> None:
        """Tick soon (self-driving mode only: with heartbeat_seconds=None the caller ticks)."""
        with self._jobs_guard:
            if self._stopping or self._aps is None or not self._config.heartbeat_seconds:
                return
            self._aps.add_job(self.tick, id=KICK_ID, executor=CONTROL, replace_existing=True)

    def _rebuild_jobs(self) -> None:
        with self._jobs_guard:
            self._rebuild_jobs_guarded()

    def _rebuild_jobs_guarded(self) -> None:
        self._jobs_stale = False
        if self._stopping or self._aps is None or not self._config.precise_wakeups:
            return
        wanted = set()
        for schedule in self._repo.list_schedules(active_only=True):
            plan = self._plan(schedule)
            if plan is None or not plan.fires_on_its_own:
                continue
            wanted.add(schedule.key)
            self._aps.add_job(
                self.tick,
                PlanTrigger(plan),
                id=schedule.key,
                executor=CONTROL,
                replace_existing=True,
                name=schedule.name,
            )
        for job in self._aps.get_jobs():
            if not job.id.startswith("fieldwright:") and job.id not in wanted:
                job.remove()

    def _remove_wake_jobs(self) -> None:
        with self._jobs_guard:
            if self._stopping or self._aps is None:
                return
            for job in self._aps.get_jobs():
                if not job.id.startswith("fieldwright:"):
                    job.remove()
            self._jobs_stale = True

    def jobs(self) -> list[tuple[str, datetime | None]]:
        """APScheduler's jobs for the schedules: (schedule key, next wake-up)."""
        if self._aps is None:
            return []
        return sorted(
            (job.id, job.next_run_time)
            for job in self._aps.get_jobs()
            if not job.id.startswith("fieldwright:")
        )

    def _set_state(self, state: SchedulerState, message: str) -> None:
        if state is self._state and message == self._message:
            return
        previous, self._state, self._message = self._state, state, message
        # An outage and the recovery from it are what an operator must see at WARNING.
        if state is SchedulerState.ERROR or previous is SchedulerState.ERROR:
            log.warning("scheduler %s: %s", state, message)
        else:
            log.info("scheduler %s: %s", state, message)
        notify(self._on_state, StateChange(state, message, self._clock.now()))
