"""Load a source or target schema from a sample file, a JSON Schema or a table, on a worker."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from fieldwright.app.designer.table_dialog import TableDialog
from fieldwright.app.documents.session import DocumentSession
from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.authoring.edits import SetSchema, Side
from fieldwright.service import (
    infer_schema_from_file,
    schema_from_database_table,
    schema_from_json_schema_file,
)

__all__ = ["SchemaImporter"]

SAMPLE_FILTER = "Sample data (*.csv *.tsv *.json *.ndjson *.jsonl *.xlsx *.parquet);;All files (*)"
JSON_SCHEMA_FILTER = "JSON Schema (*.json *.schema.json);;All files (*)"


class SchemaImporter(QObject):
    """Reads a schema off the GUI thread, then pushes a `SetSchema` edit."""

    finished = Signal(str, bool)  #: (message, succeeded)

    def __init__(self, session: DocumentSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = TaskSignals(self)
        self.signals.done.connect(self._done)
        self.signals.failed.connect(self._failed)
        #: Generation → (side, what it is read from: a file name or a table).
        self._pending: dict[int, tuple[Side, str]] = {}
        self._next = 0

    def choose(self, parent: QWidget, side: Side, *, json_schema: bool) -> None:
        kind = "JSON Schema" if json_schema else "sample file"
        path, _filter = QFileDialog.getOpenFileName(
            parent,
            f"Load {side} schema from a {kind}",
            "",
            JSON_SCHEMA_FILTER if json_schema else SAMPLE_FILTER,
        )
        if path:
            self.load(side, Path(path), json_schema=json_schema)

    def load(self, side: Side, path: Path, *, json_schema: bool) -> None:
        self._next += 1
        self._pending[self._next] = (side, path.name)
        if json_schema:
            task = Task(self._next, lambda: schema_from_json_schema_file(path), self.signals)
        else:
            task = Task(self._next, lambda: infer_schema_from_file(path), self.signals)
        self.pool.start(task)

    def choose_table(self, parent: QWidget, side: Side) -> None:
        dialog = TableDialog(side, parent)
        try:
            if dialog.exec():
                password = dialog.password.text() or None
                self.load_table(side, dialog.url.text(), dialog.table.text(), password)
        finally:
            dialog.password.clear()
            dialog.deleteLater()

    def load_table(self, side: Side, url: str, table: str, password: str | None = None) -> None:
        """Read the columns of `table` at `url` (password used once, never kept)."""
        self._next += 1
        self._pending[self._next] = (side, f"table {table.strip()}")
        task = Task(
            self._next, lambda: schema_from_database_table(url, table, password), self.signals
        )
        self.pool.start(task)

    def _done(self, generation: int, fields: object) -> None:
        side, origin = self._pending.pop(generation)
        if isinstance(fields, list):
            self.session.push(SetSchema(side, fields))
            self.finished.emit(
                f"Loaded the {side} schema from {origin}: {len(fields)} fields", True
            )

    def _failed(self, generation: int, message: str) -> None:
        side, _path = self._pending.pop(generation)
        self.finished.emit(f"Cannot load the {side} schema: {message}", False)

    def shutdown(self) -> None:
        self.pool.clear()
        self.pool.waitForDone()
