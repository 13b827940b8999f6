"""Run now: run the open mapping through its connectors, with progress and cancel.

The run itself happens in the service's worker thread and is logged in the
store; its callbacks arrive on that thread and are re-emitted as Qt signals,
which Qt queues to the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from fieldwright.app.runs.run_detail import endpoint_text
from fieldwright.app.runs.run_dialog import RunDialog
from fieldwright.authoring.endpoint_edits import SetConnector
from fieldwright.domain.document import ConnectorRef
from fieldwright.domain.runs import RunStatus
from fieldwright.service import EndpointRefused, ServiceError, file_kind_format

if TYPE_CHECKING:
    from fieldwright.app.documents.session import DocumentSession
    from fieldwright.service import RunHandle, RunProgress, RunResult, Service

__all__ = ["RunNow", "describe_progress", "describe_result", "output_place"]


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


def output_place(target: ConnectorRef | None, base_dir: Path | None) -> str | None:
    """Where a run writes `target`, in words: a file's full path, else its table or kind."""
    if target is None:
        return None
    described = target.model_dump(mode="json")
    path = target.settings.get("path")
    if file_kind_format(target.kind) is not None and isinstance(path, str) and path:
        full = Path(path).expanduser()
        described["settings"]["path"] = str(
            full if full.is_absolute() else (base_dir or Path.cwd()) / full
        )
    return endpoint_text(described)


class RunNow(QObject):
    """One run at a time of the session's mapping; `started`, `progressed` and `finished` follow it.

    Runs go through `service` (None: no store, so no runs); questions and warnings
    open over `parent`, and status lines go out as `message`.
    """

    started = Signal(str)
    progressed = Signal(str)
    #: The RunProgress snapshot behind each `progressed` line (for a progress bar).
    progress = Signal(object)
    #: (summary, result); emitted on the GUI thread when the run ends.
    finished = Signal(str, object)
    #: A line for the status bar.
    message = Signal(str)

    def __init__(self, session: DocumentSession, service: Service | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.service = service
        self.parent_widget = parent
        self.handle: RunHandle | None = None
        #: Where the run going on writes (a file's full path, a table), for its end message.
        self.output: str | None = None
        self.finished.connect(self._finished)

    @property
    def running(self) -> bool:
        return self.handle is not None and not self.handle.done

    def _no_store(self) -> bool:
        if self.service is None:
            QMessageBox.information(
                self.parent_widget,
                "Run now",
                "Runs are logged in the mapping store, and Fieldwright is working on files "
                "only: it could not open its store at start (see the message then).",
            )
            return True
        return False

    def choose(self) -> None:
        """Run with…: pick the source and target (the mapping's own or a saved connection)."""
        service, parent = self.service, self.parent_widget
        if self._no_store() or service is None:
            return
        if self.running:
            self.message.emit("A run is already going; cancel it first.")
            return
        try:
            connections = service.connections.list()
        except ServiceError as exc:
            QMessageBox.warning(parent, "Cannot list the saved connections", str(exc))
            return
        dialog = RunDialog(self.session.document, connections, parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            chosen = dialog.choice()
        finally:
            dialog.deleteLater()
        refs: dict[str, ConnectorRef | None] = {}
        for side, name in chosen.items():
            try:
                refs[side] = service.connections.reference(name) if name else None
            except ServiceError as exc:
                QMessageBox.warning(parent, f"Cannot use the {side} connection", str(exc))
                return
        self.start(source=refs["source"], target=refs["target"])

    def start(
        self, *, source: ConnectorRef | None = None, target: ConnectorRef | None = None
    ) -> None:
        """Run the open mapping; `source`/`target` override its connectors for this run."""
        service, parent = self.service, self.parent_widget
        if self._no_store() or service is None:
            return
        document = self.session.document.model_copy(deep=True)
        chosen = {"source": source, "target": target}
        missing = [
            side
            for side in ("source", "target")
            if getattr(document, side).connector is None and chosen[side] is None
        ]
        if missing:
            QMessageBox.information(
                parent,
                "Run now",
                f"The mapping has no {' and no '.join(missing)} connector yet: say where the "
                "records come from and go to (for example a CSV file), or use Run with… to "
                "pick saved connections.",
            )
            return
        if self.running:
            self.message.emit("A run is already going; cancel it first.")
            return
        location = self.session.location
        base_dir = location.parent if isinstance(location, Path) else None
        self.output = output_place(target or document.target.connector, base_dir)
        try:
            self.handle = service.start_run(
                document,
                source=source,
                target=target,
                base_dir=base_dir,
                on_progress=self._on_progress,
                on_finished=lambda result: self.finished.emit(describe_result(result), result),
                timeout=document.run.timeout_seconds,
            )
        except EndpointRefused as exc:
            if target is None and self._retarget(exc):
                self.start(source=source)
            elif target is not None:
                QMessageBox.warning(parent, "Cannot start the run", str(exc))
            return
        except ServiceError as exc:
            QMessageBox.warning(parent, "Cannot start the run", str(exc))
            return
        self.started.emit(self.handle.key)
        self.message.emit(f"Started {self.handle.key}")

    def _retarget(self, refused: EndpointRefused) -> bool:
        """The mapping's target lies where no run may write (the bundled examples): ask
        where to write instead and keep the answer in the document's target endpoint
        (one undoable edit). False when the user cancels."""
        connector = self.session.document.target.connector
        assert connector is not None  # the refused target is the document's own
        name = Path(refused.path).name
        chosen, _ = QFileDialog.getSaveFileName(
            self.parent_widget,
            f"Where should the run write? ({refused.path} is inside Fieldwright's own files)",
            str(Path.home() / name),
        )
        if not chosen:
            self.message.emit("Run not started: choose where the output goes")
            return False
        settings = {**connector.settings, "path": str(Path(chosen))}
        self.session.push(
            SetConnector("target", connector.model_copy(update={"settings": settings}))
        )
        self.message.emit(f"The run writes {chosen} from now on (Undo restores the old target)")
        return True

    def _on_progress(self, progress: RunProgress) -> None:  # a worker thread: signals only
        self.progress.emit(progress)
        self.progressed.emit(describe_progress(progress))

    def cancel(self) -> None:
        if self.handle is not None and not self.handle.done:
            self.handle.cancel()
            self.message.emit(f"Cancelling {self.handle.key}…")

    def _finished(self, summary: str, result: RunResult) -> None:
        completed = result.status is RunStatus.COMPLETED
        self.message.emit(
            summary + (f"; output: {self.output}" if completed and self.output else "")
        )
        if result.status not in (RunStatus.COMPLETED, RunStatus.CANCELLED):
            reason = f"\n\n{result.message}" if result.message else ""
            QMessageBox.warning(self.parent_widget, "The run did not complete", summary + reason)
