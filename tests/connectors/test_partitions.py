"""Byte ranges of NDJSON and CSV files (the Dask engine's partitions) read exactly the records
the whole file holds, at the same lines and offsets, with the same reasons, for any cut."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from fieldwright.connectors.csv_files import CsvSource
from fieldwright.connectors.errors import SourceUnreadable
from fieldwright.connectors.frames import NdjsonFrames
from fieldwright.connectors.partitions import (
    CsvRange,
    NdjsonRange,
    blocks,
    boundary,
    ranges,
    splittable_encoding,
)
from fieldwright.domain.records import SourceItem

NDJSON_LINES = [
    orjson.dumps({"id": 1, "name": "Ann"}),
    b'{"id": 2, "name": "B\\u00e9a", "tags": ["x", "y"]}',
    b"",  # a blank line: skipped, but counted
    b'{"id": 3, "name": ',  # invalid JSON: unreadable, naming its line and byte
    b'{"id": 4, "id": 5}',  # a duplicate key: unreadable
    b"[1, 2]",  # not an object
    orjson.dumps({"id": 6, "note": "a \\n in text"}),
    orjson.dumps({"id": 7, "name": "Zoë"}),
]

CSV_TEXT = (
    'id,name,notes\r\n1,Ann,"one line"\r\n2,Bob,"two\r\nlines, with ""quotes"""\r\n'
    '3,Cy,plain\r\n4,"Di\nna",x,extra\r\n5,Ed,"a ""quoted"" word"\r\n'
    '6,Flo,"three\nshort\nlines"\r\n7,Gus,last\r\n'
)


def _items(items: list[SourceItem]) -> list[tuple[object, ...]]:
    return [(i.position, i.record, i.error, i.raw) for i in items]


@pytest.fixture
def ndjson_file(tmp_path: Path) -> Path:
    path = tmp_path / "in.ndjson"
    path.write_bytes(b"\n".join(NDJSON_LINES * 5) + b"\n")
    return path


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    path.write_bytes(CSV_TEXT.encode() + CSV_TEXT.split("\r\n", 1)[1].encode() * 3)
    return path


@pytest.mark.parametrize("size", [1, 5, 17, 40, 64, 333, 10_000])
def test_ndjson_ranges_read_what_the_whole_file_holds(ndjson_file: Path, size: int) -> None:
    whole = list(NdjsonFrames(ndjson_file))
    cut = blocks([ndjson_file], size)
    found: list[SourceItem] = []
    for start, end, first in ranges(cut, None):
        found.extend(NdjsonRange(ndjson_file, start, end, first))
    assert _items(found) == _items(whole)
    assert sum(1 for item in whole if item.record is None) == 15  # 3 unreadable per copy


@pytest.mark.parametrize("size", [7, 64])
def test_ndjson_range_chunks_are_the_whole_files_lines(ndjson_file: Path, size: int) -> None:
    """The columnar engine reads a range in chunks: every chunk's items as in the file."""
    whole = _items(list(NdjsonFrames(ndjson_file)))
    found: list[SourceItem] = []
    for start, end, first in ranges(blocks([ndjson_file], size), None):
        for chunk in NdjsonRange(ndjson_file, start, end, first, chunk_bytes=50).chunks():
            found.extend(chunk.items())
    assert _items(found) == whole


@pytest.mark.parametrize("size", [1, 9, 30, 77, 200, 10_000])
def test_csv_ranges_never_split_a_quoted_field(csv_file: Path, size: int) -> None:
    whole = list(CsvSource(csv_file))
    found: list[SourceItem] = []
    located = ranges(blocks([csv_file], size), b'"')
    for start, end, first in located:
        found.extend(CsvRange(csv_file, start, end, first))
    assert _items(found) == _items(whole)
    # The record with too many cells is unreadable at its own line in every copy.
    bad = [i.position.line for i in whole if i.record is None]
    assert bad == [6, 17, 28, 39]  # 11 physical lines a copy
    errors = [i.error for i in found if i.record is None]
    assert [f", line {line}: " in str(e) for line, e in zip(bad, errors, strict=True)] == [True] * 4
    # No range starts inside the quoted "two\r\nlines" field of the first copy (line 3).
    assert all(first != 4 for _s, _e, first in located)


def test_a_boundary_skips_line_ends_inside_quotes(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    data = b'a,b\n1,"x\ny\nz"\n2,w\n'
    path.write_bytes(data)
    inside = data.index(b"x")  # one quote before it: inside a quoted field
    start, newlines = boundary(str(path), inside, data[:inside].count(b'"'), b'"')
    assert data[start:] == b"2,w\n"
    assert newlines == 3  # the two quoted line ends and the record's own
    # Without the quote count (NDJSON), the next line end is a boundary.
    assert boundary(str(path), inside, 0, None)[0] == data.index(b"y")


def test_only_single_byte_line_end_encodings_split() -> None:
    assert splittable_encoding("utf-8")
    assert splittable_encoding("utf-8-sig")
    assert splittable_encoding("cp1252")
    assert not splittable_encoding("utf-16")
    assert not splittable_encoding("utf-32-le")
    assert not splittable_encoding("no-such-codec")


def test_an_empty_file_is_one_empty_range(tmp_path: Path) -> None:
    path = tmp_path / "empty.ndjson"
    path.write_bytes(b"")
    assert ranges(blocks([path], 10), None) == [(0, 0, 1)]
    assert list(NdjsonRange(path, 0, 0, 1)) == []


STRAY = 'id,name,notes\n1,5" pipe,x\n2,b,plain\n3,c,plain\n4,d,"two\nlines"\n5,e,plain\n'


def test_a_range_ending_inside_quotes_is_refused(tmp_path: Path) -> None:
    """A quote inside an unquoted field throws the quote count off: the range whose end
    falls inside a quoted field says so instead of reading a record cut in two."""
    path = tmp_path / "stray.csv"
    path.write_text(STRAY)
    assert next(i.record for i in CsvSource(path)) == {"id": "1", "name": '5" pipe', "notes": "x"}
    refused = []
    for start, end, first in ranges(blocks([path], 10), b'"'):
        source = CsvRange(path, start, end, first)
        try:
            list(source)
        except SourceUnreadable as exc:
            assert "end inside a quoted field" in str(exc)
            refused.append(source.split_inside_quotes)
    assert refused == [True]
    # One range for the whole file reads it as the whole file does.
    assert _items(list(CsvRange(path, 0, path.stat().st_size, 1))) == _items(list(CsvSource(path)))
