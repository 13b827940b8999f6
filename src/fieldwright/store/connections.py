"""Saved connections. Secrets never enter the store: only a keyring reference does."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldwright.domain.secrets_scan import describe_findings, find_secrets
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.store._util import check_key, clean
from fieldwright.store.errors import Conflict, InvalidRecord, NotFound
from fieldwright.store.models import Connection
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
