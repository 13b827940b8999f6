"""The service's events (runs starting, progressing, ending; schedules firing) as Qt signals.

The service calls its listeners on worker and scheduler threads, and on the GUI
thread for a run started there. `LiveEvents` lives on the GUI thread and queues
every event to itself, then emits its public signals there, from the event loop:
listeners (the Runs and Schedules pages, the status bar) are always called on the
GUI thread, after the code that started a run has returned, in the order the
events were published. `detach()` (the window closing) stops the deliveries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

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
    #: Any event, queued from the publishing thread to this object's (the GUI thread).
    _arrived = Signal(object)

    def __init__(self, service: Service, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._arrived.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe: Callable[[], None] | None = service.events.subscribe(self._deliver)

    def _deliver(self, event: object) -> None:  # any thread: a queued signal only
        try:
            self._arrived.emit(event)
        except RuntimeError:  # the window (and this object) is already gone
            return

    def _dispatch(self, event: object) -> None:  # the GUI thread
        signal = {
            RunStarted: self.runStarted,
            RunProgressed: self.runProgressed,
            RunEnded: self.runEnded,
            ScheduleFired: self.scheduleFired,
        }.get(type(event))
        if signal is not None:
            signal.emit(event)

    def detach(self) -> None:
        """Stop listening (idempotent)."""
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()
