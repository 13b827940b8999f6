"""Hostile JSON input: deep nesting, broken UTF-8, lone surrogates, duplicate keys, odd bytes.

Each case names what an outside tester fed the sources; one bad record must
become that record's dead letter (its item or line and byte, and the exact
reason) and the others must still be read.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fieldwright.connectors import (
    ConnectorError,
    JsonArraySource,
    NdjsonSource,
    SourceUnreadable,
    open_sink,
    open_source,
)
from fieldwright.domain.records import SourceItem


def read_array(path: Path, **settings: object) -> list[SourceItem]:
    source = open_source(path, "json", **settings)
    try:
        return list(source)
    finally:
        source.close()


# -- nesting depth --------------------------------------------------------------------------


def test_a_record_nested_too_deep_is_a_dead_letter_and_reading_goes_on(tmp_path: Path) -> None:
    deep = b'{"a": ' + b"[" * 600 + b"]" * 600 + b"}"
    data = b'[{"id": 1},\n' + deep + b',\n{"id": 3}]'
    path = tmp_path / "deep.json"
    path.write_bytes(data)
    items = read_array(path)
    assert [item.record for item in items] == [{"id": 1}, None, {"id": 3}]
    dead, start = items[1], data.index(b'{"a"')
    assert dead.position.index == 1
    assert dead.position.offset == start
    assert dead.error == f"deep.json, byte {start} (item 1): nested deeper than 512 levels"
    assert dead.raw is not None and dead.raw.startswith('{"a": [[[')
    assert [item.position.index for item in items] == [0, 1, 2]


def test_the_depth_limit_is_a_setting(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text('[{"a": {"b": {"c": 1}}}, {"a": {"b": 1}}]')
    items = read_array(path, max_depth=2)
    assert items[0].record is None
    assert items[0].error is not None and "nested deeper than 2 levels" in items[0].error
    assert items[1].record == {"a": {"b": 1}}
    assert next(i.record for i in read_array(path, max_depth=3)) == {"a": {"b": {"c": 1}}}
    with pytest.raises(ConnectorError, match="max_depth"):
        JsonArraySource(path, max_depth=0)


def test_an_unclosed_deep_document_ends_with_an_error_naming_the_byte(tmp_path: Path) -> None:
    data = b"[" * 100_000
    path = tmp_path / "open.json"
    path.write_bytes(data)
    [only] = read_array(path)
    assert only.record is None and only.position.offset == len(data)
    assert only.error == (
        f"open.json, byte {len(data)} (item 0): invalid JSON: premature end of file inside an "
        "item (one nested deeper than 512 levels); reading stops here"
    )


_PEAK_SCRIPT = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))
    from fieldwright.connectors import JsonArraySource
    errors = [item.error for item in JsonArraySource(sys.argv[1])]
    # VmHWM, not ru_maxrss: the latter keeps the peak of the forked pytest across exec.
    status = open("/proc/self/status").read()
    peak_kb = int(status.split("VmHWM:")[1].split()[0])
    print(peak_kb // 1024, len(errors), errors[0])
    """
)


def test_reading_a_100k_level_nesting_file_takes_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "nest.json"
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    peak_mb, count, first = result.stdout.split(maxsplit=2)
    assert int(peak_mb) < 150, f"peak {peak_mb} MB"
    assert count == "1" and "nested deeper than 512 levels" in first


# -- encoding, per record -------------------------------------------------------------------

BROKEN = [
    pytest.param(b'"\\ud800"', 1, "no low surrogate in string", id="lone-surrogate-escape"),
    pytest.param(b'"a\xed\xa0\x80"', 2, "invalid continuation byte", id="raw-surrogate-bytes"),
    pytest.param(b'"a\xc0\xafb"', 2, "0xc0", id="overlong"),
    pytest.param(b'"x\xf0\x9f\x98"', 2, "invalid continuation byte", id="truncated-emoji"),
    pytest.param(b'"ab\xff"', 3, "0xff", id="invalid-byte"),
]


