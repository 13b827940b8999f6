"""A mapping's endpoints: where its records come from and go to, checked before a run.

- Relative file paths of a document's connectors are taken from the document's
  folder; `anchor_paths` makes them absolute, so a mapping saved into the store
  (or imported into it) runs from any working directory.
- A run never writes into the installed package or the bundled examples (an
  update replaces them): `refuse_protected` raises `EndpointRefused` naming the path.
- The endpoint editor reads the first records of a source (`preview_endpoint`) and
  asks whether a target can be written (`check_target`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
from pathlib import Path
from typing import Any, Literal

import fieldwright
from fieldwright.connectors import ConnectorError, UnsupportedFormat, open_connector_source
from fieldwright.connectors import setting_names as _setting_names
from fieldwright.domain import ConnectorRef, MappingDocument
from fieldwright.resources import examples_dir
from fieldwright.service._boundary import service_errors
from fieldwright.service._connectors import file_kind_format, file_path, resolved
from fieldwright.service.errors import DataError, EndpointRefused

__all__ = [
    "anchor_paths",
    "check_target",
    "endpoint_setting_names",
    "preview_endpoint",
    "protected_folders",
    "refuse_protected",
    "refuse_protected_target",
]

Role = Literal["source", "sink"]


def endpoint_setting_names(kind: str, role: Role) -> list[str]:
    """The settings (but ``path``) a file connector of `kind` takes as a source or a sink,
    sorted; empty for kinds that are not files (sql, http …)."""
    name = file_kind_format(kind)
    if name is None:
        return []
    return sorted(_setting_names(name, role))


def anchor_paths(document: MappingDocument, base_dir: Path | None) -> MappingDocument:
    """`document` with its connectors' relative file paths made absolute, taken from
    `base_dir` (the document's folder), else the working directory. A connector that
    is no file, or whose path is absolute already, stays as it is."""
    update: dict[str, Any] = {}
    for side in ("source", "target"):
        endpoint = getattr(document, side)
        ref = endpoint.connector
        if ref is None or file_kind_format(ref.kind) is None:
            continue
        raw = ref.settings.get("path")
        if not isinstance(raw, str) or not raw.strip() or Path(raw).expanduser().is_absolute():
            continue
        update[side] = endpoint.model_copy(update={"connector": resolved(ref, base_dir)})
    return document.model_copy(update=update) if update else document


def protected_folders() -> list[Path]:
    """Folders no run may write into: the installed package and the bundled examples."""
    folders = [Path(fieldwright.__file__).resolve().parent]
    # A package without its data has no examples to protect.
    with contextlib.suppress(FileNotFoundError):
        folders.append(examples_dir().resolve())
    return folders


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def refuse_protected(path: Path) -> None:
    """Raise EndpointRefused when `path` lies in the package or the bundled examples."""
    full = path.expanduser().resolve()  # links followed: a link into a protected folder too
    for folder in protected_folders():
        if _inside(full, folder):
            what = "bundled examples" if folder.name == "examples" else "installed Fieldwright"
            raise EndpointRefused(
                f"a run may not write {full}: it is inside the {what} ({folder}), which an "
                "update replaces; choose a target file in another folder",
                str(full),
            )


def refuse_protected_target(ref: ConnectorRef, base_dir: Path | None) -> None:
    """Raise EndpointRefused when the file `ref` writes lies in a protected folder."""
    try:
        path = file_path(ref, base_dir)
    except UnsupportedFormat:
        return  # no path at all: the sink's own error names it
    if path is not None:
        refuse_protected(path)


def preview_endpoint(
    ref: ConnectorRef, base_dir: Path | None = None, *, limit: int = 10
) -> list[dict[str, Any]]:
    """The first `limit` records of a source (a file or a saved connection); a record
    that cannot be read is left out. DataError (a ConnectorProblem for connections)
    names the file or connection and why it cannot be read."""
    target = resolved(ref, base_dir) if file_kind_format(ref.kind) else ref
    with service_errors(f"reading {_where(target)}"):
        try:
            source = open_connector_source(target)
            try:
                items = list(itertools.islice(iter(source), limit))
            finally:
                source.close()
        except ConnectorError as exc:
            raise DataError(str(exc)) from exc
    return [dict(item.record) for item in items if item.record is not None]


def check_target(ref: ConnectorRef, base_dir: Path | None = None) -> str:
    """Whether a run can write the target `ref`, in words; raises EndpointRefused for a
    protected folder and DataError when the file's folder cannot be written."""
    path = file_path(ref, base_dir) if file_kind_format(ref.kind) else None
    if path is None:
        name = f"connection {ref.connection}" if ref.connection else f"a {ref.kind} connector"
        return f"Records are written through {name}; test it on the Connections page."
    refuse_protected(path)
    folder = path.parent
    if not folder.is_dir():
        raise DataError(f"cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DataError(f"cannot write {path}: the folder {folder} is not writable")
    if path.is_dir():
        raise DataError(f"cannot write {path}: it is a folder; name a file in it")
    if path.exists() and not os.access(path, os.W_OK):
        raise DataError(f"cannot write {path}: the file is read-only")
    state = "replaces the existing file" if path.exists() else "a new file"
    return f"Can write {path} ({state})."


def _where(ref: ConnectorRef) -> str:
    if ref.connection:
        return f"connection {ref.connection!r}"
    path = ref.settings.get("path")
    return str(path) if isinstance(path, str) else f"the {ref.kind} source"
