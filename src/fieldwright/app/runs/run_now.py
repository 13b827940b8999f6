"""Run now: run the open mapping through its connectors, with progress and cancel.

The run itself happens in the service's worker thread and is logged in the
store; its callbacks arrive on that thread and are re-emitted as Qt signals,
which Qt queues to the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QMessageBox

from fieldwright.app.runs.run_dialog import RunDialog
from fieldwright.domain.document import ConnectorRef
from fieldwright.domain.runs import RunStatus
from fieldwright.service.errors import ServiceError

if TYPE_CHECKING:
    from fieldwright.app.shell.main_window import MainWindow
    from fieldwright.service import RunHandle, RunProgress, RunResult

__all__ = ["RunNow", "describe_progress", "describe_result"]


def describe_progress(progress: RunProgress) -> str:
    text = f"Running {progress.key}: {progress.records:,} records ({progress.rate:,.0f}/s)"
    if progress.total:
        text += f" of {progress.total:,}"
    return text


def describe_result(result: RunResult) -> str:
    counts = result.counts
    text = (
        f"Run {result.key} {result.status.value}: read {counts.read:,}, "
        f"written {counts.written:,}, failed {counts.failed:,}, filtered {counts.filtered:,}"
    )
    if counts.skipped:
        text += f", skipped {counts.skipped:,}"
    return text


class RunNow(QObject):
    """One run at a time from the window; `started`, `progressed` and `finished` follow it."""

    started = Signal(str)
    progressed = Signal(str)
    #: The RunProgress snapshot behind each `progressed` line (for a progress bar).
    progress = Signal(object)
    #: (summary, result); emitted on the GUI thread when the run ends.
    finished = Signal(str, object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.handle: RunHandle | None = None
        self.finished.connect(self._finished)

    @property
    def running(self) -> bool:
        return self.handle is not None and not self.handle.done

    def _no_store(self) -> bool:
        if self.window.store is None:
            QMessageBox.information(
                self.window,
                "Run now",
                "Runs are logged in the mapping store, and Fieldwright is working on files "
                "only: it could not open its store at start (see the message then).",
            )
            return True
        return False

    def choose(self) -> None:
        """Run with…: pick the source and target (the mapping's own or a saved connection)."""
        window = self.window
        if self._no_store() or window.store is None:
            return
        if self.running:
            window.show_message("A run is already going; cancel it first.")
            return
        try:
            connections = window.store.service.connections.list()
        except ServiceError as exc:
            QMessageBox.warning(window, "Cannot list the saved connections", str(exc))
            return
        dialog = RunDialog(window.session.document, connections, window)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            chosen = dialog.choice()
        finally:
            dialog.deleteLater()
        refs: dict[str, ConnectorRef | None] = {}
        for side, name in chosen.items():
            try:
                refs[side] = window.store.service.connections.reference(name) if name else None
            except ServiceError as exc:
                QMessageBox.warning(window, f"Cannot use the {side} connection", str(exc))
                return
        self.start(source=refs["source"], target=refs["target"])

    def start(
        self, *, source: ConnectorRef | None = None, target: ConnectorRef | None = None
    ) -> None:
        """Run the open mapping; `source`/`target` override its connectors for this run."""
        window = self.window
        if self._no_store() or window.store is None:
            return
        document = window.session.document.model_copy(deep=True)
        chosen = {"source": source, "target": target}
        missing = [
            side
            for side in ("source", "target")
            if getattr(document, side).connector is None and chosen[side] is None
        ]
        if missing:
            QMessageBox.information(
                window,
                "Run now",
                f"The mapping has no {' and no '.join(missing)} connector yet: say where the "
                "records come from and go to (for example a CSV file), or use Run with… to "
                "pick saved connections.",
            )
            return
        if self.running:
            window.show_message("A run is already going; cancel it first.")
            return
        location = window.session.location
        base_dir = location.parent if isinstance(location, Path) else None
        try:
            self.handle = window.store.service.start_run(
                document,
                source=source,
                target=target,
                base_dir=base_dir,
                on_progress=self._on_progress,
                on_finished=lambda result: self.finished.emit(describe_result(result), result),
            )
        except ServiceError as exc:
            QMessageBox.warning(window, "Cannot start the run", str(exc))
            return
        self.started.emit(self.handle.key)
        window.show_message(f"Started {self.handle.key}")

    def _on_progress(self, progress: RunProgress) -> None:  # a worker thread: signals only
        self.progress.emit(progress)
        self.progressed.emit(describe_progress(progress))

    def cancel(self) -> None:
        if self.handle is not None and not self.handle.done:
            self.handle.cancel()
            self.window.show_message(f"Cancelling {self.handle.key}…")

    def _finished(self, summary: str, result: RunResult) -> None:
        self.window.show_message(summary)
        if result.status not in (RunStatus.COMPLETED, RunStatus.CANCELLED):
            reason = f"\n\n{result.message}" if result.message else ""
            QMessageBox.warning(self.window, "The run did not complete", summary + reason)
