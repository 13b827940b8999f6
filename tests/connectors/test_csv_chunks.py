"""The CSV source reads its text a chunk at a time: records, line numbers and the checks
of NULs and undecodable bytes do not depend on where a chunk ends."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from fieldwright.connectors import CsvSource, csv_files

ROWS = [
    ["id", "note", "city"],
    ["1", "plain", "Oslo"],
    ["2", "multi\nline, quoted", "Lyon"],
    ["3", 'said "maybe"', "Austin"],
    ["4", "", "Kyoto"],
    ["5", "crlf\r\ninside", "Quito"],
    ["6", "tab\tinside", "Zürich"],
]


def _csv(rows: list[list[str]], terminator: str) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=terminator).writerows(rows)
    return buffer.getvalue()


def _read(path: Path) -> list[tuple[int | None, object, str | None]]:
    source = CsvSource(path)
    try:
        return [(item.position.line, item.record, item.error) for item in source]
    finally:
        source.close()


@pytest.mark.parametrize("terminator", ["\r\n", "\n", "\r"])
@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 11, 64 * 1024])
def test_records_and_lines_do_not_depend_on_the_chunk_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terminator: str, chunk: int
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(_csv(ROWS, terminator).encode())
    monkeypatch.setattr(csv_files, "CHUNK_CHARS", chunk)
    items = _read(path)
    assert [record for _line, record, _error in items] == [
        dict(zip(ROWS[0], row, strict=True)) for row in ROWS[1:]
    ]
    # the header is line 1; records 2 and 5 span two lines each
    assert [line for line, _record, _error in items] == [2, 3, 5, 6, 7, 9]


@pytest.mark.parametrize("chunk", [3, 16, 64 * 1024])
def test_a_nul_or_an_undecodable_byte_in_a_later_chunk_fails_its_record_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    good = "".join(f"{n},row {n}\n" for n in range(1, 40))
    path = tmp_path / "bad.csv"
    path.write_bytes(b"id,note\n" + good.encode() + b"40,n\x00l\n41,caf\xe9\n42,fine\n")
    monkeypatch.setattr(csv_files, "CHUNK_CHARS", chunk)
    items = _read(path)
    assert len(items) == 42
    assert all(error is None for _line, _record, error in items[:39])
    nul, byte, last = items[39:]
    assert nul[0] == 41 and nul[1] is None and "NUL byte (0x00) at character 5" in str(nul[2])
    assert byte[0] == 42 and byte[1] is None and "byte 0xe9" in str(byte[2])
    assert last == (43, {"id": "42", "note": "fine"}, None)


def test_a_record_longer_than_the_limit_is_skipped_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "long.csv"
    long_note = '"' + "x\n" * 50 + '"'
    path.write_text(f"id,note\n1,short\n2,{long_note}\n3,after\n", encoding="utf-8")
    monkeypatch.setattr(csv_files, "CHUNK_CHARS", 8)
    source = CsvSource(path, max_record_size=40)
    items = list(source)
    source.close()
    assert [item.record for item in items] == [
        {"id": "1", "note": "short"},
        None,
        {"id": "3", "note": "after"},
    ]
    assert items[1].position.line == 3 and "more than max_record_size (40)" in str(items[1].error)
    assert items[2].position.line == 54
