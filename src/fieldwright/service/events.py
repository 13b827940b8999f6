"""What the service tells its listeners as it happens: runs and schedule fires.

Every run goes through `Runs._start`, which publishes `RunStarted` (the run is
logged in the store by then), `RunProgressed` (at least every half second) and
`RunEnded` (after the caller's own `on_finished`, so what it records, such as a
schedule's execution, is in the store first). The background scheduler of this
process publishes `ScheduleFired` when one of its fire times starts a run, ends or
is skipped. Listeners are called on the thread that publishes (a run's worker or
ticker, a scheduler thread): they must return quickly and touch no widget; the
desktop app re-emits each event as a queued Qt signal. Qt-free.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.service._results import RunProgress, RunResult

__all__ = [
    "RunEnded",
    "RunProgressed",
    "RunStarted",
    "ScheduleFired",
    "ServiceEvent",
    "ServiceEvents",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunStarted:
    """A run began; its row is in the store's runs table (status running)."""

    key: str
    mapping_key: str
    trigger: RunTrigger
    schedule_key: str | None = None
    parent_key: str | None = None


@dataclass(frozen=True, slots=True)
class RunProgressed:
    """A snapshot of a run going on (a retry attempt reports under its own key)."""

    progress: RunProgress

    @property
    def key(self) -> str:
        return self.progress.key


@dataclass(frozen=True, slots=True)
class RunEnded:
    """A run ended, whatever its outcome; its row holds the final status and counts."""

    result: RunResult
    mapping_key: str
    trigger: RunTrigger
    schedule_key: str | None = None

    @property
    def key(self) -> str:
        return self.result.key


@dataclass(frozen=True, slots=True)
class ScheduleFired:
    """A fire time of a schedule in this process's scheduler: its run began (status
    running), ended (the run's status) or it was skipped (status skipped)."""

    schedule_key: str
    #: The schedule's name (its key when the schedule was deleted meanwhile).
    schedule_name: str
    fire_time: datetime
    attempt: int
    status: RunStatus
    message: str = ""
    run_key: str | None = None
    #: The schedule asks to be told when a run fails.
    notify_on_failure: bool = False

    @property
    def needs_notice(self) -> bool:
        """A failed run of a schedule that asks to be told about it."""
        return self.status is RunStatus.FAILED and self.notify_on_failure


ServiceEvent = RunStarted | RunProgressed | RunEnded | ScheduleFired
Listener = Callable[[ServiceEvent], None]


class ServiceEvents:
    """Listeners of one service; publishing calls each in turn on the publishing thread."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every event from now on; returns what unsubscribes it."""
        with self._lock:
            self._listeners = [*self._listeners, listener]

        def unsubscribe() -> None:
            with self._lock:
                self._listeners = [item for item in self._listeners if item is not listener]

        return unsubscribe

    def publish(self, event: ServiceEvent) -> None:
        with self._lock:
            listeners = self._listeners
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a broken listener must not break a run or the scheduler
                log.exception("a listener of the service's events failed on %r", event)
