"""Revision 0009 (issue 20, item 4): connections keep their secret's expiry and rotation
dates, and certificates their public facts; upgrading keeps existing connections."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from fieldwright.domain.certificates import CertificateRecord
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.store import ConnectionRepository, Store
from fieldwright.store.errors import Conflict, InvalidRecord, NotFound
from fieldwright.store.migrate import run_upgrade

NOW = "'2026-12-03 07:00:00'"
EXPIRES = datetime(2027, 1, 31, tzinfo=UTC)


def _certificate(key: str = "cert_ACME_QBT_20270131", **changes: object) -> CertificateRecord:
    values: dict[str, object] = {
        "key": key,
        "connection": "crm",
        "client": "ACME",
        "system": "QBT",
        "path": "/etc/fieldwright/crm.pem",
        "subject": "CN=api.acme.test",
        "issuer": "CN=Acme CA",
        "serial": "01:02",
        "fingerprint": "AA:BB",
        "not_before": datetime(2026, 1, 31, tzinfo=UTC),
        "not_after": EXPIRES,
        "pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    }
    return CertificateRecord.model_validate({**values, **changes})


def test_upgrading_keeps_connections_with_no_dates_then_keeps_dates_and_certificates(
    db_url: str,
) -> None:
    engine = create_engine(db_url)
    with engine.begin() as connection:
        run_upgrade(connection, "0008")
        connection.execute(
            text(
                "INSERT INTO connections (name, kind, description, settings, keyring_service, "
                "keyring_username, created_at, created_by, updated_at, updated_by) VALUES "
                "('crm', 'http', '', '{\"url\": \"https://crm.test\"}', 'fieldwright', "
                f"'connection:crm', {NOW}, 'carol', {NOW}, 'carol')"
            )
        )
    engine.dispose()
    with Store.open(db_url, user="dave") as store:
        repository = ConnectionRepository(store)
        old = repository.get("crm")
        assert old.settings == {"url": "https://crm.test"}
        assert (old.expires_at, old.rotate_by) == (None, None)
        dated = repository.set_dates(
            "crm", expires_at=EXPIRES, rotate_by=datetime(2027, 1, 1, tzinfo=UTC)
        )
        assert dated.expires_at == EXPIRES and repository.get("crm").rotate_by is not None
        kept = repository.add_certificate(_certificate())
        assert kept.not_after == EXPIRES and kept.connection == "crm"
        # the same certificate again replaces its row; another one may not take its key
        repository.add_certificate(_certificate(path="/elsewhere/crm.pem"))
        [again] = repository.certificates("crm")
        assert again.path == "/elsewhere/crm.pem"
        with pytest.raises(Conflict, match="taken by another certificate"):
            repository.add_certificate(_certificate(fingerprint="CC:DD"))
        repository.create(ConnectionRecord(name="erp", kind="sql", settings={}))
        repository.add_certificate(
            _certificate("cert_ACME_ERP_20261231", connection="erp", fingerprint="EE").model_copy(
                update={"not_after": datetime(2026, 12, 31, tzinfo=UTC)}
            )
        )
        assert [c.key for c in repository.certificates()] == [
            "cert_ACME_ERP_20261231",
            "cert_ACME_QBT_20270131",
        ]
        repository.delete("erp")  # its certificates go with it
        assert [c.key for c in repository.certificates()] == ["cert_ACME_QBT_20270131"]
        repository.delete_certificate("cert_ACME_QBT_20270131")
        assert repository.certificates() == []
        with pytest.raises(NotFound):
            repository.delete_certificate("cert_ACME_QBT_20270131")


def test_a_private_key_is_never_kept(db_url: str) -> None:
    with Store.open(db_url, user="dave") as store:
        repository = ConnectionRepository(store)
        repository.create(ConnectionRecord(name="crm", kind="http", settings={}))
        pem = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
        with pytest.raises(InvalidRecord, match="private key"):
            repository.add_certificate(_certificate(pem=pem))
        assert repository.certificates() == []
