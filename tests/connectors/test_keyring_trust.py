"""Issue 16 item 6: only keyrings known to keep secrets safe are trusted by default; another
backend needs an explicit setting (FIELDWRIGHT_TRUSTED_KEYRINGS); logs mask more secret shapes."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import keyring
import pytest

from fieldwright.connectors import CredentialError, keyring_status, mask, set_secret
from fieldwright.connectors.credentials import TRUSTED_KEYRINGS, TRUSTED_KEYRINGS_ENV
from fieldwright.domain import CredentialRef
from tests.conftest import MEMORY_KEYRING, MemoryKeyring

REF = CredentialRef(username="acme-api")


class HomeMadeKeyring(MemoryKeyring):
    """A third-party backend whose module name says nothing about plain files."""


HomeMadeKeyring.__module__ = "vendor_keyring.backend"
HOME_MADE = "vendor_keyring.backend.HomeMadeKeyring"


@pytest.fixture
def home_made(monkeypatch: pytest.MonkeyPatch) -> Iterator[HomeMadeKeyring]:
    monkeypatch.delenv(TRUSTED_KEYRINGS_ENV, raising=False)
    monkeypatch.delenv("FIELDWRIGHT_ALLOW_PLAINTEXT_KEYRING", raising=False)
    previous = keyring.get_keyring()
    backend = HomeMadeKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def test_an_unknown_backend_is_refused_by_default(home_made: HomeMadeKeyring, secret: str) -> None:
    status = keyring_status()
    assert not status.usable
    assert HOME_MADE in status.message and TRUSTED_KEYRINGS_ENV in status.message
    with pytest.raises(CredentialError, match="not one known to keep secrets safe"):
        set_secret(REF, secret)
    assert home_made.entries == {}


def test_an_unknown_backend_is_trusted_when_listed(
    home_made: HomeMadeKeyring, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv(TRUSTED_KEYRINGS_ENV, f"some.Other, {HOME_MADE}")
    assert keyring_status().usable
    set_secret(REF, secret)
    assert home_made.entries == {(REF.service, REF.username): secret}


def test_the_os_keyrings_are_trusted_and_the_test_keyring_only_explicitly(
    memory_keyring: MemoryKeyring,
) -> None:
    assert "keyring.backends.SecretService.Keyring" in TRUSTED_KEYRINGS
    assert "keyring.backends.macOS.Keyring" in TRUSTED_KEYRINGS
    assert "keyring.backends.Windows.WinVaultKeyring" in TRUSTED_KEYRINGS
    assert MEMORY_KEYRING not in TRUSTED_KEYRINGS  # tests/conftest.py trusts it by setting


def test_mask_hides_query_tokens_named_headers_and_reserved_passwords(secret: str) -> None:
    text = (
        f"GET https://api.example/x?access_token={secret}&page=2 "
        f"{{'X-Auth-Token': '{secret}', 'Accept': 'json'}} "
        f"postgresql://etl:a/b#{secret}@db/fw"
    )
    masked = mask(text)
    assert secret not in masked
    assert "access_token=***&page=2" in masked
    assert "'X-Auth-Token': '***'" in masked and "'Accept': 'json'" in masked
    assert "postgresql://etl:***@db/fw" in masked


def test_httpx_logger_masks_even_without_an_installed_handler_filter(
    caplog: pytest.LogCaptureFixture, secret: str
) -> None:
    import fieldwright.connectors.http  # noqa: F401  (installs the library maskers)

    with caplog.at_level(logging.INFO, logger="httpx"):
        logging.getLogger("httpx").info(
            'HTTP Request: GET %s "200 OK"', f"https://a/x?token={secret}"
        )
    assert secret not in caplog.text and "token=***" in caplog.text
