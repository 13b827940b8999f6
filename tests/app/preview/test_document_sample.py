"""Which sample the preview reads for a document, and what it says when there is none."""

from __future__ import annotations

from pathlib import Path

from fieldwright.app.preview.document_sample import document_sample
from fieldwright.authoring.documents import StoredMapping, new_document
from fieldwright.domain import ConnectorRef, MappingDocument, load
from tests.app.conftest import HUBSPOT


def _with_source(kind: str, **settings: object) -> MappingDocument:
    document = new_document()
    document.source.connector = ConnectorRef(kind=kind, settings=dict(settings))
    return document


def test_a_relative_file_is_found_beside_the_mapping_file() -> None:
    sample = document_sample(load(HUBSPOT), HUBSPOT)
    assert sample.path == HUBSPOT.parent / "contacts.json"
    assert sample.format == "json" and sample.settings == {} and sample.missing == ""


def test_the_connectors_other_settings_are_how_the_sample_is_read(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("id;name\n1;Ann\n", encoding="utf-8")
    document = _with_source("csv", path="people.csv", delimiter=";")
    sample = document_sample(document, tmp_path / "people.fwmap.json")
    assert sample.path == tmp_path / "people.csv"
    assert sample.settings == {"delimiter": ";"}


def test_a_new_mapping_has_no_sample() -> None:
    sample = document_sample(new_document(), None)
    assert sample.path is None
    assert sample.missing == "No sample for this mapping: Load sample… or Paste JSON…"


def test_a_stored_mapping_cannot_find_a_relative_file() -> None:
    stored = StoredMapping("mapping_X", 1)
    sample = document_sample(_with_source("json", path="contacts.json"), stored)
    assert sample.path is None
    assert "contacts.json is relative, and a stored mapping has no folder" in sample.missing


def test_an_absolute_file_is_found_wherever_the_mapping_lives(tmp_path: Path) -> None:
    data = tmp_path / "rows.ndjson"
    data.write_text('{"id": 1}\n', encoding="utf-8")
    sample = document_sample(_with_source("ndjson", path=str(data)), StoredMapping("m", 2))
    assert sample.path == data


def test_a_missing_file_and_a_table_say_so(tmp_path: Path) -> None:
    missing = document_sample(_with_source("csv", path="gone.csv"), tmp_path / "m.fwmap.json")
    assert missing.path is None and f"{tmp_path / 'gone.csv'} is not there" in missing.missing
    table = document_sample(_with_source("sql", table="people"), tmp_path / "m.fwmap.json")
    assert table.path is None and table.missing.startswith("No sample for this mapping:")
