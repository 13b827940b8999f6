"""CSV inputs on the columnar engine: the same outputs, counts, messages and dead letters as the
row engine, for plain files and for every way a CSV file can differ from what Polars reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fieldwright.connectors.csv_files import CsvSource
from fieldwright.connectors.csv_frames import CsvChunk, CsvFrames, CsvRowsChunk
from fieldwright.connectors.frames import NdjsonFrameSink
from fieldwright.connectors.json_files import NdjsonSink
from fieldwright.domain import ErrorStrategy, MappingDocument
from fieldwright.domain.runs import DeadLetter
from fieldwright.engine.columnar import plan_mapping
from fieldwright.engine.columnar.frame import FrameMapper
from fieldwright.engine.columnar.run import execute_columnar
from fieldwright.engine.compiler import compile_document
from fieldwright.engine.run import execute
from tests.engine.columnar.parity import Ran, assert_same

HEADER = b"id,name,amount,note\n"


def _document(**run: Any) -> MappingDocument:
    return MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": "mapping_CSV_PARITY",
            "name": "csv parity",
            "fields": [
                {"target": "$.id", "sources": "$.id", "transforms": [{"fn": "to_integer"}],
                 "on_error": "fail"},
                {"target": "$.name", "sources": "$.name", "transforms": [{"fn": "trim"},
                                                                         {"fn": "upper"}]},
                {"target": "$.amount", "sources": "$.amount", "transforms": [{"fn": "to_number"}],
                 "on_error": "null"},
                {"target": "$.note", "sources": "$.note"},
                {"target": "$.missing", "sources": "$.nothing", "default": "none"},
            ],
            "run": run,
        }
    )  # fmt: skip


def _letter(letter: DeadLetter) -> tuple[Any, ...]:
    return (letter.position_text, letter.field, letter.reason, letter.input, letter.raw)


def run_both_csv(
    document: MappingDocument,
    path: Path,
    folder: Path,
    *,
    chunk_bytes: int = 64,
    strategy: ErrorStrategy | None = None,
    encode: bool = True,
    **settings: Any,
) -> tuple[Ran, Ran, int, list[object]]:
    """(row run, columnar run, records mapped column-wise, the chunks read)."""
    compiled = compile_document(document)
    rows_out, cols_out = folder / "rows.ndjson", folder / "cols.ndjson"
    rows_letters: list[DeadLetter] = []
    cols_letters: list[DeadLetter] = []
    source = CsvSource(path, **settings)
    rows = execute(compiled, iter(source), NdjsonSink(rows_out), strategy=strategy,
                   on_dead_letter=rows_letters.append)  # fmt: skip
    source.close()
    plan = plan_mapping(compiled)
    assert plan.lowers, plan.describe()
    frames = CsvFrames(path, chunk_bytes=chunk_bytes, **settings)
    seen: list[object] = []

    def chunks() -> Any:
        for chunk in frames.chunks():
            seen.append(chunk)
            yield chunk

    mapper = FrameMapper(plan, encode=encode)
    cols = execute_columnar(
        plan, chunks(), (NdjsonFrameSink if encode else NdjsonSink)(cols_out),
        strategy=strategy, on_dead_letter=cols_letters.append, mapper=mapper,
    )  # fmt: skip
    frames.close()

    def read(out: Path) -> bytes:
        return out.read_bytes() if out.exists() else b""

    return (
        Ran(rows, read(rows_out), [_letter(x) for x in rows_letters]),
        Ran(cols, read(cols_out), [_letter(x) for x in cols_letters]),
        mapper.columnar_records,
        seen,
    )


PLAIN = HEADER + b"".join(
    b'%d, name %d ,%d.50,"note, with ""quotes"" %d"\n' % (n, n, n, n) for n in range(1, 200)
)
CASES: dict[str, bytes] = {
    "plain": PLAIN,
    "crlf": PLAIN.replace(b"\n", b"\r\n"),
    "no final line end": PLAIN.rstrip(b"\n"),
    "quoted newlines": HEADER
    + b"".join(b'%d,"two\nlines %d",1.5,"and\r\nthree\nhere"\n' % (n, n) for n in range(60)),
    "ragged rows": PLAIN + b"300,short,1\n301,long,1,2,3\n" + PLAIN[len(HEADER) :],
    "bad utf-8": PLAIN[:900] + b"\n5000,caf\xe9,1,x\n" + PLAIN[len(HEADER) :],
    "nul byte": PLAIN + b"7000,a\x00b,1,x\n" + PLAIN[len(HEADER) :],
    "literal quote": PLAIN + b'8000,ab"c,1,x\n9000,x" y,2,z\n' + PLAIN[len(HEADER) :],
    "strict quote error": PLAIN + b'8000,"ab"c,1,x\n' + PLAIN[len(HEADER) :],
    "unterminated quote": PLAIN + b'8000,"abc,1,x\n1,2,3,4\n',
    "blank lines": PLAIN + b"\n\n" + PLAIN[len(HEADER) :] + b"\r\n",
    "lone cr": PLAIN + b"8000,a\rb,1,x\n" + PLAIN[len(HEADER) :],
    "lone cr in quotes": PLAIN + b'8000,"a\rb",1,x\nx1,a,1,x\n' + PLAIN[len(HEADER) :],
    "bad values": HEADER + b"x1,a,b,c\n2,,3e5,\n-7,  \xc3\xa9t\xc3\xa9  ,12,\n",
    "header with a quoted newline": b'id,"na\nme",amount,note\n1,a,2,b\n' * 1,
    "byte-order mark": b"\xef\xbb\xbf" + PLAIN,
    "empty": HEADER,
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
@pytest.mark.parametrize("chunk_bytes", [64, 1 << 20])
def test_csv_inputs_map_as_the_row_engine_maps_them(
    case: str, chunk_bytes: int, tmp_path: Path
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(CASES[case])
    for strategy in (ErrorStrategy.CONTINUE_ON_ERROR, ErrorStrategy.FAIL_FAST):
        for encode in (True, False):
            rows, cols, _, _ = run_both_csv(
                _document(), path, tmp_path, chunk_bytes=chunk_bytes, strategy=strategy,
                encode=encode, header=True,
            )  # fmt: skip
            assert_same(rows, cols)


def test_a_plain_file_is_mapped_column_wise(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(PLAIN)
    rows, cols, columnar, seen = run_both_csv(_document(), path, tmp_path, chunk_bytes=1000)
    assert_same(rows, cols)
    assert rows.outcome.counts.read == 199
    assert columnar == 199
    assert len(seen) > 3 and all(isinstance(c, CsvChunk) and c.plain() for c in seen)


def test_a_bad_record_names_its_physical_line(tmp_path: Path) -> None:
    """Line numbers count the header and the lines inside quoted cells."""
    path = tmp_path / "in.csv"
    path.write_bytes(HEADER + b'1,"a\nb",1,x\n2,b,1,x\nnot a number,c,1,x\n3,caf\xe9,1,x\n')
    rows, cols, _, _ = run_both_csv(_document(), path, tmp_path, chunk_bytes=1 << 20)
    assert_same(rows, cols)
    assert [letter[0] for letter in cols.letters] == ["line 5", "line 6"]
    assert "in.csv, line 6" in cols.letters[1][2]


def test_irregular_quotes_hand_the_rest_of_the_file_to_the_row_reader(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(PLAIN + b'8000,ab"c,1,x\n' + PLAIN[len(HEADER) :])
    rows, cols, columnar, seen = run_both_csv(_document(), path, tmp_path, chunk_bytes=1000)
    assert_same(rows, cols)
    assert isinstance(seen[0], CsvChunk) and isinstance(seen[-1], CsvRowsChunk)
    assert 0 < columnar < rows.outcome.counts.read


@pytest.mark.parametrize(
    ("settings", "data"),
    [
        ({"delimiter": ";"}, b'id;name;amount;note\n1;a,b;2,5;x\n2;"q;""";3;y\n'),
        ({"delimiter": "\t", "quotechar": "'"}, b"id\tname\tamount\tnote\n1\t'a\tb'\t2\tx\n"),
        ({"encoding": "latin-1"}, HEADER + b"1,caf\xe9,2,x\n2,na\xefve,3,y\n"),
        ({"encoding": "cp1252"}, HEADER + b"1,\x80uro,2,x\n"),
        ({"encoding": "utf-16"}, "id,name,amount,note\n1,a,2,b\n".encode("utf-16")),
        ({"header": False, "columns": ["id", "name", "amount", "note"]}, b"1,a,2,b\n3,c,4,d\n"),
        ({"skip_blank_lines": False}, HEADER + b"1,a,2,b\n\n3,c,4,d\n"),
        ({"max_record_size": 30}, HEADER + b"1,a,2,b\n2,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,3,c\n"),
    ],
)
def test_the_csv_settings_are_honoured(
    settings: dict[str, Any], data: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(data * 1)
    for chunk_bytes in (16, 1 << 20):
        rows, cols, _, _ = run_both_csv(
            _document(), path, tmp_path, chunk_bytes=chunk_bytes, **settings
        )
        assert_same(rows, cols)
        assert rows.outcome.counts.read >= 1
