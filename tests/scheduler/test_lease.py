"""The SQLite lease: a lease held by a process of this host that no longer exists is taken
over at once (kill -9 leaves it behind), never one of a live process or another host."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fieldwright.scheduler.lock import LeaseLock
from fieldwright.store import ScheduleRepository, Store

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _dead_pid() -> int:
    """The pid of a child that has exited and been reaped: it names no process now."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def _held_by(store: Store, pid: int, host: str) -> None:
    ScheduleRepository(store).take_lease(
        "scheduler",
        holder=f"{host}:{pid}:feedbeef",
        pid=pid,
        host=host,
        now=NOW,
        expires_at=NOW + timedelta(hours=1),
    )


@pytest.mark.parametrize(
    ("who", "taken"),
    [("a dead process of this host", True), ("a live process", False), ("another host", False)],
)
def test_a_lease_of_a_dead_process_here_is_taken_over(
    tmp_path: Path, who: str, taken: bool
) -> None:
    with Store.open(f"sqlite:///{tmp_path}/s.db") as store:
        host = socket.gethostname()
        pid = {"a dead process of this host": _dead_pid(), "a live process": os.getppid(),
               "another host": _dead_pid()}[who]  # fmt: skip
        _held_by(store, pid, host if who != "another host" else "elsewhere.example")
        lock = LeaseLock(store, ttl=30, name="scheduler")
        status = lock.acquire(NOW + timedelta(seconds=1))
        assert status.held is taken
        if not taken:
            assert status.holder is not None and status.holder.pid == pid
