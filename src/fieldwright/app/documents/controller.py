"""The document lifecycle: new, open, save, save as, the store, import, export, recent files.

`DocumentController` owns what happens to the open mapping as a whole; the
session owns its edits. It asks the user through an `Asker` and reports
through signals, so the window only shows what it says: the status line
(`message`), the save state, the title with the unsaved mark, where the
mapping lives, the recent files. A stale save to the store is never an
overwrite: the user is told who saved when, and may save under a new
mapping key instead, or cancel.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from fieldwright.app.documents.asker import OPEN_A_FILE, Asker, UnsavedAnswer
from fieldwright.authoring.documents import (
    DocumentFiles,
    Location,
    OpenedDocument,
    StoredMapping,
    new_document,
)
from fieldwright.authoring.events import Events, PropertiesChanged
from fieldwright.authoring.new_mapping import taken_keys
from fieldwright.domain import MappingDocument, dumps
from fieldwright.domain.store_models import MappingSummary
from fieldwright.service import InvalidDocument, SaveConflict, ServiceError, anchor_paths

if TYPE_CHECKING:
    from fieldwright.app.documents.session import DocumentSession
    from fieldwright.app.settings.app_settings import AppSettings
    from fieldwright.authoring.store_documents import StoreDocuments

__all__ = ["DocumentController", "conflict_text", "problems_text"]


def conflict_text(exc: SaveConflict) -> str:
    """What a stale save did not do, and why: the service names who saved when."""
    text = str(exc)
    return (
        f"{text[:1].upper()}{text[1:]}\n\nYour changes are still open here; the "
        "stored mapping was not overwritten. Save them under a new mapping key, or cancel."
    )


def problems_text(exc: InvalidDocument) -> str:
    """An invalid document's message and its first problems, one per line."""
    details = "\n".join(f"{p.pointer or '/'}: {p.message}" for p in exc.problems[:12])
    return f"{exc}\n\n{details}".strip()


