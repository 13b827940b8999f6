"""NdjsonFrames: chunks read as the row reader reads the same lines, and what Polars would
read differently (blank lines, duplicate keys) is kept away from it."""

from __future__ import annotations

import re
from pathlib import Path
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.connectors.frames import KeyScreen, NdjsonFrames
from fieldwright.connectors.json_files import NdjsonSource

LINES = [
    b'{"id": 1, "name": "Ada"}',
    b"",
    b"   ",
    b'{"id": 2, "name": "Bo", "name": "Cy"}',
    b"{broken",
    b"[1, 2]",
    b'{"id": 3, "note": "' + b"x" * 300 + b'"}',
    b'{"id": 4, "name": "\xc3\xa9"}',
    b'{"id": 5, "name": "\xff"}',
    b'{"id": 6}',
]


def _items(source: NdjsonSource) -> list[tuple[object, ...]]:
    return [(i.position, i.record, i.error, i.raw) for i in source]


@pytest.mark.parametrize("chunk_bytes", [1, 40, 200, 1 << 20])
@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("last_end", [b"", b"\n"])
def test_chunks_read_as_the_row_reader(
    tmp_path: Path, chunk_bytes: int, bom: bool, last_end: bytes
) -> None:
    path = tmp_path / "in.ndjson"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + b"\n".join(LINES) + last_end)
    rows = NdjsonSource(path, max_record_size=256)
    frames = NdjsonFrames(path, max_record_size=256, chunk_bytes=chunk_bytes)
    chunks = list(frames.chunks())
    from_chunks = [(i.position, i.record, i.error, i.raw) for c in chunks for i in c.items()]
    assert from_chunks == _items(rows)
    assert sum(len(c) for c in chunks) == len(from_chunks)
    assert _items(frames) == _items(rows)  # and as a plain record source
    for chunk in chunks:  # a plain chunk's item(i) is its i-th line as the row reader reads it
        if chunk.plain():
            assert [chunk.item(i) for i in range(len(chunk))] == chunk.items()


def test_a_chunk_with_a_blank_line_gives_no_frame(tmp_path: Path) -> None:
    path = tmp_path / "in.ndjson"
    path.write_bytes(b'{"a": "x"}\n\n{"a": "y"}\n')
    (chunk,) = NdjsonFrames(path).chunks()
    assert not chunk.plain()
    assert chunk.frame(None) is None
    assert len(chunk) == 2


def test_a_type_polars_cannot_read_as_asked_gives_no_frame(tmp_path: Path) -> None:
    import polars as pl

    path = tmp_path / "in.ndjson"
    path.write_bytes(b'{"a": 1}\n{"a": "one"}\n')
    (chunk,) = NdjsonFrames(path).chunks()
    assert chunk.frame({"a": pl.Int64()}) is None
    frame = chunk.frame({"a": pl.String()})  # Polars reads the number as text: it reads
    assert frame is not None and frame["a"].to_list() == ["1", "one"]


def test_lines_that_may_hold_a_duplicate_key_are_suspects(tmp_path: Path) -> None:
    path = tmp_path / "in.ndjson"
    path.write_bytes(
        b'{"a": 1, "b": {"c": 2}}\n'
        b'{"a": 1, "a": 2}\n'
        b'{"a": 1, "b": {"a": 2}}\n'  # the same key text in two objects: a suspect all the same
        b'{"a\\u0062": 1}\n'
        b'{"a": "x\\": y"}\n'
    )
    (chunk,) = NdjsonFrames(path).chunks()
    assert chunk.suspects() == [1, 2, 3, 4]
    assert NdjsonFrames(path, check_duplicate_keys=False).chunks().__next__().suspects() == []


# Fragments from which lines are built: keys (some repeated, some with escapes or white
# space before the colon), text values holding quotes, colons and escapes, nested objects.
_KEYS = ['"a":', '"b":', '"id":', '"a" :', '"a\\u0062":', '"":', '"x\\"y":']
_VALUES = [
    "1",
    '"t"',
    '":"',
    '","',
    '"a\\":"',
    '"b":',
    "null",
    '{"a":1}',
    '[":", 2]',
    '"10 :"',
    '"x\\ty"',  # an escape in a value, which the fast screens let be
    '"\\\\"',  # an escaped backslash right before a closing quote
    '"\\\\":',  # ... and a colon after it (a key end the counts must see)
]


@st.composite
def _line(draw: st.DrawFn) -> str:
    pairs = draw(st.lists(st.tuples(st.sampled_from(_KEYS), st.sampled_from(_VALUES)), max_size=5))
    return "{" + ",".join(k + v for k, v in pairs) + "}"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(_line(), min_size=1, max_size=30), min_size=1, max_size=4))
