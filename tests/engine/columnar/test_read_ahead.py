"""The run loop reads the next chunk on a second thread while it maps the current one: the
results are those of reading in turn (the parity tests), a failure taking a chunk fails the
run where the chunk was taken, and the thread never outlives the run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from fieldwright.connectors.frames import FrameChunk, NdjsonFrames, NdjsonFrameSink
from fieldwright.domain import MappingDocument
from fieldwright.domain.runs import RunStatus
from fieldwright.engine.columnar import plan_mapping
from fieldwright.engine.columnar.frame import FrameMapper
from fieldwright.engine.columnar.run import execute_columnar
from fieldwright.engine.compiler import compile_document
from tests.engine.columnar.parity import write_ndjson
from tests.engine.columnar.test_corpus import CONTACTS


def _records(count: int) -> list[dict[str, object]]:
    return [{"id": n, "p": {"first": "Ada", "created": "2024-01-31"}} for n in range(count)]


def _threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("fieldwright-read-ahead")]


def test_chunks_read_ahead_are_mapped_column_wise(tmp_path: Path) -> None:
    source = write_ndjson(tmp_path / "in.ndjson", _records(2000))
    plan = plan_mapping(compile_document(MappingDocument.model_validate(CONTACTS)))
    mapper = FrameMapper(plan, encode=True)
    read_ahead: list[int] = []
    original = mapper.read_ahead

    def spy(chunk: FrameChunk, schema: dict[str, object]) -> object:
        read_ahead.append(chunk.first_line)
        return original(chunk, schema)  # type: ignore[arg-type]

    mapper.read_ahead = spy  # type: ignore[assignment,method-assign]
    frames = NdjsonFrames(source, chunk_bytes=4096)
    chunks = list(frames.chunks())
    outcome = execute_columnar(
        plan, iter(chunks), NdjsonFrameSink(tmp_path / "out.ndjson"), mapper=mapper
    )
    assert outcome.status is RunStatus.COMPLETED and outcome.counts.written == 2000
    assert read_ahead == [chunk.first_line for chunk in chunks[2:]]
    assert mapper.columnar_records == 2000
    assert _threads() == []


def test_a_failure_taking_a_chunk_fails_the_run_where_it_was_taken(tmp_path: Path) -> None:
    source = write_ndjson(tmp_path / "in.ndjson", _records(2000))
    plan = plan_mapping(compile_document(MappingDocument.model_validate(CONTACTS)))
    frames = NdjsonFrames(source, chunk_bytes=4096)
    taken: list[int] = []

    def chunks() -> Iterator[FrameChunk]:
        for number, chunk in enumerate(frames.chunks()):
            if number == 4:
                raise OSError("the disk went away")
            taken.append(len(chunk))
            yield chunk

    out = tmp_path / "out.ndjson"
    outcome = execute_columnar(plan, chunks(), NdjsonFrameSink(out))
    assert outcome.status is RunStatus.FAILED
    assert outcome.message is not None and "the disk went away" in outcome.message
    assert outcome.counts.read == sum(taken)  # the four chunks taken, all mapped
    assert outcome.counts.skipped == sum(taken) and outcome.counts.written == 0
    assert not out.exists()
    assert _threads() == []
