"""The scheduler's runner and `serve`, against a real store and real threads."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.domain.store_models import ScheduleKind, ScheduleRecord
from fieldwright.scheduler import ExecutionEvent, OutcomeStatus, SchedulerConfig
from fieldwright.service.facade import Service
from fieldwright.service.scheduling import ScheduleRunner
from fieldwright.service.serve import serve_schedules as serve
from tests.service.helpers import (
    MAPPING_KEY,
    FlakySource,
    GeneratedSource,
    TestConnectors,
    csv_target,
    simple_document,
    test_source,
)

FIRE = datetime(2025, 7, 24, 6, 30, tzinfo=UTC)


def IGNORE(_run_key: str) -> None:
    """A `started` callback for runner calls that do not look at it."""


def schedule_for(source: str, out: Path, **changes: object) -> ScheduleRecord:
    return ScheduleRecord.model_validate(
        {
            "key": "schedule_GEN_OUT_TEST_hourly",
            "name": "hourly",
            "mapping_key": MAPPING_KEY,
            "kind": ScheduleKind.INTERVAL,
            "interval_seconds": 3600,
            "parameters": {
                "source": test_source(source).model_dump(mode="json"),
                "target": csv_target(out).model_dump(mode="json"),
            },
            **changes,
        }
    )


def test_the_runner_runs_the_stored_mapping_and_links_retries(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    connectors.sources["gen"] = lambda: GeneratedSource(40, every_bad=20)
    service.save_mapping(simple_document(), None)
    schedule = service.create_schedule(schedule_for("gen", tmp_path / "out.csv"))
    runner = ScheduleRunner(service.runs)

    started: list[str] = []
    first = runner(schedule, FIRE, 1, threading.Event(), 60.0, started.append)
    assert first.status is OutcomeStatus.COMPLETED and first.run_key is not None
    assert started == [first.run_key]  # said as soon as the run existed
    assert (first.records, first.errors) == (40, 2)
    record = service.run_detail(first.run_key).record
    assert record.trigger is RunTrigger.SCHEDULE and record.schedule_key == schedule.key
    assert record.mapping_version == 1 and record.counts.failed == 2
    assert (tmp_path / "out.csv").exists()

    second = runner(schedule, FIRE, 2, threading.Event(), None, started.append)
    assert second.run_key is not None
    detail = service.run_detail(second.run_key)
    assert detail.record.trigger is RunTrigger.RETRY and detail.parent_key == first.run_key


def test_a_transient_failure_is_reported_for_the_schedules_retry_policy(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    FlakySource.openings = 0
    connectors.sources["flaky"] = lambda: FlakySource(40, failures=1)
    document = simple_document(error_strategy="retry", max_attempts=3, retry_delay_seconds=0)
    service.save_mapping(document, None)
    schedule = service.create_schedule(schedule_for("flaky", tmp_path / "out.csv"))
    outcome = ScheduleRunner(service.runs)(schedule, FIRE, 1, threading.Event(), None, IGNORE)
    # One attempt only: the scheduler's policy retries, not the document's strategy too.
    assert outcome.status is OutcomeStatus.FAILED and outcome.transient
    assert outcome.message is not None and "503" in outcome.message
    assert service.run_detail(outcome.run_key or "").child_keys == ()


def test_the_scheduler_cancel_event_stops_the_run_and_spares_the_target(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    connectors.sources["slow"] = lambda: GeneratedSource(1_000_000, delay=0.0005)
    service.save_mapping(simple_document(), None)
    out = tmp_path / "out.csv"
    schedule = service.create_schedule(schedule_for("slow", out))
    cancel = threading.Event()
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    outcome = ScheduleRunner(service.runs)(schedule, FIRE, 1, cancel, None, IGNORE)
    timer.cancel()
    assert outcome.status is OutcomeStatus.CANCELLED
    assert outcome.message is not None and "scheduler" in outcome.message
    assert not out.exists()
    assert service.run_detail(outcome.run_key or "").record.status is RunStatus.CANCELLED


def test_a_missing_mapping_is_a_failure_that_is_not_retried(
    service: Service, tmp_path: Path
) -> None:
    service.save_mapping(simple_document(), None)
    schedule = schedule_for("gen", tmp_path / "o.csv", mapping_key="mapping_GONE")
    outcome = ScheduleRunner(service.runs)(schedule, FIRE, 1, threading.Event(), None, IGNORE)
    assert outcome.status is OutcomeStatus.FAILED and not outcome.transient
    assert outcome.run_key is None and "mapping_GONE" in (outcome.message or "")


def test_serve_fires_a_schedule_and_stops_when_told(db_url: str, tmp_path: Path) -> None:
    connectors = TestConnectors()
    connectors.sources["gen"] = lambda: GeneratedSource(10)
    with Service.open(db_url, connectors=connectors) as service:
        service.save_mapping(simple_document(), None)
        service.create_schedule(schedule_for("gen", tmp_path / "out.csv", interval_seconds=1))
    finished: list[ExecutionEvent] = []
    fired = threading.Event()

    def on_finished(event: ExecutionEvent) -> None:
        finished.append(event)
        if event.run_key is not None:  # a fire that ran (on a loaded machine one may be
            fired.set()  # skipped first: caught up, or the previous run still going)

    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            serve(
                db_url,
                stop_event=stop,
                connectors=connectors,
                config=SchedulerConfig(heartbeat_seconds=0.5),
                on_execution_finished=on_finished,
                drain_timeout=10,
            )
        except BaseException as exc:  # noqa: BLE001  # the test thread reports it below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert fired.wait(30), "no schedule fired"
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive() and errors == []
    event = next(e for e in finished if e.run_key is not None)
    assert event.status is RunStatus.COMPLETED and event.run_key is not None
    with Service.open(db_url) as service:
        record = service.run_detail(event.run_key).record
        assert record.trigger is RunTrigger.SCHEDULE and record.counts.written == 10
        later = datetime.now(UTC)
        executions = service.schedule_executions(later - timedelta(hours=1), later)
        fired_row = next(e for e in executions if e.run_key == event.run_key)
        assert (fired_row.records_processed, fired_row.error_count) == (10, 0)
        fires = service.fire_times(later, later + timedelta(seconds=5))
        assert fires and all(schedule.key == event.schedule_key for schedule, _ in fires)


class _Catastrophic:
    """Records whose name sends `^(a|aa)+$` into catastrophic backtracking, each a
    different text (a text that ran out of time once fails again at once)."""

    name = "catastrophic"

    def __iter__(self):  # type: ignore[no-untyped-def]
        from fieldwright.domain.records import Position, SourceItem

        for index in range(1000):
            yield SourceItem(
                Position(line=index + 1), {"id": index, "name": "a" * 40 + f"!{index}"}
            )

    def close(self) -> None:
        pass


def test_a_cpu_bound_run_neither_stalls_other_schedules_nor_outlives_its_timeout(
    db_url: str, tmp_path: Path
) -> None:
    """Issue 16, item 2: one schedule's run spends each record in a catastrophic regex
    (bounded per match); another schedule fires every second meanwhile, and the slow
    run ends at its timeout, saying so."""
    connectors = TestConnectors()
    connectors.sources["slow"] = _Catastrophic
    connectors.sources["gen"] = lambda: GeneratedSource(5)
    slow = simple_document().model_copy(update={"key": "mapping_SLOW_OUT_TEST_20250724"})
    slow.fields[1].rules.regex = "^(A|AA)+$"  # the field upper-cases the name first
    with Service.open(db_url, connectors=connectors) as service:
        service.save_mapping(simple_document(), None)
        service.save_mapping(slow, None)
        service.create_schedule(schedule_for("gen", tmp_path / "fast.csv", interval_seconds=1))
        service.create_schedule(
            schedule_for(
                "slow",
                tmp_path / "slow.csv",
                key="schedule_SLOW_OUT_TEST_hourly",
                mapping_key=slow.key,
                interval_seconds=1,
                timeout_seconds=5,  # room for two fast runs on a loaded machine
            )
        )
    events: list[ExecutionEvent] = []
    slow_done = threading.Event()

    def on_finished(event: ExecutionEvent) -> None:
        events.append(event)
        if event.schedule_key == "schedule_SLOW_OUT_TEST_hourly" and event.run_key:
            slow_done.set()

    stop = threading.Event()
    thread = threading.Thread(
        target=serve,
        kwargs={
            "database_url": db_url,
            "stop_event": stop,
            "connectors": connectors,
            "config": SchedulerConfig(heartbeat_seconds=0.5),
            "on_execution_finished": on_finished,
            "drain_timeout": 10,
        },
    )
    thread.start()
    try:
        assert slow_done.wait(30), "the slow run never ended"
    finally:
        stopping = time.monotonic()
        stop.set()
        thread.join(30)
    assert time.monotonic() - stopping < 5, "serve did not stop promptly: a run held it"
    slow_event = next(
        e for e in events if e.schedule_key == "schedule_SLOW_OUT_TEST_hourly" and e.run_key
    )
    assert slow_event.status is RunStatus.FAILED
    assert slow_event.message is not None and "timed out after 5 s" in slow_event.message
    fast = [
        e for e in events if e.schedule_key != slow_event.schedule_key and e.run_key is not None
    ]
    assert len(fast) >= 2, [(e.schedule_key, e.status, e.message) for e in events]
    assert all(e.status is RunStatus.COMPLETED for e in fast)
    assert not (tmp_path / "slow.csv").exists()
