"""A row-engine run reads NDJSON a chunk at a time (domain/records.py SourceChunk) and makes a
record's SourceItem only when asked for: the dead letters of records read badly and of records
the sink refuses, in chunks of every size the run uses, still name their own line, byte and
input, and the counts add up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson

from fieldwright.connectors import NdjsonSource
from fieldwright.domain import MappingDocument
from fieldwright.domain.records import Position, SourceChunk, SourceItem
from fieldwright.service import dead_letter_path, run_file

MAPPING: dict[str, Any] = {
    "fieldwright": 1,
    "key": "mapping_CHUNKED",
    "name": "chunked",
    "target": {"connector": {"kind": "csv", "settings": {"encoding": "cp1252"}}},
    "fields": [
        {"target": "$.id", "sources": "$.id"},
        {"target": "$.note", "sources": "$.note", "transforms": [{"fn": "trim"}]},
    ],
}


def _input(folder: Path) -> tuple[Path, dict[int, tuple[int, str]]]:
    """500 records with blank lines, bad lines and notes cp1252 cannot hold; what should
    fail, by line: (byte offset, what the reason says)."""
    lines: list[bytes] = []
    failing: dict[int, tuple[int, str]] = {}
    offset = 0
    for n in range(500):
        if n % 97 == 5:
            line = b"\n"  # blank: skipped, not counted
        elif n % 61 == 7:
            line = b'{"id": ' + str(n).encode() + b", oops}\n"
            failing[len(lines) + 1] = (offset, "invalid JSON")
        else:
            note = " arrow \u2192 " if n % 37 == 3 else f" note {n} "
            line = orjson.dumps({"id": n, "note": note}) + b"\n"
            if n % 37 == 3:
                failing[len(lines) + 1] = (offset, "cannot be written in cp1252")
        lines.append(line)
        offset += len(line)
    path = folder / "in.ndjson"
    path.write_bytes(b"".join(lines))
    return path, failing


def test_dead_letters_name_their_own_line_across_chunks(tmp_path: Path) -> None:
    source, failing = _input(tmp_path)
    output = tmp_path / "out.csv"
    result = run_file(MappingDocument.model_validate(MAPPING), source, output, engine="rows")
    counts = result.counts
    blank = sum(1 for n in range(500) if n % 97 == 5)
    assert counts.read == 500 - blank
    assert counts.failed == len(failing)
    assert counts.read == counts.written + counts.failed + counts.filtered
    letters = [json.loads(line) for line in dead_letter_path(output).read_text().splitlines()]
    assert {letter["position"]["line"]: letter["position"]["offset"] for letter in letters} == {
        line: offset for line, (offset, _) in failing.items()
    }
    raw = source.read_bytes().splitlines()
    for letter in letters:
        line = letter["position"]["line"]
        assert failing[line][1] in letter["reason"], letter
        if letter["input"] is not None:  # a refused record keeps its input, as read
            assert letter["input"] == json.loads(raw[line - 1])
    written = output.read_text(encoding="cp1252").splitlines()
    assert len(written) == 1 + counts.written and written[1] == "0,note 0"


def test_the_reader_and_the_items_agree(tmp_path: Path) -> None:
    source, _ = _input(tmp_path)
    items = list(NdjsonSource(source))
    chunks = NdjsonSource(source)
    reader = chunks.record_chunks()
    assert reader is not None
    chunked: list[SourceItem] = []
    try:
        for size in (1, 3, 64, 1000):
            chunk = reader.read(size)
            assert chunk is not None and len(chunk) <= size
            chunked += [chunk[index] for index in range(len(chunk))]
            assert list(chunk) == [chunk[index] for index in range(len(chunk))]
        assert reader.read(64) is None
    finally:
        chunks.close()
    assert chunked == items


def test_a_chunk_of_items_gives_them_back() -> None:
    items = [SourceItem(Position(line=1), {"a": 1}), SourceItem(Position(line=2), None, "bad")]
    chunk = SourceChunk.of_items(items)
    assert chunk.records == [{"a": 1}, None]
    assert list(chunk) == items and chunk[1] is items[1] and len(chunk) == 2