def test_the_fast_key_screen_flags_exactly_what_the_exact_screen_flags(
    chunks: list[list[str]],
) -> None:
    import polars as pl

    screen = KeyScreen()
    screen.LEARN_LINES = 3  # learn from a few lines, then from what the exact screen sees
    for lines in chunks:
        text = pl.Series("line", lines, pl.String)
        expected = KeyScreen.exact(text)[0].arg_true().to_list()
        assert screen.suspects(text) == expected


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(_line(), min_size=1, max_size=30), min_size=1, max_size=4),
    st.randoms(use_true_random=False),
)
def test_the_key_screen_given_where_keys_are_flags_exactly_what_the_exact_screen_flags(
    chunks: list[list[str]], random: Random
) -> None:
    """With masks of where a frame read a value (True only on lines that hold the key text,
    as Polars' non-null values are, or on lines with an escape in a key or white space before
    a colon, where a key Polars read may be written otherwise), the same lines."""
    import polars as pl

    screen = KeyScreen()
    screen.LEARN_LINES = 3
    for lines in chunks:
        text = pl.Series("line", lines, pl.String)
        present = {
            key: pl.Series(
                [
                    (key in line or re.search(r'\\[^"]*"[ \t\r]*:|[ \t\r]:', line) is not None)
                    and random.random() < 0.8
                    for line in lines
                ]
            )
            for key in [*_KEYS, '"c":']
            if random.random() < 0.7
        }
        expected = KeyScreen.exact(text)[0].arg_true().to_list()
        assert screen.suspects(text, present) == expected


def test_where_the_frame_read_values_each_line_holds_the_key_text(tmp_path: Path) -> None:
    """The masks the mapper gives the screen: a value that is not null (a struct's members too)
    means the line holds the key text; a missing or null member does not."""
    import polars as pl

    from fieldwright.engine.columnar.frame import _present

    path = tmp_path / "in.ndjson"
    path.write_bytes(
        b'{"a":1,"p":{"x":"t","y":null}}\n{"a":null}\n{"p":null,"x":2}\n{"p":{},"a":3}\n'
    )
    (chunk,) = NdjsonFrames(path).chunks()
    frame = chunk.frame({"a": pl.Int64(), "p": pl.Struct({"x": pl.String(), "y": pl.String()})})
    assert frame is not None
    masks = {key: mask.to_list() for key, mask in _present(frame).items()}
    assert masks == {
        '"a":': [True, False, False, True],
        '"p":': [True, False, False, True],
        '"x":': [True, False, False, False],
        '"y":': [False, False, False, False],
    }
    assert chunk.suspects(_present(frame)) == []


def test_the_key_screen_clears_plain_lines_without_the_exact_screen(tmp_path: Path) -> None:
    import polars as pl

    screen = KeyScreen()
    first = pl.Series("line", ['{"a":1,"b":{"c":"x"}}'] * 10, pl.String)
    assert screen.suspects(first) == []
    assert screen.known == ['"a":', '"b":', '"c":']
    then = pl.Series("line", ['{"a":1,"b":{"c":"x"}}', '{"a":1,"b":{"a":"x"}}'], pl.String)
    assert screen.suspects(then) == [1]  # "a" in two objects: a suspect, as the exact screen says


@pytest.mark.parametrize(
    "lines",
    [
        [b'{"a": "x"}', b'{"a": "\\"q"}', b'"', b'{"b": "\xc3\xa9"}'],
        [b'{"a": "x"}\r', b'{"a": 1}'],  # a line end the CSV reader would drop
        [b'{"a": "x\x00y"}', b'{"a": 1}'],  # a byte it would take for a separator
    ],
)
def test_a_chunks_text_is_its_lines(tmp_path: Path, lines: list[bytes]) -> None:
    path = tmp_path / "in.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    (chunk,) = NdjsonFrames(path).chunks()
    assert chunk.text().to_list() == [line.decode() for line in lines]


@pytest.mark.parametrize("chunk_bytes", [1, 40, 200, 1 << 20])
def test_a_line_longer_than_max_record_size_never_reaches_polars(
    tmp_path: Path, chunk_bytes: int
) -> None:
    """Plain lines, one of them longer than the limit: it is the row reader's dead letter
    whatever the chunk size (Polars read it whole before), the others stay plain."""
    path = tmp_path / "in.ndjson"
    long = b'{"id": 2, "note": "' + b"x" * 1000 + b'"}'
    path.write_bytes(b'{"id": 1}\n' + long + b'\n{"id": 3}\n')
    frames = NdjsonFrames(path, max_record_size=256, chunk_bytes=chunk_bytes)
    chunks = list(frames.chunks())
    for chunk in chunks:
        if chunk.plain():
            assert all(len(line) < 256 for line in chunk.lines())
            assert chunk.frame(None) is not None
    items = [i for c in chunks for i in c.items()]
    assert _items(NdjsonSource(path, max_record_size=256)) == [
        (i.position, i.record, i.error, i.raw) for i in items
    ]
    [refused] = [i for i in items if i.record is None]
    assert refused.error is not None and "1,022 bytes, more than max_record_size" in refused.error
