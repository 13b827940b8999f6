"""Which sample the preview reads for a document: its source connector's file, if it has one.

A relative path is taken from the mapping document's folder (as a run takes
it); a mapping not in a file (new, or in the store) has no folder, so only an
absolute path names a file then. When there is no sample, `missing` says why
in the analyst's words. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldwright.authoring.documents import Location
from fieldwright.domain import MappingDocument
from fieldwright.service import file_kind_format

__all__ = ["NO_SAMPLE", "DocumentSample", "document_sample"]

NO_SAMPLE = "No sample for this mapping"
_WHAT_TO_DO = "Load sample… or Paste JSON…"


@dataclass(frozen=True, slots=True)
class DocumentSample:
    """The file to read (None: no sample, and `missing` says why) and how to read it."""

    path: Path | None
    format: str | None = None
    #: The connector's other settings (delimiter, encoding, records path, sheet …).
    settings: dict[str, Any] = field(default_factory=dict)
    missing: str = ""


def _none(why: str = "") -> DocumentSample:
    reason = f" ({why})" if why else ""
    return DocumentSample(None, missing=f"{NO_SAMPLE}{reason}: {_WHAT_TO_DO}")


def document_sample(document: MappingDocument, location: Location | None) -> DocumentSample:
    """The sample of `document` saved at `location` (a file, a stored mapping, or None)."""
    connector = document.source.connector
    if connector is None or file_kind_format(connector.kind) is None:
        return _none()
    raw = connector.settings.get("path")
    if not isinstance(raw, str) or not raw.strip():
        return _none()
    path = Path(raw).expanduser()
    if not path.is_absolute():
        if not isinstance(location, Path):
            where = "a new mapping" if location is None else "a stored mapping"
            return _none(f"its source file {raw} is relative, and {where} has no folder")
        path = location.parent / path
    if not path.is_file():
        return _none(f"its source file {path} is not there")
    settings = {k: v for k, v in connector.settings.items() if k != "path"}
    return DocumentSample(path, connector.kind.lower(), settings)