@pytest.mark.parametrize(("value", "bad_at", "reason"), BROKEN)
def test_a_badly_encoded_record_is_its_own_dead_letter(
    tmp_path: Path, value: bytes, bad_at: int, reason: str
) -> None:
    record = b'{"name": ' + value + b"}"
    data = b'[{"id": 1},\n ' + record + b',\n {"id": 3}]'
    path = tmp_path / "enc.json"
    path.write_bytes(data)
    items = read_array(path)
    assert [item.record for item in items] == [{"id": 1}, None, {"id": 3}]
    dead = items[1]
    start = data.index(b'{"name"')
    byte = start + len(b'{"name": ') + bad_at
    assert dead.position.index == 1 and dead.position.offset == byte
    assert dead.error is not None
    assert dead.error.startswith(f"enc.json, byte {byte} (item 1): ")
    assert reason in dead.error
    assert "reading stops here" not in dead.error


@pytest.mark.parametrize(("value", "bad_at", "reason"), BROKEN)
def test_ndjson_names_the_byte_of_a_badly_encoded_line(
    tmp_path: Path, value: bytes, bad_at: int, reason: str
) -> None:
    line = b'{"name": ' + value + b"}"
    data = b'{"id": 1}\n' + line + b'\n{"id": 3}\n'
    path = tmp_path / "enc.ndjson"
    path.write_bytes(data)
    items = list(NdjsonSource(path))
    assert [item.record for item in items] == [{"id": 1}, None, {"id": 3}]
    byte = data.index(b'{"name"') + len(b'{"name": ') + bad_at
    assert items[1].error is not None
    assert items[1].error.startswith(f"enc.ndjson, line 2 (byte {byte}): ")
    assert reason in items[1].error


def test_an_invalid_byte_is_reported_where_it_is_deep_in_a_chunk(tmp_path: Path) -> None:
    body = b",\n".join(b'{"id": %d, "pad": "%s"}' % (n, b"x" * 40) for n in range(5_000))
    data = b"[" + body + b',\n{"id": "\xff"},\n' + body + b"]"
    path = tmp_path / "big.json"
    path.write_bytes(data)
    items = read_array(path)
    assert len(items) == 10_001
    assert items[5_000].position.offset == data.index(b"\xff")
    assert sum(item.record is None for item in items) == 1


def test_form_feed_is_not_whitespace(tmp_path: Path) -> None:
    path = tmp_path / "ff.json"
    path.write_bytes(b"[\x0c]")
    items = read_array(path)
    assert [item.record for item in items] == [None]
    assert items[0].error is not None and "byte 1" in items[0].error


def test_nan_inside_a_record_is_that_records_dead_letter(tmp_path: Path) -> None:
    text = '[{"a": 1},\n {"b": NaN},\n {"c": 3}]'
    path = tmp_path / "nan.json"
    path.write_text(text)
    items = read_array(path)
    assert [item.record for item in items] == [{"a": 1}, None, {"c": 3}]
    assert items[1].position.offset == text.index("NaN")
    assert items[1].error is not None and "NaN is not allowed in JSON" in items[1].error


def test_an_escaped_lone_surrogate_key_gives_a_message_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    path.write_bytes(b'{"\\ud800": [1], "rows": [{"a": 1}]}')
    with pytest.raises(SourceUnreadable, match=r"key\.json: the top level is a JSON object") as e:
        JsonArraySource(path)
    str(e.value).encode("utf-8")  # printable: no lone surrogate in the message
    items = read_array(path, records_path="rows")
    assert [item.record for item in items] == [{"a": 1}]


# -- duplicate keys -------------------------------------------------------------------------


