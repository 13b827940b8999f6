"""The open mapping in the app: the Qt-free `DocumentState` behind signals and an undo stack.

Every change to the document goes through `push`, as a command on the stack;
the unsaved mark follows the stack's clean state. After every edit, undo and
redo, `edited` carries the change events (`fieldwright.authoring.events`) and
`changed` follows; `compiled` (a `CompiledDocument`) compiles each change once,
off the GUI thread, for the designer, the preview and the tests.
"""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from fieldwright.app.documents.compiled import CompiledDocument
from fieldwright.authoring.documents import Location
from fieldwright.authoring.edits import Edit
from fieldwright.authoring.events import DocumentReplaced, Events
from fieldwright.authoring.session import DocumentState
from fieldwright.domain import MappingDocument

__all__ = ["DocumentSession", "EditCommand"]


class EditCommand(QUndoCommand):
    """A thin Qt wrapper over a pure `Edit`."""

    def __init__(self, session: DocumentSession, edit: Edit) -> None:
        super().__init__(edit.text)
        self.session = session
        self.edit = edit

    def redo(self) -> None:
        try:
            self.session.state.apply(self.edit)
        except (KeyError, ValueError, ValidationError) as exc:
            # The edit no longer fits the document: drop it from the stack.
            self.setObsolete(True)
            self.session.editFailed.emit(str(exc))

    def undo(self) -> None:
        self.session.state.revert(self.edit)


class DocumentSession(QObject):
    """The document being designed; emits `edited` and `changed` after every edit, undo, redo."""

    #: The events of one change (a list of `DocumentEvent`), before `changed`.
    edited = Signal(object)
    changed = Signal()
    #: A new document replaced the previous one (open, new).
    replaced = Signal()
    dirtyChanged = Signal(bool)
    editFailed = Signal(str)
    locationChanged = Signal()

    def __init__(
        self, document: MappingDocument, location: Location | None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.state = DocumentState(document, location)
        self.state.subscribe(self._state_changed)
        self.stack = QUndoStack(self)
        self.stack.cleanChanged.connect(self._clean_changed)
        self.compiled = CompiledDocument(lambda: self.document, self.changed, self)

    @property
    def document(self) -> MappingDocument:
        return self.state.document

    @property
    def location(self) -> Location | None:
        return self.state.location

    def _state_changed(self, events: Events) -> None:
        if any(isinstance(event, DocumentReplaced) for event in events):
            self.replaced.emit()
        self.edited.emit(list(events))
        self.changed.emit()

    def _clean_changed(self, clean: bool) -> None:
        # A method, not a lambda: Qt drops the connection with the object, so a session
        # deleted with unsaved edits does not call into a deleted signal source.
        self.dirtyChanged.emit(not clean)

    @property
    def dirty(self) -> bool:
        return not self.stack.isClean()

    def push(self, edit: Edit | None) -> None:
        if edit is not None:
            self.stack.push(EditCommand(self, edit))

    def begin_macro(self, text: str) -> None:
        self.stack.beginMacro(text)

    def end_macro(self) -> None:
        self.stack.endMacro()

    def replace(self, document: MappingDocument, location: Location | None) -> None:
        self.stack.clear()
        self.stack.setClean()
        self.state.replace(document, location)
        self.locationChanged.emit()
        self.dirtyChanged.emit(False)

    def mark_saved(self, location: Location) -> None:
        self.state.location = location
        self.stack.setClean()
        self.locationChanged.emit()
