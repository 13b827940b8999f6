"""Run a stored pipeline from the Runs page: its "Run pipeline" menu lists the store's
pipelines; choosing one opens Run with… (the pipeline's own source and target, or saved
connections), and Run starts it in the service's worker thread, logged like any run.

The run's callbacks arrive on the worker thread and are re-emitted as Qt signals.
The Pipeline Designer can start a run of its pipeline with `start` too.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QMenu, QMessageBox, QWidget

from fieldwright.app.runs.run_dialog import RunDialog
from fieldwright.app.runs.run_now import describe_result
from fieldwright.domain.document import ConnectorRef
from fieldwright.domain.runs import RunStatus
from fieldwright.service import RunHandle, RunResult, Service, ServiceError

__all__ = ["PipelineRuns"]


class PipelineRuns(QObject):
    """Runs of stored pipelines, one at a time; `finished` follows each to its end."""

    #: The key of the run started.
    started = Signal(str)
    #: (summary, result); emitted on the GUI thread when the run ends.
    finished = Signal(str, object)
    #: A line for the status bar.
    message = Signal(str)

    def __init__(self, service: Service, parent: QWidget) -> None:
        super().__init__(parent)
        self.service = service
        self.parent_widget = parent
        self.handle: RunHandle | None = None
        #: The menu of stored pipelines (filled each time it opens).
        self.menu = QMenu(parent)
        self.menu.setObjectName("run_pipeline_menu")
        self.menu.aboutToShow.connect(self.fill_menu)
        self.finished.connect(self._finished)

    @property
    def running(self) -> bool:
        return self.handle is not None and not self.handle.done

    def fill_menu(self) -> None:
        """One entry per stored pipeline, most recently changed first."""
        self.menu.clear()
        try:
            pipelines = self.service.pipelines.list_pipelines()
        except ServiceError as exc:
            self.menu.addAction(f"Cannot list the pipelines: {exc}").setEnabled(False)
            return
        if not pipelines:
            none = self.menu.addAction("No pipeline in the store: import one (fieldwright import)")
            none.setEnabled(False)
            return
        for summary in pipelines:
            action = self.menu.addAction(f"{summary.name} — {summary.key}…")
            action.setData(summary.key)
            action.triggered.connect(lambda _checked=False, key=summary.key: self.choose(key))

    def choose(self, key: str) -> None:
        """Run with…: where stored pipeline `key` reads and writes this time, then run it."""
        parent = self.parent_widget
        if self.running:
            self.message.emit("A pipeline run is already going; cancel it first.")
            return
        try:
            document = self.service.pipelines.open(key)
            connections = self.service.connections.list()
        except ServiceError as exc:
            QMessageBox.warning(parent, f"Cannot run {key}", str(exc))
            return
        dialog = RunDialog(document, connections, parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            chosen = dialog.choice()
        finally:
            dialog.deleteLater()
        refs: dict[str, ConnectorRef | None] = {}
        for side, name in chosen.items():
            try:
                refs[side] = self.service.connections.reference(name) if name else None
            except ServiceError as exc:
                QMessageBox.warning(parent, f"Cannot use the {side} connection", str(exc))
                return
        self.start(key, source=refs["source"], target=refs["target"])

    def start(
        self, key: str, *, source: ConnectorRef | None = None, target: ConnectorRef | None = None
    ) -> None:
        """Run stored pipeline `key` now; `source`/`target` replace its own connectors."""
        if self.running:
            self.message.emit("A pipeline run is already going; cancel it first.")
            return
        try:
            self.handle = self.service.start_run(
                key,
                source=source,
                target=target,
                on_finished=lambda result: self.finished.emit(describe_result(result), result),
                pipeline=True,
            )
        except ServiceError as exc:
            QMessageBox.warning(self.parent_widget, "Cannot start the run", str(exc))
            return
        self.started.emit(self.handle.key)
        self.message.emit(f"Started {self.handle.key} (pipeline {key})")

    def cancel(self) -> None:
        if self.handle is not None and not self.handle.done:
            self.handle.cancel()

    def _finished(self, summary: str, result: RunResult) -> None:
        self.message.emit(summary)
        if result.status not in (RunStatus.COMPLETED, RunStatus.CANCELLED):
            reason = f"\n\n{result.message}" if result.message else ""
            QMessageBox.warning(self.parent_widget, "The run did not complete", summary + reason)
