"""NDJSON and JSON-array sources: malformed input is an unreadable item, not the run's end."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldwright.connectors import ConnectorError, JsonArraySource, NdjsonSource, SourceUnreadable
from fieldwright.domain.records import RecordSource


def test_ndjson_malformed_lines_do_not_stop_the_run(tmp_path: Path) -> None:
    lines = [
        b'\xef\xbb\xbf{"id": 1}',
        b'{"id": 2, "name": "Zo\xc3\xab"}',
        b"",
        b'{"id": 3,,}',
        b"   ",
        b"[1, 2]",
        b'{"id": 4}\r',
        b'{"id": NaN}',
        b'{"id": 5}',
    ]
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    source = NdjsonSource(path)
    assert isinstance(source, RecordSource)
    items = list(source)
    source.close()
    assert [(item.position.line, item.record) for item in items] == [
        (1, {"id": 1}),
        (2, {"id": 2, "name": "Zoë"}),
        (4, None),
        (6, None),
        (7, {"id": 4}),
        (8, None),
        (9, {"id": 5}),
    ]
    offsets = [sum(len(line) + 1 for line in lines[: n - 1]) for n in (1, 2, 4, 6, 7, 8, 9)]
    assert [item.position.offset for item in items] == offsets
    malformed, not_object, nan = items[2], items[3], items[5]
    comma = offsets[2] + len(b'{"id": 3,')
    assert malformed.error == (
        f"events.ndjson, line 4 (byte {comma}): invalid JSON: unexpected character, "
        "expected a string key"
    )
    assert malformed.raw == '{"id": 3,,}'
    assert not_object.error == (
        f"events.ndjson, line 6 (byte {offsets[3]}): expected a JSON object, got an array"
    )
    assert nan.error is not None
    assert "line 8 (byte " in nan.error and "NaN is not allowed in JSON" in nan.error


def test_ndjson_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadable, match=r"gone\.jsonl: file not found"):
        NdjsonSource(tmp_path / "gone.jsonl")


def test_json_array_items_carry_their_index(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('[{"a": 1, "f": 1.5}, 7, {"b": [1, {"c": null}]}, "s"]')
    items = list(JsonArraySource(path))
    assert [(item.position.index, item.record) for item in items] == [
        (0, {"a": 1, "f": 1.5}),
        (1, None),
        (2, {"b": [1, {"c": None}]}),
        (3, None),
    ]
    assert isinstance(items[0].record, dict) and type(items[0].record["f"]) is float
    assert items[1].error == "a.json, byte 21 (item 1): expected a JSON object, got a number"
    assert items[1].raw == "7"
    assert items[3].error is not None and "got a string" in items[3].error


@pytest.mark.parametrize(
    ("text", "bad", "hint"),
    [
        ('[{"a": 1},\n {"b": NaN},\n {"c": 3}]', "NaN", "NaN is not allowed"),
        ('[{"a": 1}, {"b": -Infinity}, {"c": 3}]', "Infinity", "Infinity is not allowed"),
        ('[{"a": 1}, {"b": 2,}, {"c": 3}]', ",}", "trailing comma"),
    ],
)
def test_json_errors_in_a_record_give_the_byte_offset_and_reading_goes_on(
    tmp_path: Path, text: str, bad: str, hint: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    items = list(JsonArraySource(path))
    assert [item.record for item in items] == [{"a": 1}, None, {"c": 3}]
    dead = items[1]
    assert dead.position.offset == text.index(bad)
    assert dead.error is not None
    assert dead.error.startswith(f"bad.json, byte {dead.position.offset} (item 1): invalid JSON")
    assert hint in dead.error


@pytest.mark.parametrize(
    ("text", "bad", "reason"),
    [
        ('[{"a": 1},\n {"b": 2},\n]', "]", "a trailing comma before ']'"),
        ('[{"a": 1} {"b": 2}]', '{"b"', "expected ',' or ']' after an item, found '{'"),
        ('[{"a": 1}] x', "x", "more after the end of the array"),
    ],
)
def test_a_malformed_array_gives_the_byte_offset_then_ends(
    tmp_path: Path, text: str, bad: str, reason: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    items = list(JsonArraySource(path))
    assert items[0].record == {"a": 1}
    last = items[-1]
    assert last.record is None
    assert last.position.offset == text.rindex(bad)
    assert last.error == (
        f"bad.json, byte {last.position.offset} (item {last.position.index}): invalid JSON: "
        f"{reason}; reading stops here"
    )


def test_json_error_offset_deep_in_a_large_file(tmp_path: Path) -> None:
    body = b",\n".join(b'{"id": %d, "pad": "%s"}' % (n, b"x" * 50) for n in range(20_000))
    data = b"[" + body + b',\n{"id": Infinity}]'
    path = tmp_path / "big.json"
    path.write_bytes(data)
    items = list(JsonArraySource(path))
    assert len(items) == 20_001
    assert items[-1].position.index == 20_000
    assert items[-1].position.offset == data.rindex(b"Infinity")


def test_truncated_array_reports_the_end_of_the_file(tmp_path: Path) -> None:
    data = b'[{"a": 1}, {"b": 2'
    path = tmp_path / "cut.json"
    path.write_bytes(data)
    items = list(JsonArraySource(path))
    assert items[-1].position.offset == len(data)
    assert items[-1].error is not None and "premature end of file" in items[-1].error


def test_records_under_a_key(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text('{"paging": {"next": null}, "results": [{"id": "1"}, {"id": "2"}], "n": 2}')
    records = [item.record for item in JsonArraySource(path, records_path="results")]
    assert records == [{"id": "1"}, {"id": "2"}]
    nested = tmp_path / "nested.json"
    nested.write_text('{"data": {"items": [{"id": 1}]}}')
    assert [i.record for i in JsonArraySource(nested, records_path="data.items")] == [{"id": 1}]


def test_a_wrong_records_path_lists_the_keys(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text('{"paging": {}, "results": [{"id": "1"}]}')
    with pytest.raises(ConnectorError, match=r"no array under 'result'.*paging, results"):
        list(JsonArraySource(path, records_path="result"))
    with pytest.raises(
        SourceUnreadable, match=r"page\.json: the top level is a JSON object.*results"
    ):
        JsonArraySource(path)


def test_empty_and_non_array_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    with pytest.raises(SourceUnreadable, match=r"empty\.json: the file is empty"):
        JsonArraySource(empty)
    scalar = tmp_path / "scalar.json"
    scalar.write_text("42")
    with pytest.raises(SourceUnreadable, match="not a JSON array"):
        JsonArraySource(scalar)
    bom = tmp_path / "bom.json"
    bom.write_bytes(b'\xef\xbb\xbf[{"a": 1}]')
    assert [item.record for item in JsonArraySource(bom)] == [{"a": 1}]
