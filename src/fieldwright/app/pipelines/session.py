"""The open pipeline in the app: the Qt-free `PipelineState` behind signals and an undo stack.

Every change goes through `push`, as a command on the stack; the unsaved mark
follows the stack's clean state. After every edit, undo and redo, `edited`
carries the change events (`fieldwright.authoring.pipeline_edits`) and `changed`
follows. Typing on in one field of a step's editor merges into one undo step.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from fieldwright.authoring.pipeline_edits import PipelineEdit, PipelineEvent, ReplaceStep
from fieldwright.authoring.pipeline_session import (
    PipelineLocation,
    PipelineState,
    new_pipeline,
)
from fieldwright.domain.pipeline import PipelineDocument

__all__ = ["PipelineCommand", "PipelineSession"]

_MERGING = 1917  #: the undo id of step edits typed in one field


class PipelineCommand(QUndoCommand):
    """A thin Qt wrapper over a pure `PipelineEdit`."""

    def __init__(self, session: PipelineSession, edit: PipelineEdit) -> None:
        super().__init__(edit.text)
        self.session = session
        self.edit = edit

    def redo(self) -> None:
        try:
            self.session.state.apply(self.edit)
        except (KeyError, IndexError, ValueError, ValidationError) as exc:
            # The edit does not fit the document: drop it from the stack.
            self.setObsolete(True)
            self.session.editFailed.emit(str(exc))

    def undo(self) -> None:
        self.session.state.revert(self.edit)

    def id(self) -> int:
        edit = self.edit
        return _MERGING if isinstance(edit, ReplaceStep) and edit.merge_key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, PipelineCommand) or self.isObsolete() or other.isObsolete():
            return False
        mine, theirs = self.edit, other.edit
        if isinstance(mine, ReplaceStep) and isinstance(theirs, ReplaceStep):
            return mine.merged(theirs)
        return False


class PipelineSession(QObject):
    """The pipeline being designed; `edited(events)` then `changed` after every change."""

    edited = Signal(object)
    changed = Signal()
    #: A new document replaced the previous one (new, open).
    replaced = Signal()
    dirtyChanged = Signal(bool)
    editFailed = Signal(str)
    locationChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = PipelineState(new_pipeline(), None)
        self.state.subscribe(self._state_changed)
        self.stack = QUndoStack(self)
        self.stack.cleanChanged.connect(self._clean_changed)

    @property
    def document(self) -> PipelineDocument:
        return self.state.document

    @property
    def location(self) -> PipelineLocation | None:
        return self.state.location

    @property
    def base(self) -> Path | None:
        return self.state.base

    @property
    def dirty(self) -> bool:
        return not self.stack.isClean()

    def _state_changed(self, events: list[PipelineEvent]) -> None:
        self.edited.emit(list(events))
        self.changed.emit()

    def _clean_changed(self, clean: bool) -> None:
        self.dirtyChanged.emit(not clean)

    def push(self, edit: PipelineEdit) -> None:
        self.stack.push(PipelineCommand(self, edit))

    def replace(self, document: PipelineDocument, location: PipelineLocation | None) -> None:
        self.stack.clear()
        self.stack.setClean()
        self.state.replace(document, location)
        self.replaced.emit()
        self.locationChanged.emit()
        self.dirtyChanged.emit(False)

    def mark_saved(self, location: PipelineLocation) -> None:
        self.state.location = location
        self.stack.setClean()
        self.locationChanged.emit()
