"""The open mapping: its document, where it lives, and the undo stack that edits it.

Every change to the document goes through `push`, as a command on the stack;
the unsaved mark follows the stack's clean state.
"""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from fieldwright.authoring.documents import Location
from fieldwright.authoring.edits import Edit
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
            self.edit.apply(self.session.document)
        except (KeyError, ValueError, ValidationError) as exc:
            # The edit no longer fits the document: drop it from the stack.
            self.setObsolete(True)
            self.session.editFailed.emit(str(exc))
            return
        self.session.changed.emit()

    def undo(self) -> None:
        self.edit.revert(self.session.document)
        self.session.changed.emit()


class DocumentSession(QObject):
    """The document being designed; emits `changed` after every edit, undo and redo."""

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
        self.document = document
        self.location = location
        self.stack = QUndoStack(self)
        self.stack.cleanChanged.connect(self._clean_changed)

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
        self.document = document
        self.location = location
        self.stack.clear()
        self.stack.setClean()
        self.replaced.emit()
        self.changed.emit()
        self.locationChanged.emit()
        self.dirtyChanged.emit(False)

    def mark_saved(self, location: Location) -> None:
        self.location = location
        self.stack.setClean()
        self.locationChanged.emit()
