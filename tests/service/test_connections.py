"""Connections through the façade: settings in the store, the secret only in the keyring."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service import InvalidRequest, Service
from tests.conftest import MemoryKeyring


def test_a_secret_goes_to_the_keyring_and_never_to_the_store(
    tmp_path: Path, memory_keyring: MemoryKeyring, secret: str
) -> None:
    database = tmp_path / "store.db"
    with Service.open(f"sqlite:///{database}") as service:
        saved = service.connections.save(
            ConnectionRecord(name="crm", kind="http", settings={"url": "http://127.0.0.1:9/x"}),
            secret=secret,
        )
        assert saved.keyring_username == "connection:crm"
        assert memory_keyring.entries[("fieldwright", "connection:crm")] == secret
        ref = service.connections.reference("crm")
        assert ref.credential is not None and ref.credential.username == "connection:crm"
        assert [c.name for c in service.connections.list()] == ["crm"]
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert secret.encode() not in stored
    with Service.open(f"sqlite:///{database}") as service:
        service.connections.delete("crm")
        assert service.connections.list() == []
    assert memory_keyring.entries == {}


def test_test_connection_says_what_happened(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    sample = tmp_path / "people.ndjson"
    sample.write_text('{"id": 1}\n')
    with Service.open(f"sqlite:///{tmp_path / 'store.db'}") as service:
        service.connections.save(
            ConnectionRecord(name="people", kind="ndjson", settings={"path": str(sample)})
        )
        service.connections.save(
            ConnectionRecord(
                name="gone", kind="ndjson", settings={"path": str(tmp_path / "gone.ndjson")}
            )
        )
        ok = service.connections.test("people")
        assert ok.ok and "people" in ok.message
        broken = service.connections.test("gone")
        assert not broken.ok
        assert "gone.ndjson" in broken.message and "not found" in broken.message


def test_no_usable_keyring_is_explained(tmp_path: Path) -> None:
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with Service.open(f"sqlite:///{tmp_path / 'store.db'}") as service:
            assert not service.connections.keyring().usable
            with pytest.raises(InvalidRequest, match="keyring"):
                service.connections.save(
                    ConnectionRecord(name="x", kind="http", settings={}), secret="s"
                )
            assert service.connections.list() == []
    finally:
        keyring.set_keyring(previous)
