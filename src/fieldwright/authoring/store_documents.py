"""Mapping documents in the store: every save is a new immutable version.

`StoreDocuments` has the small interface of `DocumentFiles` (`description`,
`open`, `save`) over a `Service`; a stale save raises `SaveConflict` (the
store never overwrites), which the window turns into a question. Qt-free.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fieldwright.authoring.documents import DocumentFiles, OpenedDocument, StoredMapping
from fieldwright.domain import MappingDocument
from fieldwright.domain.safe_keys import UnsafeKey, check_safe_key
from fieldwright.domain.store_models import MappingSummary
from fieldwright.service import InvalidRequest, anchor_paths

if TYPE_CHECKING:
    from fieldwright.service import Service

__all__ = ["StoreDocuments", "describe_store"]


def describe_store(location: str, home: Path | None = None) -> str:
    """`Service.location` for a status bar: "SQLite: ~/…/fieldwright.db" or "PostgreSQL: …"."""
    prefix = "SQLite file "
    if location.startswith(prefix):
        path = location[len(prefix) :]
        home_text = str(home or Path.home())
        if path.startswith(home_text + "/"):
            path = "~" + path[len(home_text) :]
        return f"SQLite: {path}"
    if location.startswith("PostgreSQL database "):
        return "PostgreSQL: " + location[len("PostgreSQL database ") :]
    return location


class StoreDocuments:
    """Open, save, list, import and export mappings of one open store."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.description = describe_store(service.location)

    def open(self, key: str) -> OpenedDocument:
        """The latest version of a stored mapping; raises NotFound or StoreProblem."""
        document = self.service.open_mapping(key)
        latest = self.service.history(key)[0].version
        return OpenedDocument(document, StoredMapping(key, latest))

    def save(
        self, document: MappingDocument, base: StoredMapping | None, base_dir: Path | None = None
    ) -> StoredMapping:
        """Store a new version; a new mapping (or a changed key) gets its key from the document.

        With `base_dir` (the folder of the file the document came from), relative file
        paths are stored absolute, taken from there. Raises SaveConflict when someone
        saved after `base` or the key is taken.
        """
        base_version = base.version if base is not None and base.key == document.key else None
        info = self.service.save_mapping(document, base_version, base_dir=base_dir)
        return StoredMapping(info.key, info.version)

    def mappings(self, search: str | None = None) -> list[MappingSummary]:
        return self.service.list_mappings(search or None)

    def recent(self, limit: int = 8) -> list[MappingSummary]:
        return self.mappings()[:limit]

    def import_file(self, path: Path) -> MappingDocument:
        """Read a mapping file (to be saved as a new mapping), its relative file paths made
        absolute from the file's folder; InvalidDocument or DataError, or InvalidRequest
        when its key is not a safe file name (as `fieldwright import`)."""
        document = DocumentFiles().open(path).document
        try:
            check_safe_key(document.key)
        except UnsafeKey as exc:
            raise InvalidRequest(f"{path.name}: {exc}; nothing was imported") from None
        return anchor_paths(document, path.resolve().parent)
