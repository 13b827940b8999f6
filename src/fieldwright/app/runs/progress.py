"""A run in progress as the user watches it: a bar, records, rate, ETA and Cancel.

The status bar shows one for Run now and the Runs page one for a reprocess. It
is fed `RunProgress` snapshots (from the service's worker thread, re-emitted as
Qt signals so they arrive on the GUI thread); when the source's total is unknown
the bar is a busy indicator and there is no ETA.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

if TYPE_CHECKING:  # the service (and its connectors) load when a run starts, not at start-up
    from fieldwright.service import RunProgress

__all__ = ["RunProgressWidget", "eta_text", "progress_text"]


def eta_text(seconds: float | None) -> str:
    """Seconds left as a person says it: '12 s', '3 min 5 s', '1 h 20 min'."""
    if seconds is None:
        return ""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def progress_text(progress: RunProgress) -> str:
    """'1,234 of 5,000 records · 812/s · about 5 s left' (no total: no 'of', no ETA)."""
    text = f"{progress.records:,}"
    if progress.total:
        text += f" of {progress.total:,}"
    text += f" records · {progress.rate:,.0f}/s"
    left = eta_text(progress.eta)
    if left:
        text += f" · about {left} left"
    if progress.attempt > 1:
        text += f" · attempt {progress.attempt}"
    return text


class RunProgressWidget(QWidget):
    """Progress bar, counts/rate/ETA and a Cancel button for the run being watched."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("run_progress")
        self.key: str | None = None
        self.bar = QProgressBar()
        self.bar.setObjectName("run_progress_bar")
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(False)
        self.label = QLabel()
        self.label.setObjectName("run_progress_label")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("run_progress_cancel")
        self.cancel_button.setToolTip("Stop the run after the records in flight")
        self.cancel_button.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        layout.addWidget(self.cancel_button)
        self.hide()

    def start(self, key: str) -> None:
        """Watch a new run: busy bar until the first snapshot says more."""
        self.key = key
        self.bar.setRange(0, 0)
        self.label.setText(f"{key}: starting…")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self.show()

    def update_progress(self, progress: RunProgress) -> None:
        if progress.key != self.key:  # a retry attempt has its own key
            self.key = progress.key
        fraction = progress.fraction
        if fraction is None:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(fraction * 1000))
        self.label.setText(f"{progress.key}: {progress_text(progress)}")

    def finish(self, *_result: object) -> None:
        """The run ended (any outcome; the caller reports it)."""
        self.key = None
        self.bar.setRange(0, 1)
        self.hide()

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancelling…")
        self.cancelRequested.emit()
