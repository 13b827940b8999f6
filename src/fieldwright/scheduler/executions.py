"""Running one attempt in a worker thread, ending hung ones, and recording outcomes.

Writes that fail because the store is down go to an outbox that the next successful
tick flushes, so a finished run is never forgotten during an outage.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import ScheduleRecord
from fieldwright.scheduler.events import ExecutionEvent
from fieldwright.scheduler.retry import retry_delay, should_retry
from fieldwright.scheduler.runner import ExecutionOutcome, OutcomeStatus
from fieldwright.store import NotFound, StoreError
from fieldwright.store.schedules import ExecutionAttempt, ScheduleRepository

__all__ = ["Inflight", "Outbox", "finish_record"]

log = logging.getLogger("fieldwright.scheduler")

STATUS = {
    OutcomeStatus.COMPLETED: RunStatus.COMPLETED,
    OutcomeStatus.FAILED: RunStatus.FAILED,
    OutcomeStatus.CANCELLED: RunStatus.CANCELLED,
}


@dataclass(eq=False)
class Inflight:
    """An execution handed to the pool and not finished yet."""

    execution: ExecutionAttempt
    schedule: ScheduleRecord
    fire_time: datetime
    cancel: threading.Event = field(default_factory=threading.Event)
    started_at: datetime | None = None
    finished: bool = False
    #: The run the runner started, once it said so.
    run_key: str | None = None

    @property
    def first_id(self) -> int:
        return self.execution.parent_id or self.execution.id or 0

    def event(
        self, status: RunStatus, message: str = "", run_key: str | None = None
    ) -> ExecutionEvent:
        return ExecutionEvent(
            schedule_key=self.execution.schedule_key,
            execution_id=self.execution.id or 0,
            fire_time=self.fire_time,
            attempt=self.execution.attempt,
            status=status,
            message=message,
            run_key=run_key,
            parent_id=self.execution.parent_id,
        )


class Outbox:
    """Store writes that wait for the store to come back, replayed in order."""

    def __init__(self) -> None:
        self._pending: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def write(self, action: Callable[[], None]) -> None:
        """Do it now, or queue it when the store cannot be reached."""
        with self._lock:
            if self._pending:  # keep the order: queue behind earlier writes
                self._pending.append(action)
                return
        try:
            action()
        except StoreError as exc:
            log.warning("store write postponed until the store is back: %s", exc)
            with self._lock:
                self._pending.append(action)

    def flush(self) -> None:
        """Replay queued writes; raises StoreError (keeping the rest) when still down."""
        while True:
            with self._lock:
                if not self._pending:
                    return
                action = self._pending[0]
            action()
            with self._lock:
                self._pending.pop(0)

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)


def record(repo: ScheduleRepository, row: ExecutionAttempt) -> None:
    """Save an execution; a run key the store does not know is noted instead of linked."""
    try:
        repo.record_execution(row)
    except NotFound:
        if row.run_key is None:
            raise
        note = f"{row.notes}; run {row.run_key} is not in the store".lstrip("; ")
        repo.record_execution(row.model_copy(update={"run_key": None, "notes": note}))


def finish_record(
    inflight: Inflight,
    outcome: ExecutionOutcome,
    now: datetime,
    random: Callable[[], float],
) -> tuple[ExecutionAttempt, ExecutionAttempt | None]:
    """The final row of an attempt, and the next attempt's row when it is retried."""
    schedule, execution = inflight.schedule, inflight.execution
    status = STATUS[outcome.status]
    # What the row already says (a catch-up of run_all, a retry's attempt) stays.
    notes = "; ".join(part for part in (execution.notes, outcome.message) if part)
    retry = None
    policy = schedule.retry
    if status is RunStatus.FAILED and should_retry(
        policy, execution.attempt, transient=outcome.transient
    ):
        delay = retry_delay(policy, execution.attempt, random)
        attempt = execution.attempt + 1
        retry = ExecutionAttempt(
            schedule_key=execution.schedule_key,
            scheduled_at=now + timedelta(seconds=delay),
            attempt=attempt,
            parent_id=inflight.first_id,
            notes=f"attempt {attempt} of {policy.max_attempts}, {delay:.1f} s after a "
            "transient failure",
        )
        notes = f"{notes} (transient; retry in {delay:.1f} s)".strip()
    final = execution.model_copy(
        update={
            "status": status,
            "started_at": inflight.started_at or now,
            "ended_at": now,
            "run_key": outcome.run_key or inflight.run_key,
            "notes": notes,
            "records_processed": outcome.records,
            "error_count": outcome.errors,
        }
    )
    return final, retry
