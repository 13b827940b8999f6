"""Pipelines and their immutable versions: save with optimistic locking, history, diff,
restore, import and export, as mappings are (issue 19 item 1). The versioning itself is
`versioned.py`'s, shared with mappings and transformations.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.pipeline_canonical import dumps_pipeline, loads_pipeline
from fieldwright.domain.pipeline_store import PipelineDiff, PipelineSummary, PipelineVersionInfo
from fieldwright.store._util import clean
from fieldwright.store.models import Pipeline, PipelineVersion
from fieldwright.store.pipeline_diff import diff_pipelines
from fieldwright.store.versioned import VersionedRepository

__all__ = ["PipelineRepository"]


class PipelineRepository(VersionedRepository[PipelineDocument, PipelineVersionInfo]):
    """Save, load, list, delete pipelines; their version history, diffs and restores."""

    _noun = "pipeline"
    _head = Pipeline
    _version = PipelineVersion
    _owner_id = "pipeline_id"

    def _dumps(self, document: PipelineDocument, version: int) -> str:
        return dumps_pipeline(document.model_copy(update={"version": version}))

    def _loads(self, text: str) -> PipelineDocument:
        return loads_pipeline(text)

    def _head_values(self, document: PipelineDocument) -> dict[str, Any]:
        return {
            "name": clean(document.name),
            "description": clean(document.description),
            "step_count": len(document.steps),
        }

    def _version_values(self, document: PipelineDocument) -> dict[str, Any]:
        return {"name": clean(document.name), "step_count": len(document.steps)}

    def _info(self, key: str, row: PipelineVersion) -> PipelineVersionInfo:
        return PipelineVersionInfo(
            key=key,
            version=row.version,
            name=row.name,
            saved_at=row.created_at,
            saved_by=row.created_by,
            comment=row.comment,
            step_count=row.step_count,
            content_sha256=row.content_sha256,
        )

    # -- saving -----------------------------------------------------------------------------

    def save_pipeline(
        self,
        document: PipelineDocument,
        *,
        base_version: int | None = None,
        comment: str = "",
        by: str | None = None,
    ) -> PipelineVersionInfo:
        """Save `document` as a new version; `base_version` is the version the editor loaded
        (None: a new pipeline, a VersionConflict if the key exists)."""
        return self._save(document, expected=base_version, comment=comment, by=by)

    def import_document(
        self, document: PipelineDocument, *, comment: str = "imported", by: str | None = None
    ) -> PipelineVersionInfo:
        """Store an imported pipeline: a new one, or a new version of an existing key."""
        return self._import(document, comment=comment, by=by)

    def restore_version(
        self, key: str, version: int, *, base_version: int | None = None, by: str | None = None
    ) -> PipelineVersionInfo:
        """Save an old version again as the newest one; history is kept as it was."""
        old = self.load_pipeline(key, version)
        expected = self.latest_version(key) if base_version is None else base_version
        return self._save(old, expected=expected, comment=f"restored version {version}", by=by)

    # -- reading ----------------------------------------------------------------------------

    def load_pipeline(self, key: str, version: int | None = None) -> PipelineDocument:
        """The document of `version` (default: the latest) of pipeline `key`."""
        return self._load(key, version)[0]

    export_document = load_pipeline

    def diff(self, key: str, old_version: int, new_version: int | None = None) -> PipelineDiff:
        """Step-level differences from `old_version` to `new_version` (default: latest)."""
        old, new, text = self._text_diff(key, old_version, new_version)
        return diff_pipelines(old, new).model_copy(update={"text": text})

    def list_pipelines(
        self, *, search: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[PipelineSummary]:
        """Pipelines, most recently changed first; `search` matches key or name."""
        query = select(Pipeline).order_by(Pipeline.updated_at.desc(), Pipeline.id.desc())
        if search:
            pattern = f"%{search.lower()}%"
            query = query.where(
                func.lower(Pipeline.key).like(pattern) | func.lower(Pipeline.name).like(pattern)
            )
        query = query.offset(offset).limit(limit)
        with self._store.session() as session:
            return [
                PipelineSummary(
                    key=row.key,
                    name=row.name,
                    description=row.description,
                    latest_version=row.latest_version,
                    step_count=row.step_count,
                    created_at=row.created_at,
                    created_by=row.created_by,
                    updated_at=row.updated_at,
                    updated_by=row.updated_by,
                )
                for row in session.scalars(query)
            ]

    def delete_pipeline(self, key: str) -> int:
        """Delete a pipeline with all its versions; its runs stay in the log.

        Returns how many versions were deleted."""
        return self._delete(key)
