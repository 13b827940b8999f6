"""Lifecycle of mapping versions, their sign-offs and the audit trail.

Each change checks the version's state inside its own write transaction (see
`fieldwright.domain.approvals.TRANSITIONS`), so two reviewers acting at once
cannot both win, and writes its audit entry in the same transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, select
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
    SignOffRow,
    Template,
    TemplateInstance,
    VersionLifecycleRow,
)
from fieldwright.store.store import Store
from fieldwright.store.types import utcnow

__all__ = ["LifecycleRepository"]


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

    def _mapping(self, session: Session, key: str, version: int | None = None) -> Mapping:
        mapping = session.scalar(select(Mapping).where(Mapping.key == key))
        if mapping is None:
            raise NotFound(f"there is no mapping {key!r} in {self._store.location}")
        if version is not None and not 1 <= version <= mapping.latest_version:
            raise NotFound(
                f"mapping {key!r} has no version {version} (latest is {mapping.latest_version})"
            )
        return mapping

    def _approval_settings(self, session: Session, mapping: Mapping) -> ApprovalSettings:
        """The approval settings of the template the mapping was made from, else the default."""
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
        mapping: Mapping,
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
        self, session: Session, mapping: Mapping, version: int
    ) -> tuple[VersionLifecycle, VersionLifecycleRow | None]:
        row = session.scalar(
            select(VersionLifecycleRow).where(
                VersionLifecycleRow.mapping_id == mapping.id,
                VersionLifecycleRow.version == version,
            )
        )
        signs = session.scalars(
            select(SignOffRow)
            .where(SignOffRow.mapping_id == mapping.id, SignOffRow.version == version)
            .order_by(SignOffRow.signed_at, SignOffRow.id)
        ).all()
        settings = functools.partial(self._approval_settings, session, mapping)
        return self._build(mapping, version, row, signs, settings), row

    def lifecycle(self, key: str, version: int | None = None) -> VersionLifecycle:
        """The lifecycle of `version` (default: the latest) of mapping `key`."""
        with self._store.session() as session:
            mapping = self._mapping(session, key, version)
            return self._lifecycle(session, mapping, version or mapping.latest_version)[0]

    def versions(self, key: str) -> list[VersionLifecycle]:
        """Every version's lifecycle, newest first (versions without a row are drafts)."""
        with self._store.session() as session:
            mapping = self._mapping(session, key)
            rows = {
                row.version: row
                for row in session.scalars(
                    select(VersionLifecycleRow).where(VersionLifecycleRow.mapping_id == mapping.id)
                )
            }
            signs: dict[int, list[SignOffRow]] = {}
            for sign in session.scalars(
                select(SignOffRow)
                .where(SignOffRow.mapping_id == mapping.id)
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
            mapping = self._mapping(session, key)
            return list(
                session.scalars(
                    select(VersionLifecycleRow.version)
                    .where(
                        VersionLifecycleRow.mapping_id == mapping.id,
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
            select(VersionLifecycleRow, Mapping)
            .join(Mapping, Mapping.id == VersionLifecycleRow.mapping_id)
            .where(VersionLifecycleRow.state == LifecycleState.IN_REVIEW)
            .order_by(VersionLifecycleRow.submitted_at, VersionLifecycleRow.id)
        )
        items = []
        with self._store.session() as session:
            waiting = [(row, mapping) for row, mapping in session.execute(query)]
            signs: dict[tuple[int, int], list[SignOffRow]] = {}
            for sign in session.scalars(
                select(SignOffRow).join(
                    VersionLifecycleRow,
                    and_(
                        VersionLifecycleRow.mapping_id == SignOffRow.mapping_id,
                        VersionLifecycleRow.version == SignOffRow.version,
                        VersionLifecycleRow.state == LifecycleState.IN_REVIEW,
                    ),
                )
            ):
                signs.setdefault((sign.mapping_id, sign.version), []).append(sign)
        for row, mapping in waiting:
            done = signs.get((mapping.id, row.version), [])
            signed = {s.role for s in done}
            missing = [ApprovalRole(r) for r in row.required_roles if ApprovalRole(r) not in signed]
            if user is not None and (not missing or any(s.signed_by == user for s in done)):
                continue
            items.append(
                ReviewItem(
                    mapping_key=mapping.key,
                    mapping_name=mapping.name,
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
        mapping: Mapping,
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
                mapping_id=mapping.id, version=version, state=state, changed_by=self._store.user
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
            mapping = self._mapping(session, key, version)
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
                        mapping_id=mapping.id,
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
                        SignOffRow.mapping_id == mapping.id, SignOffRow.version == version
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

    def _retire_active(self, session: Session, mapping: Mapping, now: datetime) -> None:
        active = session.scalars(
            select(VersionLifecycleRow).where(
                VersionLifecycleRow.mapping_id == mapping.id,
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
