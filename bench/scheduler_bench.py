"""Scheduler benchmark (run on demand): python bench/scheduler_bench.py

1,000 active schedules (a realistic mix, below): one month of fire times for the calendar
(target < 300 ms), scheduler start-up on a SQLite store (target < 1 s), and the overhead of
dispatching an empty run through APScheduler's pool.
"""

from __future__ import annotations

import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fieldwright.domain.document import FORMAT_VERSION, MappingDocument
from fieldwright.domain.store_models import ScheduleKind, ScheduleRecord
from fieldwright.scheduler import (
    ExecutionOutcome,
    ManualClock,
    Scheduler,
    SchedulerConfig,
    fire_times,
)
from fieldwright.store import MappingRepository, ScheduleRepository, Store

MAPPING = "mapping_QBT_WFN_ACME_20250724"


def add_mapping(store: Store) -> None:
    document = MappingDocument(fieldwright=FORMAT_VERSION, key=MAPPING, name="bench")
    MappingRepository(store).save_mapping(document)


ZONES = ("UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles")


def mix(count: int = 1000) -> list[ScheduleRecord]:
    """40% daily cron, 20% weekdays, 10% monthly, 10% hourly interval, 10% fixed times x3,
    10% every 15 minutes on weekdays in business hours."""
    out = []
    for i in range(count):
        kind, extra = ScheduleKind.CRON, {}
        slot = i % 10
        if slot < 4:
            extra = {"cron": f"{i % 60} {i % 24} * * *"}
        elif slot < 6:
            extra = {"cron": f"30 {6 + i % 12} * * 1-5"}
        elif slot == 6:
            extra = {"cron": f"0 6 {1 + i % 28} * *"}
        elif slot == 7:
            kind, extra = ScheduleKind.INTERVAL, {"interval_seconds": 3600}
        elif slot == 8:
            kind = ScheduleKind.FIXED_TIME
            extra = {"fixed_times": ["06:00", "12:30", "18:45"]}
        else:
            extra = {"cron": "*/15 9-17 * * 1-5"}
        out.append(
            ScheduleRecord.model_validate(
                {
                    "key": f"sched_bench_{i:04d}",
                    "name": f"bench {i}",
                    "mapping_key": MAPPING,
                    "kind": kind,
                    "timezone": ZONES[i % len(ZONES)],
                    **extra,
                }
            )
        )
    return out


def empty_run(*_: Any) -> ExecutionOutcome:
    return ExecutionOutcome.completed()


def main() -> None:
    schedules = mix()
    start, end = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC)
    fire_times(schedules, start, end)  # warm the zone caches once, like a running app
    timings = []
    for _ in range(5):
        t0 = time.perf_counter()
        found = fire_times(schedules, start, end)
        timings.append(time.perf_counter() - t0)
    print(
        f"fire_times: 1,000 schedules x March 2025 (DST month) -> {len(found):,} fire times "
        f"in {min(timings) * 1000:.0f} ms (best of 5), {max(timings) * 1000:.0f} ms worst"
    )

    with (
        tempfile.TemporaryDirectory() as tmp,
        Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}") as store,
    ):
        add_mapping(store)
        repo = ScheduleRepository(store)
        for record in schedules:
            repo.create(record)
        clock = ManualClock(datetime(2025, 3, 1, tzinfo=UTC))
        config = SchedulerConfig(heartbeat_seconds=None, precise_wakeups=True)
        scheduler = Scheduler(store, empty_run, clock=clock, config=config)
        t0 = time.perf_counter()
        scheduler.start()
        startup = time.perf_counter() - t0
        print(
            f"start-up (plan 1,000 schedules, add their jobs): {startup * 1000:.0f} ms"
            f" ({len(scheduler.jobs())} jobs)"
        )
        t0 = time.perf_counter()
        scheduler.tick()
        print(f"idle tick (lock, due, dispatch): {(time.perf_counter() - t0) * 1000:.1f} ms")
        scheduler.stop()

        # Empty runs: one schedule every minute, 200 fire times, one tick each.
        one = ScheduleRecord.model_validate(
            {
                "key": "sched_bench_dispatch",
                "name": "dispatch",
                "mapping_key": MAPPING,
                "kind": "cron",
                "cron": "* * * * *",
            }
        )
        repo.create(one)
        for record in schedules:
            repo.update(record.model_copy(update={"active": False}))
        done = threading.Semaphore(0)
        scheduler = Scheduler(
            store,
            empty_run,
            clock=clock,
            config=SchedulerConfig(heartbeat_seconds=None, precise_wakeups=False),
            on_execution_finished=lambda _e: done.release(),
        )
        scheduler.start()
        rounds = 200
        t0 = time.perf_counter()
        for _ in range(rounds):
            clock.advance(timedelta(minutes=1))
            scheduler.tick()
            done.acquire(timeout=10)
        scheduler.wait_idle(10)
        per = (time.perf_counter() - t0) / rounds
        print(
            f"empty run dispatch: {per * 1000:.1f} ms per fire time (tick + 3 execution "
            f"writes + pool hand-off), {rounds} fire times on SQLite"
        )
        scheduler.stop()


if __name__ == "__main__":
    main()