class DocumentController(QObject):
    """Opens and saves the session's document, in files or in the store (None: files only)."""

    #: A line for the status bar.
    message = Signal(str)
    #: A document replaced the open one (new, open, import): show the designer.
    documentLoaded = Signal()
    #: The document was saved at this location (a Path or a StoredMapping).
    saved = Signal(object)
    #: The save state for the status bar ("Not saved yet", "Saved version 2 at 14:05").
    saveStateChanged = Signal(str)
    #: The window title, with Qt's "[*]" placeholder for the unsaved mark.
    titleChanged = Signal(str)
    #: True when the document has changes not saved.
    unsavedChanged = Signal(bool)
    #: Where the document lives, for the status bar: (text, tooltip).
    whereChanged = Signal(str, str)
    #: (recent files, recent stored mappings).
    recentChanged = Signal(list, list)

    def __init__(
        self,
        session: DocumentSession,
        settings: AppSettings,
        asker: Asker,
        *,
        files: DocumentFiles | None = None,
        store: StoreDocuments | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.settings = settings
        self.asker = asker
        self.files = files or DocumentFiles()
        #: The mapping store (None: the app works on files only).
        self.store = store
        #: When the document was last saved ("14:05"), empty until it is.
        self.last_saved = ""
        self.save_state = "Not saved yet"
        session.dirtyChanged.connect(self.unsavedChanged)
        session.locationChanged.connect(self.describe)
        session.replaced.connect(self.describe)
        session.edited.connect(self._edited)

    # -- what the window shows ----------------------------------------------------------

    @property
    def title(self) -> str:
        location = self.session.location
        where = str(location) if location else "not saved"
        return f"{self.session.document.name} — {where}[*] — Fieldwright"

    @property
    def where(self) -> str:
        location = self.session.location
        if isinstance(location, Path):
            return f"File: {location}"
        if self.store is not None:
            return self.store.description
        return f"{self.files.description} · not saved"

    def describe(self) -> None:
        """Say the title, the unsaved mark and where the document lives."""
        where = self.where
        self.titleChanged.emit(self.title)
        self.whereChanged.emit(where, f"“{self.session.document.name}” is saved in {where}")
        self.unsavedChanged.emit(self.session.dirty)

    def _edited(self, events: Events) -> None:
        """A renamed mapping (or an undone rename): the title and the status bar follow."""
        if any(isinstance(e, PropertiesChanged) and {"name", "key"} & set(e.names) for e in events):
            self.describe()

    def _set_save_state(self, text: str) -> None:
        self.save_state = text
        self.saveStateChanged.emit(text)

    def refresh_recent(self) -> None:
        recent = self.settings.recent_files()
        stored: list[MappingSummary] = []
        if self.store is not None:
            try:
                stored = self.store.recent()
            except ServiceError as exc:
                self.message.emit(f"Cannot list the stored mappings: {exc}")
        self.recentChanged.emit(recent, stored)

    # -- new and open -------------------------------------------------------------------

    def maybe_save(self) -> bool:
        """Ask save/discard/cancel when there are unsaved changes; False means cancel."""
        if not self.session.dirty:
            return True
        answer = self.asker.unsaved_changes(self.session.document.name)
        if answer is UnsavedAnswer.SAVE:
            return self.save()
        return answer is UnsavedAnswer.DISCARD

    def new_mapping(self) -> None:
        """An empty, untitled mapping (no questions but unsaved changes)."""
        if self.maybe_save():
            self._load(new_document(), None)

    def guided_new_mapping(self) -> None:
        """File → New mapping: the guide builds it; Cancel leaves the open mapping as it was.

        Its proposed key avoids every key of the store, the recent files and the open
        mapping, so a second new mapping never collides with the first.
        """
        if not self.maybe_save():
            return
        service = self.store.service if self.store is not None else None
        recent = self.settings.recent_files()
        try:
            taken = taken_keys(service, recent, [self.session.document.key])
        except ServiceError as exc:
            self.message.emit(f"Cannot list the stored mappings' keys: {exc}")
            taken = taken_keys(None, recent, [self.session.document.key])
        document = self.asker.new_mapping(service, taken)
        if document is None:
            return
        self._load(document, None)
        self.message.emit(f"New mapping {document.key}: map its fields, then save it")

    def open_dialog(self) -> None:
        """Open from the store (or a file from there); without a store, a file."""
        if not self.maybe_save():
            return
        if self.store is not None:
            key = self.asker.stored_mapping(self.store)
            if key is None:
                return
            if key != OPEN_A_FILE:
                self.open_stored(key, asked=True)
                return
        self.open_file_dialog(asked=True)

    def open_file_dialog(self, *, asked: bool = False) -> None:
        if not asked and not self.maybe_save():
            return
        path = self.asker.file_to_open("Open mapping")
        if path is not None:
            self.open_path(path, asked=True)

    def from_template(self) -> None:
        """Pick a template and a client code; the new mapping opens in the designer."""
        if self.store is None or not self.maybe_save():
            return
        try:
            key = self.asker.template_mapping(self.store.service)
        except ServiceError as exc:
            self.asker.warn("Cannot list the templates", str(exc))
            return
        if key is not None:
            self.open_stored(key, asked=True)

    def open_stored(self, key: str, *, asked: bool = False) -> bool:
        if self.store is None or (not asked and not self.maybe_save()):
            return False
        try:
            opened = self.store.open(key)
        except ServiceError as exc:
            self.asker.warn("Cannot open mapping", str(exc))
            return False
        self._opened(opened)
        self.refresh_recent()
        return True

    def open_path(self, path: Path, *, asked: bool = False) -> bool:
        if not asked and not self.maybe_save():
            return False
        try:
            opened = self.files.open(path)
        except InvalidDocument as exc:
            self.asker.warn("Cannot open mapping", problems_text(exc))
            return False
        except ServiceError as exc:
            self.asker.warn("Cannot open mapping", str(exc))
            return False
        self._opened(opened)
        self.settings.add_recent_file(path)
        self.refresh_recent()
        return True

    def load_document(self, document: MappingDocument) -> None:
        """Show a document not saved anywhere yet (an imported file, before it is stored)."""
        self._load(document, None)

    def _opened(self, opened: OpenedDocument) -> None:
        self._load(opened.document, opened.location)
        if isinstance(opened.location, StoredMapping):
            self._set_save_state(f"Opened version {opened.location.version}")

    def _load(self, document: MappingDocument, location: Location | None) -> None:
        self.session.replace(document, location)
        self.last_saved = ""
        self._set_save_state("Not saved yet" if location is None else "Opened")
        self.documentLoaded.emit()

    # -- save ---------------------------------------------------------------------------

    def save(self) -> bool:
        location = self.session.location
        if isinstance(location, Path):
            return self._save_to(location)
        if isinstance(location, StoredMapping) and not self.session.dirty:
            self.message.emit(f"No changes to save since version {location.version}")
            return True
        if self.store is not None:
            stored = location if isinstance(location, StoredMapping) else None
            return self.save_to_store(self.session.document, stored)
        return self.save_as()

    def save_as(self) -> bool:
        """In the store: under a new mapping key; on files: to a file the user names."""
        if self.store is None:
            return self.save_as_file()
        key = self.asker.new_key(f"{self.session.document.key}_copy")
        if key is None:
            return False
        return self.save_to_store(self.session.document.model_copy(update={"key": key}), None)

    def save_as_file(self) -> bool:
        suggested = f"{self.session.document.key}.fwmap.json"
        path = self.asker.file_to_save("Save mapping", suggested)
        return self._save_to(path) if path is not None else False

    def _save_to(self, path: Path) -> bool:
        try:
            self.files.save(self.session.document, path)
        except ServiceError as exc:
            self.asker.warn("Cannot save mapping", str(exc))
            return False
        self.session.mark_saved(path)
        self.last_saved = time.strftime("%H:%M")
        self._set_save_state(f"Saved {self.last_saved}")
        self.settings.add_recent_file(path)
        self.refresh_recent()
        self.message.emit(f"Saved {path}")
        self.saved.emit(path)
        return True

    def save_to_store(self, document: MappingDocument, base: StoredMapping | None) -> bool:
        """Store `document` as a new version of `base` (a new mapping when None)."""
        if self.store is None:
            return False
        # A stored mapping keeps file paths that resolve from any folder: the open
        # document follows (its connectors now name the same files absolutely).
        location = self.session.location
        base_dir = location.parent if isinstance(location, Path) else None
        if base_dir is not None:
            anchored = anchor_paths(self.session.document, base_dir)
            for side in ("source", "target"):
                connector = getattr(anchored, side).connector
                getattr(self.session.document, side).connector = connector
                getattr(document, side).connector = connector
        while True:
            try:
                saved = self.store.save(document, base, base_dir)
            except SaveConflict as exc:
                if not self.asker.save_under_new_key(conflict_text(exc)):
                    self.message.emit("Not saved: someone else saved first")
                    return False
                key = self.asker.new_key(f"{document.key}_copy")
                if key is None:
                    return False
                document, base = document.model_copy(update={"key": key}), None
                continue
            except ServiceError as exc:
                self.asker.warn("Cannot save mapping", str(exc))
                return False
            break
        if document is not self.session.document:
            self.session.document.key = document.key
        self.session.mark_saved(saved)
        self.last_saved = time.strftime("%H:%M")
        self._set_save_state(f"Saved version {saved.version} at {self.last_saved}")
        self.message.emit(f"Saved {saved}")
        self.refresh_recent()
        self.saved.emit(saved)
        return True

    # -- between files and the store ----------------------------------------------------

    def import_into_store(self) -> None:
        """Read a mapping file, store it as a new mapping and open it."""
        if self.store is None or not self.maybe_save():
            return
        path = self.asker.file_to_open("Import a mapping file into the store")
        if path is None:
            return
        try:
            document = self.store.import_file(path)
        except InvalidDocument as exc:
            self.asker.warn("Cannot import mapping", problems_text(exc))
            return
        except ServiceError as exc:
            self.asker.warn("Cannot import mapping", str(exc))
            return
        self._load(document, None)
        self.save_to_store(self.session.document, None)

    def export_copy(self) -> None:
        """Write the document to a file the user names; where it lives does not change."""
        path = self.asker.file_to_save("Export mapping", "")
        if path is None:
            return
        try:
            path.write_text(dumps(self.session.document), encoding="utf-8")
        except OSError as exc:
            self.asker.warn("Cannot export", f"{path}: {exc.strerror or exc}")
            return
        self.message.emit(f"Exported to {path}")
