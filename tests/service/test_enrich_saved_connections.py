"""A stored pipeline enriched from saved connections: a SQL table looked up in batches and
an HTTP API whose bearer token is the connection's secret in the (in-memory) keyring."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service.facade import Service
from tests.conftest import MemoryKeyring
from tests.connectors.enrich_api import serve_employees

KEY = "pipeline_HR_PAY_ACME_20261203"


def _hr_database(path: Path) -> str:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE employees (emp_id INTEGER, dept TEXT)")
        db.executemany("INSERT INTO employees VALUES (?, ?)", [(1, "R&D"), (2, "Ops"), (7, "R&D")])
    return f"sqlite:///{path}"


def _document(folder: Path, api_url: str, **sql_source: Any) -> PipelineDocument:
    return PipelineDocument.model_validate(
        {
            "fieldwright_pipeline": 1,
            "key": KEY,
            "name": "Hours",
            "source": {
                "connector": {"kind": "ndjson", "settings": {"path": str(folder / "in.ndjson")}}
            },
            "target": {
                "connector": {"kind": "ndjson", "settings": {"path": str(folder / "out.ndjson")}}
            },
            "steps": [
                {
                    "name": "dept",
                    "type": "enrich",
                    "source": {
                        "kind": "sql",
                        "connection": "hr_db",
                        "settings": {"table": "employees"},
                        **sql_source,
                    },
                    "on": {"$.emp": "$.emp_id"},
                    "mode": "lookup",
                    "batch_size": 2,
                    "fields": {"dept": "$.dept"},
                    "no_match": "dead_letter",
                },
                {
                    "name": "who",
                    "type": "enrich",
                    "source": {
                        "kind": "http",
                        "connection": "hr_api",
                        "settings": {"url": api_url + "/employees/{user_id}"},
                    },
                    "on": {"$.emp": "$.user_id"},
                    "mode": "lookup",
                    "records_path": "$.data",
                    "fields": {"name": "$.name"},
                },
            ],
        }
    )


def test_a_stored_pipeline_enriches_from_saved_sql_and_http_connections(
    service: Service, tmp_path: Path, memory_keyring: MemoryKeyring, secret: str
) -> None:
    url = _hr_database(tmp_path / "hr.db")
    service.connections.save(ConnectionRecord(name="hr_db", kind="sql", settings={"url": url}))
    with serve_employees(secret) as api:
        host, port = api.server_address[:2]
        service.connections.save(
            ConnectionRecord(
                name="hr_api",
                kind="http",
                settings={
                    "url": f"http://{host}:{port}",
                    "auth": {"type": "bearer"},
                    "retry": {"max_attempts": 1},
                },
            ),
            secret=secret,
        )
        (tmp_path / "in.ndjson").write_text(
            "".join(json.dumps({"emp": n, "h": n * 2}) + "\n" for n in (1, 2, 5, 7, 1)),
            encoding="utf-8",
        )
        document = _document(tmp_path, f"http://{host}:{port}")
        assert service.pipelines.check(document) == []
        service.pipelines.save(document, None)
        result = service.start_run(KEY).wait()
        assert result is not None and result.status is RunStatus.COMPLETED, result.message
        written = [
            json.loads(line)
            for line in (tmp_path / "out.ndjson").read_text(encoding="utf-8").splitlines()
        ]
        assert written == [
            {"emp": 1, "h": 2, "dept": "R&D", "name": "Ada"},
            {"emp": 2, "h": 4, "dept": "Ops", "name": "Grace"},
            {"emp": 7, "h": 14, "dept": "R&D", "name": "Edsger"},
            {"emp": 1, "h": 2, "dept": "R&D", "name": "Ada"},
        ]
        # The token came from the keyring: every request carried it, no 401 was answered.
        assert sorted(set(api.seen)) == ["/employees/1", "/employees/2", "/employees/7"]
        (letter,) = service.dead_letters(result.key).items
        assert letter.step == "dept" and "$.emp = 5" in letter.reason
        # The secret is in no stored text: not the document, not a dead letter.
        stored = service.pipelines.open(KEY).model_dump_json()
        assert secret not in stored and secret not in letter.reason


def test_check_refuses_an_unknown_connection_and_a_missing_key_column(
    service: Service, tmp_path: Path
) -> None:
    url = _hr_database(tmp_path / "hr.db")
    service.connections.save(ConnectionRecord(name="hr_db", kind="sql", settings={"url": url}))
    document = _document(tmp_path, "http://127.0.0.1:9")
    problems = service.pipelines.check(document)
    assert [(p.pointer, p.message) for p in problems] == [
        ("/steps/1/source/connection", "no saved connection is named 'hr_api'; saved: hr_db")
    ]
    document = _document(tmp_path, "http://127.0.0.1:9", settings={"table": "employees"})
    step = document.steps[0]
    document.steps[0] = step.model_copy(update={"on": {"$.emp": "$.employee_id"}})
    problems = service.pipelines.check(document)
    assert problems[0].pointer == "/steps/0/on"
    assert "no key column 'employee_id'; its columns: emp_id, dept" in problems[0].message
