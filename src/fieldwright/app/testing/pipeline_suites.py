"""The Tests page's "Stored pipelines" tab: pick a stored pipeline, run its test suite off the
GUI thread, and read each test's result, its differences per target (the run's output,
each route branch's target, the failures) and which steps the tests reached.

The suite runs in the service (`Service.pipelines.run_tests`) on a pool thread; the result
comes back through a Qt signal (a generation counter drops a superseded run's result).
"""

from __future__ import annotations

from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.app.testing.model import outcome_icon
from fieldwright.authoring.suite_status import Outcome
from fieldwright.service import Service, ServiceError, SuiteResult

__all__ = ["PipelineSuites"]


def coverage_words(suite: SuiteResult) -> str:
    """'Steps reached: 3 of 4 (75%); untested: order'."""
    coverage = suite.coverage
    total = len(coverage.checked) + len(coverage.unchecked)
    text = f"Steps reached: {len(coverage.checked)} of {total} ({coverage.ratio:.0%})"
    if coverage.unchecked:
        text += f"; untested: {', '.join(coverage.unchecked)}"
    return text


class PipelineSuites(QWidget):
    """Stored pipelines' test suites: choose one, Run tests, see results and coverage."""

    def __init__(self, service: Service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pipeline_suites")
        self.service = service
        self.suite: SuiteResult | None = None
        self.generation = 0
        self.signals = TaskSignals(self)
        self.signals.done.connect(self._done)
        self.signals.failed.connect(self._failed)
        self.choice = QComboBox()
        self.choice.setObjectName("pipeline_suite_choice")
        self.choice.setMinimumContentsLength(30)
        self.run_button = QPushButton("Run tests")
        self.run_button.setObjectName("run_pipeline_tests")
        self.run_button.setProperty("primary", True)
        self.run_button.clicked.connect(lambda _checked=False: self.run())
        self.counts = QLabel()
        self.counts.setObjectName("pipeline_tests_counts")
        self.coverage = QLabel()
        self.coverage.setObjectName("pipeline_tests_coverage")
        self.coverage.setWordWrap(True)
        self.results = QListWidget()
        self.results.setObjectName("pipeline_test_results")
        self.results.currentRowChanged.connect(self._show_result)
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("pipeline_test_detail")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select a test to see what differs, target by target")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Pipeline"))
        bar.addWidget(self.choice, 1)
        bar.addWidget(self.run_button)
        splitter = QSplitter()
        splitter.setObjectName("pipeline_tests_splitter")
        splitter.addWidget(self.results)
        splitter.addWidget(self.detail)
        splitter.setSizes([400, 700])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.counts)
        layout.addWidget(self.coverage)
        layout.addWidget(splitter, 1)
        self.loaded = False

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()  # a pipeline imported meanwhile is listed (one short query)
        super().showEvent(event)

    def refresh(self) -> None:
        """List the stored pipelines again (the chosen one stays chosen)."""
        self.loaded = True
        kept = self.choice.currentData()
        try:
            pipelines = self.service.pipelines.list_pipelines()
        except ServiceError as exc:
            self.counts.setText(f"Cannot list the pipelines: {exc}")
            return
        self.choice.clear()
        for summary in pipelines:
            self.choice.addItem(f"{summary.name} — {summary.key}", summary.key)
        self.choice.setCurrentIndex(max(self.choice.findData(kept), 0))
        self.run_button.setEnabled(bool(pipelines))
        if not pipelines:
            self.counts.setText("No pipeline in the store yet: import one (fieldwright import).")

    def run(self) -> None:
        """Run the chosen pipeline's tests on a pool thread."""
        key = self.choice.currentData()
        if not isinstance(key, str):
            return
        self.generation += 1
        self.run_button.setEnabled(False)
        self.counts.setText(f"Running the tests of {key}…")
        service = self.service
        QThreadPool.globalInstance().start(
            Task(self.generation, lambda: service.pipelines.run_tests(key), self.signals)
        )

    def _done(self, generation: int, suite: object) -> None:
        if generation != self.generation or not isinstance(suite, SuiteResult):
            return
        self.run_button.setEnabled(True)
        self.suite = suite
        self.results.clear()
        for result in suite.results:
            outcome = Outcome.PASSED if result.passed else Outcome.FAILED
            item = QListWidgetItem(outcome_icon(outcome), result.name)
            self.results.addItem(item)
        if not suite.results:
            self.counts.setText("This pipeline has no tests yet (its document's `tests`).")
        else:
            self.counts.setText(f"{suite.passed} passed, {suite.failed} failed")
        self.coverage.setText(coverage_words(suite))
        if suite.results:
            failed = next((i for i, r in enumerate(suite.results) if not r.passed), 0)
            self.results.setCurrentRow(failed)

    def _failed(self, generation: int, message: str) -> None:
        if generation != self.generation:
            return
        self.run_button.setEnabled(True)
        self.suite = None
        self.results.clear()
        self.coverage.clear()
        self.counts.setText(f"The tests could not run: {message}")

    def _show_result(self, row: int) -> None:
        if self.suite is None or not 0 <= row < len(self.suite.results):
            self.detail.clear()
            return
        result = self.suite.results[row]
        if result.passed:
            self.detail.setPlainText(f"{result.name}: passed (every target as expected)")
        else:
            self.detail.setPlainText(f"{result.name}: failed\n\n{result.message}")
