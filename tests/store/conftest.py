"""Every store test runs against a SQLite file and, when FIELDWRIGHT_TEST_PG_URL is set,
a real PostgreSQL server, each test in its own freshly created schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from fieldwright.store import Store

PG_ENV = "FIELDWRIGHT_TEST_PG_URL"
PG_URL = os.environ.get(PG_ENV, "").strip()
SKIP_PG = pytest.mark.skipif(not PG_URL, reason=f"{PG_ENV} is not set (no PostgreSQL to test on)")

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=[SKIP_PG, pytest.mark.postgres]),
]


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def _pg_schema_url(admin: Engine) -> Iterator[str]:
    schema = f"fw_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A URL to an empty database of the parametrised backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'fieldwright.db'}"
        return
    yield from _pg_schema_url(request.getfixturevalue("pg_admin"))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url, user="alice") as opened:
        yield opened
