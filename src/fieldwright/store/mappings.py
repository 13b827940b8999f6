"""Mappings and their immutable versions: save with optimistic locking, history, diff, restore.

Every save writes a new version (latest + 1) holding the whole canonical
document; nothing is ever updated in place. A save names the version the
editor started from; if someone saved a newer one meanwhile the save is
refused with a VersionConflict and nothing is written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, column, delete, exists, func, insert, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from fieldwright.domain.canonical import dumps, loads
from fieldwright.domain.document import MappingDocument
from fieldwright.domain.store_models import MappingDiff, MappingSummary, MappingVersionInfo
from fieldwright.store._util import clean
from fieldwright.store.diff import diff_documents
from fieldwright.store.mapping_tests import sync_tests
from fieldwright.store.models import FieldMappingRow, Mapping, MappingVersion
from fieldwright.store.versioned import VersionedRepository

__all__ = ["MappingRepository"]


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


class MappingRepository(VersionedRepository[MappingDocument, MappingVersionInfo]):
    """Save, load, list, delete mappings; their version history, diffs and restores."""

    _noun = "mapping"
    _head = Mapping
    _version = MappingVersion
    _owner_id = "mapping_id"

    def _dumps(self, document: MappingDocument, version: int) -> str:
        return dumps(document.model_copy(update={"version": version}))

    def _loads(self, text: str) -> MappingDocument:
        return loads(text)

    def _head_values(self, document: MappingDocument) -> dict[str, Any]:
        return {
            "name": clean(document.name),
            "description": clean(document.description),
            "field_count": len(document.fields),
        }

    def _version_values(self, document: MappingDocument) -> dict[str, Any]:
        return {"name": clean(document.name), "field_count": len(document.fields)}

    def _info(self, key: str, row: MappingVersion) -> MappingVersionInfo:
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

    def _after_write(
        self, session: Session, head: Mapping, document: MappingDocument, user: str
    ) -> None:
        """The current version's fields, queryable (`mappings_writing` and the rest), and
        its tests."""
        session.execute(delete(FieldMappingRow).where(FieldMappingRow.mapping_id == head.id))
        rows = _field_rows(head.id, document)
        if rows:
            session.execute(insert(FieldMappingRow), rows)
        sync_tests(session, head.id, document.tests, user)

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
        """Store an imported document: a new mapping, or a new version of an existing key."""
        return self._import(document, comment=comment, by=by)

    def restore_version(
        self, key: str, version: int, *, base_version: int | None = None, by: str | None = None
    ) -> MappingVersionInfo:
        """Save an old version again as the newest one; history is kept as it was."""
        old = self.load_mapping(key, version)
        expected = self.latest_version(key) if base_version is None else base_version
        return self._save(old, expected=expected, comment=f"restored version {version}", by=by)

    # -- reading ----------------------------------------------------------------------------

    def load_mapping(self, key: str, version: int | None = None) -> MappingDocument:
        """The document of `version` (default: the latest) of mapping `key`."""
        return self._load(key, version)[0]

    export_document = load_mapping

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
        return self._delete(key)

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
