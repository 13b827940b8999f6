"""The store's exceptions: one tree, each message says what to do next.

Lower-level errors (SQLAlchemy, the DB drivers, Alembic) are wrapped at the
boundary with ``raise … from exc`` so the cause stays in the traceback.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

__all__ = [
    "Conflict",
    "CorruptDatabase",
    "InvalidRecord",
    "NotFound",
    "SchemaOutOfDate",
    "SchemaTooNew",
    "StoreBusy",
    "StoreError",
    "StoreUnavailable",
    "VersionConflict",
    "version_conflict",
]


class StoreError(Exception):
    """Base of every error the store raises."""


class NotFound(StoreError, LookupError):
    """The mapping, version, run, schedule … asked for does not exist."""


class InvalidRecord(StoreError, ValueError):
    """A record the store refuses to save as it is (bad key, a secret in settings …)."""


class Conflict(StoreError):
    """Saving would overwrite or duplicate something already stored; nothing was written."""


class VersionConflict(Conflict):
    """A stale save: someone saved a newer version since the editor loaded its copy."""

    def __init__(
        self,
        key: str,
        *,
        base_version: int | None,
        latest_version: int,
        saved_by: str,
        saved_at: datetime,
    ) -> None:
        self.key = key
        self.base_version = base_version
        self.latest_version = latest_version
        self.saved_by = saved_by
        self.saved_at = saved_at
        when = saved_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        if base_version is None:
            message = (
                f"a mapping with key {key!r} already exists (version {latest_version}, saved "
                f"by {saved_by} at {when}); nothing was saved. Open it to edit it, or choose "
                "another key."
            )
        else:
            message = (
                f"mapping {key!r} was changed by {saved_by} at {when} (version {latest_version}) "
                f"after you started from version {base_version}; nothing was saved. Reload the "
                "mapping and apply your changes again, or save your copy under a new key."
            )
        super().__init__(message)


class _Versioned(Protocol):
    """A stored document's row: its key, latest version and last update."""

    @property
    def key(self) -> str: ...
    @property
    def latest_version(self) -> int: ...
    @property
    def updated_by(self) -> str: ...
    @property
    def updated_at(self) -> datetime: ...


class _Saved(Protocol):
    """One saved version's row: who saved it, when."""

    @property
    def created_by(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


def version_conflict(
    row: _Versioned, latest: _Saved | None, expected: int | None
) -> VersionConflict:
    """The conflict of a save from version `expected` of a document now at `row`'s latest
    version (`latest`, its row when found): who saved it, when."""
    return VersionConflict(
        row.key,
        base_version=expected,
        latest_version=row.latest_version,
        saved_by=latest.created_by if latest else row.updated_by,
        saved_at=latest.created_at if latest else row.updated_at,
    )


class StoreUnavailable(StoreError):
    """The database cannot be reached or opened right now."""


class StoreBusy(StoreUnavailable):
    """Another program held the database too long; trying again later usually works."""


class CorruptDatabase(StoreError):
    """The database file is damaged or not a Fieldwright database; it was left untouched."""


class SchemaTooNew(StoreError):
    """The database was migrated by a newer Fieldwright than this one; it was left untouched."""


class SchemaOutOfDate(StoreError):
    """The database needs `fieldwright db upgrade` before this version can use it."""
