"""The columnar loop reads the next NDJSON chunk ahead on a thread of its own
(engine/columnar/run.py's ReadAhead) while it maps the current one: the same outputs,
counts and messages as reading each chunk in turn, errors where they were met before, and
no thread left behind."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest

from fieldwright.connectors.errors import SourceUnreadable
from fieldwright.connectors.frames import FrameChunk, NdjsonFrames, NdjsonFrameSink
from fieldwright.domain import ErrorStrategy, MappingDocument
from fieldwright.domain.runs import RunStatus
from fieldwright.engine.columnar import plan_mapping
from fieldwright.engine.columnar.frame import FrameMapper, ReadChunk
from fieldwright.engine.columnar.run import execute_columnar
from fieldwright.engine.compiler import compile_document
from tests.engine.columnar.parity import assert_same, run_both

DOCUMENT = {
    "fieldwright": 1,
    "key": "mapping_READ_AHEAD_TEST_20261203",
    "name": "read ahead",
    "fields": [
        {"target": "$.id", "sources": "$.id"},
        {"target": "$.name", "sources": "$.name", "transforms": [{"fn": "trim"}, {"fn": "upper"}]},
        {"target": "$.age", "sources": "$.age", "transforms": [{"fn": "to_integer"}]},
    ],
}


def _reading_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("fieldwright-read")]


def _source(path: Path, count: int, bad: frozenset[int] = frozenset()) -> Path:
    records = [
        {"id": n, "name": f" person {n} ", "age": "x" if n in bad else str(20 + n % 50)}
        for n in range(count)
    ]
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


class _Recording(FrameMapper):
    """A mapper that notes the thread each chunk was read on."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.threads: list[str] = []

    def read(self, chunk: Any, schema: dict[str, pl.DataType]) -> ReadChunk | None:
        self.threads.append(threading.current_thread().name)
        return super().read(chunk, schema)


def test_every_chunk_is_read_on_the_reading_thread(tmp_path: Path) -> None:
    document = MappingDocument.model_validate(DOCUMENT)
    plan = plan_mapping(compile_document(document))
    source = NdjsonFrames(_source(tmp_path / "in.ndjson", 500), chunk_bytes=2048)
    chunks = list(source.chunks())
    mapper = _Recording(plan, encode=True)
    outcome = execute_columnar(
        plan, chunks, NdjsonFrameSink(tmp_path / "out.ndjson"), mapper=mapper
    )
    source.close()
    assert outcome.status is RunStatus.COMPLETED
    assert len(mapper.threads) == len(chunks) > 5
    assert all(name.startswith("fieldwright-read") for name in mapper.threads)
    assert mapper.columnar_records == 500
    assert not _reading_threads()


@pytest.mark.parametrize("strategy", [ErrorStrategy.CONTINUE_ON_ERROR, ErrorStrategy.FAIL_FAST])
def test_reading_ahead_maps_as_the_row_engine(tmp_path: Path, strategy: ErrorStrategy) -> None:
    """Failures in several chunks, fail_fast stopping early while a chunk is read ahead."""
    document = MappingDocument.model_validate(DOCUMENT)
    source = _source(tmp_path / "in.ndjson", 600, bad=frozenset({7, 250, 251, 599}))
    rows, cols, columnar = run_both(document, source, tmp_path, chunk_bytes=1024, strategy=strategy)
    assert_same(rows, cols)
    assert columnar > 0


def test_an_error_taking_a_chunk_is_met_after_the_chunk_before_it(tmp_path: Path) -> None:
    """The next chunk is taken before the current one is mapped; a source error taking it
    ends the run only once the current one was mapped, as reading in turn did."""
    document = MappingDocument.model_validate(DOCUMENT)
    plan = plan_mapping(compile_document(document))
    source = NdjsonFrames(_source(tmp_path / "in.ndjson", 300), chunk_bytes=2048)
    taken: list[FrameChunk] = []

    def chunks() -> Iterator[FrameChunk]:
        for number, chunk in enumerate(source.chunks()):
            if number == 3:
                raise SourceUnreadable("the disk went away", target="in.ndjson")
            taken.append(chunk)
            yield chunk

    sink = NdjsonFrameSink(tmp_path / "out.ndjson")
    outcome = execute_columnar(plan, chunks(), sink)
    source.close()
    assert outcome.status is RunStatus.FAILED
    assert outcome.message is not None and "the disk went away" in outcome.message
    assert outcome.counts.read == sum(len(chunk) for chunk in taken)
    assert outcome.counts.skipped == outcome.counts.read  # written, then aborted
    assert not (tmp_path / "out.ndjson").exists()
    assert not _reading_threads()


def test_a_sink_failure_leaves_no_reading_thread(tmp_path: Path) -> None:
    document = MappingDocument.model_validate(DOCUMENT)
    plan = plan_mapping(compile_document(document))
    source = NdjsonFrames(_source(tmp_path / "in.ndjson", 300), chunk_bytes=2048)

    class Failing(NdjsonFrameSink):
        def write_lines(self, data: bytes, count: int) -> None:
            raise OSError("no space left")

    outcome = execute_columnar(plan, source.chunks(), Failing(tmp_path / "out.ndjson"))
    source.close()
    assert outcome.status is RunStatus.FAILED
    assert outcome.message is not None and "no space left" in outcome.message
    assert not _reading_threads()
