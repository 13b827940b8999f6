"""A value a file sink cannot write rejects that record alone, with the exact reason;
the other records of the batch are written."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fieldwright.connectors import CsvSink, JsonArraySink, NdjsonSink, XlsxSink


def deep(levels: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(levels):
        node["x"] = {}
        node = node["x"]
    return root


GOOD = {"id": 1, "note": "fine"}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"id": 2, "note": deep(300)}, "nests deeper than the JSON writer allows"),
        ({"id": 2, "note": "a\ud800b"}, "$.note: a lone surrogate ('\\ud800')"),
        ({"id": 2, "n": [1.5, float("nan")]}, "$.n[1]: NaN"),
        ({"id": 2, "n": float("-inf")}, "$.n: -Infinity"),
        ({"id": 2, "n": object()}, "$.n: a object value is not JSON"),
    ],
)
@pytest.mark.parametrize("sink_type", [NdjsonSink, JsonArraySink])
def test_json_sinks_reject_one_record(
    tmp_path: Path, sink_type: type[NdjsonSink], bad: dict[str, Any], reason: str
) -> None:
    path = tmp_path / ("o.ndjson" if sink_type is NdjsonSink else "o.json")
    sink = sink_type(path)
    rejected = sink.write_batch([GOOD, bad, {"id": 3}])
    assert rejected is not None and [r.index for r in rejected] == [1]
    assert reason in rejected[0].reason
    sink.write_batch([{"id": 4}])
    sink.commit()
    text = path.read_text()
    if sink_type is NdjsonSink:
        assert [json.loads(line)["id"] for line in text.splitlines()] == [1, 3, 4]
    else:
        assert [record["id"] for record in json.loads(text)] == [1, 3, 4]
    assert sink.manifest is not None and sink.manifest.row_count == 3


def test_json_sinks_write_good_batches_and_return_nothing(tmp_path: Path) -> None:
    sink = NdjsonSink(tmp_path / "o.ndjson")
    assert not sink.write_batch([GOOD, {"a": None, "b": [None, 1.0]}])
    sink.commit()
    assert sink.manifest is not None and sink.manifest.row_count == 2


def test_csv_sink_rejects_a_cell_its_encoding_cannot_hold(tmp_path: Path) -> None:
    sink = CsvSink(tmp_path / "o.csv", ["id", "note"], encoding="cp1252")
    rejected = sink.write_batch([GOOD, {"id": 2, "note": "→"}, {"id": 3, "note": deep(300)}])
    assert rejected is not None and [r.index for r in rejected] == [1, 2]
    assert rejected[0].field == "note"
    assert "'→' cannot be written in cp1252" in rejected[0].reason
    assert "target.connector.settings.encoding" in rejected[0].reason
    assert rejected[1].field == "note" and "nests deeper" in rejected[1].reason
    sink.write_batch([{"id": 4, "note": "x"}])
    sink.commit()
    assert (tmp_path / "o.csv").read_text(encoding="cp1252").splitlines() == [
        "id,note",
        "1,fine",
        "4,x",
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("bell\x07", "control character"),
        ("a\udc80", "lone surrogate"),
        (float("nan"), "NaN"),
        ("x" * 32_768, "32,768 characters, more than an Excel cell holds (32,767)"),
    ],
)
def test_xlsx_sink_rejects_a_value_a_cell_cannot_hold(
    tmp_path: Path, value: Any, reason: str
) -> None:
    path = tmp_path / "o.xlsx"
    sink = XlsxSink(path, ["id", "note"])
    rejected = sink.write_batch([GOOD, {"id": 2, "note": value}, {"id": 3, "note": "ok"}])
    assert rejected is not None and [(r.index, r.field) for r in rejected] == [(1, "note")]
    assert reason in rejected[0].reason
    sink.commit()
    with zipfile.ZipFile(path) as archive:
        assert b"&#5" not in archive.read("xl/worksheets/sheet1.xml")
    rows = list(load_workbook(path, read_only=True).worksheets[0].values)
    assert rows == [("id", "note"), (1, "fine"), (3, "ok")]
