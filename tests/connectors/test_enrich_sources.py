"""Enrich from SQL (a table or a query, read whole or looked up in batches) and from HTTP
(a URL template per key or a batch endpoint), through the service's enrich sources and
the pipeline engine, on SQLite and PostgreSQL and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from fieldwright.domain import ConnectorRef
from fieldwright.domain.runs import RunStatus
from fieldwright.engine.pipeline import validate_pipeline
from fieldwright.service.enrich_sources import enrich_resolver
from tests.connectors.enrich_api import EMPLOYEES, EmployeesApi, serve_employees
from tests.engine.pipeline.kit import pipeline, run

HOURS: list[dict[str, Any]] = [
    {"emp": 1, "co": "ACME", "h": 8},
    {"emp": "2", "co": "INITECH", "h": 4},
    {"emp": 3, "co": "ACME", "h": 6},
    {"emp": 2.0, "co": "ACME", "h": 1},
    {"co": "ACME", "h": 2},
]


@pytest.fixture
def people(sql_url: str) -> str:
    engine = create_engine(sql_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE employees (emp_id VARCHAR(10), company VARCHAR(20), "
                "name VARCHAR(40), dept VARCHAR(10))"
            )
        )
        connection.execute(
            text("INSERT INTO employees VALUES (:e, :c, :n, :d)"),
            [{"e": e, "c": c, "n": n, "d": d} for e, c, n, d in EMPLOYEES],
        )
        connection.execute(text("CREATE TABLE numbers (n INTEGER, word VARCHAR(10))"))
        connection.execute(
            text("INSERT INTO numbers VALUES (:n, :w)"),
            [{"n": 1, "w": "one"}, {"n": 2, "w": "two"}],
        )
    engine.dispose()
    return sql_url


def _sql_step(url: str, mode: str, **options: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {"url": url}
    settings.update(options.pop("settings", {"table": "employees"}))
    return {
        "name": "staff",
        "type": "enrich",
        "source": {"kind": "sql", "settings": settings},
        "on": options.pop("on", {"$.emp": "$.emp_id", "$.co": "$.company"}),
        "mode": mode,
        "fields": {"name": "$.name"},
        **options,
    }


@pytest.mark.parametrize("mode", ["index", "lookup"])
def test_sql_table_by_two_keys_read_whole_or_looked_up(people: str, mode: str) -> None:
    ran = run(pipeline(_sql_step(people, mode, batch_size=2)), HOURS, enrich_resolver(None, None))
    assert ran.status is RunStatus.COMPLETED, ran.message
    assert [r.get("name") for r in ran.output] == ["Ada", "Linus", None, "Grace", None]
    counts = ran.step("staff")
    assert (counts.received, counts.emitted, counts.failed) == (5, 5, 0)


@pytest.mark.parametrize("mode", ["index", "lookup"])
def test_sql_query_with_a_dead_letter_for_no_match(people: str, mode: str) -> None:
    step = _sql_step(
        people,
        mode,
        settings={
            "query": "SELECT emp_id, company, name FROM employees WHERE dept = :d",
            "params": {"d": "R&D"},
        },
        no_match="dead_letter",
    )
    ran = run(pipeline(step), HOURS[:4], enrich_resolver(None, None))
    assert [r["name"] for r in ran.output] == ["Ada"]
    assert [letter.step for letter in ran.letters] == ["staff"] * 3
    assert (
        "no record of the enrich source has $.emp = '2', $.co = 'INITECH'" in ran.letters[0].reason
    )


def test_sql_lookup_binds_text_keys_to_an_integer_column(people: str) -> None:
    step = _sql_step(people, "lookup", settings={"table": "numbers"}, on={"$.k": "$.n"})
    step["fields"] = {"word": "$.word"}
    ran = run(pipeline(step), [{"k": "1"}, {"k": 2.0}, {"k": "x"}], enrich_resolver(None, None))
    assert [r.get("word") for r in ran.output] == ["one", "two", None]


def test_validate_names_a_missing_key_column_and_a_missing_table(people: str) -> None:
    resolver = enrich_resolver(None, None, probe=True)
    step = _sql_step(people, "lookup", on={"$.emp": "$.employee"})
    problems = validate_pipeline(pipeline(step), resolver)
    assert [p.pointer for p in problems] == ["/steps/0/on"]
    assert "no key column 'employee'" in problems[0].message
    assert "emp_id, company, name, dept" in problems[0].message
    step = _sql_step(people, "index", settings={"table": "staff"})
    problems = validate_pipeline(pipeline(step), resolver)
    assert [p.pointer for p in problems] == ["/steps/0/source"]
    assert "there is no such table" in problems[0].message
    assert validate_pipeline(pipeline(_sql_step(people, "lookup")), resolver) == []


# -- HTTP ---------------------------------------------------------------------------------


@pytest.fixture
def api(secret: str) -> Iterator[EmployeesApi]:
    with serve_employees(secret) as server:
        yield server


def _http_step(api: EmployeesApi, path: str, **options: Any) -> dict[str, Any]:
    host, port = api.server_address[:2]
    return {
        "name": "staff",
        "type": "enrich",
        "source": {
            "kind": "http",
            "connection": "hr_api",
            "settings": {"url": f"http://{host}:{port}{path}"},
        },
        "on": {"$.emp": "$.user_id"},
        "mode": "lookup",
        "records_path": "$.data",
        "fields": {"name": "$.name"},
        **options,
    }


def _connections(secret_ref: ConnectorRef) -> Any:
    def lookup(name: str) -> ConnectorRef:
        if name != "hr_api":
            raise KeyError(f"no saved connection is named {name!r}; saved: hr_api")
        return secret_ref

    return lookup


@pytest.fixture
def hr_api(memory_keyring: Any, secret: str) -> ConnectorRef:
    from fieldwright.connectors import set_secret
    from fieldwright.domain import CredentialRef

    credential = CredentialRef(service="fieldwright", username="connection:hr_api")
    set_secret(credential, secret)
    return ConnectorRef(
        kind="http",
        settings={"url": "http://unused", "auth": {"type": "bearer"}, "retry": {"max_attempts": 1}},
        credential=credential,
        connection="hr_api",
    )


def test_http_url_template_404_is_no_match_and_500_fails_the_record(
    api: EmployeesApi, hr_api: ConnectorRef, secret: str
) -> None:
    records = [{"emp": 1}, {"emp": 3}, {"emp": 2}, {"emp": 1}, {"emp": 4}]
    step = _http_step(api, "/employees/{user_id}", batch_size=10)
    ran = run(pipeline(step), records, enrich_resolver(None, _connections(hr_api)))
    assert ran.status is RunStatus.COMPLETED, ran.message
    assert [r.get("name") for r in ran.output] == ["Ada", "Grace", "Ada", None]
    # one request per distinct key: 1, 3, 2, 4 (the second 1 is the same batch's key)
    assert sorted(api.seen) == ["/employees/1", "/employees/2", "/employees/3", "/employees/4"]
    (letter,) = ran.letters
    assert letter.step == "staff"
    assert "HTTP 500" in letter.reason and "/employees/3" in letter.reason
    assert "database on fire" in letter.reason
    assert secret not in letter.reason


def test_http_batch_endpoint_and_the_request_budget(
    api: EmployeesApi, hr_api: ConnectorRef
) -> None:
    records = [{"emp": n} for n in (1, 2, 4, 7, 1)]
    step = _http_step(api, "/employees", batch_param="ids", batch_size=2, cache_size=0)
    ran = run(pipeline(step), records, enrich_resolver(None, _connections(hr_api)))
    assert [r.get("name") for r in ran.output] == ["Ada", "Grace", None, "Edsger", "Ada"]
    assert api.seen == ["/employees?ids=1%2C2", "/employees?ids=4%2C7", "/employees?ids=1"]
    api.seen.clear()
    step = _http_step(api, "/employees/{user_id}", batch_size=1, max_requests=2)
    ran = run(pipeline(step), records, enrich_resolver(None, _connections(hr_api)))
    assert ran.status is RunStatus.FAILED
    assert "the run sent the 2 requests max_requests allows" in (ran.message or "")
    assert len(api.seen) == 2


def test_an_unknown_connection_is_refused_at_its_pointer(
    api: EmployeesApi, hr_api: ConnectorRef
) -> None:
    step = _http_step(api, "/employees/{user_id}")
    step["source"]["connection"] = "payroll"
    problems = validate_pipeline(pipeline(step), enrich_resolver(Path("."), _connections(hr_api)))
    assert [(p.pointer, p.message) for p in problems] == [
        ("/steps/0/source/connection", "no saved connection is named 'payroll'; saved: hr_api")
    ]


def test_an_http_source_read_whole_and_indexed(api: EmployeesApi, hr_api: ConnectorRef) -> None:
    step = _http_step(api, "/employees", mode="index")
    del step["records_path"]
    step["source"]["settings"]["records_path"] = "data"
    records = [{"emp": n} for n in (7, 1, 4, 1)]
    ran = run(pipeline(step), records, enrich_resolver(None, _connections(hr_api)))
    assert [r.get("name") for r in ran.output] == ["Edsger", "Ada", None, "Ada"]
    assert api.seen == ["/employees"]  # read once, every record from it


def test_an_http_lookup_retries_a_busy_api_with_the_connectors_backoff(
    api: EmployeesApi, hr_api: ConnectorRef
) -> None:
    settings = dict(hr_api.settings)
    settings["retry"] = {"max_attempts": 2, "base_delay": 0.01, "max_delay": 0.01}
    retrying = hr_api.model_copy(update={"settings": settings})
    step = _http_step(api, "/employees/{user_id}")
    ran = run(pipeline(step), [{"emp": 9}], enrich_resolver(None, _connections(retrying)))
    assert [r.get("name") for r in ran.output] == ["Barbara"]
    assert api.seen == ["/employees/9", "/employees/9"]  # a 503, then the answer
