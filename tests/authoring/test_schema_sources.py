"""What each side of a new mapping reads: fields and the connector a run will use. No Qt."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldwright.authoring.schema_sources import Incomplete, SideChoice, StartFrom
from fieldwright.service import DataError, Service


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with Service.open(f"sqlite:///{tmp_path / 'store.db'}", user="alice") as opened:
        yield opened


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "people.ndjson"
    path.write_text('{"id": 1, "email": "a@x.io"}\n', encoding="utf-8")
    return path


def test_a_source_sample_becomes_the_source_connector_with_an_absolute_path(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sample.parent)
    fields, connector = SideChoice("source", StartFrom.FILE, path=sample.name).read(None)
    assert [f.name for f in fields] == ["id", "email"]
    assert connector is not None
    assert (connector.kind, connector.settings["path"]) == ("ndjson", str(sample))


def test_a_target_sample_gives_its_shape_but_no_connector(sample: Path) -> None:
    fields, connector = SideChoice("target", StartFrom.FILE, path=str(sample)).read(None)
    assert [f.name for f in fields] == ["id", "email"]
    assert connector is None  # a run must never write over the sample


def test_an_empty_target_and_a_json_schema(tmp_path: Path) -> None:
    assert SideChoice("target", StartFrom.EMPTY).read(None) == ([], None)
    schema = tmp_path / "crm.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"name": {"type": "string"}}}))
    fields, connector = SideChoice("target", StartFrom.JSON_SCHEMA, path=str(schema)).read(None)
    assert ([f.name for f in fields], connector) == (["name"], None)


def test_missing_inputs_are_named_before_anything_is_read(service: Service) -> None:
    cases = [
        (SideChoice("source", StartFrom.FILE), "Give the file"),
        (SideChoice("source", StartFrom.HTTP), "URL"),
        (SideChoice("source", StartFrom.CONNECTION), "Choose a saved connection"),
        (SideChoice("target", StartFrom.CONNECTION, connection="hr"), "table"),
        (SideChoice("target", StartFrom.TEMPLATE), "Choose a template"),
    ]
    for choice, message in cases:
        with pytest.raises(Incomplete, match=message):
            choice.read(service)
    with pytest.raises(Incomplete, match="mapping store"):
        SideChoice("target", StartFrom.TEMPLATE, template="template_QBT_WFN").read(None)


def test_a_template_target_copies_the_template_fields(service: Service) -> None:
    code = service.templates.list_templates()[0].code
    fields, connector = SideChoice("target", StartFrom.TEMPLATE, template=code).read(service)
    assert fields == service.templates.get(code).target.fields
    assert connector is None


def test_an_unreadable_file_says_which(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"missing\.csv"):
        SideChoice("source", StartFrom.FILE, path=str(tmp_path / "missing.csv")).read(None)
