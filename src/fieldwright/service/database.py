"""Service functions over the store that the CLI and the app call: info, upgrade, import/export.

Every function takes an optional database URL (else FIELDWRIGHT_DATABASE_URL,
else the default SQLite file). Every error is a `ServiceError`: the store's are
wrapped like everywhere in the service (`StoreProblem`, `NotFound`, `SaveConflict`),
a database URL that cannot be used as given `InvalidRequest`, a broken document
`InvalidDocument`, a file that cannot be read or written `DataError`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fieldwright.domain.canonical import load, save
from fieldwright.domain.safe_keys import UnsafeKey, check_safe_key
from fieldwright.domain.secrets_scan import describe_findings, document_secrets
from fieldwright.domain.store_models import MappingVersionInfo
from fieldwright.service._boundary import service_errors
from fieldwright.service.endpoints import anchor_paths
from fieldwright.service.errors import DataError, InvalidRequest
from fieldwright.store import (
    MappingRepository,
    RunRepository,
    Store,
    StoreError,
    describe,
    status,
)
from fieldwright.store import current as _current
from fieldwright.store import upgrade as _upgrade

__all__ = [
    "current_revision",
    "database_info",
    "export_mapping",
    "import_mapping",
    "upgrade_database",
]


@contextmanager
def _database_errors(url: str | None) -> Iterator[None]:
    """Store and document errors as service errors; a file that cannot be used as DataError.

    A database URL that cannot be parsed (given, or from the environment) is an
    `InvalidRequest` naming it with its password masked, before anything is opened.
    """
    try:
        describe(url)
    except StoreError as exc:
        raise InvalidRequest(str(exc)) from exc
    try:
        with service_errors():
            yield
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        raise DataError(f"cannot use{where}: {exc.strerror}") from exc


def database_info(url: str | None = None) -> dict[str, Any]:
    """Where the store is, its schema revision against this program's, and what it holds.

    Reads only: a missing database is reported, not created.
    """
    with _database_errors(url):
        state = status(url)
        info: dict[str, Any] = state.location.as_dict()
        info.update(
            exists=state.exists,
            revision=state.current,
            head=state.head,
            state=state.state,
        )
        if state.state == "up to date":
            with Store.open(url, upgrade=False) as store:
                info["mappings"] = len(MappingRepository(store).list_mappings())
                info["runs"] = RunRepository(store).count_runs()
    return info


def upgrade_database(url: str | None = None) -> str:
    """Create or migrate the database to this program's schema; returns the revision."""
    with _database_errors(url):
        return _upgrade(url)


def current_revision(url: str | None = None) -> str | None:
    """The database's schema revision, None when it is empty or missing."""
    with _database_errors(url):
        return _current(url)


def export_mapping(
    key: str, path: str | os.PathLike[str], version: int | None = None, url: str | None = None
) -> Path:
    """Write a mapping version (default: the latest) to `path` as a canonical JSON document.

    The key must be a safe file name (never a path out of the folder), and a document
    that holds a secret (stored before secrets were refused) is not written.
    """
    try:
        check_safe_key(key)
    except UnsafeKey as exc:
        raise InvalidRequest(f"{exc}; nothing was exported") from None
    with _database_errors(url):
        with Store.open(url) as store:
            document = MappingRepository(store).export_document(key, version)
        secrets = document_secrets(document)
        if secrets:
            raise InvalidRequest(
                f"mapping {key!r} holds a secret in {describe_findings(secrets)}; move it into "
                "the OS keyring (the connector's credential) and save the mapping again: "
                "nothing was exported"
            )
        target = Path(path)
        if target.is_dir():
            target = target / f"{key}.json"
        save(document, target)
    return target


def import_mapping(path: str | os.PathLike[str], url: str | None = None) -> MappingVersionInfo:
    """Store a mapping document file: a new mapping, or a new version of an existing key.

    Relative file paths of its connectors are stored absolute, taken from the file's
    folder, so the stored mapping runs from any working directory."""
    with _database_errors(url):
        document = anchor_paths(load(path), Path(path).resolve().parent)
        with Store.open(url) as store:
            return MappingRepository(store).import_document(
                document, comment=f"imported from {Path(path).name}"
            )
