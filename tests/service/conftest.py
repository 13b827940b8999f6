"""Service tests run on a real store: a SQLite file and, when FIELDWRIGHT_TEST_PG_URL is
set, PostgreSQL in a fresh schema per test (the store tests' fixtures). Runs use real
files and real threads; tests wait on handles and events, never on the clock."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fieldwright.domain import MappingDocument, load
from fieldwright.service.facade import Service
from tests.conftest import EXAMPLES
from tests.service.helpers import TestConnectors, simple_document
from tests.store.conftest import backend, db_url, pg_admin

__all__ = ["backend", "db_url", "pg_admin"]  # fixtures shared with the store tests


@pytest.fixture
def connectors() -> TestConnectors:
    return TestConnectors()


@pytest.fixture
def service(db_url: str, connectors: TestConnectors) -> Iterator[Service]:
    with Service.open(db_url, user="alice", connectors=connectors) as opened:
        yield opened


@pytest.fixture
def example(tmp_path: Path) -> Callable[[str], tuple[MappingDocument, Path]]:
    """A bundled example copied to a temporary folder: its document and the folder."""

    def copy(name: str) -> tuple[MappingDocument, Path]:
        folder = tmp_path / name
        shutil.copytree(EXAMPLES / name, folder)
        return load(folder / "mapping.fwmap.json"), folder

    return copy


@pytest.fixture
def document() -> MappingDocument:
    return simple_document()
