"""The background scheduler's state as a Qt signal, queued to the GUI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:  # the scheduler (APScheduler) is imported when it starts, not with the window
    from fieldwright.service import BackgroundScheduler, Service, StateChange

__all__ = ["SchedulerStatus", "describe_state"]


def describe_state(state: str, message: str) -> str:
    """The status bar's text for a scheduler state."""
    if state == "active":
        return "Scheduler: active"
    if state == "standby":
        detail = message.replace("scheduler active in another process", "").strip()
        return f"Scheduler: standby — active in another process {detail}".rstrip()
    if state == "error":
        return f"Scheduler: error — {message}"
    return f"Scheduler: {state}"


class SchedulerStatus(QObject):
    """Starts the scheduler of a service in the background; `changed` carries its states.

    The scheduler calls back from its own threads; emitting a signal of this
    GUI-thread object from there queues the delivery to the GUI thread.
    """

    changed = Signal(str, str)  #: (state, message)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.handle: BackgroundScheduler | None = None
        self.state = ""
        self.message = ""
        self.changed.connect(self._remember)

    def start(self, service: Service) -> None:
        if self.handle is None:
            from fieldwright.service import start_background_scheduler

            self.handle = start_background_scheduler(service, self._on_state)

    def _on_state(self, change: StateChange) -> None:  # any thread
        try:
            self.changed.emit(str(change.state), change.message)
        except RuntimeError:  # the window (and this object) is already gone
            return

    def _remember(self, state: str, message: str) -> None:
        self.state, self.message = state, message

    @property
    def text(self) -> str:
        return describe_state(self.state, self.message) if self.state else ""

    def stop(self, timeout: float = 2.0) -> None:
        """Stop firing schedules; waits at most `timeout` s (runs go on stopping after)."""
        handle, self.handle = self.handle, None
        if handle is not None:
            handle.stop(timeout)
