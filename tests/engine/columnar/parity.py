"""Run one NDJSON input through the row engine and the columnar engine; compare everything."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from fieldwright.connectors.frames import NdjsonFrames, NdjsonFrameSink
from fieldwright.connectors.json_files import NdjsonSink, NdjsonSource
from fieldwright.domain import ErrorStrategy, MappingDocument
from fieldwright.domain.runs import DeadLetter
from fieldwright.engine.columnar import plan_mapping
from fieldwright.engine.columnar.frame import FrameMapper
from fieldwright.engine.columnar.run import execute_columnar
from fieldwright.engine.compiler import compile_document
from fieldwright.engine.run import RunOutcome, execute


@dataclass
class Ran:
    outcome: RunOutcome
    output: bytes
    letters: list[tuple[Any, ...]]


def _letter(letter: DeadLetter) -> tuple[Any, ...]:
    return (letter.position_text, letter.field, letter.reason, letter.input, letter.raw)


def write_ndjson(path: Path, records: list[Any]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def run_both(
    document: MappingDocument,
    source: Path,
    folder: Path,
    *,
    chunk_bytes: int = 4096,
    strategy: ErrorStrategy | None = None,
    encode: bool = True,
) -> tuple[Ran, Ran, int]:
    """(row run, columnar run, records the columnar path mapped itself); `encode`: the
    columnar run writes Polars' NDJSON lines (else records through the sink's encoder)."""
    compiled = compile_document(document)
    rows_out, cols_out = folder / "rows.ndjson", folder / "cols.ndjson"
    rows_letters: list[DeadLetter] = []
    cols_letters: list[DeadLetter] = []
    row_source = NdjsonSource(source)
    items = iter(row_source)
    rows = execute(
        compiled,
        items,
        NdjsonSink(rows_out),
        strategy=strategy,
        on_dead_letter=rows_letters.append,
    )
    items.close()  # type: ignore[attr-defined]
    row_source.close()
    plan = plan_mapping(compiled)
    frames = NdjsonFrames(source, chunk_bytes=chunk_bytes)
    mapper = FrameMapper(plan, encode=encode)
    chunks = frames.chunks()
    cols = execute_columnar(
        plan,
        chunks,
        (NdjsonFrameSink if encode else NdjsonSink)(cols_out),
        strategy=strategy,
        on_dead_letter=cols_letters.append,
        mapper=mapper,
    )
    chunks.close()
    frames.close()
    # However the run ended, the loop's reading thread is gone (engine/columnar/run.py).
    assert not [t for t in threading.enumerate() if t.name.startswith("fieldwright-read")]

    def read(path: Path) -> bytes:
        return path.read_bytes() if path.exists() else b""

    return (
        Ran(rows, read(rows_out), [_letter(x) for x in rows_letters]),
        Ran(cols, read(cols_out), [_letter(x) for x in cols_letters]),
        mapper.columnar_records,
    )


def assert_same(rows: Ran, cols: Ran) -> None:
    assert cols.outcome.status == rows.outcome.status
    assert cols.outcome.counts == rows.outcome.counts
    assert cols.outcome.message == rows.outcome.message
    assert cols.output == rows.output
    assert cols.letters == rows.letters