def test_duplicate_keys_are_the_records_error_unless_turned_off(tmp_path: Path) -> None:
    array = tmp_path / "dup.json"
    array.write_text('[{"a": 1, "a": 2}, {"b": {"c": 1, "c" : 2}}, {"a": "x\\":", "b": 1}]')
    # Turned off, orjson keeps the last value silently.
    assert read_array(array, check_duplicate_keys=False)[0].record == {"a": 2}
    items = read_array(array)
    assert [item.record for item in items] == [None, None, {"a": 'x":', "b": 1}]
    assert items[0].error is not None and "duplicate key 'a'" in items[0].error
    assert items[1].error is not None and "duplicate key 'c'" in items[1].error
    lines = tmp_path / "dup.ndjson"
    lines.write_text('{"a": 1, "a": 2}\n{"a": 1}\n')
    found = list(NdjsonSource(lines))
    assert [item.record for item in found] == [None, {"a": 1}]
    assert found[0].error is not None and "duplicate key 'a'" in found[0].error


# -- record size ----------------------------------------------------------------------------


def test_a_line_beyond_max_record_size_keeps_an_excerpt(tmp_path: Path) -> None:
    long_line = b'{"text": "' + b"w" * 9_000 + b'"}'
    data = b'{"id": 1}\n' + long_line + b'\n{"id": 3}\n'
    path = tmp_path / "long.ndjson"
    path.write_bytes(data)
    items = list(NdjsonSource(path, max_record_size=1_000))
    assert [item.record for item in items] == [{"id": 1}, None, {"id": 3}]
    assert [item.position.offset for item in items] == [0, 10, 10 + len(long_line) + 1]
    assert items[1].error == (
        "long.ndjson, line 2 (byte 10): the line is 9,013 bytes, more than max_record_size "
        "(1,000); only its first 4,096 bytes are kept"
    )
    assert items[1].raw == long_line[:4_096].decode()


def test_an_item_beyond_max_record_size_keeps_an_excerpt(tmp_path: Path) -> None:
    big = b'{"text": "' + b"w" * 9_000 + b'"}'
    data = b'[{"id": 1}, ' + big + b', {"id": 3}]'
    path = tmp_path / "long.json"
    path.write_bytes(data)
    items = read_array(path, max_record_size=1_000)
    assert [item.record for item in items] == [{"id": 1}, None, {"id": 3}]
    assert items[1].error == (
        f"long.json, byte {data.index(big)} (item 1): the item is 9,012 bytes, more than "
        "max_record_size (1,000); only its first 4,096 bytes are kept"
    )
    assert items[1].raw == big[:4096].decode()


# -- integers beyond 64 bits ----------------------------------------------------------------

BIG = 123456789012345678901234567890


def test_integers_beyond_64_bits_are_read_exactly(tmp_path: Path) -> None:
    text = f'{{"a": {BIG}, "b": -{BIG}, "c": "{BIG}", "d": 0.1, "e": [{{"f": {BIG}}}]}}'
    expected = {"a": BIG, "b": -BIG, "c": str(BIG), "d": 0.1, "e": [{"f": BIG}]}
    lines = tmp_path / "big.ndjson"
    lines.write_text(text + "\n" + '{"a": 1}\n')
    assert [item.record for item in NdjsonSource(lines)] == [expected, {"a": 1}]
    array = tmp_path / "big.json"
    array.write_text(f'[{text}, {{"a": 1}}]')
    assert [item.record for item in read_array(array)] == [expected, {"a": 1}]
    assert type(read_array(array)[0].record["a"]) is int  # type: ignore[index]


@pytest.mark.parametrize("kind", ["ndjson", "json"])
def test_integers_beyond_64_bits_are_written_exactly(tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"out.{kind}"
    sink = open_sink(out, kind)
    rejected = sink.write_batch([{"a": BIG, "b": "é"}, {"a": 2}, {"a": float("nan")}])
    sink.commit()
    assert [r.index for r in rejected] == [2]  # the NaN only
    text = out.read_text(encoding="utf-8")
    assert str(BIG) in text and "é" in text and "e+29" not in text
    read = read_array(out) if kind == "json" else list(NdjsonSource(out))
    assert [item.record for item in read] == [{"a": BIG, "b": "é"}, {"a": 2}]
