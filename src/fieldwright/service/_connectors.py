"""Which source and sink a run uses: a connector reference resolved to a live connector.

`Connectors` is the seam (like httpx's transports): the service asks it to
open the source and the sink of a run; tests pass their own. The default,
`StandardConnectors`, opens every kind the connectors' registry knows (files,
SQL tables, HTTP APIs; credentials from the keyring). A file's relative
``settings["path"]`` is taken from the mapping document's folder when known,
else the working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from fieldwright.connectors import (
    FORMATS,
    UnsupportedFormat,
    format_of,
    open_connector_sink,
    open_connector_source,
)
from fieldwright.domain import ConnectorRef
from fieldwright.domain.records import RecordSink, RecordSource
from fieldwright.domain.secrets_scan import describe_findings, find_secrets
from fieldwright.service.errors import InvalidRequest

__all__ = [
    "Connectors",
    "StandardConnectors",
    "describe",
    "file_connector",
    "file_kind_format",
    "file_path",
    "refuse_secrets",
]

_FILE_KINDS = {**{name: name for name in FORMATS}, "jsonl": "ndjson", "excel": "xlsx"}


def file_kind_format(kind: str) -> str | None:
    """The file format a connector kind reads or writes (`jsonl` → ndjson, `excel` →
    xlsx); None for kinds that are not files (sql, http …)."""
    return _FILE_KINDS.get(kind.lower())


def file_connector(path: str | Path, **settings: Any) -> ConnectorRef:
    """A connector reference for a file, its kind read off the file's extension
    (``people.csv`` → csv); `settings` adds the format's options (encoding,
    delimiter, records_path, sheet …). Raises UnsupportedFormat for an extension
    no file connector reads."""
    kind = format_of(path)
    return ConnectorRef(kind=kind, settings={"path": str(path), **settings})


class Connectors(Protocol):
    """Opens the source and the sink a run reads and writes."""

    def open_source(self, ref: ConnectorRef, *, base_dir: Path | None) -> RecordSource: ...

    def open_sink(
        self, ref: ConnectorRef, *, base_dir: Path | None, columns: list[str], run_key: str
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


def refuse_secrets(details: dict[str, Any]) -> None:
    """Refuse a run whose described connectors hold a secret (`InvalidRequest` naming the
    field): what a run records must never hold one, so it is not started."""
    secrets = find_secrets(details)
    if secrets:
        raise InvalidRequest(
            f"the run's connectors hold a secret in {describe_findings(secrets)}; keep it in "
            "the OS keyring (the connector's credential): the run was not started"
        )


def resolved(ref: ConnectorRef, base_dir: Path | None) -> ConnectorRef:
    """`ref` with a file's path made absolute (from `base_dir`, else the working directory)."""
    path = file_path(ref, base_dir)
    if path is None:
        return ref
    return ref.model_copy(update={"settings": {**ref.settings, "path": str(path)}})


class StandardConnectors:
    """Files, SQL tables and HTTP APIs, through the connectors' registry."""

    def open_source(self, ref: ConnectorRef, *, base_dir: Path | None) -> RecordSource:
        return open_connector_source(resolved(ref, base_dir))

    def open_sink(
        self, ref: ConnectorRef, *, base_dir: Path | None, columns: list[str], run_key: str
    ) -> RecordSink:
        return open_connector_sink(resolved(ref, base_dir), columns=columns, run_id=run_key)
