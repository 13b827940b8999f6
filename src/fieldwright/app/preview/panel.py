"""Live preview: sample records through the current mapping, off the GUI thread.

The session's `CompiledDocument` compiles every document change once, off the
GUI thread; each compile it publishes and the sample go to a worker that
traces every record once, and the newest result (by generation) fills the
output table. Selecting a cell shows its
lineage: source values, then the value after each transform step; the cell
stays on its record and target field through edits, undo and redo.

The preview is always the current document's: when another document replaces
it (new, open, a template), the previous sample, results and lineage go, and
the new document's own sample is read (its source connector's file), or the
panel says there is none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QThreadPool, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFileDialog,
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
from fieldwright.app.preview.document_sample import document_sample
from fieldwright.app.preview.model import FIXED_COLUMNS, PreviewTableModel, cell_text
from fieldwright.app.shell.forms import Form
from fieldwright.app.shell.theme import current_theme
from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.authoring.compilation import Compilation
from fieldwright.authoring.events import ConnectorChanged
from fieldwright.domain import FieldType
from fieldwright.domain.records import Position, SourceItem
from fieldwright.service import PreviewRow, RecordTrace, read_sample

__all__ = [
    "MAX_SAMPLE",
    "PreviewPanel",
    "PreviewResult",
    "counts_text",
    "parse_pasted_records",
    "trace_sample",
]

MAX_SAMPLE = 1000
SAMPLE_FILTER = "Sample data (*.csv *.tsv *.json *.ndjson *.jsonl *.xlsx *.parquet);;All files (*)"


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


@dataclass
class PreviewResult:
    """One trace of the sample: a row per record for the table."""

    rows: list[PreviewRow]
    #: Target paths of field mappings left out of the preview, with why.
    excluded: dict[str, str] = field(default_factory=dict)


def counts_text(counts: dict[str, int], has_filter: bool) -> str:
    """ "12 records · 10 ok · 1 failed · 1 dropped by the filter" (the last with a filter)."""
    text = f"{counts['records']} records · {counts['ok']} ok · {counts['failed']} failed"
    if has_filter or counts["filtered"]:
        text += f" · {counts['filtered']} dropped by the filter"
    return text


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
        self.sample_signals = TaskSignals(self)
        self.ui = Form("preview_panel.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        self._bind_bar()
        self._bind_results()
        self._connect()
        self._document_replaced()
        session.compiled.use()

    def _bind_bar(self) -> None:
        """The sample's name, the counts, the sample buttons, the message and the paste box."""
        self.sample_label = self.ui.child(QLabel, "preview_sample")
        self.counts = self.ui.child(QLabel, "preview_counts")
        self.load_button = self.ui.child(QPushButton, "load_sample")
        self.paste_button = self.ui.child(QPushButton, "paste_sample")
        self.message = self.ui.child(QLabel, "preview_message")
        self.paste_area = self.ui.child(QWidget, "paste_area")
        self.paste_box = self.ui.child(QPlainTextEdit, "paste_box")
        self.use_button = self.ui.child(QPushButton, "use_pasted")

    def _bind_results(self) -> None:
        """The output table and the selected cell's lineage, side by side."""
        self.model = PreviewTableModel(self)
        self.table = self.ui.child(QTableView, "preview_table")
        self.table.setModel(self.model)
        self.lineage = self.ui.child(QTreeWidget, "lineage")
        self.lineage.setColumnWidth(0, 190)
        self.splitter = self.ui.child(QSplitter, "preview_splitter")
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

    def _connect(self) -> None:
        self.signals.done.connect(self._preview_done)
        self.signals.failed.connect(self._preview_failed)
        self.sample_signals.done.connect(self._sample_done)
        self.sample_signals.failed.connect(self._sample_failed)
        self.session.compiled.published.connect(self._compiled)
        self.session.replaced.connect(self._document_replaced)
        self.session.edited.connect(self._edited)
        self.load_button.clicked.connect(self.choose_sample)
        self.paste_button.toggled.connect(self.paste_area.setVisible)
        self.use_button.clicked.connect(self.use_pasted)
        self.model.modelReset.connect(self._size_columns)
        self.table.selectionModel().currentChanged.connect(self._cell_selected)

    def _size_columns(self) -> None:
        self.table.setColumnWidth(0, 36)
        self.table.setColumnWidth(1, 78)

    # -- the sample ---------------------------------------------------------------------

    def choose_sample(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Load sample records", "", SAMPLE_FILTER)
        if path:
            self.load_sample(Path(path))

    def load_sample(
        self, path: Path, *, format: str | None = None, settings: dict[str, Any] | None = None
    ) -> None:
        """Read up to `sample_size` records on a worker (in `format`, with a connector's
        `settings`); errors show in the panel."""
        self.sample_name = path.name
        self.sample_label.setText(f"Reading {path.name}…")
        self.sample_generation += 1
        limit, options = self.sample_size, dict(settings or {})

        def read() -> list[SourceItem]:
            return read_sample(path, limit=limit, format=format, **options)

        self.pool.start(Task(self.sample_generation, read, self.sample_signals))

    def _document_replaced(self) -> None:
        """Another document is open: drop the previous one's sample, results and lineage
        (and whatever is still being read or traced for it); read the new one's sample."""
        self.generation += 1
        self.sample_generation += 1
        self.items = []
        self.sample_name = ""
        self.table.setCurrentIndex(QModelIndex())
        self.lineage.clear()
        self._show_no_results()
        sample = document_sample(self.session.document, self.session.location)
        if sample.path is not None:
            self._show_message("")
            self.load_sample(sample.path, format=sample.format, settings=sample.settings)
        else:
            self.sample_label.setText("No sample records")
            self._show_message(sample.missing, role="muted")

    def _edited(self, events: list[object]) -> None:
        """The source endpoint changed (or its change was undone): read its sample instead."""
        if any(isinstance(e, ConnectorChanged) and e.side == "source" for e in events):
            self._document_replaced()

    def _show_no_results(self) -> None:
        """No records to show: the table keeps the document's target columns, no counts."""
        self.model.set_result([], self._targets(), {})
        self.counts.setText("")

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

    def _show_message(self, text: str, role: str = "error") -> None:
        """A line under the bar: a problem (in the error colour) or a hint ("muted")."""
        self.message.setText(text)
        self.message.setVisible(bool(text))
        if self.message.property("role") != role:
            self.message.setProperty("role", role)
            self.message.style().unpolish(self.message)
            self.message.style().polish(self.message)

    # -- previewing ---------------------------------------------------------------------

    def _compiled(self, compilation: Compilation) -> None:
        self._trace(compilation)

    def refresh_now(self) -> None:
        """Preview the sample again (when the document's compile is due, it will)."""
        compilation = self.session.compiled.current
        if compilation is not None:
            self._trace(compilation)

    def _trace(self, compilation: Compilation) -> None:
        self.generation += 1  # a trace in flight is of an older change
        if not self.items:
            self._show_no_results()
            return
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
        selected = (current.row(), self.model.column_key(current.column()))
        self.model.set_result(result.rows, self._targets(), result.excluded)
        self.counts.setText(counts_text(self.model.counts(), bool(self.session.document.filter)))
        self._show_message(
            "; ".join(f"{t} not previewed: {why}" for t, why in result.excluded.items())
        )
        if current.isValid():
            self._select_again(*selected)
        self.previewUpdated.emit()

    def _select_again(self, row: int, key: str) -> None:
        """Select the cell of the same record and target field in a new result (its column
        may have moved); the lineage shows the new result's, or clears when it is gone."""
        index = self.model.index(row, self.model.column_for(key))
        if self.table.currentIndex() == index:  # kept by an update in place
            self._cell_selected(index, index)
        elif index.isValid():
            self.table.setCurrentIndex(index)
        else:
            self.table.setCurrentIndex(QModelIndex())
            self.lineage.clear()

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

    def step_input(self, target: str, step: int) -> tuple[bool, Any]:
        """(True, the value step `step` of `target` receives) in the selected row, else in the
        first row that maps the field; (False, None) when no previewed record has one."""
        column = self.model.column_for(target)
        if column < 0:
            return False, None
        current = self.table.currentIndex()
        rows = range(len(self.model.rows))
        order = [current.row(), *rows] if current.isValid() else list(rows)
        for row in order:
            for trace in self.model.traces(row, column)[:1]:
                if step == 0:
                    return True, trace.input
                if step <= len(trace.steps) and not trace.steps[step - 1].skipped:
                    return True, trace.steps[step - 1].value
        return False, None

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
            self._filter_lineage(preview.trace)
            for error in preview.trace.result.errors:
                add(
                    f"Failed {error.target}" if error.handled_by == "fail" else error.target,
                    error.reason,
                )
            add("Input", cell_text(preview.item.record))
            return
        traces = self.model.traces(index.row(), index.column())
        if not traces:
            self._no_trace(self.model.column_key(index.column()), self.model.status(index.row()))
            if preview.trace is not None:
                self._filter_lineage(preview.trace)
        for trace in traces:
            add("Target", trace.target)
            for path, value in trace.sources:
                add(f"Source {path}", cell_text(value))
            if trace.expression is not None:
                add(f"Expression {trace.expression}", cell_text(trace.input))
            elif not trace.sources:
                add("Constant", cell_text(trace.input))
            for step in trace.steps:
                args = ", ".join(json.dumps(a, ensure_ascii=False, default=str) for a in step.args)
                shown = "(null passed through)" if step.skipped else cell_text(step.value)
                add(f"{step.index + 1}. {step.fn}({args})", shown)
            if trace.error is not None:
                add("Error", str(trace.error), error=True)
            add("Output", cell_text(trace.output))

    def _no_trace(self, target: str, status: str) -> None:
        """Why a cell has no lineage: its field is not mapped, not previewed, or the
        record could not be read or was filtered out."""
        add = self._add_lineage
        add("Target", target)
        if target in self.model.excluded:
            add("Not previewed", self.model.excluded[target], error=True)
        elif self.session.document.field(target) is None:
            add("Not mapped", "Drag a source field onto it")
        elif status == "unreadable":
            add("Unreadable", "The record could not be read")
        elif status == "filtered":
            add("Filtered", "The mapping's filter dropped this record")
        else:
            add("No value", "The mapping made nothing of this record here")

    def _filter_lineage(self, trace: RecordTrace) -> None:
        """Why the filter dropped (or could not judge) the record: its expression and the
        record values it read."""
        if trace.filter is None:
            return
        dropped = trace.result.status.value == "filtered"
        label = "Dropped by filter" if dropped else "Filter failed on"
        self._add_lineage(label, trace.filter.expression, error=not dropped)
        for path, value in trace.filter.seen:
            self._add_lineage("Filter read", f"{path} = {json.dumps(value, default=str)}")

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
