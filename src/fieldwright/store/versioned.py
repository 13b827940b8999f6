"""Versioned documents: the save, load and history machinery that mappings, pipelines and
transformations share.

Every save writes a new version (latest + 1) holding the whole canonical document;
nothing is ever updated in place. A save names the version the editor started from; if
someone saved a newer one meanwhile the save is refused with a VersionConflict naming who
and when, and nothing is written. The head row's ``latest_version`` moves by
compare-and-set, so two concurrent saves of one key cannot both win. Each stored version
carries its text's SHA-256: a version whose text no longer matches is reported as a
damaged database, not parsed.

A repository names its tables and says how its document is written, read and summed up
(the hooks below); everything else is here once.
"""

from __future__ import annotations

import difflib
import hashlib
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import Select, exists, select
from sqlalchemy import update as sa_update
from sqlalchemy.orm import Session

from fieldwright.domain.errors import DocumentError
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
from fieldwright.store.store import Store
from fieldwright.store.types import utcnow

__all__ = ["ANY_VERSION", "VersionedRepository", "sha256"]

#: ``expected`` of an import: append a version whatever the latest is.
ANY_VERSION = -1


class _Document(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def version(self) -> int: ...

    def model_dump(self, *, mode: str = ...) -> dict[str, Any]: ...


DocT = TypeVar("DocT", bound=_Document)
InfoT = TypeVar("InfoT")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class VersionedRepository(Generic[DocT, InfoT]):
    """Save, load, list the history of and delete one kind of versioned document.

    A subclass sets the class attributes and implements the hooks. Its head table has
    ``id``, ``key``, ``latest_version``, ``updated_at``, ``updated_by``, ``created_by``;
    its version table ``version``, ``document``, ``content_sha256``, ``created_at``,
    ``created_by`` and the foreign key named by ``_owner_id``.
    """

    #: What the document is called in messages: "mapping", "pipeline", …
    _noun: ClassVar[str]
    #: The ORM classes of the head rows and of the versions (their columns are listed above).
    _head: ClassVar[Any]
    _version: ClassVar[Any]
    #: The version table's foreign key to the head row.
    _owner_id: ClassVar[str]
    #: What the refusal of a document holding a secret advises.
    _secret_advice: ClassVar[str] = (
        "keep it in the OS keyring (the connector's credential) instead: "
    )

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- hooks ------------------------------------------------------------------------------

    def _dumps(self, document: DocT, version: int) -> str:
        """The canonical text of `document` stored as version `version`."""
        raise NotImplementedError

    def _loads(self, text: str) -> DocT:
        raise NotImplementedError

    def _info(self, key: str, row: Any) -> InfoT:
        """What a caller is told about a stored version row."""
        raise NotImplementedError

    def _head_values(self, document: DocT) -> dict[str, Any]:
        """The head row's columns that follow the latest version (name, counts, …)."""
        raise NotImplementedError

    def _version_values(self, document: DocT) -> dict[str, Any]:
        """The version row's own columns besides the text, its checksum and who saved it."""
        raise NotImplementedError

    def _secrets_in(self, document: DocT) -> Any:
        """What the secret scan reads: the document's JSON data."""
        return document_secrets(self._data(document))

    def _data(self, document: DocT) -> dict[str, Any]:
        return document.model_dump(mode="json")

    def _unchanged(self, session: Session, document: DocT, previous: int) -> InfoT | None:
        """The latest version when saving `document` would store nothing new (None: save)."""
        return None

    def _after_write(self, session: Session, head: Any, document: DocT, user: str) -> None:
        """Rows kept beside the current version (a mapping's fields and tests)."""

    def _other_conflict(self, document: DocT, exc: Conflict) -> Conflict | None:
        """Explain a constraint conflict that is not a concurrent save (None: re-raise)."""
        return None

    # -- saving -----------------------------------------------------------------------------

    def _import(self, document: DocT, *, comment: str, by: str | None) -> InfoT:
        """Store an imported document: new, or a new version of its key. Its key must be a
        safe file name (it becomes one when exported to a folder)."""
        try:
            check_safe_key(document.key)
        except UnsafeKey as exc:
            raise InvalidRecord(f"{exc}; nothing was imported") from None
        return self._save(document, expected=ANY_VERSION, comment=comment, by=by)

    def _save(self, document: DocT, *, expected: int | None, comment: str, by: str | None) -> InfoT:
        key = check_key(document.key, self._noun)
        secrets = self._secrets_in(document)
        if secrets:
            raise InvalidRecord(
                f"{self._noun} {key!r} holds a secret in {describe_findings(secrets)}; "
                f"{self._secret_advice}nothing was saved"
            )
        try:
            with self._store.session(write=True) as session:
                return self._write_version(session, document, expected, comment, by)
        except VersionConflict:
            raise
        except Conflict as exc:
            # A concurrent save of the same key won the race: report who; else the original.
            conflict = self._conflict(key, expected)
            if conflict is not None:
                raise conflict from exc
            other = self._other_conflict(document, exc)
            if other is not None:
                raise other from exc
            raise

    def _write_version(
        self,
        session: Session,
        document: DocT,
        expected: int | None,
        comment: str,
        by: str | None,
    ) -> InfoT:
        user = by or self._store.user
        now = utcnow()
        head_model, noun = self._head, self._noun
        head = session.scalar(select(head_model).where(head_model.key == document.key))
        if head is None:
            if expected not in (None, ANY_VERSION):
                raise NotFound(
                    f"{noun} {document.key!r} no longer exists (deleted since you opened it); "
                    f"nothing was saved. Save it again as a new {noun}."
                )
            head = head_model(
                key=document.key,
                latest_version=0,
                created_by=user,
                updated_by=user,
                **self._head_values(document),
            )
            session.add(head)
            session.flush()
        elif expected is None or (expected != ANY_VERSION and expected != head.latest_version):
            raise self._conflict_from(session, head, expected)
        previous: int = head.latest_version
        if previous:
            unchanged = self._unchanged(session, document, previous)
            if unchanged is not None:
                return unchanged
        number = previous + 1
        # Compare-and-set: a concurrent save that got here first makes this match no row.
        result = session.execute(
            sa_update(head_model)
            .where(head_model.id == head.id, head_model.latest_version == previous)
            .values(
                latest_version=number,
                updated_at=now,
                updated_by=user,
                **self._head_values(document),
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"{noun} {document.key!r} changed while saving")
        text = self._dumps(document, number)
        row = self._version(
            version=number,
            document=text,
            content_sha256=sha256(text),
            comment=clean(comment),
            created_at=now,
            created_by=user,
            **{self._owner_id: head.id},
            **self._version_values(document),
        )
        session.add(row)
        self._after_write(session, head, document, user)
        session.flush()
        return self._info(document.key, row)

    def _conflict_from(self, session: Session, head: Any, expected: int | None) -> VersionConflict:
        latest = session.scalar(self._version_query(head.key, head.latest_version))
        return version_conflict(head, latest, expected)

    def _conflict(self, key: str, expected: int | None) -> VersionConflict | None:
        with self._store.session() as session:
            head = session.scalar(select(self._head).where(self._head.key == key))
            if head is None or expected == ANY_VERSION or head.latest_version == expected:
                return None
            return self._conflict_from(session, head, expected)

    # -- reading ----------------------------------------------------------------------------

    def _version_query(self, key: str, version: int | None) -> Select[Any]:
        head, row = self._head, self._version
        query = select(row).join(head, getattr(row, self._owner_id) == head.id)
        query = query.where(head.key == key)
        if version is None:
            return query.where(row.version == head.latest_version)
        return query.where(row.version == version)

    def _load(self, key: str, version: int | None) -> tuple[DocT, str]:
        """The document of `version` (default: the latest) and its stored text."""
        with self._store.session() as session:
            row = session.scalar(self._version_query(key, version))
            if row is None:
                raise self._missing(session, key, version)
            text: str = row.document
            digest: str | None = row.content_sha256
            number: int = row.version
        where = f"version {number} of {self._noun} {key!r} in {self._store.location}"
        if digest is not None and sha256(text) != digest:
            raise CorruptDatabase(f"{where} does not match its checksum; restore a backup")
        try:
            return self._loads(text), text
        except DocumentError as exc:
            raise CorruptDatabase(f"{where} cannot be read: {exc}") from exc

    def _missing(self, session: Session, key: str, version: int | None) -> NotFound:
        latest = session.scalar(select(self._head.latest_version).where(self._head.key == key))
        if latest is None:
            return NotFound(f"there is no {self._noun} {key!r} in {self._store.location}")
        return NotFound(f"{self._noun} {key!r} has no version {version} (latest is {latest})")

    def latest_version(self, key: str) -> int:
        with self._store.session() as session:
            latest: int | None = session.scalar(
                select(self._head.latest_version).where(self._head.key == key)
            )
            if latest is None:
                raise self._missing(session, key, None)
            return latest

    def exists(self, key: str) -> bool:
        with self._store.session() as session:
            return session.scalar(select(exists().where(self._head.key == key))) or False

    def history(self, key: str) -> list[InfoT]:
        """Every saved version, newest first."""
        with self._store.session() as session:
            rows = session.scalars(
                select(self._version)
                .join(self._head, getattr(self._version, self._owner_id) == self._head.id)
                .where(self._head.key == key)
                .order_by(self._version.version.desc())
            ).all()
            if not rows:
                raise self._missing(session, key, None)
            return [self._info(key, row) for row in rows]

    def _text_diff(
        self, key: str, old_version: int, new_version: int | None
    ) -> tuple[DocT, DocT, list[str]]:
        """Both documents and the unified diff of their canonical texts."""
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
        return old, new, text

    def _delete(self, key: str) -> int:
        """Delete a document with all its versions; how many versions there were."""
        with self._store.session(write=True) as session:
            head = session.scalar(select(self._head).where(self._head.key == key))
            if head is None:
                raise NotFound(f"there is no {self._noun} {key!r} in {self._store.location}")
            count: int = head.latest_version
            session.delete(head)
            return count
