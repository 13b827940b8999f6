"""Saved connections: settings in the store, secrets in the OS keyring, a test per kind.

A connection's secret never reaches the store: `save` puts it in the keyring
under service ``fieldwright`` and user ``connection:<name>``, and the store
row keeps only that reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fieldwright import connectors
from fieldwright.domain import ConnectorRef, CredentialRef, SchemaField
from fieldwright.domain.certificates import CertificateRecord, CredentialExpiry, certificate_key
from fieldwright.domain.secrets_scan import describe_findings, find_secrets
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service._boundary import service_errors
from fieldwright.service.errors import InvalidRequest, SaveConflict, ServiceError
from fieldwright.service.expiry import credential_expiries
from fieldwright.service.schemas import infer_schema_from_connector
from fieldwright.store import ConnectionRepository, NotFound, Store

if TYPE_CHECKING:
    from fieldwright.connectors import KeyringStatus

__all__ = ["ConnectionCheck", "Connections"]

KEYRING_SERVICE = "fieldwright"

#: A record schema (named here: `Connections.list` shadows the builtin in the class).
Fields = list[SchemaField]
Certificates = list[CertificateRecord]
Expiries = list[CredentialExpiry]


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """The result of "test connection", in words for the analyst."""

    ok: bool
    message: str


def _secret_ref(name: str) -> CredentialRef:
    return CredentialRef(service=KEYRING_SERVICE, username=f"connection:{name}")


class Connections:
    """List, save, delete and test the store's connections."""

    def __init__(self, store: Store) -> None:
        self._repository = ConnectionRepository(store)

    def keyring(self) -> KeyringStatus:
        """Whether secrets can be kept on this machine, and how to fix it if not."""
        return connectors.keyring_status()

    def list(self, kind: str | None = None) -> list[ConnectionRecord]:
        with service_errors("listing connections"):
            return self._repository.list_connections(kind=kind)

    def get(self, name: str) -> ConnectionRecord:
        with service_errors(f"opening connection {name!r}"):
            return self._repository.get(name)

    def save(self, record: ConnectionRecord, secret: str | None = None) -> ConnectionRecord:
        """Create or update a connection; a given `secret` goes to the keyring, never the store.

        Settings that hold a secret themselves (a URL password, a token in a query or a
        header) are refused, naming the field, before anything is kept anywhere.
        """
        found = find_secrets(record.settings, "settings")
        if found:
            raise InvalidRequest(
                f"connection {record.name!r} holds a secret in {describe_findings(found)}; "
                "give it as the connection's secret (kept in the OS keyring): nothing was saved"
            )
        if secret is not None:
            status = connectors.keyring_status()
            if not status.usable:
                raise InvalidRequest(status.message)
            ref = _secret_ref(record.name)
            with service_errors(f"keeping the secret of connection {record.name!r}"):
                connectors.set_secret(ref, secret)
            record = record.model_copy(
                update={"keyring_service": ref.service, "keyring_username": ref.username}
            )
        with service_errors(f"saving connection {record.name!r}"):
            try:
                self._repository.get(record.name)
            except NotFound:
                return self._repository.create(record)
            return self._repository.update(record)

    def delete(self, name: str) -> None:
        """Delete a connection and its secret in the keyring."""
        with service_errors(f"deleting connection {name!r}"):
            record = self._repository.get(name)
            if record.keyring_username:
                connectors.delete_secret(
                    CredentialRef(
                        service=record.keyring_service or KEYRING_SERVICE,
                        username=record.keyring_username,
                    ),
                    missing_ok=True,
                )
            self._repository.delete(name)

    # -- expiring credentials ----------------------------------------------------------------

    def set_expiry(
        self, name: str, *, expires_at: datetime | None, rotate_by: datetime | None
    ) -> ConnectionRecord:
        """Set when connection `name`'s secret expires and should be rotated by (UTC-aware
        datetimes; None clears a date)."""
        for label, value in (("expiry", expires_at), ("rotation date", rotate_by)):
            if value is not None and value.utcoffset() is None:
                raise InvalidRequest(f"the {label} of connection {name!r} needs a timezone")
        with service_errors(f"setting the dates of connection {name!r}"):
            return self._repository.set_dates(name, expires_at=expires_at, rotate_by=rotate_by)

    def attach_certificate(
        self, name: str, path: str | Path, *, client: str, system: str
    ) -> CertificateRecord:
        """Read the X.509 certificate at `path` (PEM, DER, or a PEM bundle whose first
        certificate is the leaf) and keep its public facts with connection `name` under
        ``cert_{CLIENT}_{SYSTEM}_{yyyymmdd}`` (the date: its not_after). The same
        certificate attached again keeps its key; another one expiring the same day gets
        ``_2``, ``_3`` …. A private key in the file is never read or kept."""
        file = Path(path).expanduser().resolve()
        with service_errors(f"attaching a certificate to connection {name!r}"):
            self._repository.get(name)
            facts = connectors.read_certificate(file)
        try:
            base = certificate_key(client, system, facts.not_after)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from exc
        for attempt in range(1, 100):
            key = base if attempt == 1 else f"{base}_{attempt}"
            record = CertificateRecord(
                key=key,
                connection=name,
                client=client.strip(),
                system=system.strip(),
                path=str(file),
                subject=facts.subject,
                issuer=facts.issuer,
                serial=facts.serial,
                fingerprint=facts.fingerprint,
                not_before=facts.not_before,
                not_after=facts.not_after,
                pem=facts.pem,
            )
            try:
                with service_errors(f"keeping certificate {key!r}"):
                    return self._repository.add_certificate(record)
            except SaveConflict:  # another certificate has this key: try the next
                continue
        raise InvalidRequest(f"too many certificates expire the same day under {base!r}")

    def certificates(self, name: str | None = None) -> Certificates:
        """The certificates of connection `name` (or of all), soonest expiry first."""
        with service_errors("listing certificates"):
            return self._repository.certificates(name)

    def remove_certificate(self, key: str) -> None:
        with service_errors(f"removing certificate {key!r}"):
            self._repository.delete_certificate(key)

    def expiries(self, name: str | None = None, *, now: datetime | None = None) -> Expiries:
        """Every dated secret, rotation date and certificate (of `name`, or of all
        connections) with its warning stage at `now`, soonest first."""
        with service_errors("reading the expiry dates of connections"):
            return credential_expiries(self._repository, now or datetime.now(UTC), connection=name)

    def reference(self, name: str) -> ConnectorRef:
        """The connector reference a mapping document uses for this connection."""
        record = self.get(name)
        credential = None
        if record.keyring_username:
            credential = CredentialRef(
                service=record.keyring_service or KEYRING_SERVICE, username=record.keyring_username
            )
        return ConnectorRef(
            kind=record.kind, settings=record.settings, credential=credential, connection=name
        )

    def test(self, name: str) -> ConnectionCheck:
        """Open the connection as a source and reach it once; say what happened."""
        ref = self.reference(name)
        if ref.kind == "sql" and not {"table", "query"} & set(ref.settings):
            # a connection need not name a table: reaching the database is the test
            ref = ref.model_copy(update={"settings": {**ref.settings, "query": "SELECT 1"}})
        try:
            with service_errors(f"testing connection {name!r}"):
                source = connectors.open_connector_source(
                    ref,
                    credentials=connectors.Credentials.from_keyring(ref.credential)
                    if ref.credential
                    else None,
                )
                try:
                    probe = getattr(source, "test_connection", None)
                    if probe is not None:
                        probe()
                    else:
                        next(iter(source), None)  # a file: reading its first record is the test
                finally:
                    source.close()
        except ServiceError as exc:  # the failure is the test's answer
            return ConnectionCheck(False, str(exc))
        return ConnectionCheck(True, f"connected to {name} ({ref.kind})")

    def infer_schema(
        self, name: str, *, table: str | None = None, query: str | None = None, limit: int = 1000
    ) -> Fields:
        """The record schema of a saved connection: a SQL table's columns, or the fields the
        first `limit` records of a query, an HTTP endpoint or a file show.

        `table` or `query` (SQL connections only) replaces the one the connection names.
        Raises InvalidRequest for a table or query on another kind, both at once, or a SQL
        connection that names neither; DataError when it cannot be read.
        """
        ref = self.reference(name)
        table, query = (table or "").strip() or None, (query or "").strip() or None
        if table is not None or query is not None:
            if ref.kind != "sql":
                raise InvalidRequest(
                    f"connection {name!r} is {ref.kind}, not a database: a table or a query "
                    "needs a SQL connection"
                )
            if table is not None and query is not None:
                raise InvalidRequest("give a table or a query, not both")
            settings = {k: v for k, v in ref.settings.items() if k not in ("table", "query")}
            settings.update({"table": table} if table is not None else {"query": query})
            ref = ref.model_copy(update={"settings": settings})
        elif ref.kind == "sql" and not {"table", "query"} & set(ref.settings):
            raise InvalidRequest(
                f"connection {name!r} names no table; choose a table or write a query"
            )
        with service_errors(f"reading connection {name!r}"):
            return infer_schema_from_connector(ref, what=f"connection {name!r}", limit=limit)
