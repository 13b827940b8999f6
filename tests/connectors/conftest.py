"""Fixtures for connector tests: SQL databases (the keyring fixtures are in tests/conftest.py)."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# -- SQL databases: a SQLite file, and a real PostgreSQL when FIELDWRIGHT_TEST_PG_URL is set --

PG_ENV = "FIELDWRIGHT_TEST_PG_URL"
PG_URL = os.environ.get(PG_ENV, "").strip()
SQL_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.skipif(
                not PG_URL, reason=f"{PG_ENV} is not set (no PostgreSQL server to test on)"
            ),
            pytest.mark.postgres,
        ],
    ),
]


@pytest.fixture(params=SQL_BACKENDS)
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL schema dropped after the test."""
    if request.param == "sqlite":
        path = tmp_path / "connectors.db"
        sqlite3.connect(path).close()
        yield f"sqlite:///{path}"
        return
    schema = f"fw_conn_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
