"""Where mapping documents live: files (`*.fwmap.json`) for now, the store later.

The main window only talks to `DocumentFiles` through `open`, `save` and
`new`, so a store-backed implementation can replace it without touching
the widgets. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fieldwright.domain import FORMAT_VERSION, MappingDocument, save
from fieldwright.service import DataError, open_mapping

__all__ = ["FILE_FILTER", "DocumentFiles", "OpenedDocument", "new_document"]

FILE_FILTER = "Fieldwright mappings (*.fwmap.json);;JSON files (*.json);;All files (*)"


def new_document() -> MappingDocument:
    return MappingDocument(
        fieldwright=FORMAT_VERSION, key="mapping_UNTITLED", name="Untitled mapping"
    )


@dataclass
class OpenedDocument:
    document: MappingDocument
    #: Where it is saved; None for a new document never saved.
    location: Path | None


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
