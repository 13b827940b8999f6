"""Where the New mapping guide gets its schemas: a sample file, a saved connection (SQL table
or query, HTTP endpoint), a JSON Schema file, and the file connector of a sample."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fieldwright.domain import ConnectorRef, FieldType, SchemaField
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service import (
    DataError,
    InvalidRequest,
    NotFound,
    Service,
    file_connector,
    infer_schema_from_connector,
    infer_schema_from_file,
    schema_from_json_schema_file,
)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with Service.open(f"sqlite:///{tmp_path / 'store.db'}", user="alice") as opened:
        yield opened


@pytest.fixture
def people_db(tmp_path: Path) -> Path:
    path = tmp_path / "people.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INT)")
        db.execute("INSERT INTO people (email, age) VALUES ('a@x.io', 41), ('b@x.io', NULL)")
    return path


def _names(fields: list[SchemaField]) -> list[str]:
    return [f.name for f in fields]


def test_a_csv_sample_gives_its_columns_and_a_file_connector(tmp_path: Path) -> None:
    sample = tmp_path / "people.csv"
    sample.write_text("id,email,signup\n1,a@x.io,7/4/2024\n2,b@x.io,7/5/2024\n")
    fields = infer_schema_from_file(sample)
    assert _names(fields) == ["id", "email", "signup"]
    assert fields[0].example == "1"  # CSV cells stay text unless the source types them
    ref = file_connector(sample)
    assert (ref.kind, ref.settings["path"]) == ("csv", str(sample))


def test_a_sql_connection_table_is_reflected_with_types_and_required(
    service: Service, people_db: Path
) -> None:
    service.connections.save(
        ConnectionRecord(name="hr", kind="sql", settings={"url": f"sqlite:///{people_db}"})
    )
    fields = service.connections.infer_schema("hr", table="people")
    assert _names(fields) == ["id", "email", "age"]
    email = fields[1]
    assert (email.type, email.required) == (FieldType.STRING, True)


def test_a_sql_connection_query_is_inferred_from_its_records(
    service: Service, people_db: Path
) -> None:
    service.connections.save(
        ConnectionRecord(
            name="hr", kind="sql", settings={"url": f"sqlite:///{people_db}", "table": "people"}
        )
    )
    fields = service.connections.infer_schema(
        "hr", query="SELECT email, age * 2 AS twice FROM people"
    )
    assert _names(fields) == ["email", "twice"]
    assert _names(service.connections.infer_schema("hr")) == ["id", "email", "age"]


def test_a_connection_without_table_or_query_and_other_misuse_are_explained(
    service: Service, people_db: Path, tmp_path: Path
) -> None:
    service.connections.save(
        ConnectionRecord(name="hr", kind="sql", settings={"url": f"sqlite:///{people_db}"})
    )
    sample = tmp_path / "p.ndjson"
    sample.write_text('{"id": 1}\n')
    service.connections.save(
        ConnectionRecord(name="file", kind="ndjson", settings={"path": str(sample)})
    )
    with pytest.raises(InvalidRequest, match="names no table"):
        service.connections.infer_schema("hr")
    with pytest.raises(InvalidRequest, match="not both"):
        service.connections.infer_schema("hr", table="people", query="SELECT 1")
    with pytest.raises(InvalidRequest, match="needs a SQL connection"):
        service.connections.infer_schema("file", table="people")
    assert _names(service.connections.infer_schema("file")) == ["id"]
    with pytest.raises(DataError, match=r"connection 'hr'.*nowhere"):
        service.connections.infer_schema("hr", table="nowhere")
    with pytest.raises(NotFound):
        service.connections.infer_schema("missing")


class _Api(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"results": [{"id": 1, "owner": {"name": "Ann"}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output quiet


@pytest.fixture
def api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/contacts"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_an_http_connection_is_inferred_from_its_first_page(service: Service, api: str) -> None:
    service.connections.save(ConnectionRecord(name="api", kind="http", settings={"url": api}))
    fields = service.connections.infer_schema("api")
    assert _names(fields) == ["id", "owner"]
    assert fields[1].type is FieldType.OBJECT
    assert _names(fields[1].fields) == ["name"]


def test_an_http_endpoint_without_a_saved_connection(api: str) -> None:
    ref = ConnectorRef(kind="http", settings={"url": api, "records_path": "results"})
    fields = infer_schema_from_connector(ref, what=api)
    assert _names(fields) == ["id", "owner"]
    with pytest.raises(DataError, match=r"127\.0\.0\.1:9/x: .*(connect|refused)"):
        infer_schema_from_connector(
            ConnectorRef(
                kind="http",
                settings={"url": "http://127.0.0.1:9/x", "retry": {"max_attempts": 1}},
            ),
            what="http://127.0.0.1:9/x",
        )


def test_a_json_schema_file_gives_its_properties(tmp_path: Path) -> None:
    path = tmp_path / "crm.schema.json"
    path.write_text(
        json.dumps(
            {
                "type": "object",
                "required": ["email"],
                "properties": {"email": {"type": "string"}, "score": {"type": "number"}},
            }
        )
    )
    fields = schema_from_json_schema_file(path)
    assert _names(fields) == ["email", "score"]
    assert fields[0].required
