"""A scheduler process for the two-process tests (started with multiprocessing "spawn")."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fieldwright.domain.store_models import ScheduleRecord
from fieldwright.scheduler import ExecutionOutcome, Scheduler, SchedulerConfig, StateChange
from fieldwright.store import Store


def run(
    _s: ScheduleRecord,
    _f: datetime,
    _a: int,
    _c: threading.Event,
    _t: float | None,
    _started: Callable[[str], None],
) -> Any:
    return ExecutionOutcome.completed(message=f"ran in pid {os.getpid()}")


def serve(url: str, reports: Any, stop: str) -> None:
    """Fire until the file `stop` exists (an Event could deadlock once a waiter is killed)."""
    config = SchedulerConfig(
        heartbeat_seconds=0.05, lease_seconds=1.0, precise_wakeups=False, grace_seconds=3600
    )

    def report(change: StateChange) -> None:
        reports.put((os.getpid(), change.state.value, change.message))

    with Store.open(url) as store:
        scheduler = Scheduler(store, run, config=config, on_state=report)
        scheduler.start()
        deadline = time.monotonic() + 60
        while not Path(stop).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        scheduler.stop()
