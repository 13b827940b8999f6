"""The status bar's line about runs going on anywhere: a schedule's, a reprocess, Run with….

Fed the service's run events (on the GUI thread). Runs another widget already
watches with a progress bar (Run now's) are left to it: `watched_elsewhere` says
which. Hidden while no other run goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QWidget

from fieldwright.app.runs.progress import progress_text

if TYPE_CHECKING:
    from fieldwright.service import RunEnded, RunProgressed, RunStarted

__all__ = ["RunActivity"]


class RunActivity(QLabel):
    """'proc_… (schedule): 1,234 records · 812/s', or 'n runs going' with each in the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("run_activity")
        #: Whether a run is shown elsewhere (the Run now progress bar); not repeated here.
        self.watched_elsewhere: Callable[[str], bool] = lambda _key: False
        #: What each run going on is doing, by run key, in the order they started.
        self.runs: dict[str, str] = {}
        self.hide()

    def run_started(self, event: RunStarted) -> None:
        self.runs[event.key] = f"{event.key} ({event.trigger.value}): starting…"
        self._show()

    def run_progressed(self, event: RunProgressed) -> None:
        progress = event.progress
        if progress.running:
            self.runs[progress.key] = f"{progress.key}: {progress_text(progress)}"
            self._show()

    def run_ended(self, event: RunEnded) -> None:
        for key in event.result.keys:
            self.runs.pop(key, None)
        self._show()

    def _show(self) -> None:
        lines = [text for key, text in self.runs.items() if not self.watched_elsewhere(key)]
        if not lines:
            self.clear()
            self.setToolTip("")
            self.hide()
            return
        self.setText(lines[0] if len(lines) == 1 else f"{len(lines)} runs going")
        self.setToolTip("\n".join(lines))
        self.show()
