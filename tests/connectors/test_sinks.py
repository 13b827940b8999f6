"""File sinks: atomic results, manifests, and the shape of what they write."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import fieldwright
from fieldwright.connectors import (
    ConnectorError,
    CsvSink,
    CsvSource,
    FileSink,
    JsonArraySink,
    NdjsonSink,
    SinkError,
    XlsxSink,
    manifest_path,
)
from fieldwright.domain.records import RecordSink

RECORDS = [
    {"id": 1, "name": "Ada", "address": {"city": "London"}, "tags": ["a", "b"], "ok": True},
    {"id": 2, "name": None, "address": {"city": "Zürich"}, "tags": [], "ok": False},
]
COLUMNS = ["id", "name", "address.city", "tags", "ok"]

SinkFactory = Callable[[Path], FileSink]
FACTORIES: dict[str, SinkFactory] = {
    "ndjson": NdjsonSink,
    "json": JsonArraySink,
    "csv": lambda path: CsvSink(path, COLUMNS),
    "xlsx": lambda path: XlsxSink(path, COLUMNS),
}


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_commit_writes_the_file_and_its_manifest(tmp_path: Path, kind: str) -> None:
    target = tmp_path / f"out.{kind}"
    sink = FACTORIES[kind](target)
    assert isinstance(sink, RecordSink)
    assert not target.exists()  # nothing under the final name until commit
    sink.write_batch(RECORDS[:1])
    sink.write_batch(RECORDS[1:])
    sink.commit()
    data = target.read_bytes()
    manifest = json.loads(manifest_path(target).read_text())
    assert manifest_path(target).name == f"out.{kind}.meta.json"
    assert manifest["filename"] == f"out.{kind}"
    assert manifest["row_count"] == 2
    assert manifest["file_size"] == len(data)
    assert manifest["checksum"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert manifest["created_by"] == f"fieldwright {fieldwright.__version__}"
    assert manifest["schema_version"] == "1"
    created = datetime.fromisoformat(manifest["created_at"])
    assert created.tzinfo is not None
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=1)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_exception_half_way_leaves_no_target_and_no_temp_file(tmp_path: Path, kind: str) -> None:
    target = tmp_path / f"out.{kind}"
    with pytest.raises(RuntimeError, match="mapping blew up"), FACTORIES[kind](target) as sink:
        sink.write_batch(RECORDS)
        raise RuntimeError("mapping blew up")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_abort_leaves_the_previous_target_untouched(tmp_path: Path, kind: str) -> None:
    target = tmp_path / f"out.{kind}"
    first = FACTORIES[kind](target)
    first.write_batch(RECORDS[:1])
    first.commit()
    before = target.read_bytes()
    manifest_before = manifest_path(target).read_bytes()

    second = FACTORIES[kind](target)
    second.write_batch(RECORDS * 50)
    second.abort()
    second.abort()  # idempotent
    assert target.read_bytes() == before
    assert manifest_path(target).read_bytes() == manifest_before
    assert leftovers(tmp_path) == []


def test_a_committed_sink_refuses_more_work(tmp_path: Path) -> None:
    sink = NdjsonSink(tmp_path / "x.ndjson")
    sink.commit()
    with pytest.raises(
        ConnectorError, match=r"x\.ndjson: cannot write to a NDJSON sink that is already committed"
    ):
        sink.write_batch(RECORDS)
    with pytest.raises(ConnectorError, match="already committed"):
        sink.commit()
    sink.abort()  # an abort after commit does not undo it
    assert (tmp_path / "x.ndjson").read_bytes() == b""


def test_schema_version_goes_into_the_manifest(tmp_path: Path) -> None:
    sink = NdjsonSink(tmp_path / "v.ndjson", schema_version="3")
    sink.commit()
    assert json.loads(manifest_path(tmp_path / "v.ndjson").read_text())["schema_version"] == "3"


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SinkError, match=r"out\.csv: the directory .*nowhere' does not exist"):
        CsvSink(tmp_path / "nowhere" / "out.csv", ["a"])


def test_ndjson_shape(tmp_path: Path) -> None:
    sink = NdjsonSink(tmp_path / "o.ndjson")
    sink.write_batch(RECORDS)
    sink.commit()
    lines = (tmp_path / "o.ndjson").read_bytes().split(b"\n")
    assert lines[-1] == b""
    assert [json.loads(line) for line in lines[:-1]] == RECORDS


def test_json_array_shape(tmp_path: Path) -> None:
    sink = JsonArraySink(tmp_path / "o.json")
    sink.write_batch(RECORDS[:1])
    sink.write_batch(RECORDS[1:])
    sink.commit()
    text = (tmp_path / "o.json").read_text()
    assert text.startswith("[\n{") and text.endswith("}\n]\n")
    assert text.count("\n") == 4
    assert json.loads(text) == RECORDS
    empty = JsonArraySink(tmp_path / "empty.json")
    empty.commit()
    assert json.loads((tmp_path / "empty.json").read_text()) == []


def test_a_value_that_is_not_json_names_the_record(tmp_path: Path) -> None:
    sink = NdjsonSink(tmp_path / "o.ndjson")
    [rejected] = sink.write_batch([{"a": 1}, {"a": object()}])
    assert rejected.index == 1 and rejected.field == "$.a"
    assert rejected.reason == "cannot be written as JSON: $.a: a object value is not JSON"
    sink.abort()


def test_csv_flattens_and_encodes_cells(tmp_path: Path) -> None:
    sink = CsvSink(tmp_path / "o.csv", COLUMNS)
    sink.write_batch(RECORDS)
    sink.commit()
    assert (tmp_path / "o.csv").read_bytes().decode() == (
        "id,name,address.city,tags,ok\r\n"
        '1,Ada,London,"[""a"",""b""]",true\r\n'
        "2,,Zürich,[],false\r\n"
    )
    back = [item.record for item in CsvSource(tmp_path / "o.csv")]
    assert back[1] == {"id": "2", "name": "", "address.city": "Zürich", "tags": "[]", "ok": "false"}


def test_csv_literal_dotted_key_wins_and_missing_values_are_empty(tmp_path: Path) -> None:
    sink = CsvSink(tmp_path / "o.csv", ["a.b", "c.d", "e"], delimiter=";")
    sink.write_batch([{"a.b": "literal", "a": {"b": "nested"}, "c": "not an object"}])
    sink.commit()
    assert (tmp_path / "o.csv").read_text().splitlines()[1] == "literal;;"


def test_csv_unencodable_value_names_row_and_column(tmp_path: Path) -> None:
    sink = CsvSink(tmp_path / "o.csv", ["id", "note"], encoding="cp1252")
    sink.write_batch([{"id": 1, "note": "café"}])
    [rejected] = sink.write_batch([{"id": 2, "note": "a → b"}])
    assert rejected.index == 0 and rejected.field == "note"
    assert rejected.reason.startswith("column 'note': '→' cannot be written in cp1252; set ")
    sink.abort()
    assert not (tmp_path / "o.csv").exists()


def test_csv_sink_with_bom_writes_it_once(tmp_path: Path) -> None:
    sink = CsvSink(tmp_path / "o.csv", ["a"], encoding="utf-8-sig")
    sink.write_batch([{"a": "x"}, {"a": "y"}])
    sink.commit()
    assert (tmp_path / "o.csv").read_bytes() == b"\xef\xbb\xbfa\r\nx\r\ny\r\n"
