"""One compile per document change, off the GUI thread, shared by the pages.

After every change of the session's document, `CompiledDocument` takes a
snapshot (tests included) on the GUI thread and compiles it once on its own
one-thread pool. A compile not yet started when another change comes is
dropped (a burst of edits compiles at most twice), and a result older than the
newest change is never published. The designer's problem marks, the preview
and the test runner all read the published `Compilation`.

Nothing compiles until a page asks for compilations (`use`): a session
nobody shows compiles nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, Signal, SignalInstance

from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.authoring.compilation import Compilation, compile_for_authoring
from fieldwright.authoring.documents import snapshot

if TYPE_CHECKING:
    from collections.abc import Callable

    from fieldwright.domain import MappingDocument

__all__ = ["CompiledDocument"]


class CompiledDocument(QObject):
    """The newest compile of a session's document; `published` carries each `Compilation`."""

    published = Signal(object)  #: a `Compilation` of the document as it is now

    def __init__(
        self,
        document: Callable[[], MappingDocument],
        changed: SignalInstance,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        #: The document as it is now (the session's); read on the GUI thread only.
        self._document = document
        #: Counts the document's changes; a compile of an older one is stale.
        self.generation = 0
        self.latest: Compilation | None = None
        self._latest_generation = -1
        self._users = 0
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._signals = TaskSignals(self)
        self._signals.done.connect(self._done)
        changed.connect(self._document_changed)

    def use(self) -> None:
        """A page reads compilations: compile from now on (and now, for the first)."""
        self._users += 1
        if self._users == 1:
            self._document_changed()

    def compiles(self, document: MappingDocument) -> bool:
        """Whether `document` is the one this compiles (the session's, not another)."""
        return document is self._document()

    @property
    def current(self) -> Compilation | None:
        """The compile of the document as it is now; None while that compile is due."""
        latest = self.latest
        if latest is None or self._latest_generation != self.generation:
            return None
        return latest

    def _document_changed(self) -> None:
        self.generation += 1
        if not self._users:
            return
        document = snapshot(self._document(), tests=True)
        self.pool.clear()  # a compile not started yet is superseded by this one
        self.pool.start(
            Task(self.generation, lambda: compile_for_authoring(document), self._signals)
        )

    def _done(self, generation: int, result: object) -> None:
        if generation != self.generation or not isinstance(result, Compilation):
            return
        self.latest = result
        self._latest_generation = generation
        self.published.emit(result)

    def shutdown(self) -> None:
        """Wait for a compile in flight (before the window goes away)."""
        self.pool.clear()
        self.pool.waitForDone()
