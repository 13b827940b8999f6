"""The runner the scheduler calls for each fire time, and what it reports back.

The scheduler cannot import the service (layers point down), so the service
hands it `ScheduleRunner(runs)`. Each call is one attempt: a run of the
schedule's mapping or pipeline (latest stored version, or its active version when the
store requires approval: see `service/approvals.py`) with trigger `schedule`, or `retry`
for attempts after the first, linked to the schedule's previous run. The
scheduler's retry policy decides about further attempts, so the document's own
retry strategy is switched off here (no attempts within attempts); the outcome
says whether the failure is transient. A schedule's ``parameters`` may name
``source`` and ``target`` connector references that replace the document's,
and ``base_dir`` for relative file paths.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fieldwright.domain import ConnectorRef
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.domain.store_models import ScheduleRecord
from fieldwright.scheduler import ExecutionOutcome
from fieldwright.service._boundary import service_errors
from fieldwright.service.approvals import Approvals
from fieldwright.service.errors import ConnectorProblem, ServiceError, StoreProblem
from fieldwright.service.runs import RunFilter, Runs

__all__ = ["ScheduleRunner", "schedule_endpoints", "version_to_run"]

log = logging.getLogger(__name__)


def _connector(schedule: ScheduleRecord, side: str) -> ConnectorRef | None:
    value = schedule.parameters.get(side)
    if value is None:
        return None
    with service_errors(f"the {side} in the parameters of schedule {schedule.key!r}"):
        return ConnectorRef.model_validate(value)


def schedule_endpoints(
    schedule: ScheduleRecord,
) -> tuple[ConnectorRef | None, ConnectorRef | None, Path | None]:
    """What a schedule's parameters say its runs read, write and take relative paths from
    (None: the mapping's own connectors, the working directory)."""
    raw_dir = schedule.parameters.get("base_dir")
    return (
        _connector(schedule, "source"),
        _connector(schedule, "target"),
        Path(raw_dir) if isinstance(raw_dir, str) else None,
    )


def version_to_run(approvals: Approvals, schedule: ScheduleRecord) -> int | None:
    """The stored version a schedule's fire runs (None: the latest); an InvalidRequest when
    approval is required and what it runs (a mapping, or a pipeline: the same lifecycle)
    has no active version."""
    return approvals.version_to_run(schedule.mapping_key)


class ScheduleRunner:
    """Runs a schedule's mapping for one fire time; a `ScheduledRunner` for the scheduler."""

    def __init__(self, runs: Runs, approvals: Approvals | None = None) -> None:
        self._runs = runs
        self._approvals = approvals or Approvals(runs.store)

    def _previous_run(self, schedule: ScheduleRecord) -> str | None:
        page = self._runs.list_runs(RunFilter(mapping_key=schedule.mapping_key), limit=50)
        return next((r.key for r in page.items if r.schedule_key == schedule.key), None)

    def __call__(
        self,
        schedule: ScheduleRecord,
        fire_time: datetime,
        attempt: int,
        cancel: threading.Event,
        timeout: float | None,
        started: Callable[[str], None],
    ) -> ExecutionOutcome:
        try:
            version = version_to_run(self._approvals, schedule)
        except ServiceError as exc:  # nothing active while approval is required: no retry
            log.warning("schedule %s (%s): %s", schedule.key, fire_time.isoformat(), exc)
            return ExecutionOutcome.failed(str(exc), transient=isinstance(exc, StoreProblem))
        try:
            source, target, base_dir = schedule_endpoints(schedule)
            handle = self._runs.start_run(
                schedule.mapping_key,
                source=source,
                target=target,
                trigger=RunTrigger.SCHEDULE if attempt <= 1 else RunTrigger.RETRY,
                base_dir=base_dir,
                timeout=timeout,
                schedule_key=schedule.key,
                parent_key=self._previous_run(schedule) if attempt > 1 else None,
                retries=False,
                cancel_event=cancel,
                version=version,
                pipeline=schedule.pipeline,
            )
        except ServiceError as exc:
            # A busy or unreachable store, or a connector that may come back: worth a retry.
            transient = isinstance(exc, StoreProblem) or (
                isinstance(exc, ConnectorProblem) and exc.transient
            )
            log.warning("schedule %s (%s): %s", schedule.key, fire_time.isoformat(), exc)
            return ExecutionOutcome.failed(str(exc), transient=transient)
        started(handle.key)
        result = handle.wait()
        if result is None:  # wait() without a timeout returns only once the run ended
            return ExecutionOutcome.failed(
                "the run did not report how it ended", run_key=handle.key
            )
        counts = {"records": result.counts.read, "errors": result.counts.failed}
        if result.status is RunStatus.COMPLETED:
            return ExecutionOutcome.completed(result.key, result.message, **counts)
        message = result.message or f"the run {result.status.value}"
        if result.status is RunStatus.CANCELLED:
            return ExecutionOutcome.cancelled(message, run_key=result.key, **counts)
        return ExecutionOutcome.failed(
            message, run_key=result.key, transient=result.transient, **counts
        )
