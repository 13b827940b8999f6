"""Lifecycle of mapping and pipeline versions, their sign-offs and the audit trail.

A key names a stored mapping, else a stored pipeline (as `fieldwright run KEY` reads
it); a pipeline's versions follow the same states (revision 0008) and take every role
(pipelines come from no template with approval settings).

Each change checks the version's state inside its own write transaction (see
`fieldwright.domain.approvals.TRANSITIONS`), so two reviewers acting at once
cannot both win, and writes its audit entry in the same transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from fieldwright.domain.approvals import (
    TRANSITIONS,
    ApprovalRole,
    ApprovalSettings,
    AuditEntry,
    LifecycleState,
    ReviewItem,
    SignOff,
    VersionLifecycle,
    refusal,
)
from fieldwright.store._util import clean
from fieldwright.store.errors import InvalidRecord, NotFound
from fieldwright.store.models import (
    AuditRow,
    Mapping,
    Pipeline,
    SignOffRow,
    Template,
    TemplateInstance,
    VersionLifecycleRow,
)
from fieldwright.store.store import Store
from fieldwright.store.types import utcnow

__all__ = ["LifecycleRepository"]


@dataclass(frozen=True, slots=True)
class _Subject:
    """The stored mapping or pipeline whose versions a lifecycle is about."""

    id: int
    key: str
    name: str
    latest_version: int
    pipeline: bool

    @property
    def what(self) -> str:
        return "pipeline" if self.pipeline else "mapping"

    def owns(self, table: type[VersionLifecycleRow] | type[SignOffRow]) -> ColumnElement[bool]:
        """The rows of `table` that are this subject's."""
        column = table.pipeline_id if self.pipeline else table.mapping_id
        return column == self.id

    def owner(self) -> dict[str, int | None]:
        """The owner columns of a new row."""
        return {
            "mapping_id": None if self.pipeline else self.id,
            "pipeline_id": self.id if self.pipeline else None,
        }


def _sign_off(key: str, row: SignOffRow) -> SignOff:
    return SignOff(
        mapping_key=key,
        version=row.version,
        role=row.role,
        signed_by=row.signed_by,
        signed_at=row.signed_at,
        comment=row.comment,
        details=row.details,
    )


