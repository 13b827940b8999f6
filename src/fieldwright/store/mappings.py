"""Mappings and their immutable versions: save with optimistic locking, history, diff, restore.

Every save writes a new version (latest + 1) holding the whole canonical
document; nothing is ever updated in place. A save names the version the
editor started from; if someone saved a newer one meanwhile the save is
refused with a VersionConflict and nothing is written.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Select, and_, column, delete, exists, func, insert, select, type_coerce
from sqlalchemy import update as sa_update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from fieldwright.domain.canonical import dumps, loads
from fieldwright.domain.document import MappingDocument
from fieldwright.domain.errors import DocumentError
from fieldwright.domain.safe_keys import UnsafeKey, check_safe_key
from fieldwright.domain.secrets_scan import describe_findings, document_secrets
from fieldwright.domain.store_models import MappingDiff, MappingSummary, MappingVersionInfo
from fieldwright.store._util import check_key, clean
from fieldwright.store.diff import diff_documents
from fieldwright.store.errors import (
    Conflict,
    CorruptDatabase,
    InvalidRecord,
    NotFound,
    VersionConflict,
    version_conflict,
)
from fieldwright.store.mapping_tests import sync_tests
from fieldwright.store.models import FieldMappingRow, Mapping, MappingVersion
from fieldwright.store.store import Store
from fieldwright.store.types import utcnow

__all__ = ["MappingRepository"]

_ANY = -1  # import: append a version whatever the latest is


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _field_rows(mapping_id: int, document: MappingDocument) -> list[dict[str, Any]]:
    return [
        {
            "mapping_id": mapping_id,
            "position": position,
            "target_path": clean(field.target),
            "sources": clean(field.sources),
            "constant": clean(field.constant),
            "transforms": clean([step.model_dump(mode="json") for step in field.transforms]),
            "required": field.required,
            "default_value": clean(field.default),
            "validation_rules": clean(field.rules.model_dump(mode="json", exclude_none=True)),
            "on_error": field.on_error,
            "notes": clean(field.notes),
            "active": field.active,
        }
        for position, field in enumerate(document.fields)
    ]


def _info(key: str, row: MappingVersion) -> MappingVersionInfo:
    return MappingVersionInfo(
        key=key,
        version=row.version,
        name=row.name,
        saved_at=row.created_at,
        saved_by=row.created_by,
        comment=row.comment,
        field_count=row.field_count,
        content_sha256=row.content_sha256,
    )


class MappingRepository:
    """Save, load, list, delete mappings; their version history, diffs and restores."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- saving -----------------------------------------------------------------------------

    def save_mapping(
        self,
        document: MappingDocument,
        *,
        base_version: int | None = None,
        comment: str = "",
        by: str | None = None,
    ) -> MappingVersionInfo:
        """Save `document` as a new version; `base_version` is the version the editor loaded.

        ``base_version=None`` creates a new mapping (a VersionConflict if the key exists).
        The stored document's `version` is set to the new version number.
        """
        return self._save(document, expected=base_version, comment=comment, by=by)

    def import_document(
        self, document: MappingDocument, *, comment: str = "imported", by: str | None = None
    ) -> MappingVersionInfo:
        """Store an imported document: a new mapping, or a new version of an existing key.

        Its key must be a safe file name (it becomes one when exported to a folder).
        """
        try:
            check_safe_key(document.key)
        except UnsafeKey as exc:
            raise InvalidRecord(f"{exc}; nothing was imported") from None
        return self._save(document, expected=_ANY, comment=comment, by=by)

    def restore_version(
        self, key: str, version: int, *, base_version: int | None = None, by: str | None = None
    ) -> MappingVersionInfo:
        """Save an old version again as the newest one; history is kept as it was."""
        old = self.load_mapping(key, version)
        latest = self.latest_version(key)
        return self._save(
            old,
            expected=latest if base_version is None else base_version,
            comment=f"restored version {version}",
            by=by,
        )

    def _save(
        self, document: MappingDocument, *, expected: int | None, comment: str, by: str | None
    ) -> MappingVersionInfo:
        key = check_key(document.key, "mapping")
        secrets = document_secrets(document)
        if secrets:
            raise InvalidRecord(
                f"mapping {key!r} holds a secret in {describe_findings(secrets)}; keep it in the "
                "OS keyring (the connector's credential) instead: nothing was saved"
            )
        try:
            with self._store.session(write=True) as session:
                return self._write_version(session, document, expected, comment, by)
        except VersionConflict:
            raise
        except Conflict as exc:
            # A concurrent save of the same key won the race: report who; else the original.
            conflict = self._conflict(key, expected)
            if conflict is None:
                raise
            raise conflict from exc

    def _write_version(
        self,
        session: Session,
        document: MappingDocument,
        expected: int | None,
        comment: str,
        by: str | None,
    ) -> MappingVersionInfo:
        user = by or self._store.user
        now = utcnow()
        mapping = session.scalar(select(Mapping).where(Mapping.key == document.key))
        if mapping is None:
            if expected not in (None, _ANY):
                raise NotFound(
                    f"mapping {document.key!r} no longer exists (deleted since you opened it); "
                    "nothing was saved. Save it again as a new mapping."
                )
            mapping = Mapping(
                key=document.key,
                name=clean(document.name),
                description=clean(document.description),
                latest_version=0,
                field_count=0,
                created_by=user,
                updated_by=user,
            )
            session.add(mapping)
            session.flush()
        elif expected is None or (expected != _ANY and expected != mapping.latest_version):
            raise self._conflict_from(session, mapping, expected)
        previous = mapping.latest_version
        number = previous + 1
        # Compare-and-set: a concurrent save that got here first makes this match no row.
        result = session.execute(
            sa_update(Mapping)
            .where(Mapping.id == mapping.id, Mapping.latest_version == previous)
            .values(
                latest_version=number,
                name=clean(document.name),
                description=clean(document.description),
                field_count=len(document.fields),
                updated_at=now,
                updated_by=user,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"mapping {document.key!r} changed while saving")
        versioned = document.model_copy(update={"version": number})
        text = dumps(versioned)
        row = MappingVersion(
            mapping_id=mapping.id,
            version=number,
            name=clean(document.name),
            document=text,
            content_sha256=_sha256(text),
            comment=clean(comment),
            field_count=len(document.fields),
            created_at=now,
            created_by=user,
        )
        session.add(row)
        session.execute(delete(FieldMappingRow).where(FieldMappingRow.mapping_id == mapping.id))
        rows = _field_rows(mapping.id, document)
        if rows:
            session.execute(insert(FieldMappingRow), rows)
        sync_tests(session, mapping.id, document.tests, user)
        session.flush()
        return _info(document.key, row)

    def _conflict_from(
        self, session: Session, mapping: Mapping, expected: int | None
    ) -> VersionConflict:
        latest = session.scalar(self._version_query(mapping.key, mapping.latest_version))
        return version_conflict(mapping, latest, expected)

    def _conflict(self, key: str, expected: int | None) -> VersionConflict | None:
        with self._store.session() as session:
            mapping = session.scalar(select(Mapping).where(Mapping.key == key))
            if mapping is None or expected == _ANY or mapping.latest_version == expected:
                return None
            return self._conflict_from(session, mapping, expected)

    # -- reading ----------------------------------------------------------------------------

    @staticmethod
    def _version_query(key: str, version: int | None) -> Select[MappingVersion]:
        query = select(MappingVersion).join(Mapping, MappingVersion.mapping_id == Mapping.id)
        query = query.where(Mapping.key == key)
        if version is None:
            return query.where(MappingVersion.version == Mapping.latest_version)
        return query.where(MappingVersion.version == version)

    def load_mapping(self, key: str, version: int | None = None) -> MappingDocument:
        """The document of `version` (default: the latest) of mapping `key`."""
        with self._store.session() as session:
            row = session.scalar(self._version_query(key, version))
            if row is None:
                raise self._missing(session, key, version)
            text, digest, number = row.document, row.content_sha256, row.version
        where = f"version {number} of mapping {key!r} in {self._store.location}"
        if digest is not None and _sha256(text) != digest:
            raise CorruptDatabase(f"{where} does not match its checksum; restore a backup")
        try:
            return loads(text)
        except DocumentError as exc:
            raise CorruptDatabase(f"{where} cannot be read: {exc}") from exc

    export_document = load_mapping

    def _missing(self, session: Session, key: str, version: int | None) -> NotFound:
        latest = session.scalar(select(Mapping.latest_version).where(Mapping.key == key))
        if latest is None:
            return NotFound(f"there is no mapping {key!r} in {self._store.location}")
        return NotFound(f"mapping {key!r} has no version {version} (latest is {latest})")

    def latest_version(self, key: str) -> int:
        with self._store.session() as session:
            latest = session.scalar(select(Mapping.latest_version).where(Mapping.key == key))
            if latest is None:
                raise self._missing(session, key, None)
            return latest

    def exists(self, key: str) -> bool:
        with self._store.session() as session:
            return session.scalar(select(exists().where(Mapping.key == key))) or False

    def history(self, key: str) -> list[MappingVersionInfo]:
        """Every saved version of a mapping, newest first."""
        with self._store.session() as session:
            rows = session.scalars(
                select(MappingVersion)
                .join(Mapping, MappingVersion.mapping_id == Mapping.id)
                .where(Mapping.key == key)
                .order_by(MappingVersion.version.desc())
            ).all()
            if not rows:
                raise self._missing(session, key, None)
            return [_info(key, row) for row in rows]

    def diff(self, key: str, old_version: int, new_version: int | None = None) -> MappingDiff:
        """Field-level differences from `old_version` to `new_version` (default: latest)."""
        return diff_documents(
            self.load_mapping(key, old_version), self.load_mapping(key, new_version)
        )

    def list_mappings(
        self, *, search: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[MappingSummary]:
        """Mappings, most recently changed first; `search` matches key or name."""
        query = select(Mapping).order_by(Mapping.updated_at.desc(), Mapping.id.desc())
        if search:
            pattern = f"%{search.lower()}%"
            query = query.where(
                func.lower(Mapping.key).like(pattern) | func.lower(Mapping.name).like(pattern)
            )
        query = query.offset(offset).limit(limit)
        with self._store.session() as session:
            return [
                MappingSummary(
                    key=row.key,
                    name=row.name,
                    description=row.description,
                    latest_version=row.latest_version,
                    field_count=row.field_count,
                    created_at=row.created_at,
                    created_by=row.created_by,
                    updated_at=row.updated_at,
                    updated_by=row.updated_by,
                )
                for row in session.scalars(query)
            ]

    def delete_mapping(self, key: str) -> int:
        """Delete a mapping with all its versions and tests; its runs stay in the log.

        Returns how many versions were deleted.
        """
        with self._store.session(write=True) as session:
            mapping = session.scalar(select(Mapping).where(Mapping.key == key))
            if mapping is None:
                raise NotFound(f"there is no mapping {key!r} in {self._store.location}")
            count = mapping.latest_version
            session.delete(mapping)
            return count

    # -- queries across mappings (current versions) -----------------------------------------

    def mappings_writing(self, target_path: str) -> list[str]:
        """Keys of the mappings whose current version writes `target_path`."""
        return self._keys_where(FieldMappingRow.target_path == target_path)

    def mappings_reading(self, source_path: str) -> list[str]:
        """Keys of the mappings whose current version reads `source_path`."""
        if self._store.engine.dialect.name == "postgresql":
            condition = type_coerce(FieldMappingRow.sources, JSONB).contains([source_path])
        else:
            each = func.json_each(FieldMappingRow.sources).table_valued("value")
            condition = exists(select(1).select_from(each).where(each.c.value == source_path))
        return self._keys_where(condition)

    def mappings_using_function(self, name: str) -> list[str]:
        """Keys of the mappings whose current version calls function `name` in a transform."""
        if self._store.engine.dialect.name == "postgresql":
            condition = type_coerce(FieldMappingRow.transforms, JSONB).contains([{"fn": name}])
        else:
            each = func.json_each(FieldMappingRow.transforms).table_valued("value")
            fn = func.json_extract(column("value"), "$.fn")
            condition = exists(select(1).select_from(each).where(fn == name))
        return self._keys_where(condition)

    def _keys_where(self, condition: Any) -> list[str]:
        query = (
            select(Mapping.key)
            .join(FieldMappingRow, and_(FieldMappingRow.mapping_id == Mapping.id, condition))
            .distinct()
            .order_by(Mapping.key)
        )
        with self._store.session() as session:
            return list(session.scalars(query))
