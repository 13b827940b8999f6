"""Credentials: secrets live in the keyring only, and never reach logs, exports or the store."""

from __future__ import annotations

import logging
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from fieldwright.connectors import (
    CredentialError,
    Credentials,
    SecretMasker,
    delete_secret,
    get_secret,
    install_secret_masker,
    keyring_status,
    mask,
    set_secret,
)
from fieldwright.domain import ConnectorRef, CredentialRef, Endpoint, MappingDocument, dumps
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.store import ConnectionRepository, Store
from tests.conftest import MemoryKeyring

REF = CredentialRef(username="acme-api")


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt's file backends: only its module name matters."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


def test_set_get_delete_round_trip(memory_keyring: MemoryKeyring, secret: str) -> None:
    set_secret(REF, secret)
    assert memory_keyring.entries[("fieldwright", "acme-api")] == secret
    assert get_secret(REF) == secret
    delete_secret(REF)
    assert memory_keyring.entries == {}
    delete_secret(REF)  # already gone: fine by default
    with pytest.raises(CredentialError, match="no secret is stored"):
        delete_secret(REF, missing_ok=False)


def test_missing_secret_names_the_entry_and_what_to_do(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(CredentialError) as caught:
        get_secret(CredentialRef(service="fieldwright", username="nobody"))
    message = str(caught.value)
    assert "keyring entry fieldwright/nobody" in message
    assert "enter it again" in message


def test_status_of_a_usable_keyring(memory_keyring: MemoryKeyring) -> None:
    status = keyring_status()
    assert status.usable
    assert status.backend.endswith("MemoryKeyring")


def test_fail_keyring_is_reported_with_how_to_fix_it() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        status = keyring_status()
        assert not status.usable
        assert status.backend == "keyring.backends.fail.Keyring"
        assert "no usable OS keyring" in status.message
        assert "GNOME Keyring" in status.message
        assert "PYTHON_KEYRING_BACKEND" in status.message
        with pytest.raises(CredentialError, match="no usable OS keyring"):
            get_secret(REF)
        with pytest.raises(CredentialError, match="no usable OS keyring"):
            set_secret(REF, "x" * 12)
    finally:
        keyring.set_keyring(previous)


def test_plaintext_keyring_needs_an_explicit_opt_in(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.delenv("FIELDWRIGHT_ALLOW_PLAINTEXT_KEYRING", raising=False)
    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    keyring.set_keyring(backend)
    try:
        status = keyring_status()
        assert not status.usable
        assert "plain file" in status.message
        assert "FIELDWRIGHT_ALLOW_PLAINTEXT_KEYRING=1" in status.message
        with pytest.raises(CredentialError, match="plain file"):
            set_secret(REF, secret)
        assert backend.entries == {}

        set_secret(REF, secret, allow_plaintext=True)
        assert get_secret(REF, allow_plaintext=True) == secret

        monkeypatch.setenv("FIELDWRIGHT_ALLOW_PLAINTEXT_KEYRING", "1")
        assert keyring_status().usable
        assert get_secret(REF) == secret
        # An explicit refusal wins over the environment.
        assert not keyring_status(allow_plaintext=False).usable
    finally:
        keyring.set_keyring(previous)


def test_credentials_fetch_lazily_and_never_show_the_secret(
    memory_keyring: MemoryKeyring, secret: str
) -> None:
    credentials = Credentials.from_keyring(REF)
    with pytest.raises(CredentialError, match="acme-api"):
        credentials.secret()
    set_secret(REF, secret)
    assert credentials.secret() == secret
    assert credentials.username == "acme-api"
    given = Credentials.from_secret(secret, username="bob")
    assert given.username == "bob"
    assert secret not in repr(given)
    assert secret not in repr(credentials)


def test_mask_hides_known_secrets_headers_tokens_and_url_passwords(secret: str) -> None:
    Credentials.from_secret(secret)  # registers it
    text = (
        f"value {secret}; Authorization: Basic Zm9vOmJhcg==\n"
        "{'authorization': 'Bearer abc.def-ghi'} "
        "postgresql://app:hunter22@db:5432/x"
    )
    masked = mask(text)
    assert secret not in masked
    assert "Zm9vOmJhcg" not in masked
    assert "abc.def-ghi" not in masked
    assert "hunter22" not in masked
    assert "postgresql://app:***@db:5432/x" in masked


def test_secret_never_reaches_a_log_record(
    caplog: pytest.LogCaptureFixture, memory_keyring: MemoryKeyring, secret: str
) -> None:
    set_secret(REF, secret)
    caplog.handler.addFilter(SecretMasker())
    log = logging.getLogger("fieldwright.test.credentials")
    with caplog.at_level(logging.DEBUG):
        log.info("fetched %s for %s", get_secret(REF), REF.username)
        log.debug("headers %s", {"Authorization": f"Bearer {secret}"})
        log.warning(f"f-string with the secret {secret} inside")
        try:
            raise RuntimeError(f"server refused token {secret}")
        except RuntimeError:
            log.exception("request failed")
    assert len(caplog.records) == 4
    assert secret not in caplog.text
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in (record.exc_text or "")
    assert "fetched *** for acme-api" in caplog.text


def test_install_secret_masker_adds_one_filter_per_handler() -> None:
    logger = logging.getLogger("fieldwright.test.install")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        first = install_secret_masker(logger)
        second = install_secret_masker(logger)
        assert first is second
        assert handler.filters == [first]
    finally:
        logger.removeHandler(handler)


def test_secret_is_not_in_an_exported_document(memory_keyring: MemoryKeyring, secret: str) -> None:
    set_secret(REF, secret)
    connector = ConnectorRef(
        kind="http",
        settings={"url": "https://api.example.invalid/contacts", "auth": {"type": "bearer"}},
        credential=REF,
    )
    document = MappingDocument(
        fieldwright=1, key="mapping_API_CRM_ACME", name="API", source=Endpoint(connector=connector)
    )
    text = dumps(document)
    assert '"username": "acme-api"' in text
    assert secret not in text


def test_secret_is_not_in_a_sqlite_store_row(
    tmp_path: Path, memory_keyring: MemoryKeyring, secret: str
) -> None:
    database = tmp_path / "store.db"
    set_secret(REF, secret)
    with Store.open(f"sqlite:///{database}", user="alice") as store:
        connections = ConnectionRepository(store)
        connections.create(
            ConnectionRecord(
                name="acme_api",
                kind="http",
                settings={"url": "https://api.example.invalid", "auth": {"type": "bearer"}},
                keyring_service=REF.service,
                keyring_username=REF.username,
            )
        )
        saved = connections.get("acme_api")
        assert saved.keyring_username is not None
        ref = CredentialRef(service=saved.keyring_service or "", username=saved.keyring_username)
        assert get_secret(ref) == secret
    written = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    assert b"acme-api" in written  # the reference is stored...
    assert secret.encode() not in written  # ...the secret is not
