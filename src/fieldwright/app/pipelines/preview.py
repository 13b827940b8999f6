"""The per-step preview: a sample file through the pipeline, step by step, with lineage.

Preview compiles a snapshot of the pipeline and traces the sample's first records
through it on a worker (`compile_pipeline_document`, `trace_pipeline_file`); the
newest result (by generation) fills the steps table: the sample, then each step
with what it received, gave, failed, filtered and merged (the steps inside route
branches under their route, counts only; a branch's own target as a row of its
records). Selecting a row shows its records and its dead letters; selecting a
record shows its lineage: the record, then the records it came from step by step
back to the sample's lines (an aggregate's whole group).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.pipelines.session import PipelineSession
from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.authoring.pipeline_session import StoredPipeline, snapshot_pipeline
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.records import Record
from fieldwright.domain.runs import DeadLetter
from fieldwright.service import (
    CompiledPipeline,
    PipelineTrace,
    Service,
    compile_pipeline_document,
    trace_pipeline_file,
)

__all__ = ["PipelinePreviewPanel", "StepRow"]

SAMPLE_FILTER = "Sample data (*.ndjson *.jsonl *.json *.csv *.tsv *.xlsx *.parquet);;All files (*)"


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


@dataclass(frozen=True, slots=True)
class StepRow:
    """A row of the steps table: the sample (step -1), a top-level step, a step inside a
    branch (counts only), or a branch's own target (its records)."""

    label: str
    #: the top-level step's index (a target's: its route's); -1: the sample; None: no records
    step: int | None
    target: str | None = None  #: a branch target's name (its records)


