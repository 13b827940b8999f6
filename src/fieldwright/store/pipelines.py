"""Pipelines and their immutable versions: save with optimistic locking, history, diff,
restore, import and export, as mappings are (`mappings.py`, issue 19 item 1).

Every save writes a new version (latest + 1) holding the whole canonical
document; nothing is updated in place. A save names the version the editor
started from; a newer save meanwhile refuses it with a VersionConflict.
"""

from __future__ import annotations

import difflib
import hashlib

from sqlalchemy import Select, exists, func, select
from sqlalchemy import update as sa_update
from sqlalchemy.orm import Session

from fieldwright.domain.errors import DocumentError
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.pipeline_canonical import dumps_pipeline, loads_pipeline
from fieldwright.domain.pipeline_store import PipelineDiff, PipelineSummary, PipelineVersionInfo
from fieldwright.domain.safe_keys import UnsafeKey, check_safe_key
from fieldwright.domain.secrets_scan import describe_findings, document_secrets
from fieldwright.store._util import check_key, clean
from fieldwright.store.errors import (
    Conflict,
    CorruptDatabase,
    InvalidRecord,
    NotFound,
    VersionConflict,
    version_conflict,
)
from fieldwright.store.models import Pipeline, PipelineVersion
from fieldwright.store.pipeline_diff import diff_pipelines
from fieldwright.store.store import Store
from fieldwright.store.types import utcnow

__all__ = ["PipelineRepository"]

_ANY = -1  # import: append a version whatever the latest is


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _info(key: str, row: PipelineVersion) -> PipelineVersionInfo:
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


