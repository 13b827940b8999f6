"""The service's events: every run tells its start, progress and end; the background scheduler
tells its fires; `reprocess_blocker` says why a reprocess cannot work."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.scheduler import SchedulerConfig, StateChange
from fieldwright.service import (
    RunEnded,
    RunProgressed,
    RunStarted,
    ScheduleFired,
    start_background_scheduler,
)
from fieldwright.service.events import ServiceEvent, ServiceEvents
from fieldwright.service.facade import Service
from tests.service.helpers import (
    MAPPING_KEY,
    GeneratedSource,
    TestConnectors,
    csv_target,
    simple_document,
    test_source,
)
from tests.service.test_scheduling import schedule_for


class Heard(list[ServiceEvent]):
    """The events a service publishes; `ends(n)` waits for the n-th RunEnded (told after
    the handle's wait returns)."""

    def __init__(self, service: Service) -> None:
        super().__init__()
        self._changed = threading.Condition()
        service.events.subscribe(self._hear)

    def _hear(self, event: ServiceEvent) -> None:
        with self._changed:
            self.append(event)
            self._changed.notify_all()

    def ends(self, count: int = 1) -> list[RunEnded]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self._ended()) >= count, 30)
            return self._ended()

    def _ended(self) -> list[RunEnded]:
        return [event for event in self if isinstance(event, RunEnded)]


def listen(service: Service) -> Heard:
    return Heard(service)


def test_a_run_tells_its_start_progress_and_end_in_order(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    connectors.sources["gen"] = lambda: GeneratedSource(300, every_bad=100, delay=0.002)
    service.save_mapping(simple_document(), None)
    heard = listen(service)
    handle = service.start_run(
        MAPPING_KEY, source=test_source("gen"), target=csv_target(tmp_path / "out.csv")
    )
    assert isinstance(heard[0], RunStarted)  # told before start_run returns
    assert heard[0].key == handle.key and heard[0].trigger is RunTrigger.MANUAL
    assert service.run_detail(handle.key).record.status is RunStatus.RUNNING  # logged by then
    result = handle.wait(30)
    assert result is not None
    (ended,) = heard.ends()
    assert heard[-1] is ended and ended.result == result
    assert ended.mapping_key == MAPPING_KEY and ended.schedule_key is None
    progress = [event for event in heard if isinstance(event, RunProgressed)]
    assert progress and all(event.key == handle.key for event in progress)
    assert not any(isinstance(event, RunStarted) for event in heard[1:])


def test_a_reprocess_and_a_schedules_run_now_are_told_too(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    connectors.sources["gen"] = lambda: GeneratedSource(40, every_bad=20)
    service.save_mapping(simple_document(), None)
    schedule = service.create_schedule(schedule_for("gen", tmp_path / "out.csv"))
    heard = listen(service)
    first = service.run_schedule_now(schedule.key).wait(30)
    assert first is not None
    second = service.reprocess(first.key).wait(30)
    assert second is not None
    ends = heard.ends(2)
    assert [(e.key, e.trigger, e.schedule_key) for e in ends] == [
        (first.key, RunTrigger.MANUAL, schedule.key),
        (second.key, RunTrigger.REPROCESS, None),
    ]
    starts = [event for event in heard if isinstance(event, RunStarted)]
    assert starts[1].parent_key == first.key


def test_a_broken_listener_breaks_neither_the_run_nor_the_others(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    connectors.sources["gen"] = lambda: GeneratedSource(10)
    service.save_mapping(simple_document(), None)

    def broken(_event: ServiceEvent) -> None:
        raise RuntimeError("a listener's bug")

    service.events.subscribe(broken)
    heard = listen(service)
    result = service.start_run(
        MAPPING_KEY, source=test_source("gen"), target=csv_target(tmp_path / "out.csv")
    ).wait(30)
    assert result is not None and result.status is RunStatus.COMPLETED
    assert heard.ends()[0].result == result


def test_unsubscribing_stops_the_events() -> None:
    events = ServiceEvents()
    heard: list[ServiceEvent] = []
    unsubscribe = events.subscribe(heard.append)
    started = RunStarted("proc_A", MAPPING_KEY, RunTrigger.MANUAL)
    events.publish(started)
    unsubscribe()
    unsubscribe()  # twice is harmless
    events.publish(started)
    assert heard == [started]


def test_the_background_scheduler_tells_its_fires_with_the_schedules_wishes(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    connectors.sources["gen"] = lambda: GeneratedSource(10)
    service.save_mapping(simple_document(), None)
    service.create_schedule(
        schedule_for("gen", tmp_path / "out.csv", interval_seconds=1, name="Each second")
    )
    fires: list[ScheduleFired] = []
    ended = threading.Event()

    def listener(event: ServiceEvent) -> None:
        if isinstance(event, ScheduleFired):
            fires.append(event)
            # A fire one second on while the first run still runs (a loaded machine) is
            # told as skipped, "previous run still running": not the end this test waits for.
            if event.status not in (RunStatus.RUNNING, RunStatus.SKIPPED):
                ended.set()

    service.events.subscribe(listener)
    states: list[StateChange] = []
    handle = start_background_scheduler(
        service, states.append, config=SchedulerConfig(heartbeat_seconds=0.5)
    )
    try:
        assert ended.wait(30), "no fire ended"
    finally:
        assert handle.stop(10)
    ends = (RunStatus.RUNNING, RunStatus.SKIPPED)
    # Under load a fire can be skipped before the first run starts (busy catching up): the
    # first fire told may be a skip; a run that began is told before the one that ended.
    begun = next(f for f in fires if f.status is RunStatus.RUNNING)
    done = next(f for f in fires if f.status not in ends)
    assert fires.index(begun) < fires.index(done)
    assert begun.schedule_name == "Each second"
    assert done.status is RunStatus.COMPLETED and done.run_key is not None
    assert done.notify_on_failure and not done.needs_notice
    assert service.run_detail(done.run_key).record.schedule_key == done.schedule_key


def test_reprocess_blocker_says_why_not(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    connectors.sources["bad"] = lambda: GeneratedSource(40, every_bad=20)
    connectors.sources["good"] = lambda: GeneratedSource(10)
    document = simple_document()
    out = tmp_path / "out" / "out.csv"
    out.parent.mkdir()

    def run(source: str, mapping: object = MAPPING_KEY) -> str:
        handle = service.start_run(
            mapping,  # type: ignore[arg-type]
            source=test_source(source),
            target=csv_target(out),
        )
        assert handle.wait(30) is not None
        return handle.key

    unstored = run("bad", document)
    assert service.reprocess_blocker(unstored) == (
        f"its mapping {MAPPING_KEY} is not in the store: save it there to reprocess its "
        "failed records"
    )
    service.save_mapping(document, None)
    assert service.reprocess_blocker(unstored) is None
    assert service.reprocess_blocker(run("good")) == "the run has no failed records"
    failed = run("bad")
    shutil.rmtree(out.parent)
    assert service.reprocess_blocker(failed) == f"the folder of its output, {out.parent}, is gone"
