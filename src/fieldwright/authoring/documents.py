"""Where mapping documents live: files (`*.fwmap.json`) and the store (`store_documents`).

The document controller talks to `DocumentFiles` and `StoreDocuments` through the same
small interface (`description`, `open`, `save`); a document's location is a
`Path` for a file or a `StoredMapping` (key and version) for the store. Qt-free.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from fieldwright.domain import FORMAT_VERSION, MappingDocument, save
from fieldwright.service import DataError, open_mapping

__all__ = [
    "FILE_FILTER",
    "DocumentFiles",
    "Location",
    "OpenedDocument",
    "StoredMapping",
    "new_document",
    "snapshot",
]

FILE_FILTER = "Fieldwright mappings (*.fwmap.json);;JSON files (*.json);;All files (*)"


def snapshot(document: MappingDocument, *, tests: bool = False) -> MappingDocument:
    """A copy a worker may read while the designer keeps editing the original.

    Field mappings, lookups and (with `tests`) test cases are copied deeply: edits
    replace or mutate those. Schemas are replaced whole by their edits, never mutated,
    so the copy shares their field lists.
    """
    return document.model_copy(
        update={
            "fields": [f.model_copy(deep=True) for f in document.fields],
            "lookups": copy.deepcopy(document.lookups),
            "lookup_defaults": copy.deepcopy(document.lookup_defaults),
            "source": document.source.model_copy(),
            "target": document.target.model_copy(),
            "tests": [case.model_copy(deep=True) for case in document.tests] if tests else [],
        }
    )


def new_document() -> MappingDocument:
    return MappingDocument(
        fieldwright=FORMAT_VERSION, key="mapping_UNTITLED", name="Untitled mapping"
    )


@dataclass(frozen=True, slots=True)
class StoredMapping:
    """A version of a mapping in the store: the base of the next save."""

    key: str
    version: int

    def __str__(self) -> str:
        return f"{self.key} (version {self.version})"


#: Where a document is saved: a file, or a version in the store.
Location = Path | StoredMapping


@dataclass
class OpenedDocument:
    document: MappingDocument
    #: Where it is saved; None for a new document never saved.
    location: Location | None


class DocumentFiles:
    """Open and save mapping documents as canonical JSON files."""

    description = "Files"

    def open(self, path: Path) -> OpenedDocument:
        """Raises InvalidDocument (with every problem) or DataError."""
        return OpenedDocument(open_mapping(path), path)

    def save(self, document: MappingDocument, path: Path) -> None:
        """Write atomically; DataError names the file and the reason."""
        try:
            save(document, path)
        except OSError as exc:
            raise DataError(f"cannot save {path}: {exc.strerror or exc}") from exc
