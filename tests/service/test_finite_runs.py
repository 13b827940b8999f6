"""A run tells its JSON output that no record can hold a NaN or an infinity only when its
source yields none and its mapping cannot make one (engine/finite.py): then the sink looks
into no record; otherwise it looks, and a NaN still fails its record alone."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest

from fieldwright.connectors import json_files
from fieldwright.domain import MappingDocument
from fieldwright.service import dead_letter_path, run_file

FIELDS: list[dict[str, Any]] = [
    {"target": "$.id", "sources": "$.id", "transforms": [{"fn": "to_string"}]},
    {"target": "$.name", "sources": "$.name", "transforms": [{"fn": "trim"}]},
    {
        "target": "$.amount",
        "sources": "$.amount",
        "transforms": [{"fn": "to_number"}],
        "on_error": "default",
        "default": 0,
    },
    {"target": "$.tags", "sources": "$.tags[*]"},
]
ROUNDED = {
    "target": "$.rounded",
    "sources": "$.amount",
    "transforms": [{"fn": "round", "args": [1]}],
    "on_error": "null",
}


def _document(fields: list[dict[str, Any]]) -> MappingDocument:
    return MappingDocument.model_validate(
        {"fieldwright": 1, "key": "mapping_FINITE_RUN", "name": "finite", "fields": fields}
    )


@pytest.fixture
def looks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every record the JSON sink looks into for a NaN."""
    seen: list[object] = []
    real = json_files.holds_non_finite

    def spy(record: Any) -> bool:
        seen.append(record)
        return real(record)

    monkeypatch.setattr(json_files, "holds_non_finite", spy)
    return seen


def _ndjson(folder: Path) -> Path:
    path = folder / "in.ndjson"
    records = [
        {
            "id": n,
            "name": f" n{n} " if n % 3 else None,
            "amount": ["12.5", "", None, 7][n % 4],
            "tags": [1, None] if n % 2 else [],
        }
        for n in range(50)
    ]
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def test_a_json_run_of_a_finite_mapping_looks_into_no_record(
    tmp_path: Path, looks: list[object]
) -> None:
    result = run_file(_document(FIELDS), _ndjson(tmp_path), tmp_path / "out.ndjson")
    assert result.counts.written == 50
    assert looks == []  # half the records hold a null: before, each was looked into
    lines = [json.loads(line) for line in (tmp_path / "out.ndjson").read_text().splitlines()]
    assert lines[1] == {"id": "1", "name": "n1", "amount": 0, "tags": [1, None]}
    assert lines[0]["name"] is None and lines[0]["amount"] == 12.5


def test_a_csv_run_is_vouched_for_too(tmp_path: Path, looks: list[object]) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,name,amount\n1, a ,2.5\n2,,\n")
    fields = [f for f in FIELDS if f["target"] != "$.tags"]
    fields.append({"target": "$.absent", "sources": "$.no_such_column"})  # a null in each
    result = run_file(_document(fields), source, tmp_path / "out.ndjson")
    assert result.counts.written == 2 and looks == []


def test_a_mapping_the_reading_cannot_vouch_for_is_looked_into(
    tmp_path: Path, looks: list[object]
) -> None:
    result = run_file(_document([*FIELDS, ROUNDED]), _ndjson(tmp_path), tmp_path / "out.ndjson")
    assert result.counts.written == 50
    assert len(looks) > 0


def test_a_nan_from_a_parquet_source_still_fails_its_record_alone(
    tmp_path: Path, looks: list[object]
) -> None:
    source = tmp_path / "in.parquet"
    pl.DataFrame({"id": [1, 2, 3], "amount": [1.5, math.nan, -math.inf]}).write_parquet(source)
    fields = [{"target": "$.id", "sources": "$.id"}, {"target": "$.amount", "sources": "$.amount"}]
    output = tmp_path / "out.ndjson"
    result = run_file(_document(fields), source, output, engine="rows")
    assert (result.counts.read, result.counts.written, result.counts.failed) == (3, 1, 2)
    assert len(looks) >= 2
    assert [json.loads(line) for line in output.read_text().splitlines()] == [
        {"id": 1, "amount": 1.5}
    ]
    letters = [json.loads(line) for line in dead_letter_path(output).read_text().splitlines()]
    assert [(letter["position"], letter["reason"]) for letter in letters] == [
        ({"row": 2}, "cannot be written as JSON: $.amount: NaN, which JSON cannot hold"),
        ({"row": 3}, "cannot be written as JSON: $.amount: -Infinity, which JSON cannot hold"),
    ]
