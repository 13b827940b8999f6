"""Issue 16 item 6: a credential is refused at every save path (connections, mapping versions,
runs, export) with the field named, and httpx's own request log never shows a token."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import update

from fieldwright.cli.main import cli
from fieldwright.connectors.http import HttpSource
from fieldwright.domain import ConnectorRef, Endpoint, MappingDocument, dumps
from fieldwright.domain.store_models import ConnectionRecord, TemplateRecord
from fieldwright.service import InvalidRequest
from fieldwright.service.facade import Service
from fieldwright.store import InvalidRecord, Store, TemplateRepository
from fieldwright.store.models import MappingVersion
from tests.conftest import MemoryKeyring
from tests.service.helpers import simple_document

#: Made of parts so that no test file holds a credential-shaped literal.
PASSWORD = "pa" + "/ss#w?rd"
TOKEN = "tk_" + "0123456789abcdef"

HOSTILE = [
    ("sql", {"url": f"postgresql://analyst:{PASSWORD}@db.example/crm", "table": "t"}, "url"),
    ("http", {"url": f"https://api.example/v1?access_token={TOKEN}"}, "url"),
    ("http", {"url": "https://api.example/v1", "headers": {"X-Auth-Token": TOKEN}}, "X-Auth-Token"),
    ("http", {"url": "https://api.example/v1", "params": {"q": {"api_key": TOKEN}}}, "api_key"),
]


def _with_source(
    document: MappingDocument, kind: str, settings: dict[str, object]
) -> MappingDocument:
    connector = ConnectorRef(kind=kind, settings=settings)  # type: ignore[arg-type]
    return document.model_copy(update={"source": Endpoint(connector=connector)})


@pytest.mark.parametrize(("kind", "settings", "field"), HOSTILE)
def test_a_connection_with_a_secret_is_refused_naming_the_field(
    service: Service,
    kind: str,
    settings: dict[str, object],
    field: str,
    memory_keyring: MemoryKeyring,
) -> None:
    record = ConnectionRecord(name="crm", kind=kind, settings=settings)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest, match="holds a secret") as caught:
        service.connections.save(record, "the-real-secret")
    assert field in str(caught.value)
    assert PASSWORD not in str(caught.value) and TOKEN not in str(caught.value)
    assert service.connections.list() == []
    assert memory_keyring.entries == {}  # nothing kept anywhere


@pytest.mark.parametrize(("kind", "settings", "field"), HOSTILE)
def test_a_mapping_version_with_a_secret_is_refused_naming_the_field(
    service: Service, kind: str, settings: dict[str, object], field: str
) -> None:
    document = _with_source(simple_document(), kind, settings)
    with pytest.raises(InvalidRequest, match=r"source\.connector\.settings") as caught:
        service.save_mapping(document, None)
    assert field in str(caught.value)
    assert service.list_mappings() == []


@pytest.mark.parametrize(("kind", "settings", "field"), HOSTILE)
def test_a_run_with_a_secret_is_refused_before_it_is_logged(
    service: Service, kind: str, settings: dict[str, object], field: str, tmp_path: Path
) -> None:
    document = _with_source(simple_document(), kind, settings)
    target = ConnectorRef(kind="ndjson", settings={"path": str(tmp_path / "out.ndjson")})
    with pytest.raises(InvalidRequest, match=r"hold a secret in source\.settings") as caught:
        service.start_run(document, target=target)
    assert field in str(caught.value)
    assert service.list_runs().items == []


def test_export_refuses_a_stored_secret_and_unsafe_keys(tmp_path: Path, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("edits the stored document text directly")
    runner = CliRunner()
    with Service.open(db_url, user="alice") as service:
        service.save_mapping(simple_document(), None)
    # a version saved before secrets were refused: its stored text holds a password
    hostile = _with_source(simple_document(), *HOSTILE[0][:2])
    text = dumps(hostile.model_copy(update={"version": 1}))
    digest = hashlib.sha256(text.encode()).hexdigest()
    with Store.open(db_url) as store, store.session(write=True) as session:
        session.execute(update(MappingVersion).values(document=text, content_sha256=digest))
    out = tmp_path / "out"
    out.mkdir()
    result = runner.invoke(cli, ["export", simple_document().key, str(out), "-d", db_url])
    assert result.exit_code != 0
    assert "source.connector.settings.url (a password in the URL)" in result.output
    assert PASSWORD not in result.output
    assert list(out.iterdir()) == []
    for key in ["../../x", str(tmp_path / "abs")]:
        result = runner.invoke(cli, ["export", key, str(out), "-d", db_url])
        assert result.exit_code != 0 and "not a safe file name" in result.output, result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "abs.json").exists()


def test_import_refuses_an_unsafe_key(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "evil.json"
    path.write_text(simple_document().model_copy(update={"key": "../../x"}).model_dump_json())
    result = CliRunner().invoke(cli, ["import", str(path), "-d", db_url])
    assert result.exit_code != 0
    assert "not a safe file name" in result.output and "path separator" in result.output
    with Service.open(db_url, user="alice") as service:
        assert service.list_mappings() == []


def test_httpx_request_log_masks_the_token(caplog: pytest.LogCaptureFixture) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"results": [{"id": 1}]})

    source = HttpSource(f"https://api.example/v1?access_token={TOKEN}")
    source._client._client = httpx.Client(transport=httpx.MockTransport(answer))
    with caplog.at_level(logging.INFO, logger="httpx"):
        assert [item.record for item in source] == [{"id": 1}]
    source.close()
    lines = [record.getMessage() for record in caplog.records if record.name == "httpx"]
    assert lines and all(TOKEN not in line for line in lines)
    assert any("access_token=***" in line for line in lines)


def test_a_template_with_a_secret_is_refused(db_url: str) -> None:
    document = {
        "source": {"connector": {"kind": "http", "settings": {"url": "https://a.example/x"}}},
        "connection_template": {"headers": {"X-Auth-Token": TOKEN}},
    }
    record = TemplateRecord(code="template_A_B", version="1", name="A to B", document=document)
    with Store.open(db_url) as store:
        with pytest.raises(InvalidRecord, match=r"connection_template\.headers\.X-Auth-Token"):
            TemplateRepository(store).create(record)
        assert TemplateRepository(store).list_templates() == []
