"""Live preview: sample records through the current mapping, off the GUI thread.

The session's `CompiledDocument` compiles every document change once, off the
GUI thread; each compile it publishes and the sample go to a worker that
traces every record once, and the newest result (by generation) fills the
output table. Selecting a cell shows its
lineage: source values, then the value after each transform step.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.documents.session import DocumentSession
from fieldwright.app.preview.model import FIXED_COLUMNS, PreviewTableModel, cell_text
from fieldwright.app.shell.theme import current_theme
from fieldwright.app.shell.workers import PreviewResult, Task, TaskSignals
from fieldwright.authoring.compilation import Compilation
from fieldwright.domain import FieldType
from fieldwright.domain.records import Position, SourceItem
from fieldwright.service import read_sample

__all__ = ["MAX_SAMPLE", "PreviewPanel", "parse_pasted_records", "trace_sample"]

MAX_SAMPLE = 1000
SAMPLE_FILTER = "Sample data (*.csv *.tsv *.json *.ndjson *.jsonl *.xlsx);;All files (*)"


def parse_pasted_records(text: str) -> list[SourceItem]:
    """Records from pasted JSON: an array of objects, one object, or NDJSON lines."""
    text = text.strip()
    if not text:
        raise ValueError("Paste a JSON object, an array of objects, or one object per line.")
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise ValueError(f"Not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    records = data if isinstance(data, list) else [data]
    items = []
    for index, record in enumerate(records[:MAX_SAMPLE]):
        if not isinstance(record, dict):
            raise ValueError(f"Item {index + 1} is not a JSON object; records are objects.")
        items.append(SourceItem(Position(index=index), record))
    return items


def trace_sample(compilation: Compilation, items: list[SourceItem]) -> PreviewResult:
    """Trace the sample through the field mappings that compile; the others are left
    out, not fatal. Raises `InvalidDocument` when a problem lies outside them."""
    return PreviewResult(compilation.trace(items), dict(compilation.excluded))


class PreviewPanel(QWidget):
    #: Emitted on the GUI thread after the table shows a new result.
    previewUpdated = Signal()
    sampleLoaded = Signal()

    def __init__(self, session: DocumentSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        self.session = session
        self.items: list[SourceItem] = []
        self.sample_name = ""
        #: How many records a sample file gives the preview (the Settings page sets it).
        self.sample_size = MAX_SAMPLE
        self.generation = 0
        self.sample_generation = 0
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = TaskSignals(self)
        self.signals.done.connect(self._preview_done)
        self.signals.failed.connect(self._preview_failed)
        self.sample_signals = TaskSignals(self)
        self.sample_signals.done.connect(self._sample_done)
        self.sample_signals.failed.connect(self._sample_failed)
        session.compiled.published.connect(self._compiled)
        session.compiled.use()

        heading = QLabel("PREVIEW")
        heading.setProperty("role", "heading")
        self.sample_label = QLabel("No sample records")
        self.sample_label.setProperty("role", "muted")
        self.counts = QLabel("")
        self.counts.setObjectName("preview_counts")
        self.counts.setProperty("role", "counts")
        load = QPushButton("Load sample…")
        load.setObjectName("load_sample")
        load.clicked.connect(self.choose_sample)
        paste = QPushButton("Paste JSON…")
        paste.setObjectName("paste_sample")
        paste.setCheckable(True)
        self.message = QLabel()
        self.message.setObjectName("preview_message")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.message.hide()

        self.paste_box = QPlainTextEdit()
        self.paste_box.setObjectName("paste_box")
        self.paste_box.setPlaceholderText('[{"id": "1", "properties": {"firstname": "Ada"}}]')
        use = QPushButton("Use these records")
        use.clicked.connect(self.use_pasted)
        paste_area = QWidget()
        paste_layout = QVBoxLayout(paste_area)
        paste_layout.setContentsMargins(0, 0, 0, 0)
        paste_layout.addWidget(self.paste_box)
        paste_layout.addWidget(use, 0, Qt.AlignmentFlag.AlignRight)
        paste_area.setMaximumHeight(140)
        paste_area.hide()
        paste.toggled.connect(paste_area.setVisible)

        self.model = PreviewTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("preview_table")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setDefaultSectionSize(130)
        self.model.modelReset.connect(self._size_columns)
        self.table.selectionModel().currentChanged.connect(self._cell_selected)
        self.lineage = QTreeWidget()
        self.lineage.setObjectName("lineage")
        self.lineage.setHeaderLabels(["Lineage", "Value"])
        self.lineage.setColumnWidth(0, 190)
        self.lineage.setWordWrap(False)
        self.lineage.setRootIsDecorated(False)

        bar = QHBoxLayout()
        bar.addWidget(heading)
        bar.addWidget(self.sample_label)
        bar.addStretch(1)
        bar.addWidget(self.counts)
        bar.addWidget(load)
        bar.addWidget(paste)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("preview_splitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.lineage)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(paste_area)
        layout.addWidget(self.splitter, 1)

    def _size_columns(self) -> None:
        self.table.setColumnWidth(0, 36)
        self.table.setColumnWidth(1, 78)

    # -- the sample ---------------------------------------------------------------------

    def choose_sample(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Load sample records", "", SAMPLE_FILTER)
        if path:
            self.load_sample(Path(path))

    def load_sample(self, path: Path) -> None:
        """Read up to `sample_size` records on a worker; errors show in the panel."""
        self.sample_name = path.name
        self.sample_label.setText(f"Reading {path.name}…")
        self.sample_generation += 1
        limit = self.sample_size
        task = Task(
            self.sample_generation, lambda: read_sample(path, limit=limit), self.sample_signals
        )
        self.pool.start(task)

    def use_pasted(self) -> None:
        try:
            items = parse_pasted_records(self.paste_box.toPlainText())
        except ValueError as exc:
            self._show_message(str(exc))
            return
        self.sample_name = "pasted records"
        self.set_items(items)

    def set_items(self, items: list[SourceItem]) -> None:
        self.sample_generation += 1  # a sample still being read no longer applies
        self.items = items
        self.sample_label.setText(f"{len(items)} records from {self.sample_name}")
        self._show_message("")
        self.sampleLoaded.emit()
        self.refresh_now()

    def _sample_done(self, generation: int, items: object) -> None:
        if generation == self.sample_generation and isinstance(items, list):
            self.set_items(items)

    def _sample_failed(self, generation: int, message: str) -> None:
        if generation == self.sample_generation:
            self.sample_label.setText("No sample records")
            self._show_message(f"Cannot read the sample: {message}")
            self.sampleLoaded.emit()

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- previewing ---------------------------------------------------------------------

    def _compiled(self, compilation: Compilation) -> None:
        self._trace(compilation)

    def refresh_now(self) -> None:
        """Preview the sample again (when the document's compile is due, it will)."""
        compilation = self.session.compiled.current
        if compilation is not None:
            self._trace(compilation)

    def _trace(self, compilation: Compilation) -> None:
        if not self.items:
            return
        self.generation += 1
        items = list(self.items)
        self.pool.start(
            Task(self.generation, lambda: trace_sample(compilation, items), self.signals)
        )

    def _targets(self) -> list[str]:
        document = self.session.document
        mapped = [m.target for m in document.fields if m.active]
        leaves = [
            path
            for path, f in document.target.walk()
            if f.type not in (FieldType.OBJECT, FieldType.ARRAY) or not f.fields
        ]
        return mapped + [p for p in leaves if p not in set(mapped)]

    def _preview_done(self, generation: int, result: object) -> None:
        if generation != self.generation or not isinstance(result, PreviewResult):
            return
        current = self.table.currentIndex()
        self.model.set_result(result.rows, self._targets(), result.excluded)
        counts = self.model.counts()
        self.counts.setText(
            f"{counts['records']} records · {counts['ok']} ok · "
            f"{counts['failed']} failed · {counts['filtered']} filtered"
        )
        self._show_message(
            "; ".join(f"{t} not previewed: {why}" for t, why in result.excluded.items())
        )
        if current.isValid():
            index = self.model.index(current.row(), current.column())
            if self.table.currentIndex() == index:  # kept by an update in place
                self._cell_selected(index, index)  # its lineage is the new result's
            else:
                self.table.setCurrentIndex(index)
        self.previewUpdated.emit()

    def _preview_failed(self, generation: int, message: str) -> None:
        if generation == self.generation:
            self._show_message(f"Preview failed: {message}")
            self.previewUpdated.emit()

    def selected_record(self) -> dict[str, Any] | None:
        """The input record of the selected row (for "add test from preview record")."""
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.rows):
            return None
        return self.model.rows[index.row()].item.record

    # -- lineage ------------------------------------------------------------------------

    def _cell_selected(self, index: QModelIndex, _previous: QModelIndex) -> None:
        self.lineage.clear()
        if not index.isValid() or index.row() >= len(self.model.rows):
            return
        preview = self.model.rows[index.row()]
        add = self._add_lineage
        if index.column() < len(FIXED_COLUMNS):
            add("Record", str(preview.item.position))
            if preview.trace is None:
                add("Unreadable", preview.item.error or "")
                return
            add("Status", preview.trace.result.status.value)
            for error in preview.trace.result.errors:
                add(
                    f"Failed {error.target}" if error.handled_by == "fail" else error.target,
                    error.reason,
                )
            add("Input", cell_text(preview.item.record))
            return
        for trace in self.model.traces(index.row(), index.column()):
            add("Target", trace.target)
            for path, value in trace.sources:
                add(f"Source {path}", cell_text(value))
            if not trace.sources:
                add("Constant", cell_text(trace.input))
            for step in trace.steps:
                args = ", ".join(json.dumps(a, ensure_ascii=False, default=str) for a in step.args)
                shown = "(null passed through)" if step.skipped else cell_text(step.value)
                add(f"{step.index + 1}. {step.fn}({args})", shown)
            if trace.error is not None:
                add("Error", str(trace.error), error=True)
            add("Output", cell_text(trace.output))

    def _add_lineage(self, label: str, value: str, *, error: bool = False) -> None:
        item = QTreeWidgetItem([label, value])
        item.setToolTip(1, value)
        if error:
            item.setForeground(1, QColor(current_theme().error))
        self.lineage.addTopLevelItem(item)

    def shutdown(self) -> None:
        """Wait for workers (before the window goes away)."""
        self.pool.clear()
        self.pool.waitForDone()
