"""Work off the GUI thread: QRunnables whose results come back as signals.

A `Task` runs one callable in a `QThreadPool`; its `Signals` object lives on
the GUI thread, so `done`/`failed` are delivered there (queued connections).
Only service errors and data errors are caught and reported: they are what
a user can act on; anything else is a bug and is reported as one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QEventLoop, QObject, QRunnable, QTimer, Signal, SignalInstance

from fieldwright.service import ServiceError

__all__ = ["Task", "TaskSignals", "wait_for_signal"]


def wait_for_signal(signal: SignalInstance, timeout_ms: int) -> bool:
    """Run the event loop until `signal` fires (True) or `timeout_ms` pass (False).

    For scripts that drive the real window without pytest-qt: the self-test, the
    screenshots and the GUI bench.
    """
    loop = QEventLoop()
    fired: list[bool] = []

    def on_signal(*_args: object) -> None:
        fired.append(True)
        loop.quit()

    signal.connect(on_signal)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    guard.start(timeout_ms)
    try:
        loop.exec()
    finally:
        guard.stop()
        signal.disconnect(on_signal)
    return bool(fired)


class TaskSignals(QObject):
    done = Signal(int, object)  #: (generation, result)
    failed = Signal(int, str)  #: (generation, message)


class Task(QRunnable):
    """Run `fn()` on a pool thread; report through `signals` tagged with `generation`."""

    def __init__(self, generation: int, fn: Callable[[], Any], signals: TaskSignals) -> None:
        super().__init__()
        self.generation = generation
        self.fn = fn
        self.signals = signals

    def run(self) -> None:
        try:
            result = self.fn()
        except (ServiceError, OSError, ValueError, ValidationError) as exc:
            self.signals.failed.emit(self.generation, str(exc))
            return
        self.signals.done.emit(self.generation, result)
