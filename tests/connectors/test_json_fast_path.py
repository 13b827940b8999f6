"""The NDJSON and JSON-array fast path: a record written as orjson writes it skips the
duplicate-key and big-integer checks, and only such a record (issue 18)."""

from __future__ import annotations

from pathlib import Path

import orjson

from fieldwright.connectors import JsonArraySource, NdjsonSource
from fieldwright.connectors._jsonerrors import as_written


def test_only_text_orjson_would_write_back_counts_as_written() -> None:
    value = {"a": 1, "b": {"c": [1, 2.5, "x"]}}
    assert as_written(value, orjson.dumps(value) + b"\n")
    assert not as_written(value, orjson.dumps(value))  # the newline is part of the line
    assert as_written(value, orjson.dumps(value), 0)
    assert not as_written(value, b'{"a": 1, "b": {"c": [1, 2.5, "x"]}}\n')  # spaces
    twice = b'{"a":1,"b":{"c":[1,2.5,"x"]},"a":1}\n'
    assert not as_written(orjson.loads(twice), twice)
    huge = b'{"n":123456789012345678901}\n'
    assert not as_written(orjson.loads(huge), huge)


def test_compact_lines_with_a_key_twice_or_a_huge_integer_still_take_the_careful_path(
    tmp_path: Path,
) -> None:
    path = tmp_path / "in.ndjson"
    path.write_bytes(
        b'{"a":1,"b":{"c":2,"c":3}}\n'
        b'{"n":123456789012345678901}\n'
        b'{"a":1,"b":{"c":2}}\n'
        b'{"a": 1, "b": {"c": 2}}\n'
    )
    items = list(NdjsonSource(path))
    assert items[0].record is None
    assert items[0].error is not None and "duplicate key 'c'" in items[0].error
    assert items[1].record == {"n": 123456789012345678901}
    assert items[2].record == items[3].record == {"a": 1, "b": {"c": 2}}


def test_array_elements_take_the_same_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(b'[{"a":1,"a":2},{"n":123456789012345678901},{"a":{"b":[1]}}]')
    source = JsonArraySource(path)
    items = list(source)
    source.close()
    assert items[0].record is None
    assert items[0].error is not None and "duplicate key 'a'" in items[0].error
    assert items[1].record == {"n": 123456789012345678901}
    assert items[2].record == {"a": {"b": [1]}}
