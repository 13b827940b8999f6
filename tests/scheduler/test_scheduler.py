"""The tick on a real store with a ManualClock and APScheduler's real thread pool: missed
runs after downtime, retries, overlap, timeouts, jobs rebuilt from the store."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import Backoff, MissedRunPolicy, RetryPolicy
from fieldwright.scheduler import (
    ExecutionEvent,
    ExecutionOutcome,
    ManualClock,
    Scheduler,
    SchedulerConfig,
    SchedulerState,
    StateChange,
    SystemClock,
)
from fieldwright.store import RunRepository, ScheduleRepository, Store
from fieldwright.store.schedules import ExecutionAttempt

from .helpers import MAPPING, Runner, schedule, utc

MANUAL = SchedulerConfig(heartbeat_seconds=None, precise_wakeups=False, grace_seconds=60)
WAIT = 10.0  # real seconds at most; runs here take milliseconds


class Harness:
    def __init__(self, store: Store, clock: ManualClock) -> None:
        self.store, self.clock = store, clock
        self.repo = ScheduleRepository(store)
        self.states: list[StateChange] = []
        self.finished: list[ExecutionEvent] = []
        self.schedulers: list[Scheduler] = []

    def scheduler(self, runner: Any, **options: Any) -> Scheduler:
        made = Scheduler(
            self.store,
            runner,
            clock=self.clock,
            config=options.pop("config", MANUAL),
            on_state=self.states.append,
            on_execution_finished=self.finished.append,
            random=lambda: 0.5,
            **options,
        )
        self.schedulers.append(made)
        return made

    def executions(self, key: str = "sched_nightly") -> list[ExecutionAttempt]:
        return self.repo.executions_between(None, None, schedule_keys=[key])

    def tick_until_idle(self, scheduler: Scheduler, rounds: int = 20) -> None:
        for _ in range(rounds):
            scheduler.tick()
            assert scheduler.wait_idle(WAIT)
            pending = self.repo.executions_between(
                None, self.clock.now() + timedelta(microseconds=1), statuses=[RunStatus.SCHEDULED]
            )
            if not pending:
                return


@pytest.fixture
def harness(store: Store) -> Iterator[Harness]:
    made = Harness(store, ManualClock(utc(2025, 6, 2, 0, 5, 30)))
    yield made
    for scheduler in made.schedulers:
        scheduler.stop()


@pytest.mark.parametrize("policy", list(MissedRunPolicy))
def test_missed_runs_after_three_hours_of_downtime(
    harness: Harness, policy: MissedRunPolicy
) -> None:
    harness.repo.create(schedule(cron="*/30 * * * *", missed_run_policy=policy))
    runner = Runner()
    first = harness.scheduler(runner)
    assert first.start() is SchedulerState.ACTIVE
    assert harness.repo.get("sched_nightly").next_run_at == utc(2025, 6, 2, 0, 30)
    harness.clock.set(utc(2025, 6, 2, 0, 30))
    harness.tick_until_idle(first)
    first.stop()  # the machine is off from 00:40 to 03:40
    harness.clock.set(utc(2025, 6, 2, 3, 40))
    second = harness.scheduler(runner)
    second.start()
    harness.tick_until_idle(second)

    missed = [utc(2025, 6, 2, h, m) for h in (1, 2, 3) for m in (0, 30)]
    rows = harness.executions()[1:]
    assert [r.scheduled_at for r in rows] == missed
    ran = [fire for _, fire, _ in runner.calls[1:]]
    if policy is MissedRunPolicy.RUN_ONCE:
        assert ran == [missed[-1]]
        assert [r.status for r in rows] == [RunStatus.SKIPPED] * 5 + [RunStatus.COMPLETED]
        assert "run_once caught up" in rows[0].notes
    elif policy is MissedRunPolicy.RUN_ALL:
        assert ran == missed  # every one, in order, one after the other
        assert {r.status for r in rows} == {RunStatus.COMPLETED}
    else:
        assert ran == []
        assert {r.status for r in rows} == {RunStatus.SKIPPED}
        assert all("missed-run policy skip" in r.notes for r in rows)
    assert harness.repo.get("sched_nightly").next_run_at == utc(2025, 6, 2, 4, 0)


def test_transient_failures_are_retried_with_the_computed_backoff(harness: Harness) -> None:
    policy = RetryPolicy(
        max_attempts=4,
        base_delay_seconds=10,
        max_delay_seconds=100,
        backoff=Backoff.EXPONENTIAL_JITTER,
    )
    harness.repo.create(schedule(cron="0 1 * * *", retry=policy))

    def outcome(_s: Any, _f: Any, attempt: int, *_: Any) -> ExecutionOutcome:
        if attempt < 3:
            return ExecutionOutcome.failed("HTTP 503 from ADP", transient=True)
        return ExecutionOutcome.completed()

    runner = Runner(outcome)
    scheduler = harness.scheduler(runner)
    scheduler.start()
    fire = utc(2025, 6, 2, 1, 0)
    harness.clock.set(fire)
    harness.tick_until_idle(scheduler)
    # random() = 0.5: attempt 1 → 10 s capped, jittered to 7.5 s; attempt 2 → 20 → 15 s.
    harness.clock.advance(7.4)
    harness.tick_until_idle(scheduler)
    assert len(runner.calls) == 1  # not yet
    harness.clock.advance(0.1)
    harness.tick_until_idle(scheduler)
    harness.clock.advance(15)
    harness.tick_until_idle(scheduler)

    rows = harness.executions()
    assert [(r.attempt, r.status) for r in rows] == [
        (1, RunStatus.FAILED),
        (2, RunStatus.FAILED),
        (3, RunStatus.COMPLETED),
    ]
    assert [r.parent_id for r in rows] == [None, rows[0].id, rows[0].id]
    assert [r.scheduled_at for r in rows] == [
        fire,
        fire + timedelta(seconds=7.5),
        fire + timedelta(seconds=22.5),
    ]
    assert runner.calls == [
        ("sched_nightly", fire, 1),
        ("sched_nightly", fire, 2),
        ("sched_nightly", fire, 3),
    ]
    retry_events = [e for e in harness.finished if e.attempt > 1]
    assert {e.parent_id for e in retry_events} == {rows[0].id}


def test_a_failure_that_is_not_transient_is_not_retried(harness: Harness) -> None:
    harness.repo.create(schedule(cron="0 1 * * *"))
    runner = Runner(lambda *_: ExecutionOutcome.failed("column 'hours' is missing"))
    scheduler = harness.scheduler(runner)
    scheduler.start()
    harness.clock.set(utc(2025, 6, 2, 1, 0))
    harness.tick_until_idle(scheduler)
    harness.clock.advance(3600)
    harness.tick_until_idle(scheduler)
    rows = harness.executions()
    assert [(r.attempt, r.status, r.notes) for r in rows] == [
        (1, RunStatus.FAILED, "column 'hours' is missing")
    ]


def _blocking(
    release: threading.Event, started: threading.Event
) -> Callable[..., ExecutionOutcome]:
    def outcome(_s: Any, _f: Any, _a: int, *_: Any) -> ExecutionOutcome:
        started.set()
        release.wait(WAIT)
        return ExecutionOutcome.completed()

    return outcome


@pytest.mark.parametrize("concurrent", [False, True])
def test_an_overlapping_fire_time_is_recorded_skipped_unless_concurrency_is_allowed(
    harness: Harness, concurrent: bool
) -> None:
    harness.repo.create(schedule(cron="* * * * *", concurrent_runs=concurrent))
    release, started = threading.Event(), threading.Event()
    runner = Runner(_blocking(release, started))
    scheduler = harness.scheduler(runner)
    scheduler.start()
    harness.clock.set(utc(2025, 6, 2, 0, 6))
    scheduler.tick()
    assert started.wait(WAIT)
    harness.clock.set(utc(2025, 6, 2, 0, 7))
    scheduler.tick()
    release.set()
    assert scheduler.wait_idle(WAIT)
    rows = harness.executions()
    assert [r.scheduled_at.minute for r in rows] == [6, 7]
    if concurrent:
        assert [r.status for r in rows] == [RunStatus.COMPLETED] * 2
    else:
        assert [(r.status, r.notes) for r in rows] == [
            (RunStatus.COMPLETED, ""),
            (RunStatus.SKIPPED, "previous run still running"),
        ]
        assert harness.finished[0].status is RunStatus.SKIPPED


def test_a_hung_run_is_ended_by_its_timeout_and_does_not_block_later_fire_times(
    harness: Harness,
) -> None:
    harness.repo.create(schedule(cron="* * * * *", timeout_seconds=30))
    seen_cancel, started = threading.Event(), threading.Event()

    def outcome(_s: Any, _f: Any, _a: int, cancel: threading.Event, timeout: float) -> Any:
        assert timeout == 30
        if len(runner.calls) == 1:
            started.set()
            if cancel.wait(WAIT):
                seen_cancel.set()
            return ExecutionOutcome.cancelled("stopped between batches")
        return ExecutionOutcome.completed()

    runner = Runner(outcome)
    scheduler = harness.scheduler(runner)
    scheduler.start()
    harness.clock.set(utc(2025, 6, 2, 0, 6))
    scheduler.tick()
    assert started.wait(WAIT)
    harness.clock.advance(29)
    scheduler.tick()
    assert not seen_cancel.is_set()
    harness.clock.advance(1)
    scheduler.tick()
    assert seen_cancel.wait(WAIT)
    harness.clock.set(utc(2025, 6, 2, 0, 7))
    harness.tick_until_idle(scheduler)
    rows = harness.executions()
    assert [(r.status, r.notes) for r in rows] == [
        (RunStatus.FAILED, "timed out after 30 s; the run was asked to stop"),
        (RunStatus.COMPLETED, ""),
    ]


def test_start_rebuilds_one_apscheduler_job_per_active_schedule(store: Store) -> None:
    repo = ScheduleRepository(store)
    repo.create(schedule("sched_a", cron="0 3 * * *"))
    repo.create(schedule("sched_b", kind="interval", cron=None, interval_seconds=900))
    repo.create(schedule("sched_manual", kind="manual", cron=None))
    repo.create(schedule("sched_off", active=False))
    config = SchedulerConfig(heartbeat_seconds=None, precise_wakeups=True)
    scheduler = Scheduler(store, Runner(), clock=SystemClock(), config=config)
    try:
        scheduler.start()
        jobs = dict(scheduler.jobs())
        assert set(jobs) == {"sched_a", "sched_b"}
        for key in jobs:
            assert jobs[key] == repo.get(key).next_run_at
        repo.update(repo.get("sched_a").model_copy(update={"active": False}))
        scheduler.reload()
        assert [key for key, _ in scheduler.jobs()] == ["sched_b"]
    finally:
        scheduler.stop()


def test_manual_schedules_run_only_when_triggered(harness: Harness) -> None:
    harness.repo.create(schedule(kind="manual", cron=None))
    runner = Runner()
    scheduler = harness.scheduler(runner)
    scheduler.start()
    harness.clock.advance(86400 * 7)
    harness.tick_until_idle(scheduler)
    assert runner.calls == []
    scheduler.trigger_now("sched_nightly")
    harness.tick_until_idle(scheduler)
    # The row keeps how it was started: notes are added to, never blanked.
    assert [(r.status, r.notes) for r in harness.executions()] == [
        (RunStatus.COMPLETED, "started by hand")
    ]


def test_stop_ends_while_a_run_finishes_into_the_scheduler(store: Store) -> None:
    """A run finishing during stop kicks the scheduler; APScheduler's shutdown(wait=True) holds
    its job-store lock while joining the pool, so that kick used to deadlock `serve`."""
    ScheduleRepository(store).create(schedule(kind="manual", cron=None))
    started = threading.Event()

    def slow(_s: Any, _f: Any, _a: int, cancel: threading.Event, _t: Any) -> ExecutionOutcome:
        started.set()
        cancel.wait(10)
        threading.Event().wait(0.3)  # finish while stop is under way
        return ExecutionOutcome.completed()

    config = SchedulerConfig(heartbeat_seconds=1)
    scheduler = Scheduler(store, Runner(slow), clock=SystemClock(), config=config)
    scheduler.start()
    scheduler.trigger_now("sched_nightly")
    scheduler.tick()
    assert started.wait(10), "the run never started"
    stopper = threading.Thread(target=scheduler.stop, daemon=True)
    stopper.start()
    stopper.join(15)
    assert not stopper.is_alive(), "stop() deadlocked with the finishing run"
    assert scheduler.state is SchedulerState.STOPPED


def test_an_execution_links_its_run_as_soon_as_it_starts_and_keeps_its_counts(
    harness: Harness,
) -> None:
    """A process killed mid-run leaves an execution that names its run; a finished one
    says how many records it read and how many failed."""
    harness.repo.create(schedule(kind="manual", cron=None))
    runs = RunRepository(harness.store)
    linked, release = threading.Event(), threading.Event()

    def outcome(
        schedule: Any, _f: Any, _a: int, _c: Any, _t: Any, started: Callable[[str], None]
    ) -> ExecutionOutcome:
        runs.start_run("proc_1", mapping_key=MAPPING, schedule_key=schedule.key)
        started("proc_1")
        linked.set()
        release.wait(WAIT)
        return ExecutionOutcome.completed("proc_1", records=12, errors=3)

    class Reporting(Runner):
        def __call__(self, *args: Any) -> ExecutionOutcome:
            return outcome(*args)

    scheduler = harness.scheduler(Reporting())
    scheduler.start()
    scheduler.trigger_now("sched_nightly")
    scheduler.tick()
    assert linked.wait(WAIT)
    deadline = threading.Event()
    for _ in range(100):  # the outbox writes the link on its own thread
        (running,) = harness.executions()
        if running.run_key == "proc_1":
            break
        deadline.wait(0.05)
    assert (running.status, running.run_key) == (RunStatus.RUNNING, "proc_1")
    release.set()
    harness.tick_until_idle(scheduler)
    (done,) = harness.executions()
    assert (done.status, done.run_key, done.records_processed, done.error_count) == (
        RunStatus.COMPLETED,
        "proc_1",
        12,
        3,
    )
    assert done.notes == "started by hand"


def test_apschedulers_overlap_warning_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    from fieldwright.scheduler.aps import background_scheduler

    background_scheduler(1)  # installs the filter
    logger = logging.getLogger("apscheduler.scheduler")
    with caplog.at_level(logging.WARNING, logger="apscheduler.scheduler"):
        for _ in range(3):
            logger.warning(
                'Execution of job "%s" skipped: maximum number of running instances reached (%d)',
                "fire",
                1,
            )
        logger.warning("something else")
    assert [r.getMessage() for r in caplog.records] == ["something else"]


def test_a_due_row_listed_before_its_run_finished_is_not_run_again(harness: Harness) -> None:
    """A tick lists the due rows, then dispatches them one by one; on a loaded machine a row
    of that list can be dispatched by an earlier tick and finish before this tick reaches
    it. It is then neither in flight nor scheduled, and must not run a second time."""
    harness.repo.create(schedule(cron="*/30 * * * *"))
    runner = Runner()
    scheduler = harness.scheduler(runner)
    scheduler.start()
    repo = scheduler._repo  # the listing is replayed as a slow tick saw it
    original = repo.executions_between
    listings: list[list[ExecutionAttempt]] = []

    def listing(*args: Any, **options: Any) -> list[ExecutionAttempt]:
        rows = original(*args, **options)
        if options.get("statuses") != [RunStatus.SCHEDULED]:
            return rows
        if rows:
            listings.append(rows)
        return listings[0] if listings else rows

    repo.executions_between = listing  # type: ignore[method-assign]
    harness.clock.set(utc(2025, 6, 2, 0, 30))
    scheduler.tick()
    assert scheduler.wait_idle(WAIT)
    assert len(runner.calls) == 1
    scheduler.tick()  # lists the 00:30 row as it was before its run finished
    assert scheduler.wait_idle(WAIT)
    assert [fire for _, fire, _ in runner.calls] == [utc(2025, 6, 2, 0, 30)]
    assert [r.status for r in harness.executions()] == [RunStatus.COMPLETED]
