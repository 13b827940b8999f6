"""The columnar run loop: chunks of records → Polars → the same sink, counts and dead letters.

It keeps the row loop's contract (engine/run.py): conservation on every exit,
fail_fast stopping at the first failed record in source order, what the sink
rejects failing alone, commit or abort. Each chunk is mapped as a frame
(`FrameMapper`); the records it names, and every record of a chunk Polars
cannot read as asked, are mapped by the row engine (`CompiledMapping.apply`
and `map_chunk`) from the row reader's items, so their outputs, errors and
dead letters are the row engine's own.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Protocol

import polars as pl

from fieldwright.domain import ErrorStrategy
from fieldwright.domain.records import Record, RecordSink, RejectedRecord, SourceItem
from fieldwright.domain.runs import DeadLetter, RunCounts, RunStatus
from fieldwright.engine.columnar.frame import Columns, Encoded, FrameMapper, ReadChunk
from fieldwright.engine.columnar.plan import ColumnarPlan
from fieldwright.engine.results import RecordResult, RecordStatus
from fieldwright.engine.run import Progress, RunOutcome

__all__ = ["RowChunk", "execute_columnar"]

_FILTERED = RecordResult(RecordStatus.FILTERED, None)
#: Batches of columns queued for the sink's own thread at most (the loop maps ahead meanwhile).
WRITE_AHEAD = 16
log = logging.getLogger(__name__)


class RowChunk(Protocol):
    """A chunk as the run loop needs it: a frame for the mapper, items for the row engine."""

    def __len__(self) -> int: ...

    def items(self) -> list[SourceItem]: ...

    def item(self, index: int) -> SourceItem: ...


def _mapped(
    mapper: FrameMapper, chunk: Any, ready: ReadChunk | None = None
) -> tuple[
    list[Record | None] | Encoded | Columns,
    dict[int, RecordResult],
    set[int],
    Callable[[int], SourceItem],
]:
    """(clean outputs, other results, unreadable indexes, the item of an index) of a chunk."""
    compiled = mapper.plan.compiled
    framed = mapper.map(chunk, ready)
    outputs: list[Record | None]
    others: dict[int, RecordResult]
    unreadable: set[int]
    if framed is None:  # the row engine maps the chunk, from the row reader's items
        items = chunk.items()
        unreadable = {i for i, item in enumerate(items) if item.record is None}
        readable = [i for i, item in enumerate(items) if item.record is not None]
        clean, results = compiled.map_chunk([items[i].record for i in readable])
        outputs = [None] * len(items)
        others = {}
        for position, index in enumerate(readable):
            outputs[index] = clean[position]
            if position in results:
                others[index] = results[position]
        return outputs, others, unreadable, items.__getitem__
    mapped, redo, left_out = framed
    others = dict.fromkeys(left_out, _FILTERED)
    unreadable = set()
    for index in sorted(redo):
        item = chunk.item(index)
        if item.record is None:
            unreadable.add(index)
            continue
        result = compiled.apply(item.record)
        if result.status is RecordStatus.OK and not result.errors:
            if isinstance(mapped, Encoded | Columns):
                mapped.records[index] = result.output  # type: ignore[assignment]
            else:
                mapped[index] = result.output
        else:
            others[index] = result
    return mapped, others, unreadable, chunk.item


class ReadAhead:
    """The chunks, each read ahead on a thread of its own (`FrameMapper.read`: its frame and
    its duplicate-key screen, Polars work without the GIL) while the loop maps the chunk
    before it: reading and mapping share the two cores.

    The chunks themselves are still taken from `chunks` on the loop's thread, one ahead of
    the one it maps, so the source's own checks (a cancelled run) and counts happen there
    in order; an error taking the next chunk is raised after the current one was mapped,
    where the loop would have met it. Memory holds one chunk more than without reading
    ahead. Only NDJSON chunks are read ahead (`takes_present`), once the first has fixed
    the schema (on the loop's thread, as `FrameMapper.map` would); others are read by the
    mapper as before. `close()` (the loop may stop early) waits for the reading thread,
    which is gone afterwards. Iterating gives (chunk, what was read ahead or None).
    """

    def __init__(self, chunks: Iterable[Any], mapper: FrameMapper) -> None:
        self._chunks = iter(chunks)
        self._mapper = mapper
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="fieldwright-read")
        self._iterator = self._ahead()

    def __iter__(self) -> Iterator[tuple[Any, ReadChunk | None]]:
        return self._iterator

    def _start(self, chunk: Any, first: bool) -> Future[ReadChunk | None] | None:
        """Start reading `chunk` ahead; the first chunk fixes the schema (on this thread, as
        `FrameMapper.map` would first), a later one is read ahead once it is fixed."""
        mapper = self._mapper
        if not getattr(chunk, "takes_present", False):
            return None
        if first:
            schema = mapper.schema_of(chunk)
        else:
            schema = mapper.schema if mapper.unsupported is None else None
        return None if schema is None else self._reader.submit(mapper.read, chunk, schema)

    def _ahead(self) -> Generator[tuple[Any, ReadChunk | None]]:
        try:
            current = next(self._chunks)
        except StopIteration:
            return
        reading = self._start(current, first=True)
        while True:
            error: Exception | None = None
            following: Any = None
            try:
                following = next(self._chunks)
            except StopIteration:
                following = None
            except Exception as exc:  # noqa: BLE001 - raised after `current`, in source order
                error = exc
            following_reading = None if following is None else self._start(following, False)
            yield current, None if reading is None else reading.result()
            if error is not None:
                raise error
            if following is None:
                return
            current, reading = following, following_reading

    def close(self) -> None:
        """Stop reading ahead and wait for the reading thread (a read under way ends first)."""
        self._iterator.close()
        self._reader.shutdown(wait=True, cancel_futures=True)


def execute_columnar(
    plan: ColumnarPlan,
    chunks: Iterable[Any],
    sink: RecordSink,
    *,
    strategy: ErrorStrategy | None = None,
    batch_size: int | None = None,
    on_dead_letter: Callable[[DeadLetter], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    progress_interval: float = 0.5,
    should_cancel: Callable[[], bool] | None = None,
    total: int | None = None,
    mapper: FrameMapper | None = None,
) -> RunOutcome:
    """Run every chunk through the plan into `sink`; commit or abort the sink. `mapper`
    (a new one by default) counts the records mapped column-wise (`columnar_records`)."""
    compiled = plan.compiled
    settings = compiled.document.run
    strategy = strategy or settings.error_strategy
    size = batch_size or settings.batch_size
    fail_fast = strategy is ErrorStrategy.FAIL_FAST
    sequence = itertools.count(1)
    write_columns = getattr(sink, "write_columns", None)
    mapper = mapper or FrameMapper(
        plan, encode=callable(getattr(sink, "write_lines", None)), columns=callable(write_columns)
    )
    # A sink that isolates the records its database refuses (the SQL sink) fails only those.
    write_records: Callable[[list[Record]], Any] = getattr(sink, "write_records", sink.write_batch)
    # Batches of columns (COPY: the database's time) are written on a thread of their own, in
    # order, while the loop reads and maps on; fail_fast writes them in turn, to stop at once.
    # A sink that can make a batch's data ahead (`prepare_columns`: the COPY text) gets that
    # done here, on the loop's thread, so that the writing thread only sends it.
    prepare_columns = getattr(sink, "prepare_columns", None)
    writer = (
        ThreadPoolExecutor(1, thread_name_prefix="fieldwright-sink")
        if callable(write_columns) and not fail_fast
        else None
    )
    queued: deque[tuple[Future[Any], list[int], Callable[[int], SourceItem]]] = deque()
    stop_writes = threading.Event()  # set when a write failed or the run stopped: skip the rest

    def write_queued(columns: dict[str, Any], prepared: Any) -> Any:
        if stop_writes.is_set():
            return ()
        try:
            if prepared is None:
                return write_columns(columns)  # type: ignore[misc]
            return write_columns(columns, prepared)  # type: ignore[misc]
        except BaseException:
            stop_writes.set()
            raise

    read = written = failed = filtered = skipped = 0
    #: Clean records of a chunk left unwritten because the run had already failed: skipped,
    #: as the row engine's batch is when the run stops.
    unwritten = 0
    batch: list[Record] = []
    origins: list[tuple[Callable[[int], SourceItem], int]] = []
    started = last_report = time.monotonic()
    status, message = RunStatus.COMPLETED, None

    def dead(item: SourceItem, kind: str, field: str | None, reason: str) -> None:
        now = datetime.now(UTC)
        letter = DeadLetter.model_construct(
            error_id=f"err_{kind}_{int(now.timestamp() * 1000)}_{next(sequence):06d}",
            position=item.position.as_dict(),
            position_text=str(item.position),
            field=field,
            reason=reason,
            input=item.record,
            raw=item.raw,
            occurred_at=now,
        )
        if on_dead_letter is not None:
            on_dead_letter(letter)

    def counts() -> RunCounts:
        return RunCounts(
            read=read, written=written + len(batch), failed=failed, filtered=filtered,
            skipped=skipped,
        )  # fmt: skip

    def report() -> None:
        if on_progress is not None:
            elapsed = time.monotonic() - started
            on_progress(Progress(counts(), elapsed, read / elapsed if elapsed > 0 else 0.0, total))

    def settle(limit: int = 0) -> None:
        """Take the outcome of queued writes, in order, until at most `limit` are queued."""
        while len(queued) > limit:
            future, piece, item_of = queued.popleft()
            for reject in future.result() or ():  # a sink's error ends the run here
                refused(item_of(piece[reject.index]), reject)

    def flush(count: int) -> None:
        nonlocal written, failed, status, message
        settle()
        rejected = write_records(batch[:count])
        written += count
        for reject in rejected or ():
            item_of, at = origins[reject.index]
            refused(item_of(at), reject)
        del batch[:count], origins[:count]

    def refused(item: SourceItem, reject: RejectedRecord) -> None:
        nonlocal written, failed, status, message
        dead(item, "write", reject.field, reject.reason)
        written -= 1
        failed += 1
        if fail_fast and status is RunStatus.COMPLETED:
            status, message = RunStatus.FAILED, f"{item.position}: {reject.reason}"

    def write_columnar(columns: Columns, count: int, item_of: Callable[[int], SourceItem]) -> None:
        """Write the chunk's first `count` records in order: runs of rows as columns (a batch
        at most each), the records between them through the batch."""
        nonlocal written, unwritten
        start = 0
        for stop_at in [*sorted(i for i in columns.records if i < count), count]:
            rows = [n for n in range(start, stop_at) if n not in columns.gone]
            if status is not RunStatus.COMPLETED:
                unwritten += len(rows)
                rows = []
            while rows and status is RunStatus.COMPLETED:
                if batch:
                    flush(len(batch))
                piece, rows = rows[:size], rows[size:]
                written += len(piece)
                if writer is not None:
                    taken = columns.take(piece)
                    prepared = prepare_columns(taken) if callable(prepare_columns) else None
                    future = writer.submit(write_queued, taken, prepared)
                    queued.append((future, piece, item_of))
                    settle(WRITE_AHEAD)
                    continue
                rejected = write_columns(columns.take(piece))  # type: ignore[misc]
                for reject in rejected or ():
                    refused(item_of(piece[reject.index]), reject)
            unwritten += len(rows)  # what a refusal under fail_fast left
            if stop_at < count:
                batch.append(columns.records[stop_at])
                origins.append((item_of, stop_at))
            start = stop_at + 1

    def write_encoded(encoded: Encoded, count: int, item_of: Callable[[int], SourceItem]) -> None:
        """Write the chunk's first `count` records in order: runs of NDJSON lines straight
        to the sink, the records between them through `write_batch`."""
        nonlocal written, unwritten
        start = 0
        for stop_at in [*sorted(i for i in encoded.records if i < count), count]:
            part = encoded.lines.slice(start, stop_at - start).drop_nulls()
            if len(part) and status is RunStatus.COMPLETED:
                if batch:
                    flush(len(batch))
                # Polars' UTF-8 straight to bytes (no Python str to decode and encode again),
                # the last line end joined in by Polars too (appending it in Python copied
                # the whole text once more).
                data = part.extend_constant("", 1).str.join("\n").cast(pl.Binary).item()
                sink.write_lines(data, len(part))  # type: ignore[attr-defined]
                written += len(part)
            else:
                unwritten += len(part)
            if stop_at < count:
                batch.append(encoded.records[stop_at])
                origins.append((item_of, stop_at))
            start = stop_at + 1

    def finish_writes() -> None:
        """After the run stopped: wait for the queued writes (the sink must be idle before it is
        aborted); the rows they refused still become dead letters."""
        while queued:
            try:
                settle(len(queued) - 1)
            except Exception as exc:  # noqa: BLE001 - the run has already failed or stopped
                log.warning("%s: a queued write failed after the run stopped: %s", sink.name, exc)

    error: Exception | None = None
    ahead = ReadAhead(chunks, mapper)
    try:
        for chunk, ready in ahead:
            outputs, others, unreadable, item_of = _mapped(mapper, chunk, ready)
            stop: int | None = None
            for index in sorted({*others, *unreadable}):
                item = item_of(index)
                if index in unreadable:
                    failed += 1
                    dead(item, "read", None, item.error or "the record could not be read")
                    reason = item.error
                else:
                    result = others[index]
                    if result.status is RecordStatus.OK:
                        put(outputs, index, result.output)
                        continue
                    if result.status is RecordStatus.FILTERED:
                        filtered += 1
                        continue
                    failed += 1
                    reason = result.reason()
                    dead(item, "mapping", result.failures[0].target, reason)
                if fail_fast:
                    stop = index
                    status, message = RunStatus.FAILED, f"{item.position}: {reason}"
                    break
            count = len(outputs)
            if stop is not None:
                count = stop + 1
            read += count
            if isinstance(outputs, Encoded):
                write_encoded(outputs, count, item_of)
            elif isinstance(outputs, Columns):
                write_columnar(outputs, count, item_of)
            else:
                kept = [n for n in range(count) if outputs[n] is not None]
                batch += [outputs[n] for n in kept]  # type: ignore[misc]
                origins += [(item_of, n) for n in kept]
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
        settle()
        if status is RunStatus.COMPLETED:
            sink.commit()
    # As in the row loop: any source or sink failure ends the run, the sink is aborted.
    except Exception as exc:  # noqa: BLE001
        status, message, error = RunStatus.FAILED, f"{sink.name}: {exc}", exc
    finally:
        ahead.close()  # no reading thread is left behind, however the loop ended
    if writer is not None:
        if status is not RunStatus.COMPLETED:
            stop_writes.set()
        finish_writes()
        writer.shutdown(wait=True)
    if status is not RunStatus.COMPLETED:
        sink.abort()
        kept_after = int(getattr(sink, "kept_after_abort", 0))
        skipped = written + len(batch) + unwritten - kept_after
        written, batch = kept_after, []
        origins.clear()
    report()
    return RunOutcome(status, counts(), time.monotonic() - started, message, error)


def put(
    outputs: list[Record | None] | Encoded | Columns, index: int, record: Record | None
) -> None:
    """Set the output of a record that on_error recovered."""
    if isinstance(outputs, Encoded | Columns):
        if record is not None:
            outputs.records[index] = record
    else:
        outputs[index] = record
