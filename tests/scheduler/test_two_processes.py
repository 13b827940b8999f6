"""Two real processes against one store: exactly one fires, the other stands by with the
holder's pid and host, and takes over when the holder dies."""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import MissedRunPolicy
from fieldwright.store import ScheduleRepository, Store

from . import worker
from .helpers import add_mapping, schedule


def _states(reports: Any, until: Callable[[dict[int, tuple[str, str]]], bool]) -> Any:
    seen: dict[int, tuple[str, str]] = {}
    deadline = time.monotonic() + 30
    while not until(seen):
        assert time.monotonic() < deadline, f"gave up waiting; states: {seen}"
        try:
            pid, state, message = reports.get(timeout=0.2)
        except queue.Empty:
            continue
        seen[pid] = (state, message)
    return seen


def test_one_of_two_processes_fires_and_the_other_takes_over(db_url: str, tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    stop = tmp_path / "stop"
    with Store.open(db_url) as store:
        add_mapping(store)
        repo = ScheduleRepository(store)
        # 10 fire times were missed; run_all makes each one an execution.
        repo.create(
            schedule(
                cron="* * * * *",
                missed_run_policy=MissedRunPolicy.RUN_ALL,
                next_run_at=now - timedelta(minutes=9),
            )
        )
        context = multiprocessing.get_context("spawn")
        reports = context.Queue()
        processes = [
            context.Process(target=worker.serve, args=(db_url, reports, str(stop)))
            for _ in range(2)
        ]
        for process in processes:
            process.start()
        try:
            pids = [p.pid or 0 for p in processes]
            # On PostgreSQL the second process may fail the advisory lock before the
            # first has written who it is; its standby message names the holder a tick later.
            seen = _states(
                reports,
                lambda s: (
                    sorted(st for st, _ in s.values()) == ["active", "standby"]
                    and all("(pid" in m for st, m in s.values() if st == "standby")
                ),
            )
            active = next(pid for pid, (state, _) in seen.items() if state == "active")
            standby = next(pid for pid in pids if pid != active)
            assert seen[standby][1] == (
                f"scheduler active in another process (pid {active} on host {socket.gethostname()})"
            )
            deadline = time.monotonic() + 30
            while True:
                rows = repo.executions_between(None, None)
                done = [r for r in rows if r.status is RunStatus.COMPLETED]
                if len(done) >= 10:
                    break
                assert time.monotonic() < deadline, rows
                time.sleep(0.1)
            assert {r.notes.rpartition("; ")[2] for r in done} == {f"ran in pid {active}"}
            assert len({r.scheduled_at for r in rows}) == len(rows)  # nothing fired twice

            os.kill(active, signal.SIGKILL)  # the firing process dies without a goodbye
            _states(reports, lambda s: s.get(standby, ("",))[0] == "active")
        finally:
            stop.touch()
            for process in processes:
                process.join(20)
                if process.is_alive():
                    process.kill()
