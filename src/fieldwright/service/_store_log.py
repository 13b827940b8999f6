"""The store as a run's log: a row in the runs table per attempt, dead letters beside it.

The destination of every run started through `Service` (the GUI, a schedule,
`serve`). Store errors become service errors here, so the run machinery
(`_worker.RunHandle`) never sees the store's own exceptions.
"""

from __future__ import annotations

import os
import socket
import threading

from fieldwright.domain.records import RecordSink
from fieldwright.domain.runs import DeadLetter, RunCounts, RunStatus, RunTrigger
from fieldwright.service._boundary import service_errors
from fieldwright.service._keys import run_key
from fieldwright.service._worker import RunPlan
from fieldwright.store import Conflict, RunRepository
from fieldwright.store.runs import RunLineage
from fieldwright.store.types import utcnow

__all__ = ["StoreRunLog", "active_run_keys"]

_ACTIVE: set[str] = set()
_ACTIVE_LOCK = threading.Lock()


def active_run_keys() -> frozenset[str]:
    """Runs this process is running now (any Service instance)."""
    with _ACTIVE_LOCK:
        return frozenset(_ACTIVE)


class StoreRunLog:
    """Logs a run's attempts and dead letters in the store; a `RunLog`."""

    def __init__(self, runs: RunRepository) -> None:
        self._runs = runs

    def start(self, plan: RunPlan, attempt: int, trigger: RunTrigger, parent: str | None) -> str:
        started = utcnow()
        lineage = RunLineage(
            parent_key=parent,
            process_id=os.getpid(),
            host=socket.gethostname(),
            details={**plan.details, "attempt": attempt, "timeout_seconds": plan.timeout},
        )
        with service_errors(f"starting a run of {plan.document.key!r}"):
            for same_second in range(1, 1000):
                key = run_key(plan.document.key, started, same_second)
                try:
                    self._runs.start_run(
                        key,
                        mapping_key=plan.document.key,
                        mapping_version=plan.mapping_version,
                        trigger=trigger,
                        schedule_key=plan.schedule_key,
                        started_at=started,
                        lineage=lineage,
                    )
                except Conflict:
                    continue  # another run of this mapping started in the same second
                with _ACTIVE_LOCK:
                    _ACTIVE.add(key)
                return key
            raise Conflict(f"cannot find a free run key for {plan.document.key!r}")

    def add_dead_letters(self, key: str, letters: list[DeadLetter]) -> int:
        with service_errors(f"keeping the dead letters of run {key}"):
            return self._runs.add_dead_letters(key, letters)

    def update_counts(self, key: str, counts: RunCounts) -> None:
        with service_errors(f"recording the progress of run {key}"):
            self._runs.update_counts(key, counts)

    def prepare_commit(self, key: str, sink: RecordSink) -> None:
        """Nothing to join: the dead letters are in the store already."""

    def finish(self, key: str, status: RunStatus, counts: RunCounts, message: str | None) -> None:
        try:
            with service_errors(f"logging how run {key} ended"):
                self._runs.finish_run(key, status=status, counts=counts, error_summary=message)
        finally:
            with _ACTIVE_LOCK:
                _ACTIVE.discard(key)
