"""The Tests panel: the open mapping's test cases, run off the GUI thread, with coverage.

Tests are part of the document, so the panel works on the `DocumentSession`
(no store needed). Adding, editing, accepting and deleting tests are undoable
edits pushed through the session. After every change of the document the
tests run again in the background (debounced); a run still in flight is
superseded by the newer one (a generation counter drops stale results). Each
run's verdict goes to the Designer as a `TestStatus` (`statusChanged`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.documents.session import DocumentSession
from fieldwright.app.shell.forms import Form
from fieldwright.app.testing.diff import ResultView
from fieldwright.app.testing.editor import TestEditor
from fieldwright.app.testing.model import TestTableModel
from fieldwright.app.testing.pipeline_suites import PipelineSuites
from fieldwright.app.testing.runner import TestRun, TestRunner
from fieldwright.app.testing.summary import counts_text, coverage_text
from fieldwright.authoring.edits import Batch, Edit
from fieldwright.authoring.events import Events, TestAdded, TestRemoved
from fieldwright.authoring.suite_edits import (
    AddTest,
    RemoveTest,
    ReplaceTest,
    test_from_record,
    unique_name,
)
from fieldwright.authoring.suite_status import Outcome, TestStatus, status_of
from fieldwright.domain import MappingDocument, TestCase
from fieldwright.service import ServiceError, write_junit

if TYPE_CHECKING:
    from fieldwright.service import Coverage, Service, SuiteResult, TestResult

__all__ = ["TestsPanel"]
JUNIT_FILTER = "JUnit XML (*.xml);;All files (*)"

RecordProvider = Callable[[], dict[str, Any] | None]


class TestsPanel(QWidget):
    """The tests of `session`'s document.

    `record_provider`, when given, returns the record selected in the Preview
    (or None); the "From preview record" button turns it into a new test. With
    `service` (a store), a "Stored pipelines" tab runs the stored pipelines' suites.
    """

    __test__ = False  # not a pytest class

    #: A line for the status bar.
    message = Signal(str)
    #: A run's results are shown (GUI thread); also after a run that could not start.
    resultsReady = Signal()
    #: The verdict for the Designer: a `TestStatus`, or None when no test could run.
    statusChanged = Signal(object)

    def __init__(
        self,
        session: DocumentSession,
        parent: QWidget | None = None,
        *,
        record_provider: RecordProvider | None = None,
        service: Service | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tests_panel")
        self.session = session
        self.record_provider = record_provider
        self.coverage: Coverage | None = None
        #: The last suite a run returned (its results may cover only the selected tests).
        self.last_suite: SuiteResult | None = None
        self.status: TestStatus | None = None
        self.runner = TestRunner(self, session.compiled)
        self.runner.due.connect(self.run_all)
        self.runner.progressed.connect(self._advanced)
        self.runner.finished.connect(self._run_done)
        self.runner.failed.connect(self._run_failed)
        self.ui = Form("tests_panel.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        #: With a store, a second tab runs the stored pipelines' suites (issue 19, item 3).
        self.pipeline_suites: PipelineSuites | None = None
        if service is None:
            layout.addWidget(self.ui.widget)
        else:
            self.pipeline_suites = PipelineSuites(service)
            self.page_tabs = QTabWidget()
            self.page_tabs.setObjectName("tests_page_tabs")
            self.page_tabs.addTab(self.ui.widget, "Open mapping")
            self.page_tabs.addTab(self.pipeline_suites, "Stored pipelines")
            layout.addWidget(self.page_tabs)
        self._bind_bar()
        self._bind_list()
        self._bind_tabs()
        session.edited.connect(self._edited)
        session.changed.connect(self._document_changed)
        session.replaced.connect(self._document_replaced)
        self._document_replaced()

    def _button(self, name: str, slot: Callable[[], object]) -> QPushButton:
        button = self.ui.child(QPushButton, name)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _bind_bar(self) -> None:
        """The counts, the coverage, the progress and the run buttons above the list."""
        self.counts = self.ui.child(QLabel, "tests_counts")
        self.coverage_label = self.ui.child(QLabel, "tests_coverage")
        self.progress = self.ui.child(QProgressBar, "tests_progress")
        self.run_all_button = self._button("run_all_tests", self.run_all)
        self.run_selected_button = self._button("run_selected_tests", self.run_selected)
        self.export_button = self._button("export_junit", self.export_junit)

    def _bind_list(self) -> None:
        """The table of tests and the buttons under it."""
        self.model = TestTableModel(self)
        self.table = self.ui.child(QTableView, "tests_table")
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 90), (2, 70), (3, 72)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, width)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.new_button = self._button("new_test", self.new_test)
        self.from_preview_button = self._button("add_test_from_preview", self.add_from_preview)
        self.from_preview_button.setEnabled(self.record_provider is not None)
        self.delete_button = self._button("delete_tests", self.delete_selected)
        self.splitter = self.ui.child(QSplitter, "tests_splitter")
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([480, 800])

    def _bind_tabs(self) -> None:
        """The result and edit tabs (custom widgets, added here) and their corner button."""
        self.result_view = ResultView()
        self.editor = TestEditor()
        self.editor.saveRequested.connect(self._save_edited)
        self.accept_button = QPushButton("Accept actual as expected")
        self.accept_button.setObjectName("accept_actual")
        self.accept_button.clicked.connect(lambda _checked=False: self.accept_actual())
        self.tabs = self.ui.child(QTabWidget, "tests_tabs")
        self.tabs.addTab(self.result_view, "Result")
        self.tabs.addTab(self.editor, "Edit")
        self.tabs.setCornerWidget(self.accept_button)

    @property
    def document(self) -> MappingDocument:
        return self.session.document

    # -- the document changed -----------------------------------------------------------

    def _edited(self, events: Events) -> None:
        """Tests added or removed move the rows a run in flight reports on: drop it
        (the change runs the tests again)."""
        if any(isinstance(e, TestAdded | TestRemoved) for e in events):
            self.runner.discard()

    def _document_replaced(self) -> None:
        self.runner.discard()  # a run in flight is of the previous document's tests
        self.last_suite = None
        self.model.set_results({}, replace=True)
        self.coverage = None
        self.status = None
        self.statusChanged.emit(None)
        self._document_changed()

    def _document_changed(self) -> None:
        self.model.set_tests(self.document.tests)  # rows change in place: the selection stays
        self._show_selected()
        self._update_counts()
        self.schedule()

    def schedule(self) -> None:
        """Run the tests again shortly (a burst of edits makes one run)."""
        self.runner.schedule()

    # -- running ------------------------------------------------------------------------

    def run_all(self) -> None:
        self._start(None)

    def run_selected(self) -> None:
        rows = self.selected_rows()
        if not rows:
            self.message.emit("Select the tests to run")
            return
        self._start(rows)

    def _start(self, indexes: list[int] | None) -> None:
        total = len(self.document.tests) if indexes is None else len(indexes)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(0)
        self.runner.start(self.document, indexes)

    def _advanced(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _run_done(self, run: TestRun) -> None:
        suite = run.suite
        rows = range(len(run.document.tests)) if run.indexes is None else run.indexes
        results = dict(zip(rows, suite.results, strict=True))
        self.model.set_results(results, replace=run.indexes is None)
        self.coverage = suite.coverage
        self.last_suite = suite
        self.status = status_of(run.document, self.model.results.values(), suite.coverage)
        self.progress.setRange(0, max(len(suite.results), 1))
        self.progress.setValue(len(suite.results))
        self._after_run()

    def _run_failed(self, message: str) -> None:
        self.model.set_results({}, replace=True, error=f"The tests cannot run: {message}")
        self.coverage = None
        self.status = None
        self.progress.setValue(0)
        self._after_run()

    def _after_run(self) -> None:
        self._update_counts()
        self._show_selected()
        self.statusChanged.emit(self.status)
        self.resultsReady.emit()

    def _update_counts(self) -> None:
        self.counts.setText(counts_text(len(self.model.tests), self.model.counts()))
        text, tip = coverage_text(self.coverage)
        self.coverage_label.setText(text)
        self.coverage_label.setToolTip(tip)

    # -- selection and the detail -------------------------------------------------------

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def select_test(self, row: int) -> None:
        self.table.selectRow(row)

    def _selection_changed(self) -> None:
        self._show_selected()

    def _current_row(self) -> int | None:
        rows = self.selected_rows()
        return rows[0] if len(rows) == 1 else None

    def _show_selected(self) -> None:
        row = self._current_row()
        self.delete_button.setEnabled(bool(self.selected_rows()))
        self.run_selected_button.setEnabled(bool(self.selected_rows()))
        self.accept_button.setEnabled(self._acceptable(row) is not None)
        if row is None:
            self.editor.load(None)
            many = len(self.selected_rows())
            self.result_view.clear_result(
                f"{many} tests selected" if many else "Select a test to see its result"
            )
            return
        case = self.model.tests[row]
        if self.editor.original != case:
            self.editor.load(case)
        self._show_result(row, case)

    def _show_result(self, row: int, case: TestCase) -> None:
        result = self.model.result(row)
        if result is None:
            waiting = "Running…" if self.runner.running else "Not run yet"
            self.result_view.clear_result(self.model.error or waiting)
            return
        self.result_view.show_test(case, result, passed=self.model.outcome(row) is Outcome.PASSED)

    # -- edits --------------------------------------------------------------------------

    def _push(self, edit: Edit) -> None:
        self.session.push(edit)

    def _acceptable(self, row: int | None) -> TestResult | None:
        if row is None or self.model.outcome(row) is not Outcome.FAILED:
            return None
        result = self.model.result(row)
        case = self.model.tests[row]
        if result is None or result.actual is None or case.expect_failure:
            return None
        return result

    def accept_actual(self) -> None:
        """Make the selected failed test's actual output its expected output (undoable)."""
        row = self._current_row()
        result = self._acceptable(row)
        if row is None or result is None:
            self.message.emit("Select one failed test whose mapping produced an output")
            return
        case = self.model.tests[row]
        after = case.model_copy(update={"expected": result.actual}, deep=True)
        self._push(ReplaceTest(row, after, f"Accept actual output of {case.name}"))
        self.message.emit(f"{case.name}: the actual output is now the expected one")

    def _save_edited(self, case: object) -> None:
        row = self._current_row()
        if row is None or not isinstance(case, TestCase):
            return
        self._push(ReplaceTest(row, case))
        self.message.emit(f"Saved test {case.name}")

    def _add(self, case: TestCase) -> None:
        self._push(AddTest(case))
        self.select_test(len(self.document.tests) - 1)

    def new_test(self) -> None:
        name = unique_name("new test", {t.name for t in self.document.tests})
        self._add(TestCase(name=name, input={}, expected={}))
        self.tabs.setCurrentWidget(self.editor)

    def delete_selected(self) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        names = [self.model.tests[r].name for r in rows]
        edits: list[Edit] = [
            RemoveTest(r, n) for r, n in reversed(list(zip(rows, names, strict=True)))
        ]
        self._push(edits[0] if len(edits) == 1 else Batch(f"Delete {len(edits)} tests", edits))
        self.message.emit(f"Deleted {', '.join(names)}")

    def add_from_preview(self) -> None:
        record = self.record_provider() if self.record_provider is not None else None
        if record is None:
            self.message.emit("Select a record in the Preview first")
            return
        self.add_test_from_record(record)

    def add_test_from_record(
        self, record: dict[str, Any], name: str | None = None
    ) -> TestCase | None:
        """A new test: `record` as input, what the mapping makes of it now as expected.

        A record the mapping fails becomes a test that expects the failure; one the
        filter drops, a test that expects it dropped. Returns the test added, or
        None (with a message) when the mapping cannot run.
        """
        try:
            case = test_from_record(self.document, record, name)
        except ServiceError as exc:
            self.message.emit(f"Cannot add a test: {exc}")
            QMessageBox.warning(self, "Add test", f"The mapping cannot run on this record:\n{exc}")
            return None
        except ValidationError as exc:
            self.message.emit(f"Cannot add a test: {exc.errors()[0]['msg']}")
            return None
        self._add(case)
        self.message.emit(f"Added test {case.name}")
        return case

    # -- JUnit --------------------------------------------------------------------------

    def suite(self) -> SuiteResult | None:
        """The last results of every test, when all have a current result."""
        results = [self.model.result(r) for r in range(self.model.rowCount())]
        if self.last_suite is None or self.coverage is None or None in results:
            return None
        kept = [r for r in results if r is not None]
        return dataclasses.replace(self.last_suite, results=kept, coverage=self.coverage)

    def export_junit(self, path: Path | None = None) -> bool:
        """Write the last results as JUnit XML (asks where when `path` is None)."""
        suite = self.suite()
        if suite is None:
            QMessageBox.information(
                self, "Export JUnit", "Run all the tests first: some have no current result."
            )
            return False
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self, "Export JUnit XML", f"{self.document.key}-tests.xml", JUNIT_FILTER
            )
            if not chosen:
                return False
            path = Path(chosen)
        try:
            write_junit([(self.document.key, suite)], path)
        except ServiceError as exc:
            QMessageBox.warning(self, "Export JUnit", str(exc))
            return False
        self.message.emit(f"Exported {len(suite.results)} test results to {path}")
        return True

    def shutdown(self) -> None:
        """Stop the re-run timer and wait for a run in flight (before the window goes)."""
        self.runner.shutdown()
