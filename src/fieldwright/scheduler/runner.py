"""What the scheduler hands a fire time to: the service layer's runner (dependency injection).

The scheduler cannot import ``fieldwright.service`` (layers point down), so the service
gives it a `ScheduledRunner`. The scheduler calls it in a worker thread of APScheduler's
thread pool, once per attempt, and records the `ExecutionOutcome` it returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from fieldwright.domain.store_models import ScheduleRecord

__all__ = ["ExecutionOutcome", "OutcomeStatus", "ScheduledRunner"]


class OutcomeStatus(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class ExecutionOutcome:
    """How one attempt ended.

    `run_key` names the run the attempt created in the store (``proc_…``), if any; the
    execution row links to it. `transient` marks a failure worth retrying (a network
    error, a locked file, a 503): only transient failures are retried, by the schedule's
    retry policy. A failure that is not transient (a bad mapping, a missing column) would
    fail again, so it is recorded and not retried.
    """

    status: OutcomeStatus
    run_key: str | None = None
    message: str | None = None
    transient: bool = False
    #: The run's records read, and how many of them failed (the execution row keeps both).
    records: int = 0
    errors: int = 0

    @classmethod
    def completed(
        cls,
        run_key: str | None = None,
        message: str | None = None,
        *,
        records: int = 0,
        errors: int = 0,
    ) -> ExecutionOutcome:
        return cls(OutcomeStatus.COMPLETED, run_key, message, False, records, errors)

    @classmethod
    def failed(
        cls,
        message: str,
        *,
        run_key: str | None = None,
        transient: bool = False,
        records: int = 0,
        errors: int = 0,
    ) -> ExecutionOutcome:
        return cls(OutcomeStatus.FAILED, run_key, message, transient, records, errors)

    @classmethod
    def cancelled(
        cls, message: str, *, run_key: str | None = None, records: int = 0, errors: int = 0
    ) -> ExecutionOutcome:
        return cls(OutcomeStatus.CANCELLED, run_key, message, False, records, errors)


class ScheduledRunner(Protocol):
    """Runs the mapping of `schedule` for the fire time `fire_time` (UTC).

    - `attempt` is 1 for the first attempt of a fire time, 2… for retries.
    - `cancel` is set when the run must stop: its timeout passed or the scheduler is
      stopping. Check it between batches and return ``ExecutionOutcome.cancelled(...)``;
      a runner that ignores it keeps a worker thread busy until it returns, though the
      scheduler has already recorded the execution as timed out and moved on.
    - `timeout` is the schedule's execution timeout in seconds (None: no limit); the
      scheduler enforces it, the runner may use it for its own deadlines.
    - `started` is called with the run's key as soon as the run exists in the store, so
      the execution row links to it even if the process dies before the run ends.

    Return an outcome rather than raising; an exception is recorded as a failure that is
    not transient.
    """

    def __call__(
        self,
        schedule: ScheduleRecord,
        fire_time: datetime,
        attempt: int,
        cancel: threading.Event,
        timeout: float | None,
        started: Callable[[str], None],
    ) -> ExecutionOutcome: ...
