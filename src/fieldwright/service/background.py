"""The scheduler inside another program (the desktop app): started and stopped off its thread.

``start_background_scheduler(service, on_state)`` returns at once; a thread
starts the scheduler on the service's store with the service's runner (as
`fieldwright serve` does) and every state change comes to `on_state` from
that thread or the scheduler's: the caller adapts it (the app to a queued Qt
signal). Each fire time that starts a run, ends or is skipped is published on
``service.events`` as a `ScheduleFired` (with the schedule's name and whether it
asks to be told of a failure); the runs themselves publish their own events.
A failure to start is reported as an ``error`` state, never raised
into the caller's thread. ``handle.stop(timeout)`` waits at most `timeout`
seconds; a scheduler still draining its runs then finishes in the background.
Qt-free.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from fieldwright.scheduler import (
    ExecutionEvent,
    Scheduler,
    SchedulerConfig,
    SchedulerState,
    StateCallback,
    StateChange,
)
from fieldwright.service._boundary import service_errors
from fieldwright.service.errors import ServiceError
from fieldwright.service.events import ScheduleFired
from fieldwright.service.facade import Service
from fieldwright.service.scheduling import ScheduleRunner

__all__ = [
    "BackgroundScheduler",
    "SchedulerState",
    "StateChange",
    "start_background_scheduler",
]

log = logging.getLogger(__name__)


class BackgroundScheduler:
    """A scheduler started on a thread of its own; `stop()` it before closing the service."""

    def __init__(
        self, service: Service, on_state: StateCallback, config: SchedulerConfig | None
    ) -> None:
        self._service = service
        self._on_state = on_state
        self._config = config
        self._scheduler: Scheduler | None = None
        self._stopping = threading.Event()
        self._guard = threading.Lock()
        self._starter = threading.Thread(target=self._start, name="start scheduler", daemon=True)

    def _start(self) -> None:
        try:
            with service_errors("starting the scheduler"):
                scheduler = Scheduler(
                    self._service._store,  # the service's own store, as `serve` does
                    ScheduleRunner(self._service.runs, self._service.approvals),
                    config=self._config,
                    on_state=self._on_state,
                    on_execution_started=self._fired,
                    on_execution_finished=self._fired,
                )
                with self._guard:
                    if self._stopping.is_set():
                        return
                    self._scheduler = scheduler
                scheduler.start()
        except ServiceError as exc:
            log.warning("the scheduler did not start: %s", exc)
            self._on_state(StateChange(SchedulerState.ERROR, str(exc), datetime.now(UTC)))

    def _fired(self, event: ExecutionEvent) -> None:  # a scheduler thread
        """Publish a fire time's start, end or skip with what the schedule says about it."""
        try:
            schedule = self._service.get_schedule(event.schedule_key)
        except ServiceError:  # deleted meanwhile: no one asked to be told
            name, notify = event.schedule_key, False
        else:
            name, notify = schedule.name, schedule.notify_on_failure
        self._service.events.publish(
            ScheduleFired(
                schedule_key=event.schedule_key,
                schedule_name=name,
                fire_time=event.fire_time,
                attempt=event.attempt,
                status=event.status,
                message=event.message,
                run_key=event.run_key,
                notify_on_failure=notify,
            )
        )

    @property
    def state(self) -> SchedulerState:
        scheduler = self._scheduler
        return scheduler.state if scheduler is not None else SchedulerState.STARTING

    def stop(self, timeout: float = 3.0) -> bool:
        """Stop firing schedules and give the lock up; False if that took over `timeout` s."""
        with self._guard:
            self._stopping.set()
        self._starter.join(timeout)
        scheduler = self._scheduler
        if scheduler is None:
            return not self._starter.is_alive()
        stopper = threading.Thread(target=scheduler.stop, name="stop scheduler", daemon=True)
        stopper.start()
        stopper.join(timeout)
        if stopper.is_alive():
            log.warning("the scheduler did not stop within %g s; it goes on stopping", timeout)
            return False
        return True


def start_background_scheduler(
    service: Service, on_state: StateCallback, *, config: SchedulerConfig | None = None
) -> BackgroundScheduler:
    """Start firing the store's schedules in the background; returns at once."""
    handle = BackgroundScheduler(service, on_state, config)
    handle._starter.start()
    return handle
