"""Template tests run on a real store: a SQLite file and, when FIELDWRIGHT_TEST_PG_URL is set,
PostgreSQL in a fresh schema per test (the store tests' fixtures)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldwright.domain.template import TemplateDocument, template_from_data
from fieldwright.service.facade import Service
from tests.store.conftest import backend, db_url, pg_admin

__all__ = ["backend", "db_url", "pg_admin"]  # fixtures shared with the store tests


@pytest.fixture
def service(db_url: str) -> Iterator[Service]:
    with Service.open(db_url, user="alice") as opened:
        yield opened


def small_template(version: int = 1, **changes: object) -> TemplateDocument:
    """A small template: a code, a name through a library chain, a status lookup, 2 tests."""
    data: dict[str, object] = {
        "fieldwright": 1,
        "code": "template_ABC_XYZ",
        "name": "ABC people → XYZ people",
        "category": "hr",
        "version": version,
        "source_system": "ABC",
        "target_system": "XYZ",
        "lookups": {"status": {"A": "active", "I": "inactive"}},
        "library": {"person_name": [{"fn": "normalize_whitespace"}, {"fn": "title"}]},
        "fields": [
            {"target": "$.id", "sources": ["$.id"], "transforms": [{"fn": "trim"}]},
            {"target": "$.name", "sources": ["$.name"], "transforms": [{"fn": "@person_name"}]},
            {
                "target": "$.status",
                "sources": ["$.status"],
                "transforms": [{"fn": "lookup_strict", "args": ["status"]}],
            },
        ],
        "tests": [
            {
                "name": "active person",
                "input": {"id": " 7 ", "name": "ada  LOVELACE", "status": "A"},
                "expected": {"id": "7", "name": "Ada Lovelace", "status": "active"},
            },
            {
                "name": "unknown status fails",
                "kind": "edge_case",
                "input": {"id": "8", "name": "x", "status": "Q"},
                "expected": None,
                "expect_failure": True,
            },
        ],
    }
    data.update(changes)
    return template_from_data(data)


@pytest.fixture
def tmp_templates(tmp_path: Path) -> Path:
    folder = tmp_path / "builtin"
    folder.mkdir()
    return folder
