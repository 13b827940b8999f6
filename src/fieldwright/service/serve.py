"""Headless scheduling (`fieldwright serve`): open the service, fire schedules until told to stop.

``serve_schedules(url, stop_event=event)`` blocks: it opens the store (failing runs a
killed process left behind), starts the scheduler with the service's runner
and waits for `stop_event`. Stopping is graceful: the scheduler asks running
runs to cancel (each stops within a second and leaves its target untouched),
waits up to `drain_timeout` seconds for them, gives up its lock and the
store is closed. The CLI wires SIGINT/SIGTERM to the event.
"""

from __future__ import annotations

import logging
import threading

from fieldwright.domain.runs import RunStatus
from fieldwright.scheduler import (
    ExecutionCallback,
    ExecutionEvent,
    Scheduler,
    SchedulerConfig,
    StateCallback,
)
from fieldwright.service._boundary import service_errors
from fieldwright.service._connectors import Connectors
from fieldwright.service.errors import ServiceError
from fieldwright.service.facade import Service
from fieldwright.service.health_endpoint import start_health_endpoint
from fieldwright.service.scheduling import ScheduleRunner

__all__ = ["serve_schedules"]

log = logging.getLogger(__name__)


def serve_schedules(
    database_url: str | None = None,
    *,
    stop_event: threading.Event,
    user: str | None = None,
    connectors: Connectors | None = None,
    config: SchedulerConfig | None = None,
    on_state: StateCallback | None = None,
    on_execution_finished: ExecutionCallback | None = None,
    drain_timeout: float = 30.0,
    health_port: int | None = None,
) -> None:
    """Fire the store's schedules until `stop_event` is set; returns once all is stopped.

    With `health_port`, the monitoring summary is served as JSON on 127.0.0.1 meanwhile
    (`fieldwright.service.health_endpoint`)."""
    with Service.open(database_url, user=user, connectors=connectors) as service:
        if service.interrupted_runs:
            log.warning(
                "settled the runs a stopped process left (see their log): %s",
                ", ".join(service.interrupted_runs),
            )
        with service_errors("starting the scheduler"):
            scheduler = Scheduler(
                service._store,  # the service's own store: one connection pool, one user
                ScheduleRunner(service.runs, service.approvals),
                config=config,
                on_state=on_state,
                on_execution_started=_log_started,
                on_execution_finished=_logging_finished(on_execution_finished),
            )
            scheduler.start()
        endpoint = None
        try:
            if health_port is not None:
                endpoint = start_health_endpoint(service, health_port)
            while not stop_event.wait(SETTLE_EVERY):
                _settle(service)
        finally:
            if endpoint is not None:
                endpoint.close()
            _stop(scheduler, drain_timeout)
            service.close(wait=drain_timeout)


#: How often `serve` settles runs whose end could not be logged (the store was away).
SETTLE_EVERY = 60.0


def _settle(service: Service) -> None:
    try:
        settled = service.settle_stopped_runs()
    except ServiceError as exc:  # the store is away: the scheduler says so already
        log.debug("cannot settle stopped runs now: %s", exc)
        return
    if settled:
        log.warning("settled runs whose end was not logged: %s", ", ".join(settled))


def _log_started(event: ExecutionEvent) -> None:
    attempt = f" (attempt {event.attempt})" if event.attempt > 1 else ""
    log.info("schedule %s fired for %s%s", event.schedule_key, event.fire_time.isoformat(), attempt)


def _logging_finished(then: ExecutionCallback | None) -> ExecutionCallback:
    """Say how each execution ended (a failure at WARNING), then call `then`."""

    def finished(event: ExecutionEvent) -> None:
        level = logging.INFO if event.status is RunStatus.COMPLETED else logging.WARNING
        run = f" (run {event.run_key})" if event.run_key else ""
        message = f": {event.message}" if event.message else ""
        log.log(level, "schedule %s %s%s%s", event.schedule_key, event.status.value, run, message)
        if then is not None:
            then(event)

    return finished


def _stop(scheduler: Scheduler, drain_timeout: float) -> None:
    """Stop the scheduler, waiting at most `drain_timeout` s for its runs to finish."""
    stopper = threading.Thread(target=scheduler.stop, name="stop scheduler", daemon=True)
    stopper.start()
    stopper.join(drain_timeout)
    if stopper.is_alive():
        log.warning("the scheduler's runs did not stop within %g s; leaving them", drain_timeout)
