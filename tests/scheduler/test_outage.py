"""A store outage is survived: ERROR state, backoff, the finished run written afterwards,
then back to ACTIVE and firing. SQLite: the file replaced by a directory; PostgreSQL: the
connection cut by a proxy that then comes back."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from fieldwright.domain.runs import RunStatus
from fieldwright.scheduler import (
    ExecutionOutcome,
    ManualClock,
    Scheduler,
    SchedulerConfig,
    SchedulerState,
    StateChange,
)
from fieldwright.store import ScheduleRepository, Store

from .conftest import PG_URL, SKIP_PG
from .helpers import Runner, add_mapping, schedule, utc
from .proxy import Proxy

CONFIG = SchedulerConfig(heartbeat_seconds=None, precise_wakeups=False, outage_base_delay=1)


def _outage(
    store: Store,
    break_it: Callable[[], None],
    restore: Callable[[], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="fieldwright.scheduler")
    repo = ScheduleRepository(store)
    repo.create(schedule(cron="*/10 * * * *"))
    clock = ManualClock(utc(2025, 6, 2, 0, 5))
    states: list[StateChange] = []
    release, started = threading.Event(), threading.Event()

    def outcome(*_: Any) -> ExecutionOutcome:
        started.set()
        release.wait(10)
        return ExecutionOutcome.completed(message="done")

    runner = Runner(outcome)
    scheduler = Scheduler(store, runner, clock=clock, config=CONFIG, on_state=states.append)
    try:
        assert scheduler.start() is SchedulerState.ACTIVE
        clock.set(utc(2025, 6, 2, 0, 10))
        scheduler.tick()
        assert started.wait(10)
        break_it()
        release.set()  # the run finishes while the store is down
        assert scheduler.wait_idle(10)
        assert scheduler.tick() is SchedulerState.ERROR
        assert "cannot reach" in scheduler.message
        clock.advance(0.5)  # still backing off: no attempt, no change
        assert scheduler.tick() is SchedulerState.ERROR
        restore()
        clock.advance(0.5)
        back = time.monotonic()
        for _ in range(20):  # PostgreSQL may take a moment to drop the dead session's lock
            if scheduler.tick() is SchedulerState.ACTIVE:
                break
            clock.advance(CONFIG.outage_max_delay)  # the longest the backoff waits
            time.sleep(0.05)
        assert scheduler.state is SchedulerState.ACTIVE
        # Firing resumes within seconds of the store's return: no stale pooled connection
        # or lock session costs a minute.
        assert time.monotonic() - back < 5
        rows = repo.executions_between(None, None)
        assert (rows[0].scheduled_at, rows[0].status, rows[0].notes) == (
            utc(2025, 6, 2, 0, 10),
            RunStatus.COMPLETED,
            "done",
        )
        assert [s.state for s in states].count(SchedulerState.ERROR) == 1
        warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert any("scheduler error" in m for m in warned), warned  # the outage
        assert any("scheduler active" in m for m in warned), warned  # and the recovery
        clock.set(utc(2025, 6, 2, 0, 40))
        scheduler.tick()
        assert scheduler.wait_idle(10)
        assert runner.calls[-1][1] == utc(2025, 6, 2, 0, 40)
    finally:
        release.set()
        scheduler.stop()


def test_sqlite_outage_is_survived(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "fieldwright.db"
    with Store.open(f"sqlite:///{path}") as store:
        add_mapping(store)
        aside = tmp_path / "aside.db"

        def break_it() -> None:
            store.engine.dispose()  # drop pooled connections: the next one opens the path
            shutil.move(path, aside)
            path.mkdir()  # "unable to open database file"

        def restore() -> None:
            path.rmdir()
            shutil.move(aside, path)

        _outage(store, break_it, restore, caplog)


@pytest.fixture
def proxied_pg_url(db_url: str) -> Iterator[tuple[str, Proxy]]:
    url = make_url(db_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    yield url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy
    proxy.stop()


@SKIP_PG
@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=False)
def test_postgresql_outage_is_survived(
    proxied_pg_url: tuple[str, Proxy], caplog: pytest.LogCaptureFixture
) -> None:
    assert PG_URL
    url, proxy = proxied_pg_url
    with Store.open(url) as store:
        add_mapping(store)
        _outage(store, proxy.stop, proxy.start, caplog)
