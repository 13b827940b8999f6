"""Scheduler tests run on a SQLite file and, with FIELDWRIGHT_TEST_PG_URL, on PostgreSQL in
a schema of their own (the store tests' fixtures, reused)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fieldwright.store import Store
from tests.store.conftest import PG_URL, SKIP_PG, backend, db_url, pg_admin

from .helpers import add_mapping

__all__ = ["PG_URL", "SKIP_PG", "backend", "db_url", "pg_admin"]


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url, user="scheduler-test") as opened:
        add_mapping(opened)
        yield opened