class PipelineRepository:
    """Save, load, list, delete pipelines; their version history, diffs and restores."""

    def __init__(self, store: Store) -> None:
        self._store = store

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
        """Store an imported pipeline: a new one, or a new version of an existing key.

        Its key must be a safe file name (it becomes one when exported to a folder)."""
        try:
            check_safe_key(document.key)
        except UnsafeKey as exc:
            raise InvalidRecord(f"{exc}; nothing was imported") from None
        return self._save(document, expected=_ANY, comment=comment, by=by)

    def restore_version(
        self, key: str, version: int, *, base_version: int | None = None, by: str | None = None
    ) -> PipelineVersionInfo:
        """Save an old version again as the newest one; history is kept as it was."""
        old = self.load_pipeline(key, version)
        expected = self.latest_version(key) if base_version is None else base_version
        return self._save(old, expected=expected, comment=f"restored version {version}", by=by)

    def _save(
        self, document: PipelineDocument, *, expected: int | None, comment: str, by: str | None
    ) -> PipelineVersionInfo:
        key = check_key(document.key, "pipeline")
        secrets = document_secrets(document.model_dump(mode="json"))
        if secrets:
            raise InvalidRecord(
                f"pipeline {key!r} holds a secret in {describe_findings(secrets)}; keep it in "
                "the OS keyring (the connector's credential) instead: nothing was saved"
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
        document: PipelineDocument,
        expected: int | None,
        comment: str,
        by: str | None,
    ) -> PipelineVersionInfo:
        user = by or self._store.user
        now = utcnow()
        pipeline = session.scalar(select(Pipeline).where(Pipeline.key == document.key))
        if pipeline is None:
            if expected not in (None, _ANY):
                raise NotFound(
                    f"pipeline {document.key!r} no longer exists (deleted since you opened it); "
                    "nothing was saved. Save it again as a new pipeline."
                )
            pipeline = Pipeline(
                key=document.key,
                name=clean(document.name),
                description=clean(document.description),
                latest_version=0,
                step_count=0,
                created_by=user,
                updated_by=user,
            )
            session.add(pipeline)
            session.flush()
        elif expected is None or (expected != _ANY and expected != pipeline.latest_version):
            raise self._conflict_from(session, pipeline, expected)
        previous = pipeline.latest_version
        number = previous + 1
        # Compare-and-set: a concurrent save that got here first makes this match no row.
        result = session.execute(
            sa_update(Pipeline)
            .where(Pipeline.id == pipeline.id, Pipeline.latest_version == previous)
            .values(
                latest_version=number,
                name=clean(document.name),
                description=clean(document.description),
                step_count=len(document.steps),
                updated_at=now,
                updated_by=user,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"pipeline {document.key!r} changed while saving")
        text = dumps_pipeline(document.model_copy(update={"version": number}))
        row = PipelineVersion(
            pipeline_id=pipeline.id,
            version=number,
            name=clean(document.name),
            document=text,
            content_sha256=_sha256(text),
            comment=clean(comment),
            step_count=len(document.steps),
            created_at=now,
            created_by=user,
        )
        session.add(row)
        session.flush()
        return _info(document.key, row)

    def _conflict_from(
        self, session: Session, pipeline: Pipeline, expected: int | None
    ) -> VersionConflict:
        latest = session.scalar(self._version_query(pipeline.key, pipeline.latest_version))
        return version_conflict(pipeline, latest, expected)

    def _conflict(self, key: str, expected: int | None) -> VersionConflict | None:
        with self._store.session() as session:
            pipeline = session.scalar(select(Pipeline).where(Pipeline.key == key))
            if pipeline is None or expected == _ANY or pipeline.latest_version == expected:
                return None
            return self._conflict_from(session, pipeline, expected)

    # -- reading ----------------------------------------------------------------------------

    @staticmethod
    def _version_query(key: str, version: int | None) -> Select[PipelineVersion]:
        query = select(PipelineVersion).join(Pipeline, PipelineVersion.pipeline_id == Pipeline.id)
        query = query.where(Pipeline.key == key)
        if version is None:
            return query.where(PipelineVersion.version == Pipeline.latest_version)
        return query.where(PipelineVersion.version == version)

    def load_pipeline(self, key: str, version: int | None = None) -> PipelineDocument:
        """The document of `version` (default: the latest) of pipeline `key`."""
        return self._load(key, version)[0]

    def _load(self, key: str, version: int | None) -> tuple[PipelineDocument, str]:
        with self._store.session() as session:
            row = session.scalar(self._version_query(key, version))
            if row is None:
                raise self._missing(session, key, version)
            text, digest, number = row.document, row.content_sha256, row.version
        where = f"version {number} of pipeline {key!r} in {self._store.location}"
        if _sha256(text) != digest:
            raise CorruptDatabase(f"{where} does not match its checksum; restore a backup")
        try:
            return loads_pipeline(text), text
        except DocumentError as exc:
            raise CorruptDatabase(f"{where} cannot be read: {exc}") from exc

    export_document = load_pipeline

    def _missing(self, session: Session, key: str, version: int | None) -> NotFound:
        latest = session.scalar(select(Pipeline.latest_version).where(Pipeline.key == key))
        if latest is None:
            return NotFound(f"there is no pipeline {key!r} in {self._store.location}")
        return NotFound(f"pipeline {key!r} has no version {version} (latest is {latest})")

    def latest_version(self, key: str) -> int:
        with self._store.session() as session:
            latest = session.scalar(select(Pipeline.latest_version).where(Pipeline.key == key))
            if latest is None:
                raise self._missing(session, key, None)
            return latest

    def exists(self, key: str) -> bool:
        with self._store.session() as session:
            return session.scalar(select(exists().where(Pipeline.key == key))) or False

    def history(self, key: str) -> list[PipelineVersionInfo]:
        """Every saved version of a pipeline, newest first."""
        with self._store.session() as session:
            rows = session.scalars(
                select(PipelineVersion)
                .join(Pipeline, PipelineVersion.pipeline_id == Pipeline.id)
                .where(Pipeline.key == key)
                .order_by(PipelineVersion.version.desc())
            ).all()
            if not rows:
                raise self._missing(session, key, None)
            return [_info(key, row) for row in rows]

    def diff(self, key: str, old_version: int, new_version: int | None = None) -> PipelineDiff:
        """Step-level differences from `old_version` to `new_version` (default: latest)."""
        old, old_text = self._load(key, old_version)
        new, new_text = self._load(key, new_version)
        text = list(
            difflib.unified_diff(
                old_text.splitlines(),
                new_text.splitlines(),
                f"{key} v{old.version}",
                f"{key} v{new.version}",
                lineterm="",
            )
        )
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
        with self._store.session(write=True) as session:
            pipeline = session.scalar(select(Pipeline).where(Pipeline.key == key))
            if pipeline is None:
                raise NotFound(f"there is no pipeline {key!r} in {self._store.location}")
            count = pipeline.latest_version
            session.delete(pipeline)
            return count
