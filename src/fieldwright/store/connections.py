"""Saved connections and their certificates. Secrets never enter the store: only a keyring
reference does, with the dates the secret expires and should be rotated by; a certificate
keeps its public facts (never a private key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldwright.domain.certificates import CertificateRecord
from fieldwright.domain.secrets_scan import describe_findings, find_secrets
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.store._util import check_key, clean
from fieldwright.store.errors import Conflict, InvalidRecord, NotFound
from fieldwright.store.models import Certificate, Connection
from fieldwright.store.store import Store

__all__ = ["ConnectionRepository"]


def _record(row: Connection) -> ConnectionRecord:
    return ConnectionRecord(
        name=row.name,
        kind=row.kind,
        description=row.description,
        settings=row.settings,
        keyring_service=row.keyring_service,
        keyring_username=row.keyring_username,
        expires_at=row.expires_at,
        rotate_by=row.rotate_by,
    )


def _certificate(row: Certificate, connection: str) -> CertificateRecord:
    return CertificateRecord(
        key=row.key,
        connection=connection,
        client=row.client,
        system=row.system,
        path=row.path,
        subject=row.subject,
        issuer=row.issuer,
        serial=row.serial,
        fingerprint=row.fingerprint,
        not_before=row.not_before,
        not_after=row.not_after,
        pem=row.pem,
    )


def _apply(row: Connection, record: ConnectionRecord) -> None:
    secrets = find_secrets(record.settings, "settings")
    if secrets:
        raise InvalidRecord(
            f"connection {record.name!r} holds a secret in {describe_findings(secrets)}; keep "
            "the secret in the OS keyring (the connection's credential) and nothing was saved"
        )
    row.kind = record.kind[:50]
    row.description = clean(record.description)
    row.settings = clean(record.settings)
    row.keyring_service = record.keyring_service
    row.keyring_username = record.keyring_username
    row.expires_at = record.expires_at
    row.rotate_by = record.rotate_by


class ConnectionRepository:
    def __init__(self, store: Store) -> None:
        self._store = store

    def _row(self, session: Session, name: str) -> Connection:
        row = session.scalar(select(Connection).where(Connection.name == name))
        if row is None:
            raise NotFound(f"there is no connection {name!r} in {self._store.location}")
        return row

    def create(self, record: ConnectionRecord) -> ConnectionRecord:
        check_key(record.name, "connection")
        with self._store.session(write=True) as session:
            if session.scalar(select(Connection.id).where(Connection.name == record.name)):
                raise Conflict(f"a connection named {record.name!r} already exists")
            row = Connection(name=record.name)
            _apply(row, record)
            session.add(row)
            session.flush()
            return _record(row)

    def update(self, record: ConnectionRecord) -> ConnectionRecord:
        with self._store.session(write=True) as session:
            row = self._row(session, record.name)
            _apply(row, record)
            session.flush()
            return _record(row)

    def get(self, name: str) -> ConnectionRecord:
        with self._store.session() as session:
            return _record(self._row(session, name))

    def list_connections(self, *, kind: str | None = None) -> list[ConnectionRecord]:
        query = select(Connection).order_by(Connection.name)
        if kind is not None:
            query = query.where(Connection.kind == kind)
        with self._store.session() as session:
            return [_record(row) for row in session.scalars(query)]

    def delete(self, name: str) -> None:
        with self._store.session(write=True) as session:
            session.delete(self._row(session, name))

    def set_dates(
        self, name: str, *, expires_at: datetime | None, rotate_by: datetime | None
    ) -> ConnectionRecord:
        """Set (None: clear) when a connection's secret expires and should be rotated by."""
        with self._store.session(write=True) as session:
            row = self._row(session, name)
            row.expires_at, row.rotate_by = expires_at, rotate_by
            session.flush()
            return _record(row)

    # -- certificates ------------------------------------------------------------------------

    def add_certificate(self, record: CertificateRecord) -> CertificateRecord:
        """Keep a certificate of `record.connection`; one with the same key is replaced
        when it is the same certificate (fingerprint), refused when it is another."""
        check_key(record.key, "certificate")
        if "PRIVATE KEY" in record.pem:
            raise InvalidRecord(f"certificate {record.key!r} holds a private key: not kept")
        with self._store.session(write=True) as session:
            connection = self._row(session, record.connection)
            row = session.scalar(select(Certificate).where(Certificate.key == record.key))
            if row is not None and row.fingerprint != record.fingerprint:
                raise Conflict(
                    f"certificate key {record.key!r} is taken by another certificate "
                    f"(fingerprint {row.fingerprint})"
                )
            if row is None:
                row = Certificate(key=record.key)
                session.add(row)
            row.connection_id = connection.id
            row.client, row.system, row.path = record.client, record.system, record.path
            row.subject, row.issuer, row.serial = record.subject, record.issuer, record.serial
            row.fingerprint, row.pem = record.fingerprint, record.pem
            row.not_before, row.not_after = record.not_before, record.not_after
            session.flush()
            return _certificate(row, connection.name)

    def certificates(self, connection: str | None = None) -> list[CertificateRecord]:
        """Certificates of one connection (or all), soonest expiry first."""
        query = (
            select(Certificate, Connection.name)
            .join(Connection, Certificate.connection_id == Connection.id)
            .order_by(Certificate.not_after, Certificate.key)
        )
        if connection is not None:
            query = query.where(Connection.name == connection)
        with self._store.session() as session:
            return [_certificate(row, name) for row, name in session.execute(query)]

    def delete_certificate(self, key: str) -> None:
        with self._store.session(write=True) as session:
            row = session.scalar(select(Certificate).where(Certificate.key == key))
            if row is None:
                raise NotFound(f"there is no certificate {key!r} in {self._store.location}")
            session.delete(row)
