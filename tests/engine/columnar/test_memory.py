"""Memory stays bounded by the chunk: mapping a chunk leaves no reference cycle holding its
columns, which would live on until the cyclic collector runs (rarely, under the CLI's tuned
thresholds: the 1M-record contacts run's peak RSS grew with the input)."""

from __future__ import annotations

import gc
from pathlib import Path

import polars as pl

from fieldwright.connectors.frames import NdjsonFrames, NdjsonFrameSink
from fieldwright.connectors.json_files import NdjsonSink
from fieldwright.domain import MappingDocument
from fieldwright.engine.columnar import plan_mapping
from fieldwright.engine.columnar.run import execute_columnar
from fieldwright.engine.compiler import compile_document
from tests.engine.columnar.parity import write_ndjson
from tests.engine.columnar.test_corpus import CONTACTS


def test_mapped_chunks_leave_no_cycle_holding_their_columns(tmp_path: Path) -> None:
    records = [
        {
            "id": n,
            "p": {
                "first": " Ada ",
                "last": "Müller",
                "revenue": ["12.5", "N/A", " 7 "][n % 3],
                "created": ["2024-01-31", "not a date", "2024-02-30"][n % 3],  # batch failures
            },
            "companies": [n],
        }
        for n in range(3000)
    ]
    source = write_ndjson(tmp_path / "in.ndjson", records)
    plan = plan_mapping(compile_document(MappingDocument.model_validate(CONTACTS)))
    for sink in (NdjsonFrameSink(tmp_path / "a.ndjson"), NdjsonSink(tmp_path / "b.ndjson")):
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            frames = NdjsonFrames(source, chunk_bytes=1 << 16)
            outcome = execute_columnar(plan, frames.chunks(), sink)
            gc.collect()
            held = [o for o in gc.garbage if isinstance(o, pl.Series | pl.DataFrame)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
        assert outcome.counts.written == 3000
        assert held == []
