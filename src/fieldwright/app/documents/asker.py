"""The questions the document controller asks the user, behind one small interface.

`DocumentController` never opens a dialog itself: it asks an `Asker`. The app's
`DialogAsker` answers with file dialogs and message boxes over a parent widget;
a test passes an asker of its own that answers at once, without modal loops.
"""

from __future__ import annotations

from collections.abc import Set
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from fieldwright.app.documents.new_mapping_dialog import NewMappingDialog
from fieldwright.app.documents.store_dialog import StoreOpenDialog
from fieldwright.app.templates.use_dialog import TemplateDialog
from fieldwright.authoring.documents import FILE_FILTER

if TYPE_CHECKING:
    from fieldwright.authoring.store_documents import StoreDocuments
    from fieldwright.domain import MappingDocument
    from fieldwright.service import Service

__all__ = ["OPEN_A_FILE", "SAVE_AS_NEW", "Asker", "DialogAsker", "UnsavedAnswer"]

#: The conflict question's button that saves the document under a new mapping key.
SAVE_AS_NEW = "Save as a new mapping key…"
#: What `Asker.stored_mapping` answers when the user would rather open a file.
OPEN_A_FILE = ""


class UnsavedAnswer(Enum):
    """The answer to "save the changes to this mapping?"."""

    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Asker(Protocol):
    """Every question of the document lifecycle; None (or False) means the user cancelled."""

    def unsaved_changes(self, name: str) -> UnsavedAnswer: ...

    def file_to_open(self, title: str) -> Path | None: ...

    def file_to_save(self, title: str, suggested: str) -> Path | None: ...

    def stored_mapping(self, store: StoreDocuments) -> str | None:
        """A stored mapping's key, OPEN_A_FILE to open a file instead, or None."""
        ...

    def template_mapping(self, service: Service) -> str | None:
        """The key of a mapping made from a template; raises ServiceError."""
        ...

    def new_mapping(self, service: Service | None, taken: Set[str]) -> MappingDocument | None:
        """The document the New mapping guide built (its key not in `taken`), or None."""
        ...

    def save_under_new_key(self, conflict: str) -> bool: ...

    def new_key(self, suggested: str) -> str | None: ...

    def warn(self, title: str, text: str) -> None: ...


class DialogAsker:
    """Asks with Qt's file dialogs and message boxes, over `parent`."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def unsaved_changes(self, name: str) -> UnsavedAnswer:
        button = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.parent,
            "Unsaved changes",
            f"Save the changes to “{name}”?",
            button.Save | button.Discard | button.Cancel,
            button.Save,
        )
        if answer == button.Save:
            return UnsavedAnswer.SAVE
        return UnsavedAnswer.DISCARD if answer == button.Discard else UnsavedAnswer.CANCEL

    def file_to_open(self, title: str) -> Path | None:
        path, _filter = QFileDialog.getOpenFileName(self.parent, title, "", FILE_FILTER)
        return Path(path) if path else None

    def file_to_save(self, title: str, suggested: str) -> Path | None:
        path, _filter = QFileDialog.getSaveFileName(self.parent, title, suggested, FILE_FILTER)
        return Path(path) if path else None

    def stored_mapping(self, store: StoreDocuments) -> str | None:
        dialog = StoreOpenDialog(store.mappings, store.description, self.parent)
        try:
            if not dialog.exec():
                return None
            return dialog.chosen_key if dialog.chosen_key is not None else OPEN_A_FILE
        finally:
            dialog.deleteLater()

    def template_mapping(self, service: Service) -> str | None:
        dialog = TemplateDialog(service, self.parent)
        try:
            return dialog.created_key if dialog.exec() else None
        finally:
            dialog.deleteLater()

    def new_mapping(self, service: Service | None, taken: Set[str]) -> MappingDocument | None:
        dialog = NewMappingDialog(service, taken, self.parent)
        try:
            return dialog.document if dialog.exec() else None
        finally:
            dialog.deleteLater()

    def save_under_new_key(self, conflict: str) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Someone else saved first", "", parent=self.parent
        )
        box.setObjectName("save_conflict")
        box.setText(conflict)
        new_key = box.addButton(SAVE_AS_NEW, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        try:
            box.exec()
            return box.clickedButton() is new_key
        finally:
            box.deleteLater()

    def new_key(self, suggested: str) -> str | None:
        key, ok = QInputDialog.getText(
            self.parent,
            "Save as a new mapping",
            "Mapping key (letters, digits and _):",
            QLineEdit.EchoMode.Normal,
            suggested,
        )
        key = key.strip()
        return key if ok and key else None

    def warn(self, title: str, text: str) -> None:
        QMessageBox.warning(self.parent, title, text)
