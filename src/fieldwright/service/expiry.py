"""Credentials that expire: every dated secret and certificate of the store's connections,
judged at a moment, as health checks, and the refusal of a run that would use an expired one.

Stages (`domain.certificates.expiry_stage`): within 30, 7 and 1 day(s) a check warns;
an expired secret or certificate fails the check (``fieldwright status`` exits non-zero)
and a run whose connectors name that connection is refused before it starts. A rotation
date that has passed only warns: the secret still works.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from fieldwright.domain.certificates import (
    CredentialExpiry,
    ExpiryKind,
    ExpiryStage,
    expiry_stage,
)
from fieldwright.service._boundary import service_errors
from fieldwright.service.errors import CredentialProblem
from fieldwright.service.monitoring_models import Health, HealthCheck
from fieldwright.store import ConnectionRepository, Store

__all__ = ["CHECK_NAME", "credential_expiries", "expiry_checks", "refuse_expired"]

#: The name of the health checks this module makes.
CHECK_NAME = "credential expiry"
_KEYRING_USER = "connection:"


def credential_expiries(
    repository: ConnectionRepository, now: datetime | None = None, *, connection: str | None = None
) -> list[CredentialExpiry]:
    """Every dated secret, rotation date and certificate (of one connection, or all),
    soonest first."""
    moment = now or datetime.now(UTC)
    found: list[CredentialExpiry] = []
    records = (
        [repository.get(connection)] if connection is not None else repository.list_connections()
    )
    for record in records:
        for kind, at in (
            (ExpiryKind.SECRET, record.expires_at),
            (ExpiryKind.ROTATION, record.rotate_by),
        ):
            if at is not None:
                found.append(
                    CredentialExpiry(
                        connection=record.name, kind=kind, at=at, stage=expiry_stage(at, moment)
                    )
                )
    for certificate in repository.certificates(connection):
        found.append(
            CredentialExpiry(
                connection=certificate.connection,
                kind=ExpiryKind.CERTIFICATE,
                at=certificate.not_after,
                stage=expiry_stage(certificate.not_after, moment),
                certificate=certificate.key,
            )
        )
    return sorted(found, key=lambda e: (e.at, e.connection, e.kind.value))


def _health(expiry: CredentialExpiry) -> Health:
    if expiry.stage is ExpiryStage.OK:
        return Health.OK
    if expiry.stage is ExpiryStage.EXPIRED and expiry.kind is not ExpiryKind.ROTATION:
        return Health.FAILING
    return Health.WARNING


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def expiry_checks(expiries: Iterable[CredentialExpiry], now: datetime) -> list[HealthCheck]:
    """One health check per expiry: ok beyond 30 days, a warning within 30, 7 and 1 day(s)
    (and for a passed rotation date), failing once a secret or certificate expired."""
    return [
        HealthCheck(
            name=CHECK_NAME,
            subject=expiry.connection,
            health=_health(expiry),
            detail=_capitalised(expiry.describe(now)),
        )
        for expiry in expiries
    ]


def _connection_names(sides: Iterable[Mapping[str, Any] | None]) -> list[str]:
    """The saved connections described connectors use: by name, or by the keyring
    reference the connection keeps its secret under."""
    names: list[str] = []
    for side in sides:
        if not side:
            continue
        name = side.get("connection")
        credential = side.get("credential")
        if not isinstance(name, str) and isinstance(credential, Mapping):
            user = credential.get("username")
            if isinstance(user, str) and user.startswith(_KEYRING_USER):
                name = user[len(_KEYRING_USER) :]
        if isinstance(name, str) and name not in names:
            names.append(name)
    return names


def refuse_expired(
    store: Store, sides: Iterable[Mapping[str, Any] | None], now: datetime | None = None
) -> None:
    """Refuse a run (CredentialProblem naming the connection and when it expired) whose
    described source or target uses a connection with an expired secret or certificate."""
    names = _connection_names(sides)
    if not names:
        return
    moment = now or datetime.now(UTC)
    repository = ConnectionRepository(store)
    expired: list[CredentialExpiry] = []
    with service_errors("checking the expiry dates of the run's connections"):
        saved = {record.name for record in repository.list_connections()}
        for name in names:
            if name in saved:
                expired += [
                    expiry
                    for expiry in credential_expiries(repository, moment, connection=name)
                    if expiry.stage is ExpiryStage.EXPIRED
                    and expiry.kind is not ExpiryKind.ROTATION
                ]
    if expired:
        reasons = "; ".join(expiry.describe(moment) for expiry in expired)
        raise CredentialProblem(
            f"{reasons}: the run was not started; renew it and set the new date in the "
            "connection (Connections page or `fieldwright credentials`)"
        )