class LifecycleRepository:
    """Where each version of a mapping is in its lifecycle, and who did what to it."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- reading ----------------------------------------------------------------------------

    def _subject(self, session: Session, key: str, version: int | None = None) -> _Subject:
        """The stored mapping `key`, else the stored pipeline `key`; NotFound when neither
        is stored or it has no `version`."""
        found = session.execute(
            select(Mapping.id, Mapping.key, Mapping.name, Mapping.latest_version).where(
                Mapping.key == key
            )
        ).first()
        pipeline = False
        if found is None:
            found = session.execute(
                select(Pipeline.id, Pipeline.key, Pipeline.name, Pipeline.latest_version).where(
                    Pipeline.key == key
                )
            ).first()
            pipeline = True
        if found is None:
            raise NotFound(f"there is no mapping {key!r} in {self._store.location}")
        subject = _Subject(found[0], found[1], found[2], found[3], pipeline)
        if version is not None and not 1 <= version <= subject.latest_version:
            raise NotFound(
                f"{subject.what} {key!r} has no version {version} "
                f"(latest is {subject.latest_version})"
            )
        return subject

    def _approval_settings(self, session: Session, mapping: _Subject) -> ApprovalSettings:
        """The approval settings of the template the mapping was made from, else the default
        (always for a pipeline)."""
        if mapping.pipeline:
            return ApprovalSettings()
        document = session.scalar(
            select(Template.document)
            .join(TemplateInstance, TemplateInstance.template_id == Template.id)
            .where(TemplateInstance.mapping_id == mapping.id)
            .order_by(TemplateInstance.id.desc())
            .limit(1)
        )
        raw = document.get("approval") if isinstance(document, dict) else None
        if raw is None:
            return ApprovalSettings()
        try:
            return ApprovalSettings.model_validate(raw)
        except ValueError as exc:
            raise InvalidRecord(
                f"the approval settings of the template of mapping {mapping.key!r} are "
                f"not valid: {exc}"
            ) from exc

    @staticmethod
    def _build(
        mapping: _Subject,
        version: int,
        row: VersionLifecycleRow | None,
        signs: Sequence[SignOffRow],
        settings: Callable[[], ApprovalSettings],
    ) -> VersionLifecycle:
        """A version's lifecycle from its row (None: a draft, with `settings`' roles)."""
        sign_offs = [_sign_off(mapping.key, s) for s in signs]
        if row is None:
            defaults = settings()
            return VersionLifecycle(
                mapping_key=mapping.key,
                version=version,
                required_roles=defaults.required_roles,
                coverage_threshold=defaults.coverage_threshold,
                sign_offs=sign_offs,
            )
        return VersionLifecycle(
            mapping_key=mapping.key,
            version=version,
            state=row.state,
            required_roles=[ApprovalRole(r) for r in row.required_roles],
            coverage_threshold=row.coverage_threshold,
            sign_offs=sign_offs,
            changed_at=row.changed_at,
            changed_by=row.changed_by,
        )

    def _lifecycle(
        self, session: Session, mapping: _Subject, version: int
    ) -> tuple[VersionLifecycle, VersionLifecycleRow | None]:
        row = session.scalar(
            select(VersionLifecycleRow).where(
                mapping.owns(VersionLifecycleRow),
                VersionLifecycleRow.version == version,
            )
        )
        signs = session.scalars(
            select(SignOffRow)
            .where(mapping.owns(SignOffRow), SignOffRow.version == version)
            .order_by(SignOffRow.signed_at, SignOffRow.id)
        ).all()
        settings = functools.partial(self._approval_settings, session, mapping)
        return self._build(mapping, version, row, signs, settings), row

    def lifecycle(self, key: str, version: int | None = None) -> VersionLifecycle:
        """The lifecycle of `version` (default: the latest) of mapping (or pipeline) `key`."""
        with self._store.session() as session:
            mapping = self._subject(session, key, version)
            return self._lifecycle(session, mapping, version or mapping.latest_version)[0]

    def versions(self, key: str) -> list[VersionLifecycle]:
        """Every version's lifecycle, newest first (versions without a row are drafts)."""
        with self._store.session() as session:
            mapping = self._subject(session, key)
            rows = {
                row.version: row
                for row in session.scalars(
                    select(VersionLifecycleRow).where(mapping.owns(VersionLifecycleRow))
                )
            }
            signs: dict[int, list[SignOffRow]] = {}
            for sign in session.scalars(
                select(SignOffRow)
                .where(mapping.owns(SignOffRow))
                .order_by(SignOffRow.signed_at, SignOffRow.id)
            ):
                signs.setdefault(sign.version, []).append(sign)
            settings = functools.cache(functools.partial(self._approval_settings, session, mapping))
            return [
                self._build(mapping, number, rows.get(number), signs.get(number, []), settings)
                for number in range(mapping.latest_version, 0, -1)
            ]

    def versions_in(self, key: str, states: Sequence[LifecycleState]) -> list[int]:
        """The versions of `key` in one of `states`, newest first."""
        with self._store.session() as session:
            mapping = self._subject(session, key)
            return list(
                session.scalars(
                    select(VersionLifecycleRow.version)
                    .where(
                        mapping.owns(VersionLifecycleRow),
                        VersionLifecycleRow.state.in_(list(states)),
                    )
                    .order_by(VersionLifecycleRow.version.desc())
                )
            )

    def active_version(self, key: str) -> int | None:
        """The version of `key` that schedules run, or None when none is active."""
        found = self.versions_in(key, [LifecycleState.ACTIVE])
        return found[0] if found else None

    def review_queue(self, user: str | None = None) -> list[ReviewItem]:
        """Versions in review, oldest submission first; with `user`, only those `user`
        has not signed yet (someone who signed one role may still sign another)."""
        query = (
            select(
                VersionLifecycleRow,
                func.coalesce(Mapping.key, Pipeline.key),
                func.coalesce(Mapping.name, Pipeline.name),
            )
            .outerjoin(Mapping, Mapping.id == VersionLifecycleRow.mapping_id)
            .outerjoin(Pipeline, Pipeline.id == VersionLifecycleRow.pipeline_id)
            .where(VersionLifecycleRow.state == LifecycleState.IN_REVIEW)
            .order_by(VersionLifecycleRow.submitted_at, VersionLifecycleRow.id)
        )
        same_owner = or_(
            VersionLifecycleRow.mapping_id == SignOffRow.mapping_id,
            VersionLifecycleRow.pipeline_id == SignOffRow.pipeline_id,
        )
        items = []
        with self._store.session() as session:
            waiting = [(row, key, name) for row, key, name in session.execute(query)]
            signs: dict[tuple[int | None, int | None, int], list[SignOffRow]] = {}
            for sign in session.scalars(
                select(SignOffRow).join(
                    VersionLifecycleRow,
                    and_(
                        same_owner,
                        VersionLifecycleRow.version == SignOffRow.version,
                        VersionLifecycleRow.state == LifecycleState.IN_REVIEW,
                    ),
                )
            ):
                signs.setdefault((sign.mapping_id, sign.pipeline_id, sign.version), []).append(sign)
        for row, key, name in waiting:
            done = signs.get((row.mapping_id, row.pipeline_id, row.version), [])
            signed = {s.role for s in done}
            missing = [ApprovalRole(r) for r in row.required_roles if ApprovalRole(r) not in signed]
            if user is not None and (not missing or any(s.signed_by == user for s in done)):
                continue
            items.append(
                ReviewItem(
                    mapping_key=key,
                    mapping_name=name,
                    version=row.version,
                    submitted_by=row.submitted_by,
                    submitted_at=row.submitted_at,
                    missing_roles=missing,
                    signed_roles=[r for r in ApprovalRole if r in signed],
                )
            )
        return items

    def audit(self, key: str, *, limit: int = 1000) -> list[AuditEntry]:
        """The audit trail of mapping `key`, newest first."""
        query = (
            select(AuditRow)
            .where(AuditRow.mapping_key == key)
            .order_by(AuditRow.at.desc(), AuditRow.id.desc())
            .limit(limit)
        )
        with self._store.session() as session:
            return [
                AuditEntry(
                    mapping_key=row.mapping_key,
                    version=row.version,
                    action=row.action,
                    actor=row.actor,
                    at=row.at,
                    comment=row.comment,
                    details=row.details,
                )
                for row in session.scalars(query)
            ]

    # -- changing ---------------------------------------------------------------------------

    def _audit(
        self,
        session: Session,
        key: str,
        version: int | None,
        action: str,
        *,
        at: datetime,
        comment: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        session.add(
            AuditRow(
                mapping_key=key,
                version=version,
                action=action,
                actor=self._store.user,
                at=at,
                comment=clean(comment),
                details=clean(details or {}),
            )
        )

    def _set_state(
        self,
        session: Session,
        mapping: _Subject,
        version: int,
        row: VersionLifecycleRow | None,
        lifecycle: VersionLifecycle,
        state: LifecycleState,
        now: datetime,
    ) -> None:
        roles, threshold = lifecycle.required_roles, lifecycle.coverage_threshold
        if state is LifecycleState.IN_REVIEW:
            # The roles are fixed at submission: a template changed later does not move them.
            settings = self._approval_settings(session, mapping)
            roles, threshold = settings.required_roles, settings.coverage_threshold
        if row is None:
            row = VersionLifecycleRow(
                **mapping.owner(), version=version, state=state, changed_by=self._store.user
            )
            session.add(row)
        if state is LifecycleState.IN_REVIEW or row.required_roles is None:
            row.required_roles = [r.value for r in roles]
            row.coverage_threshold = threshold
        if state is LifecycleState.IN_REVIEW:
            row.submitted_at, row.submitted_by = now, self._store.user
        row.state = state
        row.changed_at, row.changed_by = now, self._store.user

    def change(
        self,
        action: str,
        key: str,
        version: int,
        *,
        comment: str = "",
        role: ApprovalRole | None = None,
        details: dict[str, Any] | None = None,
    ) -> VersionLifecycle:
        """Do lifecycle `action` (a key of TRANSITIONS) on `version` of `key`, with its audit.

        ``sign_off`` needs `role` (one the version requires, not signed yet); ``approve``
        needs every required role signed; ``reject`` withdraws the sign-offs;
        ``activate`` retires the version active before. A refused action is an
        InvalidRecord saying why.
        """
        if action not in TRANSITIONS:
            raise InvalidRecord(f"unknown lifecycle action {action!r}")
        now = utcnow()
        with self._store.session(write=True) as session:
            mapping = self._subject(session, key, version)
            lifecycle, row = self._lifecycle(session, mapping, version)
            problem = refusal(action, key, version, lifecycle.state)
            if problem is None:
                problem = self._precondition(action, lifecycle, role)
            if problem is not None:
                raise InvalidRecord(problem)
            entry = dict(details or {})
            if action == "sign_off":
                assert role is not None  # checked by _precondition
                session.add(
                    SignOffRow(
                        **mapping.owner(),
                        version=version,
                        role=role,
                        signed_by=self._store.user,
                        signed_at=now,
                        comment=clean(comment),
                        details=clean(entry),
                    )
                )
                entry = {"role": role.value, **entry}
            elif action == "reject":
                session.execute(
                    delete(SignOffRow).where(
                        mapping.owns(SignOffRow), SignOffRow.version == version
                    )
                )
            elif action == "activate":
                self._retire_active(session, mapping, now)
            target = TRANSITIONS[action][1]
            if target is not None:
                self._set_state(session, mapping, version, row, lifecycle, target, now)
            self._audit(session, key, version, action, at=now, comment=comment, details=entry)
            session.flush()
            return self._lifecycle(session, mapping, version)[0]

    @staticmethod
    def _precondition(
        action: str, lifecycle: VersionLifecycle, role: ApprovalRole | None
    ) -> str | None:
        where = f"version {lifecycle.version} of {lifecycle.mapping_key!r}"
        if action == "sign_off":
            if role is None:
                return "a sign-off names its role"
            if role not in lifecycle.required_roles:
                needed = ", ".join(r.value for r in lifecycle.required_roles)
                return f"{where} does not need a {role.value} sign-off (it needs: {needed})"
            signed = next((s for s in lifecycle.sign_offs if s.role is role), None)
            if signed is not None:
                return f"{where} was already signed off as {role.value} by {signed.signed_by}"
        if action == "approve" and lifecycle.missing_roles:
            missing = ", ".join(r.value for r in lifecycle.missing_roles)
            return f"{where} cannot be approved yet: waiting for {missing}"
        return None

    def _retire_active(self, session: Session, mapping: _Subject, now: datetime) -> None:
        active = session.scalars(
            select(VersionLifecycleRow).where(
                mapping.owns(VersionLifecycleRow),
                VersionLifecycleRow.state == LifecycleState.ACTIVE,
            )
        ).all()
        for row in active:
            row.state = LifecycleState.RETIRED
            row.changed_at, row.changed_by = now, self._store.user
            self._audit(
                session,
                mapping.key,
                row.version,
                "retire",
                at=now,
                comment="replaced by a newly activated version",
            )
