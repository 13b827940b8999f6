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
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
from fieldwright.store._util import clean
from fieldwright.store.errors import Conflict
from fieldwright.store.models import Transformation, TransformationVersion
from fieldwright.store.versioned import VersionedRepository

__all__ = ["TransformationRepository", "diff_transformations"]

#: Parts of the document not listed as "other changes" (steps and tests are diffed apart).
_NOT_COMPARED = frozenset({"steps", "tests", "version"})


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


class TransformationRepository(
    VersionedRepository[TransformationDocument, TransformationVersionInfo]
):
    """Save, load, list, delete transformations; their history and diffs."""

    _noun = "transformation"
    _head = Transformation
    _version = TransformationVersion
    _owner_id = "transformation_id"
    _secret_advice = ""

    def _dumps(self, document: TransformationDocument, version: int) -> str:
        return dumps_transformation(document.model_copy(update={"version": version}))

    def _loads(self, text: str) -> TransformationDocument:
        return loads_transformation(text)

    def _head_values(self, document: TransformationDocument) -> dict[str, Any]:
        return {
            "name": document.name,
            "description": clean(document.description),
            "type": document.type.value,
            "step_count": len(document.steps),
            "test_count": len(document.tests),
        }

    def _version_values(self, document: TransformationDocument) -> dict[str, Any]:
        return {"name": document.name, "step_count": len(document.steps)}

    def _info(self, key: str, row: TransformationVersion) -> TransformationVersionInfo:
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

    def _unchanged(
        self, session: Session, document: TransformationDocument, previous: int
    ) -> TransformationVersionInfo | None:
        latest = session.scalar(self._version_query(document.key, previous))
        same = self._dumps(document, previous)
        if latest is not None and latest.document == same:
            return self._info(document.key, latest)  # nothing changed: no new version
        return None

    def _other_conflict(self, document: TransformationDocument, exc: Conflict) -> Conflict | None:
        with self._store.session() as session:
            owner = session.scalar(
                select(Transformation.key).where(Transformation.name == document.name)
            )
        if owner is not None and owner != document.key:
            return Conflict(
                f"another transformation is already called {document.name!r}; "
                "chain names are unique in a store: choose another name"
            )
        return None

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
        """Store an imported transformation: a new one, or a new version of its key."""
        return self._import(document, comment=comment, by=by)

    # -- reading ----------------------------------------------------------------------------

    def load_transformation(self, key: str, version: int | None = None) -> TransformationDocument:
        """The document of `version` (default: the latest) of transformation `key`."""
        return self._load(key, version)[0]

    export_document = load_transformation

    def key_of(self, name: str) -> str | None:
        """The key of the transformation whose chain name is `name`, or None."""
        with self._store.session() as session:
            return session.scalar(select(Transformation.key).where(Transformation.name == name))

    def diff(
        self, key: str, old_version: int, new_version: int | None = None
    ) -> TransformationDiff:
        """What changed from `old_version` to `new_version` (default: the latest)."""
        old, new, text = self._text_diff(key, old_version, new_version)
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
        return self._delete(key)
