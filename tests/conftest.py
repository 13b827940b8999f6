"""Test-wide settings: Qt offscreen, no user data or settings touched."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "resources" / "examples"
HUBSPOT = EXAMPLES / "hubspot_to_crm" / "mapping.fwmap.json"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Point every per-user directory at a temporary one: tests never touch real user data."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.delenv("FIELDWRIGHT_DATABASE_URL", raising=False)
    yield


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps secrets in a dict, for tests only."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


#: The in-memory keyring's class as the trust list names it (see FIELDWRIGHT_TRUSTED_KEYRINGS).
MEMORY_KEYRING = f"{MemoryKeyring.__module__}.{MemoryKeyring.__qualname__}"


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """Install an in-memory keyring for the test, trusted explicitly, and put the previous one
    back after (Fieldwright trusts only the OS keyrings by default)."""
    monkeypatch.setenv("FIELDWRIGHT_TRUSTED_KEYRINGS", MEMORY_KEYRING)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def secret() -> str:
    """A fresh secret made at run time, so no secret is ever written in a test file."""
    return "fw-" + secrets.token_urlsafe(24)