class PipelinePreviewPanel(QWidget):
    """Choose a sample, Preview, then read each step's records and a record's lineage."""

    previewed = Signal()  #: a trace was shown (or its failure)

    def __init__(
        self,
        session: PipelineSession,
        parent: QWidget | None = None,
        *,
        service: Service | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        #: Enrich sources naming saved connections find them in this service's store.
        self.service = service
        self.trace: PipelineTrace | None = None
        self.rows: list[StepRow] = []
        self.generation = 0
        #: Compiles a pipeline opened from the store (its map steps name stored mappings).
        self.compile_stored: Callable[[PipelineDocument], CompiledPipeline] | None = None
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = TaskSignals(self)
        self.signals.done.connect(self._done)
        self.signals.failed.connect(self._failed)
        self._build()
        session.changed.connect(self._document_changed)

    def _build(self) -> None:
        self.sample = QLineEdit()
        self.sample.setObjectName("pipeline_sample")
        self.sample.setPlaceholderText("Sample file: NDJSON, JSON, CSV, Excel or Parquet")
        browse = QPushButton("Browse…")
        browse.setObjectName("pipeline_sample_browse")
        browse.clicked.connect(self._browse)
        self.limit = QSpinBox()
        self.limit.setObjectName("pipeline_sample_limit")
        self.limit.setRange(1, 5000)
        self.limit.setValue(200)
        self.limit.setSuffix(" records")
        self.run_button = QPushButton("Preview")
        self.run_button.setObjectName("pipeline_preview_run")
        self.run_button.clicked.connect(self.refresh)
        self.status = QLabel("Choose a sample file, then Preview.")
        self.status.setObjectName("pipeline_preview_status")
        self.status.setProperty("role", "muted")
        # A long status gives way to the sample's path and wraps rather than being cut.
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(QLabel("Sample"))
        top.addWidget(self.sample, 3)
        top.addWidget(browse)
        top.addWidget(self.limit)
        top.addWidget(self.run_button)
        top.addWidget(self.status, 2)

        self.steps = QTableWidget(0, 6)
        self.steps.setObjectName("pipeline_preview_steps")
        self.steps.setHorizontalHeaderLabels(["Step", "In", "Out", "Failed", "Filtered", "Merged"])
        self.steps.verticalHeader().hide()
        self.steps.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.steps.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.steps.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.steps.setColumnWidth(0, 172)
        metrics = self.steps.fontMetrics()
        for column, header in enumerate(["In", "Out", "Failed", "Filtered", "Merged"], 1):
            self.steps.setColumnWidth(column, max(metrics.horizontalAdvance(header) + 18, 40))
        self.steps.verticalHeader().setDefaultSectionSize(24)
        self.steps.itemSelectionChanged.connect(self._step_selected)

        self.records = QTableWidget(0, 0)
        self.records.setObjectName("pipeline_preview_records")
        self.records.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.records.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.records.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.records.setAlternatingRowColors(True)
        self.records.verticalHeader().setDefaultSectionSize(24)
        self.records.itemSelectionChanged.connect(self._record_selected)
        self.letters = QTableWidget(0, 3)
        self.letters.setObjectName("pipeline_preview_letters")
        self.letters.setHorizontalHeaderLabels(["Where", "Step", "Reason"])
        self.letters.verticalHeader().hide()
        self.letters.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.letters.horizontalHeader().setStretchLastSection(True)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("pipeline_preview_tabs")
        self.tabs.addTab(self.records, "Records")
        self.tabs.addTab(self.letters, "Dead letters")

        self.lineage = QTextBrowser()
        self.lineage.setObjectName("pipeline_lineage")
        # A placeholder does not wrap: short enough for the pane at 1024 px, the rest a tooltip.
        self.lineage.setPlaceholderText("A record's lineage")
        self.lineage.setToolTip(
            "Select a record: its lineage, step by step back to the sample's lines."
        )
        self.lineage.setLineWrapMode(QTextBrowser.LineWrapMode.WidgetWidth)
        self.lineage.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        #: The lineage shown, as (heading, records' lines) per hop.
        self.lineage_hops: list[tuple[str, list[str]]] = []

        splitter = QSplitter()
        splitter.setObjectName("pipeline_preview_splitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.steps)
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.lineage)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([self._steps_width(), 440, 340])
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

    def _steps_width(self) -> int:
        header = self.steps.horizontalHeader()
        columns = sum(header.sectionSize(c) for c in range(self.steps.columnCount()))
        return columns + self.steps.verticalScrollBar().sizeHint().width() + 4

    # -- running ---------------------------------------------------------------------------

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Choose a sample", str(self.session.base or Path.home()), SAMPLE_FILTER
        )
        if path:
            self.sample.setText(path)
            self.refresh()

    def refresh(self) -> None:
        """Trace the sample through a snapshot of the pipeline, on a worker."""
        text = self.sample.text().strip()
        if not text:
            self.status.setText("Choose a sample file first.")
            return
        path = Path(text)
        if not path.is_absolute() and self.session.base is not None:
            path = self.session.base / path
        document = snapshot_pipeline(self.session.document)
        base, limit = self.session.base, self.limit.value()
        self.generation += 1
        self.status.setText(f"Previewing {path.name}…")

        service = self.service
        stored = self.compile_stored
        if not isinstance(self.session.location, StoredPipeline):
            stored = None

        def work() -> PipelineTrace:
            if stored is not None:  # map steps may name stored mappings
                compiled = stored(document)
            elif service is not None:  # enrich sources may name saved connections
                compiled = service.pipelines.compile_document(document, base=base)
            else:
                compiled = compile_pipeline_document(document, base=base)
            return trace_pipeline_file(compiled, path, limit=limit)

        self.pool.start(Task(self.generation, work, self.signals))

    def _done(self, generation: int, result: object) -> None:
        if generation != self.generation or not isinstance(result, PipelineTrace):
            return
        self.show_trace(result)
        self.previewed.emit()

    def _failed(self, generation: int, message: str) -> None:
        if generation != self.generation:
            return
        self.status.setText(message.splitlines()[0] if message else "The preview failed")
        self.status.setToolTip(message)
        self.status.setProperty("role", "error")
        self.status.style().polish(self.status)
        self.previewed.emit()

    def _document_changed(self) -> None:
        if self.trace is not None:
            self.status.setText("Changed since: Preview again")
            self.status.setProperty("role", "muted")
            self.status.style().polish(self.status)

    def shutdown(self) -> None:
        self.pool.clear()
        self.pool.waitForDone()

    # -- showing ---------------------------------------------------------------------------

    def show_trace(self, trace: PipelineTrace) -> None:
        self.trace = trace
        shown = f"{len(trace.inputs)} sample records, {len(trace.letters)} dead letters"
        self.status.setText(f"✗ {trace.error}" if trace.error else shown)
        self.status.setToolTip(trace.error or shown)
        self.status.setProperty("role", "error" if trace.error else "muted")
        self.status.style().polish(self.status)
        self.rows = [StepRow("sample", -1)]
        counts = {c.name: c for c in trace.counts}
        values: list[tuple[StepRow, tuple[Any, ...]]] = [
            (self.rows[0], ("", len(trace.inputs), "", "", ""))
        ]
        top = {s.name for s in trace.steps}
        for index, step in enumerate(trace.steps):
            c = step.counts
            row = StepRow(f"{index + 1}. {step.name} ({step.type})", index)
            values.append((row, (c.received, c.emitted, c.failed, c.filtered, c.merged)))
            if step.type == "route":
                inside = [n for n in counts if n.startswith(f"{step.name}/") and n not in top]
                for name in inside:
                    inner = counts[name]
                    label = "    ⤷ " + name.removeprefix(f"{step.name}/")
                    values.append(
                        (
                            StepRow(label, None),
                            (
                                inner.received,
                                inner.emitted,
                                inner.failed,
                                inner.filtered,
                                inner.merged,
                            ),
                        )
                    )
                for branch, records in step.targets.items():
                    values.append(
                        (
                            StepRow(f"    → {branch} (target)", index, branch),
                            ("", len(records), "", "", ""),
                        )
                    )
        self.rows = [row for row, _v in values]
        self.steps.setRowCount(len(values))
        for r, (row, numbers) in enumerate(values):
            self.steps.setItem(r, 0, QTableWidgetItem(row.label))
            for column, number in enumerate(numbers, 1):
                self.steps.setItem(r, column, QTableWidgetItem(str(number)))
        self.letters_for(None)
        self.steps.selectRow(len(values) - 1 if len(values) > 1 else 0)

    def select_step(self, name: str) -> None:
        """Select the row of the top-level step `name`."""
        for r, row in enumerate(self.rows):
            trace = self.trace
            top = row.step is not None and row.step >= 0 and row.target is None
            if top and trace is not None and trace.steps[row.step or 0].name == name:
                self.steps.selectRow(r)
                return
        raise KeyError(name)

    def _selected_row(self) -> StepRow | None:
        selected = self.steps.selectionModel().selectedRows()
        return self.rows[selected[0].row()] if selected else None

    def _records_of(self, row: StepRow) -> list[Record]:
        trace = self.trace
        assert trace is not None
        if row.target is not None:
            for step in trace.steps:
                if row.target in step.targets:
                    return step.targets[row.target]
            return []
        if row.step is None:
            return []
        return trace.inputs if row.step < 0 else trace.steps[row.step].records

    def _step_selected(self) -> None:
        row = self._selected_row()
        self.show_lineage([])
        if row is None or self.trace is None:
            return
        records = self._records_of(row)
        columns: list[str] = []
        for record in records:
            columns += [key for key in record if key not in columns]
        if row.step == -1:
            columns = ["line", *columns]
        self.records.clear()
        self.records.setColumnCount(len(columns))
        self.records.setHorizontalHeaderLabels(columns)
        self.records.setRowCount(len(records))
        for r, record in enumerate(records):
            for column, name in enumerate(columns):
                if name == "line" and row.step == -1:
                    text = self.trace.positions[r]
                else:
                    text = _text(record[name]) if name in record else ""
                self.records.setItem(r, column, QTableWidgetItem(text))
        metrics = self.records.fontMetrics()
        for column, name in enumerate(columns):
            cells = [self.records.item(r, column) for r in range(min(len(records), 50))]
            texts = [name] + [c.text() for c in cells if c is not None]
            width = max(metrics.horizontalAdvance(t) for t in texts) + 24
            self.records.setColumnWidth(column, min(width, 240))
        step_name = (
            self.trace.steps[row.step].name if row.step is not None and row.step >= 0 else None
        )
        self.letters_for(step_name)
        self.tabs.setTabText(0, f"Records ({len(records)})")

    def letters_for(self, step: str | None) -> None:
        """Show the dead letters of `step` (None: all of them)."""
        trace = self.trace
        letters: list[DeadLetter] = [] if trace is None else trace.letters
        if step is not None:
            letters = [
                d for d in letters if d.step == step or (d.step or "").startswith(f"{step}/")
            ]
        self.letters.setRowCount(len(letters))
        for r, letter in enumerate(letters):
            self.letters.setItem(r, 0, QTableWidgetItem(letter.position_text))
            self.letters.setItem(r, 1, QTableWidgetItem(letter.step or "(reading)"))
            self.letters.setItem(r, 2, QTableWidgetItem(letter.reason))
        self.tabs.setTabText(1, f"Dead letters ({len(letters)})")

    def _record_selected(self) -> None:
        row = self._selected_row()
        selected = self.records.selectionModel().selectedRows()
        hops: list[tuple[str, list[str]]] = []
        if row is not None and self.trace is not None and selected:
            index = selected[0].row()
            if row.step is None:
                hops = []
            elif row.step < 0:
                hops = [(f"sample {self.trace.positions[index]}", [])]
            else:
                found = (
                    self.trace.lineage(row.step, index)
                    if row.target is None
                    else self.trace.target_lineage(row.step, row.target, index)
                )
                for hop in found:
                    name = "sample" if hop.step is None else hop.step
                    title = f"{name}: {len(hop.records)} record(s)"
                    lines = [
                        f"{self.trace.positions[at] if hop.step is None else f'#{at + 1}'}  "
                        f"{_text(record)}"
                        for at, record in zip(hop.indices, hop.records, strict=True)
                    ]
                    hops.append((title, lines))
        self.show_lineage(hops)

    def show_lineage(self, hops: list[tuple[str, list[str]]]) -> None:
        self.lineage_hops = hops
        parts = []
        for n, (title, lines) in enumerate(hops):
            arrow = "" if n == 0 else "↑ from "
            parts.append(f"<p style='margin:6px 0 2px 0'><b>{arrow}{html.escape(title)}</b></p>")
            parts += [
                f"<p style='margin:0 0 2px 12px'><code>{html.escape(line)}</code></p>"
                for line in lines
            ]
        self.lineage.setHtml("".join(parts))

    def lineage_text(self) -> list[str]:
        """The lineage's lines, top to bottom (for tests and the self-test)."""
        return [line for title, lines in self.lineage_hops for line in (title, *lines)]
