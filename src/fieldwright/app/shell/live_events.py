"""The service's events (runs starting, progressing, ending; schedules firing) as Qt signals.

The service calls its listeners on worker and scheduler threads. `LiveEvents`
lives on the GUI thread: emitting its signals from another thread queues the
delivery to the GUI thread, where the Runs and Schedules pages and the status
bar update themselves. `detach()` (the window closing) stops the deliveries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from fieldwright.service import RunEnded, RunProgressed, RunStarted, ScheduleFired

if TYPE_CHECKING:
    from fieldwright.service import Service

__all__ = ["LiveEvents"]


class LiveEvents(QObject):
    """One service's events, delivered on the GUI thread."""

    #: A `RunStarted`.
    runStarted = Signal(object)
    #: A `RunProgressed` (each run at least every half second).
    runProgressed = Signal(object)
    #: A `RunEnded`.
    runEnded = Signal(object)
    #: A `ScheduleFired` of this process's background scheduler.
    scheduleFired = Signal(object)

    def __init__(self, service: Service, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: Callable[[], None] | None = service.events.subscribe(self._deliver)

    def _deliver(self, event: object) -> None:  # any thread: signals only
        signal = {
            RunStarted: self.runStarted,
            RunProgressed: self.runProgressed,
            RunEnded: self.runEnded,
            ScheduleFired: self.scheduleFired,
        }.get(type(event))
        if signal is None:
            return
        try:
            signal.emit(event)
        except RuntimeError:  # the window (and this object) is already gone
            return

    def detach(self) -> None:
        """Stop listening (idempotent)."""
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()
