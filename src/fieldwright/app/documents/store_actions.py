"""Saving to the store, and moving mappings between files and the store, for the main window.

A stale save is never an overwrite: the user is told who saved when, and may
save their document under a new mapping key instead, or cancel.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox

from fieldwright.authoring.documents import FILE_FILTER, StoredMapping
from fieldwright.domain import MappingDocument
from fieldwright.service import InvalidDocument, SaveConflict, ServiceError

if TYPE_CHECKING:
    from fieldwright.app.shell.main_window import MainWindow

__all__ = ["ask_new_key", "import_from_file", "save_to_store"]

SAVE_AS_NEW = "Save as a new mapping key…"


def conflict_text(exc: SaveConflict) -> str:
    """What a stale save did not do, and why: the service names who saved when."""
    text = str(exc)
    return (
        f"{text[:1].upper()}{text[1:]}\n\nYour changes are still open here; the "
        "stored mapping was not overwritten. Save them under a new mapping key, or cancel."
    )


def ask_conflict(window: MainWindow, exc: SaveConflict) -> bool:
    """True when the user chose to save under a new key."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Someone else saved first", "", parent=window)
    box.setObjectName("save_conflict")
    box.setText(conflict_text(exc))
    new_key = box.addButton(SAVE_AS_NEW, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    try:
        box.exec()
        return box.clickedButton() is new_key
    finally:
        box.deleteLater()


def ask_new_key(window: MainWindow, document: MappingDocument) -> str | None:
    key, ok = QInputDialog.getText(
        window,
        "Save as a new mapping",
        "Mapping key (letters, digits and _):",
        QLineEdit.EchoMode.Normal,
        f"{document.key}_copy",
    )
    key = key.strip()
    return key if ok and key else None


def save_to_store(
    window: MainWindow, document: MappingDocument, base: StoredMapping | None
) -> bool:
    """Store `document` as a new version of `base` (a new mapping when None)."""
    store = window.store
    if store is None:
        return False
    while True:
        try:
            saved = store.save(document, base)
        except SaveConflict as exc:
            if not ask_conflict(window, exc):
                window.show_message("Not saved: someone else saved first")
                return False
            key = ask_new_key(window, document)
            if key is None:
                return False
            document, base = document.model_copy(update={"key": key}), None
            continue
        except ServiceError as exc:
            QMessageBox.warning(window, "Cannot save mapping", str(exc))
            return False
        break
    if document is not window.session.document:
        window.session.document.key = document.key
    window.session.mark_saved(saved)
    window.last_saved = time.strftime("%H:%M")
    window.save_label.setText(f"Saved version {saved.version} at {window.last_saved}")
    window.show_message(f"Saved {saved}")
    window.refresh_recent()
    return True


def import_from_file(window: MainWindow) -> None:
    """Read a mapping file, store it as a new mapping and open it."""
    store = window.store
    if store is None or not window.maybe_save():
        return
    path, _filter = QFileDialog.getOpenFileName(
        window, "Import a mapping file into the store", "", FILE_FILTER
    )
    if not path:
        return
    try:
        document = store.import_file(Path(path))
    except InvalidDocument as exc:
        details = "\n".join(f"{p.pointer or '/'}: {p.message}" for p in exc.problems[:12])
        QMessageBox.warning(window, "Cannot import mapping", f"{exc}\n\n{details}".strip())
        return
    except ServiceError as exc:
        QMessageBox.warning(window, "Cannot import mapping", str(exc))
        return
    window.load_document(document)
    save_to_store(window, window.session.document, None)
