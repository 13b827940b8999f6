"""Stored transformations and their immutable versions (issue 19, item 5): save with
optimistic locking, history, diff, delete, as pipelines are (`pipelines.py`).

A save writes a new version (latest + 1) holding the whole canonical document,
but only when the content changed: saving what the latest version holds again
returns that version. A save names the version the editor started from; a newer
save meanwhile refuses it with a VersionConflict. The chain name is unique in a
store, so ``@name`` names one transformation.
"""

from __future__ import annotations

import difflib
import hashlib
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy import update as sa_update
from sqlalchemy.orm import Session

from fieldwright.domain.errors import DocumentError
from fieldwright.domain.safe_keys import UnsafeKey, check_safe_key
from fieldwright.domain.secrets_scan import describe_findings, document_secrets
from fieldwright.domain.transformation import (
    StepEdit,
    TransformationDiff,
    TransformationDocument,
    TransformationSummary,
    TransformationType,
    TransformationVersionInfo,
    dumps_transformation,
    loads_transformation,
    transformation_to_data,
)
from fieldwright.store._util import check_key, clean
from fieldwright.store.errors import (
    Conflict,
    CorruptDatabase,
    InvalidRecord,
    NotFound,
    VersionConflict,
    version_conflict,
)
from fieldwright.store.models import Transformation, TransformationVersion
from fieldwright.store.store import Store
from fieldwright.store.types import utcnow

__all__ = ["TransformationRepository", "diff_transformations"]

_ANY = -1  # import: append a version whatever the latest is
#: Parts of the document not listed as "other changes" (steps and tests are diffed apart).
_NOT_COMPARED = frozenset({"steps", "tests", "version"})


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _info(key: str, row: TransformationVersion) -> TransformationVersionInfo:
    return TransformationVersionInfo(
        key=key,
        version=row.version,
        name=row.name,
        saved_at=row.created_at,
        saved_by=row.created_by,
        comment=row.comment,
        step_count=row.step_count,
        content_sha256=row.content_sha256,
    )


