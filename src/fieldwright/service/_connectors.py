"""Which source and sink a run uses: a connector reference resolved to a live connector.

`Connectors` is the seam (like httpx's transports): the service asks it to
open the source and the sink of a run; tests pass their own. The default,
`FileConnectors`, opens the file kinds (csv, tsv, ndjson/jsonl, json,
xlsx/excel) from ``settings["path"]``; a relative path is taken from the
mapping document's folder when known, else the working directory. It is
replaced by the connectors' registry (SQL, HTTP) when that lands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from fieldwright.connectors import FORMATS, UnsupportedFormat, open_sink, open_source
from fieldwright.domain import ConnectorRef
from fieldwright.domain.records import RecordSink, RecordSource

__all__ = ["Connectors", "FileConnectors", "describe", "file_path"]

_FILE_KINDS = {**{name: name for name in FORMATS}, "jsonl": "ndjson", "excel": "xlsx"}


class Connectors(Protocol):
    """Opens the source and the sink a run reads and writes."""

    def open_source(self, ref: ConnectorRef, *, base_dir: Path | None) -> RecordSource: ...

    def open_sink(
        self, ref: ConnectorRef, *, base_dir: Path | None, columns: list[str]
    ) -> RecordSink: ...


def file_path(ref: ConnectorRef, base_dir: Path | None) -> Path | None:
    """The file a file connector reads or writes, resolved; None for other kinds."""
    if ref.kind.lower() not in _FILE_KINDS:
        return None
    raw = ref.settings.get("path")
    if not isinstance(raw, str) or not raw.strip():
        raise UnsupportedFormat(
            f'a {ref.kind} connector needs settings.path: the file to use (e.g. "data.{ref.kind}")'
        )
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    return path


def describe(ref: ConnectorRef, base_dir: Path | None) -> dict[str, Any]:
    """What a run records about a connector: its kind and settings, a file's full path.

    A connector reference holds no secret (a credential is a keyring reference).
    """
    described: dict[str, Any] = ref.model_dump(mode="json", exclude_none=True)
    try:
        path = file_path(ref, base_dir)
    except UnsupportedFormat:
        path = None
    if path is not None:
        described["settings"]["path"] = str(path)
    return described


def _file_settings(ref: ConnectorRef) -> dict[str, Any]:
    return {name: value for name, value in ref.settings.items() if name != "path"}


class FileConnectors:
    """Files only: csv, tsv, ndjson, json, xlsx; an error names what else is missing."""

    def _path(self, ref: ConnectorRef, base_dir: Path | None) -> tuple[Path, str]:
        path = file_path(ref, base_dir)
        if path is None:
            raise UnsupportedFormat(
                f"connector kind {ref.kind!r} cannot be used here; use one of "
                f"{', '.join(sorted(_FILE_KINDS))}, or pass a file as the run's source/target"
            )
        return path, _FILE_KINDS[ref.kind.lower()]

    def open_source(self, ref: ConnectorRef, *, base_dir: Path | None) -> RecordSource:
        path, kind = self._path(ref, base_dir)
        return open_source(path, kind, **_file_settings(ref))

    def open_sink(
        self, ref: ConnectorRef, *, base_dir: Path | None, columns: list[str]
    ) -> RecordSink:
        path, kind = self._path(ref, base_dir)
        return open_sink(path, kind, columns=columns, **_file_settings(ref))
