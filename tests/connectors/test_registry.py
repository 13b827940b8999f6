"""Opening connectors from references: dispatch by kind, checked settings, credentials, runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select

from fieldwright.connectors import (
    ConnectorError,
    CsvSource,
    HttpSink,
    HttpSource,
    NdjsonSink,
    SqlSink,
    SqlSource,
    UnsupportedFormat,
    open_connector_sink,
    open_connector_source,
    set_secret,
)
from fieldwright.domain import (
    ConnectorRef,
    CredentialRef,
    ErrorStrategy,
    FieldMapping,
    MappingDocument,
)
from fieldwright.domain.records import Position, SourceItem
from fieldwright.domain.runs import RunStatus
from fieldwright.engine import compile_document, execute
from tests.conftest import MemoryKeyring

from .api_server import ApiState, serve


@pytest.fixture
def api(secret: str) -> Iterator[tuple[str, ApiState]]:
    with serve(secret) as running:
        yield running


def _people(sql_url: str) -> Table:
    metadata = MetaData()
    table = Table(
        "people",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("full name", String(50)),
    )
    engine = create_engine(sql_url)
    metadata.create_all(engine)
    engine.dispose()
    return table


def _ids(sql_url: str, table: Table) -> list[int]:
    engine = create_engine(sql_url)
    with engine.connect() as connection:
        ids = list(connection.scalars(select(table.c.id).order_by(table.c.id)))
    engine.dispose()
    return ids


def test_file_kinds_open_the_file_connectors(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("id,name\n1,Ada\n")
    source = open_connector_source(
        ConnectorRef(kind="csv", settings={"path": str(tmp_path / "in.csv")})
    )
    assert isinstance(source, CsvSource)
    assert [item.record for item in source] == [{"id": "1", "name": "Ada"}]
    source.close()
    sink = open_connector_sink(ConnectorRef(kind="jsonl", settings={"path": str(tmp_path / "o.x")}))
    assert isinstance(sink, NdjsonSink)
    sink.abort()


def test_file_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError, match="csv source: the setting 'path' is required"):
        open_connector_source(ConnectorRef(kind="csv"))
    (tmp_path / "in.csv").write_text("id\n1\n")
    with pytest.raises(ConnectorError, match="unknown setting 'delimitr'"):
        open_connector_source(
            ConnectorRef(kind="csv", settings={"path": str(tmp_path / "in.csv"), "delimitr": ";"})
        )


def test_unknown_kind_lists_the_kinds() -> None:
    with pytest.raises(UnsupportedFormat, match="unknown connector kind 'ftp'; kinds: csv, tsv"):
        open_connector_source(ConnectorRef(kind="ftp"))


def test_sql_source_and_sink_from_references(sql_url: str) -> None:
    table = _people(sql_url)
    sink = open_connector_sink(
        ConnectorRef(
            kind="sql",
            settings={"url": sql_url, "table": "people", "mode": "upsert", "key": ["id"]},
        ),
        run_id="run_1",
    )
    assert isinstance(sink, SqlSink)
    sink.write_batch([{"id": 1, "full name": "Ada"}, {"id": 2, "full name": "Grace"}])
    sink.commit()
    assert _ids(sql_url, table) == [1, 2]
    source = open_connector_source(
        ConnectorRef(kind="sql", settings={"url": sql_url, "table": "people", "batch_size": 1})
    )
    assert isinstance(source, SqlSource)
    assert [item.record for item in source] == [
        {"id": 1, "full name": "Ada"},
        {"id": 2, "full name": "Grace"},
    ]
    source.close()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"table": "t"}, "the setting 'url' is required"),
        ({"url": "sqlite://", "table": "t", "batch_size": "10"}, "'batch_size' must be a int"),
        ({"url": "sqlite://", "table": "t", "colour": 1}, "unknown setting 'colour'; valid"),
        (
            {"url": "sqlite://", "password": "x"},
            r"setting password \(named like a secret\) holds a secret",
        ),
        (
            {"url": "postgresql://u:pw@h/db", "table": "t"},
            r"setting url \(a password in the URL\) holds a secret",
        ),
    ],
)
def test_sql_settings_are_checked(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConnectorError, match=message) as caught:
        open_connector_source(ConnectorRef(kind="sql", settings=settings, connection="crm"))
    assert "sql source 'crm'" in str(caught.value)


def test_http_source_takes_its_secret_from_the_keyring(
    api: tuple[str, ApiState], memory_keyring: MemoryKeyring, secret: str
) -> None:
    base, state = api
    credential = CredentialRef(username="test-api")
    set_secret(credential, secret)
    ref = ConnectorRef(
        kind="http",
        settings={
            "url": f"{base}/auth/key-header",
            "auth": {"type": "api_key", "name": "X-API-Key"},
            "retry": {"max_attempts": 2},
        },
        credential=credential,
    )
    source = open_connector_source(ref)
    assert isinstance(source, HttpSource)
    assert [item.record for item in source] == [{"ok": True}]
    source.close()
    assert state.requests[0][2]["X-API-Key"] == secret
    assert secret not in ref.model_dump_json()


def test_http_source_with_pagination_settings(api: tuple[str, ApiState]) -> None:
    base, _ = api
    ref = ConnectorRef(
        kind="http",
        settings={"url": f"{base}/page", "pagination": {"type": "page", "size": 10}},
    )
    source = open_connector_source(ref)
    assert len([item for item in source if item.record]) == 25
    source.close()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"url": "http://x", "pagination": {"type": "pages"}}, "pagination type must be one of"),
        ({"url": "http://x", "pagination": {"type": "page", "sise": 1}}, "unknown page pagination"),
        (
            {"url": "http://x", "headers": {"Authorization": "x"}},
            r"headers.Authorization \(named like a secret\) holds a secret",
        ),
        ({"url": "http://x", "auth": {"type": "bearer"}}, "needs a credential"),
        ({"url": "http://x", "retry": {"attempts": 2}}, "unknown retry setting 'attempts'"),
    ],
)
def test_http_settings_are_checked(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConnectorError, match=message):
        open_connector_source(ConnectorRef(kind="http", settings=settings))


def test_http_sink_from_a_reference(api: tuple[str, ApiState]) -> None:
    base, state = api
    sink = open_connector_sink(
        ConnectorRef(
            kind="http", settings={"url": f"{base}/ingest", "wrap": "items", "batch_size": 2}
        ),
        run_id="run_x",
    )
    assert isinstance(sink, HttpSink)
    sink.write_batch([{"id": 1}, {"id": 2}, {"id": 3}])
    sink.commit()
    assert [body for _, body in state.posts] == [
        {"items": [{"id": 1}, {"id": 2}]},
        {"items": [{"id": 3}]},
    ]
    with pytest.raises(ConnectorError, match="'method' must be POST, PUT or PATCH"):
        open_connector_sink(ConnectorRef(kind="http", settings={"url": base, "method": "delete"}))


def _pass_through() -> MappingDocument:
    return MappingDocument(
        fieldwright=1,
        key="mapping_NDJSON_SQL_TEST",
        name="people",
        fields=[
            FieldMapping(target="$.id", sources=["$.id"]),
            FieldMapping(target="$['full name']", sources=["$.name"]),
        ],
    )


def test_a_cancelled_run_leaves_a_staged_sql_target_untouched(sql_url: str) -> None:
    table = _people(sql_url)
    compiled = compile_document(_pass_through())
    ref = ConnectorRef(kind="sql", settings={"url": sql_url, "table": "people", "staging": True})
    items = ({"id": n, "name": f"person {n}"} for n in range(1, 2001))
    source = (SourceItem(Position(row=n), record) for n, record in enumerate(items, 1))
    checks = iter(range(100))
    outcome = execute(
        compiled,
        source,
        open_connector_sink(ref),
        batch_size=100,
        should_cancel=lambda: next(checks) >= 5,  # after 6 chunks (188 records): a batch staged
    )
    assert outcome.status is RunStatus.CANCELLED
    assert _ids(sql_url, table) == []
    engine = create_engine(sql_url)
    staging = Table("people__fw_staging", MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        statuses = set(connection.scalars(select(staging.c._fw_status)))
        staged = len(list(connection.scalars(select(staging.c.id))))
    engine.dispose()
    assert statuses == {"failed"}
    # Four chunks were mapped before the cancel; their full batches were staged, then failed.
    assert staged == 100  # one batch of the 188 records read

    source = (SourceItem(Position(row=n), {"id": n, "name": "x"}) for n in range(1, 2001))
    outcome = execute(
        compiled,
        source,
        open_connector_sink(ref),
        batch_size=100,
        strategy=ErrorStrategy.FAIL_FAST,
    )
    assert outcome.status is RunStatus.COMPLETED, outcome.message
    assert outcome.counts.written == 2000
    assert _ids(sql_url, table) == list(range(1, 2001))