def _step_edits(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[StepEdit]:
    """Steps added, removed and changed, aligned by difflib on their JSON."""
    matcher = difflib.SequenceMatcher(
        a=[repr(step) for step in old], b=[repr(step) for step in new], autojunk=False
    )
    edits: list[StepEdit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for offset in range(paired):
            edits.append(
                StepEdit(
                    change="changed",
                    old_index=i1 + offset,
                    new_index=j1 + offset,
                    old=old[i1 + offset],
                    new=new[j1 + offset],
                )
            )
        for index in range(i1 + paired, i2):
            edits.append(StepEdit(change="removed", old_index=index, old=old[index]))
        for index in range(j1 + paired, j2):
            edits.append(StepEdit(change="added", new_index=index, new=new[index]))
    return edits


def diff_transformations(
    old: TransformationDocument, new: TransformationDocument
) -> TransformationDiff:
    """Step edits, test cases added, removed and changed (by name), and other parts."""
    old_data, new_data = transformation_to_data(old), transformation_to_data(new)
    old_tests = {case.name: case for case in old.tests}
    new_tests = {case.name: case for case in new.tests}
    return TransformationDiff(
        key=new.key,
        old_version=old.version,
        new_version=new.version,
        steps=_step_edits(
            [s.model_dump(mode="json") for s in old.steps],
            [s.model_dump(mode="json") for s in new.steps],
        ),
        tests_added=[name for name in new_tests if name not in old_tests],
        tests_removed=[name for name in old_tests if name not in new_tests],
        tests_changed=[
            name for name in new_tests if name in old_tests and old_tests[name] != new_tests[name]
        ],
        other_changes=sorted(
            part
            for part in set(old_data) | set(new_data)
            if part not in _NOT_COMPARED and old_data.get(part) != new_data.get(part)
        ),
    )


class TransformationRepository:
    """Save, load, list, delete transformations; their history and diffs."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- saving -----------------------------------------------------------------------------

    def save_transformation(
        self,
        document: TransformationDocument,
        *,
        base_version: int | None = None,
        comment: str = "",
        by: str | None = None,
    ) -> TransformationVersionInfo:
        """Save `document` as a new version when it differs from the latest; `base_version`
        is the version the editor loaded (None: a new transformation)."""
        return self._save(document, expected=base_version, comment=comment, by=by)

    def import_document(
        self,
        document: TransformationDocument,
        *,
        comment: str = "imported",
        by: str | None = None,
    ) -> TransformationVersionInfo:
        """Store an imported transformation: a new one, or a new version of its key. Its key
        must be a safe file name (it becomes one when exported to a folder)."""
        try:
            check_safe_key(document.key)
        except UnsafeKey as exc:
            raise InvalidRecord(f"{exc}; nothing was imported") from None
        return self._save(document, expected=_ANY, comment=comment, by=by)

    def _save(
        self,
        document: TransformationDocument,
        *,
        expected: int | None,
        comment: str,
        by: str | None,
    ) -> TransformationVersionInfo:
        key = check_key(document.key, "transformation")
        secrets = document_secrets(document.model_dump(mode="json"))
        if secrets:
            raise InvalidRecord(
                f"transformation {key!r} holds a secret in {describe_findings(secrets)}; "
                "nothing was saved"
            )
        try:
            with self._store.session(write=True) as session:
                return self._write_version(session, document, expected, comment, by)
        except VersionConflict:
            raise
        except Conflict as exc:
            conflict = self._conflict(key, expected)
            if conflict is not None:
                raise conflict from exc
            if self._name_taken(document):
                raise Conflict(
                    f"another transformation is already called {document.name!r}; "
                    "chain names are unique in a store: choose another name"
                ) from exc
            raise

    def _name_taken(self, document: TransformationDocument) -> bool:
        with self._store.session() as session:
            owner = session.scalar(
                select(Transformation.key).where(Transformation.name == document.name)
            )
            return owner is not None and owner != document.key

    def _write_version(
        self,
        session: Session,
        document: TransformationDocument,
        expected: int | None,
        comment: str,
        by: str | None,
    ) -> TransformationVersionInfo:
        user = by or self._store.user
        now = utcnow()
        row = session.scalar(select(Transformation).where(Transformation.key == document.key))
        if row is None:
            if expected not in (None, _ANY):
                raise NotFound(
                    f"transformation {document.key!r} no longer exists (deleted since you "
                    "opened it); nothing was saved. Save it again as a new transformation."
                )
            row = Transformation(
                key=document.key,
                name=document.name,
                description=clean(document.description),
                type=document.type.value,
                latest_version=0,
                step_count=0,
                test_count=0,
                created_by=user,
                updated_by=user,
            )
            session.add(row)
            session.flush()
        elif expected is None or (expected != _ANY and expected != row.latest_version):
            raise self._conflict_from(session, row, expected)
        previous = row.latest_version
        if previous:
            latest = session.scalar(self._version_query(document.key, previous))
            same = dumps_transformation(document.model_copy(update={"version": previous}))
            if latest is not None and latest.document == same:
                return _info(document.key, latest)  # nothing changed: no new version
        number = previous + 1
        result = session.execute(
            sa_update(Transformation)
            .where(Transformation.id == row.id, Transformation.latest_version == previous)
            .values(
                latest_version=number,
                name=document.name,
                description=clean(document.description),
                type=document.type.value,
                step_count=len(document.steps),
                test_count=len(document.tests),
                updated_at=now,
                updated_by=user,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"transformation {document.key!r} changed while saving")
        text = dumps_transformation(document.model_copy(update={"version": number}))
        version = TransformationVersion(
            transformation_id=row.id,
            version=number,
            name=document.name,
            document=text,
            content_sha256=_sha256(text),
            comment=clean(comment),
            step_count=len(document.steps),
            created_at=now,
            created_by=user,
        )
        session.add(version)
        session.flush()
        return _info(document.key, version)

    def _conflict_from(
        self, session: Session, row: Transformation, expected: int | None
    ) -> VersionConflict:
        latest = session.scalar(self._version_query(row.key, row.latest_version))
        return version_conflict(row, latest, expected)

    def _conflict(self, key: str, expected: int | None) -> VersionConflict | None:
        with self._store.session() as session:
            row = session.scalar(select(Transformation).where(Transformation.key == key))
            if row is None or expected == _ANY or row.latest_version == expected:
                return None
            return self._conflict_from(session, row, expected)

    # -- reading ----------------------------------------------------------------------------

    @staticmethod
    def _version_query(key: str, version: int | None) -> Select[TransformationVersion]:
        query = select(TransformationVersion).join(
            Transformation, TransformationVersion.transformation_id == Transformation.id
        )
        query = query.where(Transformation.key == key)
        if version is None:
            return query.where(TransformationVersion.version == Transformation.latest_version)
        return query.where(TransformationVersion.version == version)

    def load_transformation(self, key: str, version: int | None = None) -> TransformationDocument:
        """The document of `version` (default: the latest) of transformation `key`."""
        return self._load(key, version)[0]

    export_document = load_transformation

    def _load(self, key: str, version: int | None) -> tuple[TransformationDocument, str]:
        with self._store.session() as session:
            row = session.scalar(self._version_query(key, version))
            if row is None:
                raise self._missing(session, key, version)
            text, digest, number = row.document, row.content_sha256, row.version
        where = f"version {number} of transformation {key!r} in {self._store.location}"
        if _sha256(text) != digest:
            raise CorruptDatabase(f"{where} does not match its checksum; restore a backup")
        try:
            return loads_transformation(text), text
        except DocumentError as exc:
            raise CorruptDatabase(f"{where} cannot be read: {exc}") from exc

    def _missing(self, session: Session, key: str, version: int | None) -> NotFound:
        latest = session.scalar(
            select(Transformation.latest_version).where(Transformation.key == key)
        )
        if latest is None:
            return NotFound(f"there is no transformation {key!r} in {self._store.location}")
        return NotFound(f"transformation {key!r} has no version {version} (latest is {latest})")

    def key_of(self, name: str) -> str | None:
        """The key of the transformation whose chain name is `name`, or None."""
        with self._store.session() as session:
            return session.scalar(select(Transformation.key).where(Transformation.name == name))

    def exists(self, key: str) -> bool:
        with self._store.session() as session:
            return session.scalar(select(exists().where(Transformation.key == key))) or False

    def history(self, key: str) -> list[TransformationVersionInfo]:
        """Every saved version, newest first."""
        with self._store.session() as session:
            rows = session.scalars(
                select(TransformationVersion)
                .join(Transformation, TransformationVersion.transformation_id == Transformation.id)
                .where(Transformation.key == key)
                .order_by(TransformationVersion.version.desc())
            ).all()
            if not rows:
                raise self._missing(session, key, None)
            return [_info(key, row) for row in rows]

    def diff(
        self, key: str, old_version: int, new_version: int | None = None
    ) -> TransformationDiff:
        """What changed from `old_version` to `new_version` (default: the latest)."""
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
        return diff_transformations(old, new).model_copy(update={"text": text})

    def list_transformations(
        self, *, search: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[TransformationSummary]:
        """Transformations by chain name; `search` matches key, name or description."""
        query = select(Transformation).order_by(Transformation.name, Transformation.id)
        if search:
            pattern = f"%{search.lower()}%"
            query = query.where(
                func.lower(Transformation.key).like(pattern)
                | func.lower(Transformation.name).like(pattern)
                | func.lower(Transformation.description).like(pattern)
            )
        query = query.offset(offset).limit(limit)
        with self._store.session() as session:
            return [
                TransformationSummary(
                    key=row.key,
                    name=row.name,
                    description=row.description,
                    type=TransformationType(row.type),
                    latest_version=row.latest_version,
                    step_count=row.step_count,
                    test_count=row.test_count,
                    updated_at=row.updated_at,
                    updated_by=row.updated_by,
                )
                for row in session.scalars(query)
            ]

    def delete_transformation(self, key: str) -> int:
        """Delete a transformation with all its versions; how many versions there were.
        Mappings that copied its chain keep their copy."""
        with self._store.session(write=True) as session:
            row = session.scalar(select(Transformation).where(Transformation.key == key))
            if row is None:
                raise NotFound(f"there is no transformation {key!r} in {self._store.location}")
            count = row.latest_version
            session.delete(row)
            return count
