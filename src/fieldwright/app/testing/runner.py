"""Run a document's tests off the GUI thread, newest run wins.

`TestRunner` runs the session's compile of the document (tests included, see
`CompiledDocument`) on a one-thread pool; a run asked for while that compile
is due starts when it is published, so the tests never compile the document
again. Every run gets a new generation; progress and results of an older
generation are dropped, and a run not yet started is discarded when a newer
one is asked for. `schedule` (re)starts a single-shot timer, so a burst of
edits makes one run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.authoring.compilation import Compilation
from fieldwright.authoring.documents import snapshot
from fieldwright.domain import MappingDocument
from fieldwright.service import run_document_tests

if TYPE_CHECKING:
    from fieldwright.app.documents.compiled import CompiledDocument
    from fieldwright.service import SuiteResult

__all__ = ["RERUN_DELAY_MS", "TestRun", "TestRunner"]

#: How long after the last edit the tests run again.
RERUN_DELAY_MS = 400


@dataclass(frozen=True, slots=True)
class TestRun:
    """What one run ran on, and what it found."""

    __test__ = False  # not a pytest class

    #: The indexes of the tests that ran (None: all of them).
    indexes: list[int] | None
    document: MappingDocument
    suite: SuiteResult


class _Progress(QObject):
    advanced = Signal(int, int, int)  #: (generation, tests done, tests to run)


class TestRunner(QObject):
    """Runs tests in the background; `finished` carries the newest `TestRun`."""

    __test__ = False  # not a pytest class

    #: (tests done, tests to run) of the newest run.
    progressed = Signal(int, int)
    finished = Signal(object)  #: a `TestRun`
    failed = Signal(str)  #: why the newest run could not run (e.g. an invalid mapping)
    #: The timer fired: the owner should start a run (it knows the current document).
    due = Signal()

    def __init__(
        self, parent: QObject | None = None, compiled: CompiledDocument | None = None
    ) -> None:
        super().__init__(parent)
        #: The session's compiles; without it, each run compiles its own snapshot.
        self.compiled = compiled
        #: The indexes of a run waiting for the document's compile (with its generation).
        self._waiting: tuple[int, list[int] | None] | None = None
        if compiled is not None:
            compiled.published.connect(self._compiled)
            compiled.use()
        self.generation = 0
        self.running = False
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._signals = TaskSignals(self)
        self._signals.done.connect(self._done)
        self._signals.failed.connect(self._failed)
        self._progress = _Progress(self)
        self._progress.advanced.connect(self._advanced)
        self.debounce = QTimer(self)
        self.debounce.setObjectName("tests_rerun_timer")
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(RERUN_DELAY_MS)
        self.debounce.timeout.connect(self.due)

    def schedule(self) -> None:
        self.debounce.start()

    def start(self, document: MappingDocument, indexes: list[int] | None = None) -> int:
        """Run the tests at `indexes` (None: all) of `document` as it is now."""
        self.debounce.stop()
        self.generation += 1
        self.running = True
        self._waiting = None
        compiled = self.compiled
        if compiled is None or not compiled.compiles(document):
            self._run(snapshot(document, tests=True), indexes)
        elif compiled.current is None:
            self._waiting = (self.generation, indexes)  # the compile of this change is due
        else:
            self._run(compiled.current.document, indexes, compiled.current)
        return self.generation

    def discard(self) -> None:
        """Forget the runs asked for, waiting or in flight: their results never come
        (their document is gone, or its tests moved)."""
        self.debounce.stop()
        self.generation += 1
        self.running = False
        self._waiting = None
        self.pool.clear()

    def _compiled(self, compilation: Compilation) -> None:
        if self._waiting is not None and self._waiting[0] == self.generation:
            indexes = self._waiting[1]
            self._waiting = None
            self._run(compilation.document, indexes, compilation)

    def _run(
        self,
        document: MappingDocument,
        indexes: list[int] | None,
        compilation: Compilation | None = None,
    ) -> None:
        """Run the tests of `document`: with `compilation` (its compile), or compiling
        the snapshot on the worker when there is no session's compile to read."""
        generation = self.generation
        advanced = self._progress.advanced

        def work() -> TestRun:
            def progress(done: int, total: int) -> None:
                advanced.emit(generation, done, total)

            if compilation is None:
                suite = run_document_tests(document, indexes, on_progress=progress)
            else:
                suite = compilation.run_tests(indexes, on_progress=progress)
            return TestRun(indexes, document, suite)

        self.pool.clear()  # a run not started yet is superseded by this one
        self.pool.start(Task(generation, work, self._signals))

    def _advanced(self, generation: int, done: int, total: int) -> None:
        if generation == self.generation:
            self.progressed.emit(done, total)

    def _done(self, generation: int, run: object) -> None:
        if generation == self.generation and isinstance(run, TestRun):
            self.running = False
            self.finished.emit(run)

    def _failed(self, generation: int, message: str) -> None:
        if generation == self.generation:
            self.running = False
            self.failed.emit(message)

    def shutdown(self) -> None:
        """Stop the timer and wait for a run in flight."""
        self.debounce.stop()
        self.pool.clear()
        self.pool.waitForDone()
