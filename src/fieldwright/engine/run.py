"""The streaming run loop: source items → compiled mapping → sink, in batches.

Conservation holds on every exit: read = written + failed + filtered + skipped.
Records mapped but not committed (the run stopped under fail_fast, was
cancelled, or the sink failed) are counted as skipped: an aborted sink leaves
its target as it was, except for what a sink that commits batch by batch
reports as `kept_after_abort`, which counts as written. A record the sink
rejects (a value its format cannot hold, a row its database refuses) is a dead
letter of its own with its input, position and reason, counted as failed;
under fail_fast it stops the run. A sink with `write_records` (the SQL sink)
is written through it: it finds the rows its database refuses and writes the
others, as on the columnar engine, instead of failing the whole batch.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fieldwright.domain import ErrorStrategy
from fieldwright.domain.records import (
    ChunkReader,
    Record,
    RecordSink,
    RejectedRecord,
    SourceChunk,
    SourceItem,
)
from fieldwright.domain.runs import DeadLetter, RunCounts, RunStatus
from fieldwright.engine.compiler import CompiledMapping
from fieldwright.engine.results import RecordResult, RecordStatus

__all__ = ["CHUNK_SIZE", "Progress", "RunOutcome", "execute"]

#: Records mapped together as one chunk; the clock and the cancel flag are
#: looked at between chunks. Small enough that a chunk's records stay in the
#: processor's caches while every field's column passes over them: 64 ran
#: about 15% faster than 256 on fresh records (bench/engine_bench.py).
CHUNK_SIZE = 64
#: Seconds past which a chunk counts as slow and the next one is smaller (see _Chunks).
SLOW_CHUNK = 0.2


def _map(
    compiled: CompiledMapping, chunk: SourceChunk
) -> tuple[list[Record | None], dict[int, RecordResult], set[int]]:
    """Map a chunk: clean outputs (None elsewhere), other results and unreadable items, by index."""
    records = chunk.records
    if None not in records:
        clean, results = compiled.map_chunk(records, recovered_errors=False)  # type: ignore[arg-type]
        return clean, results, set()
    unreadable = {index for index, record in enumerate(records) if record is None}
    readable = [index for index, record in enumerate(records) if record is not None]
    mapped, mapped_others = compiled.map_chunk(
        [records[index] for index in readable],  # type: ignore[misc]
        recovered_errors=False,
    )
    outputs: list[Record | None] = [None] * len(chunk)
    others: dict[int, RecordResult] = {}
    for position, index in enumerate(readable):
        outputs[index] = mapped[position]
        if position in mapped_others:
            others[index] = mapped_others[position]
    return outputs, others, unreadable


class _ItemReader:
    """A ChunkReader over items already made (any RecordSource)."""

    def __init__(self, items: Iterable[SourceItem]) -> None:
        self._iterator = iter(items)

    def read(self, size: int) -> SourceChunk | None:
        items = list(itertools.islice(self._iterator, size))
        return SourceChunk.of_items(items) if items else None


class _Chunks:
    """The records in chunks of up to CHUNK_SIZE, smaller while chunks are slow to map.

    A chunk is mapped column by column before the run looks at cancel, timeout or
    progress again; a chunk of slow records (each spending a regex's time bound)
    would hold a cancel for CHUNK_SIZE times that bound. The first chunk is small;
    a chunk mapped within SLOW_CHUNK / 4 seconds doubles the next, one slower than
    SLOW_CHUNK halves it (down to one record).
    """

    def __init__(self, items: Iterable[SourceItem] | ChunkReader) -> None:
        self._reader = _ItemReader(items) if isinstance(items, Iterable) else items
        self.size = 4  # grows to CHUNK_SIZE within four fast chunks

    def __iter__(self) -> Iterator[SourceChunk]:
        while (chunk := self._reader.read(self.size)) is not None:
            yield chunk

    def mapped(self, seconds: float) -> None:
        """The last chunk took `seconds` to map: size the next one."""
        if seconds > SLOW_CHUNK:
            self.size = max(1, self.size // 2)
        elif seconds < SLOW_CHUNK / 4:
            self.size = min(CHUNK_SIZE, self.size * 2)


@dataclass(frozen=True, slots=True)
class Progress:
    counts: RunCounts
    elapsed: float
    #: Records read per second so far.
    rate: float
    total: int | None = None

    @property
    def eta(self) -> float | None:
        """Seconds left, when the total is known."""
        if self.total is None or self.rate <= 0:
            return None
        return max(self.total - self.counts.read, 0) / self.rate


@dataclass(slots=True)
class RunOutcome:
    status: RunStatus
    counts: RunCounts
    seconds: float
    #: Why the run did not complete, for the analyst.
    message: str | None = None
    #: The exception that stopped the run (a sink or source failure), if any.
    error: BaseException | None = None


class _DeadLetters:
    def __init__(self, sink: Callable[[DeadLetter], None] | None) -> None:
        self._sink = sink
        self._sequence = itertools.count(1)

    def add(self, item: SourceItem, kind: str, field: str | None, reason: str) -> DeadLetter:
        now = datetime.now(UTC)
        letter = DeadLetter.model_construct(  # built from trusted values: skip validation
            error_id=f"err_{kind}_{int(now.timestamp() * 1000)}_{next(self._sequence):06d}",
            position=item.position.as_dict(),
            position_text=str(item.position),
            field=field,
            reason=reason,
            input=item.record,
            raw=item.raw,
            occurred_at=now,
        )
        if self._sink is not None:
            self._sink(letter)
        return letter


def execute(
    compiled: CompiledMapping,
    items: Iterable[SourceItem] | ChunkReader,
    sink: RecordSink,
    *,
    strategy: ErrorStrategy | None = None,
    batch_size: int | None = None,
    on_dead_letter: Callable[[DeadLetter], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    progress_interval: float = 0.5,
    should_cancel: Callable[[], bool] | None = None,
    total: int | None = None,
) -> RunOutcome:
    """Run every item through the mapping into `sink`; commit or abort the sink.

    `items` are a source's items, or a reader of its chunks (a reader that counts lines
    makes a record's SourceItem only for a dead letter: domain/records.py SourceChunk).
    """
    settings = compiled.document.run
    strategy = strategy or settings.error_strategy
    size = batch_size or settings.batch_size
    if getattr(sink, "all_or_nothing", False) is True:  # a file: batches only cost memory
        size = min(size, CHUNK_SIZE)
    fail_fast = strategy is ErrorStrategy.FAIL_FAST
    dead = _DeadLetters(on_dead_letter)
    # A sink that isolates the rows its database refuses (the SQL sink) fails only those.
    write: Callable[[list[Record]], Sequence[RejectedRecord] | None] = getattr(
        sink, "write_records", sink.write_batch
    )
    read = written = failed = filtered = skipped = 0
    batch: list[Record] = []
    # Where each record of `batch` came from: its chunk and index there, so that a record
    # the sink refuses becomes a dead letter with its input (reprocess needs it).
    origins: list[tuple[SourceChunk, int]] = []
    started = last_report = time.monotonic()
    status, message = RunStatus.COMPLETED, None

    def counts() -> RunCounts:
        return RunCounts(
            read=read,
            written=written + len(batch),
            failed=failed,
            filtered=filtered,
            skipped=skipped,
        )

    def report() -> None:
        if on_progress is not None:
            elapsed = time.monotonic() - started
            rate = read / elapsed if elapsed > 0 else 0.0
            on_progress(Progress(counts(), elapsed, rate, total))

    def flush(count: int) -> None:
        """Write the first `count` records of the batch; what the sink rejects fails alone."""
        nonlocal written, failed, status, message
        rejected = write(batch[:count])
        written += count
        for reject in rejected or ():
            read_with, at = origins[reject.index]
            item = read_with[at]
            dead.add(item, "write", reject.field, reject.reason)
            written -= 1
            failed += 1
            if fail_fast and status is RunStatus.COMPLETED:
                status, message = RunStatus.FAILED, f"{item.position}: {reject.reason}"
        del batch[:count], origins[:count]

    error: Exception | None = None
    try:
        chunks = _Chunks(items)
        for chunk in chunks:
            began = time.monotonic()
            outputs, others, unreadable = _map(compiled, chunk)
            chunks.mapped(time.monotonic() - began)
            stop: int | None = None
            for index in sorted({*others, *unreadable}):
                item = chunk[index]
                if index in unreadable:
                    failed += 1
                    dead.add(item, "read", None, item.error or "the record could not be read")
                    reason = item.error
                else:
                    result = others[index]
                    if result.status is RecordStatus.OK:  # on_error recovered a field
                        outputs[index] = result.output
                        continue
                    if result.status is RecordStatus.FILTERED:
                        filtered += 1
                        continue
                    failed += 1
                    reason = result.reason()
                    dead.add(item, "mapping", result.failures[0].target, reason)
                if fail_fast:
                    stop = index
                    status, message = RunStatus.FAILED, f"{item.position}: {reason}"
                    break
            if stop is None:
                read += len(chunk)
            else:
                read += stop + 1
                del outputs[stop:]
            if others or unreadable:
                mapped = [n for n, output in enumerate(outputs) if output is not None]
                batch += [outputs[n] for n in mapped]  # type: ignore[misc]
                origins += [(chunk, n) for n in mapped]
            else:
                batch += outputs  # type: ignore[arg-type]
                origins += zip(itertools.repeat(chunk), range(len(outputs)), strict=False)
            while len(batch) >= size and status is RunStatus.COMPLETED:
                flush(size)
            if status is not RunStatus.COMPLETED:
                break
            if should_cancel is not None and should_cancel():
                status, message = RunStatus.CANCELLED, "cancelled"
                break
            now = time.monotonic()
            if now - last_report >= progress_interval:
                last_report = now
                report()
        if status is RunStatus.COMPLETED and batch:
            flush(len(batch))
        if status is RunStatus.COMPLETED:
            sink.commit()
    # Any source or sink failure ends the run: the sink is aborted, the counts
    # recorded and the exception handed to the caller in the outcome.
    except Exception as exc:  # noqa: BLE001
        status, message, error = RunStatus.FAILED, f"{sink.name}: {exc}", exc
    if status is not RunStatus.COMPLETED:
        sink.abort()
        # A file sink keeps nothing once aborted; a sink that commits per batch
        # (SQL without staging, an HTTP API) says how many records it kept.
        kept = int(getattr(sink, "kept_after_abort", 0))
        skipped, written, batch = written + len(batch) - kept, kept, []
        origins.clear()
    report()
    return RunOutcome(status, counts(), time.monotonic() - started, message, error)
