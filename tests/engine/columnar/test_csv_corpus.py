"""A hypothesis corpus of CSV files through both engines: cells quoted or not, with delimiters,
quotes, line ends (LF, CRLF, lone CR), NULs, non-ASCII and undecodable bytes, ragged and blank
rows, in small and large chunks. Outputs, counts, messages and dead letters must be equal."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldwright.domain import ErrorStrategy
from tests.engine.columnar.parity import assert_same
from tests.engine.columnar.test_csv_parity import HEADER, _document, run_both_csv

_PLAIN = st.sampled_from(["1", "42", "-7", "3.50", "x", " padded ", "é", "漢字", "", "N/A", "0"])
_ODD = st.sampled_from(['"', ",", "\n", "\r\n", "\r", "\x00", "\t", '""', 'a"b', " "])


@st.composite
def _cell(draw: st.DrawFn) -> bytes:
    text = draw(st.lists(st.one_of(_PLAIN, _PLAIN, _ODD), min_size=0, max_size=3))
    value = "".join(text)
    quoted = draw(st.booleans()) or any(c in value for c in ',"\n\r')
    # Mostly well-formed quoting; else the value as it is (a bare quote or line end).
    well_quoted = quoted and draw(st.integers(0, 9))
    cell = '"' + value.replace('"', '""') + '"' if well_quoted else value
    data = cell.encode("utf-8")
    if draw(st.integers(0, 30)) == 0:
        data += b"\xff"  # undecodable
    return data


@st.composite
def _record(draw: st.DrawFn) -> bytes:
    width = draw(st.sampled_from([4, 4, 4, 4, 3, 5, 0]))  # mostly the header's four cells
    cells = [draw(_cell()) for _ in range(width)]
    end = draw(st.sampled_from([b"\n", b"\n", b"\r\n"]))
    return b",".join(cells) + end


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(_record(), min_size=0, max_size=30),
    chunk_bytes=st.sampled_from([16, 64, 300, 1 << 20]),
    fail_fast=st.booleans(),
    final_end=st.booleans(),
)
def test_random_csv_files_map_as_the_row_engine_maps_them(
    tmp_path: Path, records: list[bytes], chunk_bytes: int, fail_fast: bool, final_end: bool
) -> None:
    data = HEADER + b"".join(records)
    if not final_end:
        data = data.rstrip(b"\r\n")
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    strategy = ErrorStrategy.FAIL_FAST if fail_fast else ErrorStrategy.CONTINUE_ON_ERROR
    rows, cols, _, _ = run_both_csv(
        _document(), path, tmp_path, chunk_bytes=chunk_bytes, strategy=strategy, header=True
    )
    assert_same(rows, cols)
