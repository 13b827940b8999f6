"""The Runs page: the run history with filters, a run's detail and its dead letters,
export of the dead letters and reprocessing of the failed records.

The history and the dead letters come from the service a page at a time. A
reprocess runs in the service's worker thread; its callbacks are re-emitted as
Qt signals, which Qt queues to the GUI thread (as Run now does). The page keeps
itself up to date from the service's run events (`run_started`, `run_progressed`,
`run_ended`, fed by the window): rows are inserted and changed in place, so the
filters, the selection and the scroll position stay. Reprocess is enabled only
for a run whose failed records can be run again; its tooltip says why not.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.runs.models import (
    DeadLetterModel,
    RunHistoryModel,
)
from fieldwright.app.runs.periods import PERIODS, day_of, period_bounds
from fieldwright.app.runs.pipeline_run import PipelineRuns
from fieldwright.app.runs.progress import RunProgressWidget
from fieldwright.app.runs.run_detail import detail_html, folder_url
from fieldwright.app.runs.run_now import describe_result
from fieldwright.app.shell.forms import Form
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.service import RunDetail, RunFilter, ServiceError

if TYPE_CHECKING:
    from fieldwright.service import (
        RunEnded,
        RunHandle,
        RunProgressed,
        RunResult,
        RunStarted,
        Service,
    )

__all__ = ["RunsPanel"]

PAGE_SIZE = 100
LETTER_PAGE_SIZE = 100
NDJSON_FILTER = "NDJSON files (*.ndjson *.jsonl);;All files (*)"


class RunsPanel(QWidget):
    """History table, filters, the selected run's detail and dead letters."""

    #: A line for the status bar.
    message = Signal(str)
    #: (summary, result) of a reprocess, on the GUI thread.
    reprocessed = Signal(str, object)
    #: RunProgress snapshots of a reprocess, on the GUI thread.
    reprocess_progressed = Signal(object)

    def __init__(self, service: Service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runs_panel")
        self.service = service
        self.loaded = False
        self.next_cursor: str | None = None
        self.next_letter: int | None = None
        self.detail: RunDetail | None = None
        self.handle: RunHandle | None = None
        #: Runs heard of that the first page did not hold (filtered out): not asked again.
        self.unlisted: set[str] = set()
        self.ui = Form("runs_panel.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        self._bind_history()
        self._bind_detail()
        self._connect()
        self._show_selected()

    def _bind_history(self) -> None:
        """The filters, the buttons and the history table of the form."""
        self.mapping_filter = self.ui.child(QLineEdit, "runs_mapping_filter")
        self.status_filter = self.ui.child(QComboBox, "runs_status_filter")
        self.status_filter.addItem("Any status", None)
        for status in RunStatus:
            self.status_filter.addItem(status.value.capitalize(), status.value)
        self.trigger_filter = self.ui.child(QComboBox, "runs_trigger_filter")
        self.trigger_filter.addItem("Any trigger", None)
        for trigger in RunTrigger:
            self.trigger_filter.addItem(trigger.value.capitalize(), trigger.value)
        self.period_filter = self.ui.child(QComboBox, "runs_period_filter")
        for label, days_back in PERIODS:
            self.period_filter.addItem(label, days_back)
        self.from_date = self.ui.child(QDateEdit, "runs_from_date")
        self.from_date.setDate(QDate.currentDate().addDays(-7))
        self.to_date = self.ui.child(QDateEdit, "runs_to_date")
        self.to_date.setDate(QDate.currentDate())
        self.refresh_button = self.ui.child(QPushButton, "refresh_runs")
        self.more_button = self.ui.child(QPushButton, "more_runs")
        self.pipeline_button = self.ui.child(QPushButton, "run_pipeline")
        self.pipeline_runs = PipelineRuns(self.service, self)
        self.pipeline_button.setMenu(self.pipeline_runs.menu)
        self.more_button.setToolTip(f"Load the next {PAGE_SIZE} older runs")
        self.shown_label = self.ui.child(QLabel, "runs_shown")
        self.model = RunHistoryModel(self)
        self.model.fetch_more = self.load_more
        self.table = self.ui.child(QTableView, "runs_table")
        self.table.setModel(self.model)
        for column, width in enumerate((140, 270, 210, 70, 90, 70, 70, 70, 70, 70)):
            self.table.setColumnWidth(column, width)
        self.splitter = self.ui.child(QSplitter, "runs_splitter")
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        # Start in those proportions too (a run's detail would start squeezed otherwise).
        self.splitter.setSizes([3000, 2000])

    def _bind_detail(self) -> None:
        """The selected run's detail, its dead letters and the reprocess progress (added here)."""
        self.detail_view = self.ui.child(QTextBrowser, "run_detail")
        self.letters = DeadLetterModel(self)
        self.letters.fetch_more = self.load_more_letters
        self.letter_table = self.ui.child(QTableView, "dead_letter_table")
        self.letter_table.setModel(self.letters)
        for column, width in enumerate((80, 130, 320)):
            self.letter_table.setColumnWidth(column, width)
        self.letters_label = self.ui.child(QLabel, "dead_letters_title")
        self.export_button = self.ui.child(QPushButton, "export_dead_letters")
        self.reprocess_button = self.ui.child(QPushButton, "reprocess_failed")
        self.reprocess_tip = self.reprocess_button.toolTip()
        self.reprocess_progress = RunProgressWidget()
        self.reprocess_progress.setObjectName("reprocess_progress")
        self.reprocess_progress.bar.setFixedWidth(120)
        letters = self.ui.child(QWidget, "letters_box").layout()
        assert isinstance(letters, QVBoxLayout)  # as the form lays it out
        letters.insertWidget(1, self.reprocess_progress)
        lower = self.ui.child(QSplitter, "run_detail_splitter")
        lower.setStretchFactor(0, 2)
        lower.setStretchFactor(1, 3)
        lower.setSizes([2000, 3000])

    def _connect(self) -> None:
        self.mapping_filter.returnPressed.connect(self.refresh)
        self.mapping_filter.textChanged.connect(self._mapping_cleared)
        self.status_filter.currentIndexChanged.connect(self.refresh)
        self.trigger_filter.currentIndexChanged.connect(self.refresh)
        self.period_filter.currentIndexChanged.connect(self._period_changed)
        self.from_date.dateChanged.connect(self.refresh)
        self.to_date.dateChanged.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.more_button.clicked.connect(self.load_more)
        self.pipeline_runs.message.connect(self.message)
        self.pipeline_runs.finished.connect(self.run_finished)
        self.table.selectionModel().selectionChanged.connect(self._show_selected)
        self.detail_view.anchorClicked.connect(self._link_clicked)
        self.export_button.clicked.connect(self.export_dead_letters)
        self.reprocess_button.clicked.connect(self.reprocess)
        self.reprocessed.connect(self._reprocessed)
        self.reprocess_progressed.connect(self.reprocess_progress.update_progress)
        self.reprocess_progress.cancelRequested.connect(self.cancel)

    def showEvent(self, event: QShowEvent) -> None:
        if not self.loaded:
            self.refresh()
        super().showEvent(event)

    # -- the history ----------------------------------------------------------------------

    def filters(self) -> RunFilter:
        status = self.status_filter.currentData()
        trigger = self.trigger_filter.currentData()
        days_back = self.period_filter.currentData()
        since, until = period_bounds(
            days_back if isinstance(days_back, int) else None,
            day_of(self.from_date.date()),
            day_of(self.to_date.date()),
        )
        return RunFilter(
            mapping_key=self.mapping_filter.text().strip() or None,
            status=RunStatus(status) if isinstance(status, str) else None,
            trigger=RunTrigger(trigger) if isinstance(trigger, str) else None,
            since=since,
            until=until,
        )

    def _period_changed(self) -> None:
        between = self.period_filter.currentData() == -1
        self.from_date.setVisible(between)
        self.to_date.setVisible(between)
        self.refresh()

    def refresh(self, *_args: object, select: str | None = None) -> None:
        """Reload the first page for the filters, keeping (or moving to) the selected run."""
        self.loaded = True
        keep = select or self.selected_key()
        self.detail = None  # read the shown run again: its state or its reprocess may change
        try:
            page = self.service.list_runs(self.filters(), limit=PAGE_SIZE)
        except ServiceError as exc:
            self.model.reset([], False)
            self.next_cursor = None
            self._update_more()
            QMessageBox.warning(self, "Cannot list the runs", str(exc))
            return
        self.next_cursor = page.next_cursor
        self.model.reset(page.items, page.next_cursor is not None)
        self._update_more()
        keys = self.model.keys()
        if keep in keys:
            self.table.selectRow(keys.index(keep))
        elif keys:
            self.table.selectRow(0)
        self._show_selected()

    def load_more(self, *_args: object) -> None:
        """Append the next (older) page of runs."""
        if self.next_cursor is None:
            return
        try:
            page = self.service.list_runs(self.filters(), self.next_cursor, limit=PAGE_SIZE)
        except ServiceError as exc:
            self.next_cursor = None
            self.model.has_more = False
            self._update_more()
            QMessageBox.warning(self, "Cannot list more runs", str(exc))
            return
        self.next_cursor = page.next_cursor
        self.model.append(page.items, page.next_cursor is not None)
        self._update_more()

    def _update_more(self) -> None:
        shown = self.model.rowCount()
        more = self.next_cursor is not None
        self.more_button.setEnabled(more)
        self.shown_label.setText(
            f"{shown:,} run{'s' if shown != 1 else ''}" + ("+" if more else "")
        )

    def _mapping_cleared(self, text: str) -> None:
        if not text:
            self.refresh()

    def selected_key(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.items[rows[0].row()].key

    # -- the detail -----------------------------------------------------------------------

    def _show_selected(self, *_args: object) -> None:
        key = self.selected_key()
        if key is None:
            self.show_run(None)
        elif self.detail is None or self.detail.record.key != key:
            self.show_run(key)

    def show_run(self, key: str | None) -> None:
        """Show a run's detail and the first page of its dead letters (None: nothing)."""
        self.detail = None
        self.next_letter = None
        self.letters.reset([], False)
        if key is not None:
            try:
                self.detail = self.service.run_detail(key)
                page = self.service.dead_letters(key, limit=LETTER_PAGE_SIZE)
            except ServiceError as exc:
                self.detail_view.setPlainText(f"Cannot read run {key}: {exc}")
                self.detail = None
            else:
                self.next_letter = page.next_after_id
                self.letters.reset(page.items, page.next_after_id is not None)
                self.letters_label.setText(f"Dead letters ({page.total:,})")
        if self.detail is None:
            if key is None:
                self.detail_view.setHtml("<i>Select a run to see its detail.</i>")
            self.letters_label.setText("Dead letters")
        else:
            self.detail_view.setHtml(detail_html(self.detail))
        has_letters = self.letters.rowCount() > 0
        self.export_button.setEnabled(has_letters)
        self._offer_reprocess(has_letters)

    def _offer_reprocess(self, has_letters: bool) -> None:
        """Enable Reprocess only where it can work; the tooltip says why it cannot."""
        why: str | None
        if self.detail is None:
            why = "select a run with failed records"
        elif self.reprocessing:
            why = "a reprocess is going on"
        elif not has_letters:
            why = "the run has no failed records"
        else:
            try:
                why = self.service.reprocess_blocker(self.detail.record.key)
            except ServiceError as exc:
                why = str(exc)
        button = self.reprocess_button
        button.setEnabled(why is None)
        button.setToolTip(self.reprocess_tip if why is None else f"Cannot reprocess: {why}")

    def load_more_letters(self) -> None:
        if self.detail is None or self.next_letter is None:
            return
        key = self.detail.record.key
        try:
            page = self.service.dead_letters(key, self.next_letter, limit=LETTER_PAGE_SIZE)
        except ServiceError as exc:
            self.next_letter = None
            self.letters.has_more = False
            QMessageBox.warning(self, "Cannot read more dead letters", str(exc))
            return
        self.next_letter = page.next_after_id
        self.letters.append(page.items, page.next_after_id is not None)

    def _link_clicked(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("run:"):
            self.open_run(text.removeprefix("run:"))
        elif (folder := folder_url(url)) is not None and not QDesktopServices.openUrl(folder):
            self.message.emit(f"Cannot open the folder {folder.toLocalFile()}")

    def open_run(self, key: str) -> None:
        """Select a run's row and show its detail (a run without a row: the detail alone)."""
        if not self.loaded:
            self.refresh(select=key)
        row = self.model.row_of(key)
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        else:  # filtered out or on a later page: show it without a row
            self.table.clearSelection()
            self.show_run(key)

    # -- live updates from the service's run events -----------------------------------------

    def run_started(self, event: RunStarted) -> None:
        if self.loaded:
            self._merge_latest()

    def run_progressed(self, event: RunProgressed) -> None:
        """Counts of a running row; a retry attempt not shown yet is looked up once."""
        if not self.loaded or self.model.update_counts(event.key, event.progress.counts):
            return
        if event.progress.running and event.key not in self.unlisted:
            self.unlisted.add(event.key)
            self._merge_latest()

    def run_ended(self, event: RunEnded) -> None:
        """The run's row shows how it ended; its detail too, when it is the one shown."""
        if not self.loaded:
            return
        self._merge_latest()
        key = event.key
        row = self.model.row_of(key)
        if row is not None and self.model.items[row].status is RunStatus.RUNNING:
            try:  # an older row than the first page holds
                self.model.replace(row, self.service.run_detail(key).record)
            except ServiceError as exc:
                self.message.emit(f"Cannot read run {key}: {exc}")
        shown = self.detail.record if self.detail is not None else None
        ended = (*event.result.keys, key)
        if shown is not None and shown.key in ended and shown.status is RunStatus.RUNNING:
            self.show_run(shown.key)

    def _merge_latest(self) -> None:
        """Take in the first page for the filters, keeping selection and scroll position."""
        try:
            page = self.service.list_runs(self.filters(), limit=PAGE_SIZE)
        except ServiceError as exc:
            self.message.emit(f"Cannot update the runs: {exc}")
            return
        bar = self.table.verticalScrollBar()
        at = bar.value()
        inserted = self.model.merge(page.items)
        if inserted and at > 0:  # keep the rows looked at in place, under the new ones
            per_item = self.table.verticalScrollMode() is QTableView.ScrollMode.ScrollPerItem
            bar.setValue(at + inserted * (1 if per_item else self.table.rowHeight(0)))
        self.unlisted.difference_update(self.model.keys())
        self._update_more()

    # -- dead letters: export and reprocess -----------------------------------------------

    def export_dead_letters(self, *_args: object, path: str | None = None) -> int | None:
        """Write the shown run's dead letters to an NDJSON file; returns how many."""
        if self.detail is None:
            return None
        key = self.detail.record.key
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export dead letters", f"{key}.dead_letters.ndjson", NDJSON_FILTER
            )
            if not path:
                return None
        try:
            written = self.service.export_dead_letters(key, path)
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot export the dead letters", str(exc))
            return None
        self.message.emit(f"Exported {written:,} dead letters of {key} to {Path(path).name}")
        return written

    @property
    def reprocessing(self) -> bool:
        return self.handle is not None and not self.handle.done

    def reprocess(self, *_args: object) -> None:
        """Run the shown run's failed records again; the list refreshes when it ends."""
        if self.detail is None or self.reprocessing:
            return
        key = self.detail.record.key
        try:
            self.handle = self.service.reprocess(
                key,
                on_progress=self.reprocess_progressed.emit,
                on_finished=lambda result: self.reprocessed.emit(describe_result(result), result),
            )
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot reprocess the failed records", str(exc))
            return
        self.reprocess_button.setEnabled(False)
        self.reprocess_progress.start(self.handle.key)  # before the message: it says so
        self.message.emit(f"Reprocessing the failed records of {key} as {self.handle.key}")

    def run_finished(self, _summary: str, result: RunResult) -> None:
        """A run ended elsewhere (Run now): show the list with it selected."""
        if self.loaded:
            self._merge_latest()
            self.open_run(result.key)

    def cancel(self) -> None:
        if self.handle is not None and not self.handle.done:
            self.handle.cancel()

    def _reprocessed(self, summary: str, result: RunResult) -> None:
        self.reprocess_progress.finish()
        self.message.emit(summary)
        self.detail = None  # the parent now links to its child: read it again
        self.refresh()
        if result.status not in (RunStatus.COMPLETED, RunStatus.CANCELLED):
            reason = f"\n\n{result.message}" if result.message else ""
            QMessageBox.warning(self, "The reprocess did not complete", summary + reason)
