"""Random and mutated bytes through every file source: no traceback, every item accounted for.

Bounded runs (max_examples, deadline) keep this under a few seconds each.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldwright.connectors import ConnectorError, _jsonscan, open_source

FUZZ = settings(
    max_examples=60,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=12)
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
_records = st.lists(st.dictionaries(st.text(max_size=6), _values, max_size=5), max_size=12)


def _json_array(records: list[dict[str, Any]], style: int) -> bytes:
    if style == 0:
        return orjson.dumps(records)
    if style == 1:
        return orjson.dumps(records, option=orjson.OPT_INDENT_2)
    if style == 2:
        return json.dumps(records, ensure_ascii=False, separators=(" , ", " : ")).encode()
    return b"[\n" + b",\n".join(orjson.dumps(record) for record in records) + b"\n]\n"


def _read(path: Path, format: str, **options: Any) -> list[Any]:
    """Every item of the file, asserting each is a record or an unreadable item with a reason."""
    try:
        source = open_source(path, format, **options)
    except ConnectorError:
        return []
    try:
        items = list(source)
    except ConnectorError:
        return []
    finally:
        source.close()
    for item in items:
        if item.record is None:
            assert item.error, item
            assert str(item.position) != "unknown position"
        else:
            assert type(item.record) is dict
    return items


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    result = bytearray(data)
    for kind, at, piece in edits:
        where = at % (len(result) + 1)
        if kind == 0:
            result[where:where] = piece
        elif kind == 1:
            del result[where : where + len(piece)]
        else:
            result[where : where + len(piece)] = piece
    return bytes(result)


_edits = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 10_000), st.binary(min_size=1, max_size=3)),
    min_size=1,
    max_size=4,
)


@FUZZ
@given(records=_records, style=st.integers(0, 3), chunk=st.integers(1, 64))
def test_valid_arrays_read_every_element_at_any_chunk_size(
    records: list[dict[str, Any]], style: int, chunk: int
) -> None:
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(_jsonscan, "_CHUNK", chunk):
        path = Path(folder) / "valid.json"
        path.write_bytes(_json_array(records, style))
        items = _read(path, "json")
        assert [item.record for item in items] == json.loads(path.read_bytes())
        assert [item.position.index for item in items] == list(range(len(records)))
        wrapped = Path(folder) / "wrapped.json"
        wrapped.write_bytes(
            b'{"meta": {"n": [1, {"x": []}]}, "data": {"rows": ' + path.read_bytes() + b"}}"
        )
        nested = _read(wrapped, "json", records_path="data.rows")
        assert [item.record for item in nested] == [item.record for item in items]


@FUZZ
@given(records=_records, style=st.integers(0, 3), edits=_edits, chunk=st.integers(1, 64))
def test_mutated_arrays_never_raise_anything_but_a_connector_error(
    records: list[dict[str, Any]], style: int, edits: list[tuple[int, int, bytes]], chunk: int
) -> None:
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(_jsonscan, "_CHUNK", chunk):
        path = Path(folder) / "mutated.json"
        path.write_bytes(_mutate(_json_array(records, style), edits))
        _read(path, "json")
        _read(path, "json", records_path="rows", max_depth=2, max_record_size=20)


@FUZZ
@given(records=_records, edits=_edits)
def test_mutated_ndjson_never_raises_and_keeps_every_line(
    records: list[dict[str, Any]], edits: list[tuple[int, int, bytes]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutated.ndjson"
        data = b"".join(orjson.dumps(record) + b"\n" for record in records)
        path.write_bytes(data)
        assert [item.record for item in _read(path, "ndjson")] == records
        path.write_bytes(_mutate(data, edits))
        _read(path, "ndjson", check_duplicate_keys=True)


@FUZZ
@given(
    rows=st.lists(st.lists(st.text(max_size=8), min_size=2, max_size=2), max_size=10), edits=_edits
)
def test_mutated_csv_never_raises(
    rows: list[list[str]], edits: list[tuple[int, int, bytes]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutated.csv"
        text = "a,b\r\n" + "".join(
            ",".join(json.dumps(cell) for cell in row) + "\r\n" for row in rows
        )
        path.write_bytes(_mutate(text.encode(), edits))
        _read(path, "csv")
        _read(path, "csv", max_record_size=16, max_field_size=4)


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_in_every_format(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for format in ("json", "ndjson", "csv", "xlsx"):
            path = Path(folder) / f"random.{format}"
            path.write_bytes(data)
            _read(path, format)
