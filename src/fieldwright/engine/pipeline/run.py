"""Run a compiled pipeline: source items → steps → sink, with counts per step.

The steps are generators chained over the source's items, each working a chunk
of records at a time (or one record at a time: fail_fast, reprocess); records
reach the sink in batches of the run's batch size either way. Conservation holds
per step (`StepCounts.balanced`) and for the run: read + expanded = written +
failed + filtered + merged + skipped, where skipped counts what the run held or
had mapped when it stopped (fail_fast, cancel, a sink failure) and so never wrote.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from fieldwright.domain import ErrorStrategy
from fieldwright.domain.pipeline import Branch, PipelineCounts
from fieldwright.domain.records import Record, RecordSink, SourceItem
from fieldwright.domain.runs import DeadLetter, RunStatus
from fieldwright.engine.pipeline.compile import CompiledPipeline
from fieldwright.engine.pipeline.flow import (
    CHUNK,
    Chunk,
    Context,
    FailFast,
    Flow,
    StepCounts,
    StepRuntime,
)
from fieldwright.engine.pipeline.route import RouteRuntime
from fieldwright.engine.run import Progress, RunOutcome

__all__ = ["Entry", "execute_pipeline"]


#: Where a record enters a run: a top-level step's index (the number of steps: the sink),
#: or a path into a route's branch, (route index, branch, step index[, branch, step …]),
#: the step index of a branch's end meaning its target (or back after the route).
Entry = int | tuple[int, ...]


def _readable(
    items: Iterable[SourceItem],
    context: Context,
    read: list[int],
    entry: Callable[[SourceItem], Entry] | None = None,
    later: list[list[Flow]] | None = None,
    steps: Sequence[StepRuntime] = (),
) -> Iterator[Flow]:
    """The readable items as flows into the first step; with `entry`, an item whose entry
    is step i > 0 waits in `later[i]` instead (i = the number of steps: the sink), and
    one whose entry is inside a route's branch waits in that route."""
    for item in items:
        read[0] += 1
        if item.record is None:
            context.fail(item, None, item.error or "the record could not be read", kind="read")
            continue
        at = entry(item) if entry is not None else 0
        if isinstance(at, tuple):
            if len(at) > 1:
                route = steps[at[0]]
                if not isinstance(route, RouteRuntime):
                    raise ValueError(f"step {route.name!r} is not a route: nothing to enter")
                route.enter(at[1:], Flow(item, item.record))
                continue
            at = at[0]
        if at and later is not None:
            later[at].append(Flow(item, item.record))
            continue
        yield Flow(item, item.record)


def _readable_chunks(
    items: Iterable[SourceItem], context: Context, read: list[int]
) -> Iterator[Chunk]:
    """The readable items, `context.chunk_size` at a time, as chunks into the first step."""
    size = context.chunk_size
    origins: list[SourceItem] = []
    records: list[Record] = []
    for item in items:
        read[0] += 1
        record = item.record
        if record is None:
            context.fail(item, None, item.error or "the record could not be read", kind="read")
            continue
        origins.append(item)
        records.append(record)
        if len(records) >= size:
            yield Chunk(origins, records)
            origins, records = [], []
    if records:
        yield Chunk(origins, records)


def _joined(stream: Iterator[Flow], waiting: list[Flow]) -> Iterator[Flow]:
    """`stream`, then the flows that enter here: `waiting` is read only once `stream` has
    ended, and so every item has been read and put where it enters."""
    yield from stream
    yield from waiting


def execute_pipeline(
    compiled: CompiledPipeline,
    items: Iterable[SourceItem],
    sink: RecordSink,
    *,
    strategy: ErrorStrategy | None = None,
    batch_size: int | None = None,
    on_dead_letter: Callable[[DeadLetter], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    progress_interval: float = 0.5,
    total: int | None = None,
    on_steps: Callable[[tuple[StepCounts, ...]], None] | None = None,
    open_branch_sink: Callable[[Branch], RecordSink] | None = None,
    join_branch: Callable[[RecordSink, RecordSink], None] | None = None,
    entry: Callable[[SourceItem], Entry] | None = None,
    chunk_size: int = CHUNK,
    by_record: bool = False,
) -> RunOutcome:
    """Run every item through the steps into `sink`; commit or abort the sink.

    `entry` says at which top-level step an item enters (default 0, the first; the
    number of steps: straight to the sink), or where inside a route's branch (`Entry`):
    a reprocess of dead letters sends each record on from the step it failed at, as
    that step received it.

    `on_steps` receives every step's counts once the run has ended. Route branches
    with a target of their own write into `open_branch_sink(branch)`; those sinks
    commit with `sink` (`join_branch(sink, branch_sink)` joins one to its commit;
    without it, each commits just before `sink`) or are aborted with it.

    Each step works `chunk_size` records at a time (`StepRuntime.run_chunks`), unless
    the run goes `by_record`: one record at a time through each step's `run`, as a
    fail_fast run and a reprocess (`entry`) always do, so that they stop at the same
    first failure and enter where they always have. Both give the same output, counts
    and dead letters; the letters of a chunk come step by step.
    """
    settings = compiled.document.run
    strategy = strategy or settings.error_strategy
    size = batch_size or settings.batch_size
    context = Context(
        on_dead_letter,
        fail_fast=strategy is ErrorStrategy.FAIL_FAST,
        open_branch_sink=open_branch_sink,
        chunk_size=chunk_size,
    )
    for step in compiled.steps:
        step.reset()
    every = compiled.all_steps()
    read = [0]
    written = rejected = 0
    batch: list[Record] = []
    origins: list[SourceItem] = []
    started = last_report = time.monotonic()
    status, message, error = RunStatus.COMPLETED, None, None

    def counts(skipped: int = 0) -> PipelineCounts:
        steps = [s.counts for s in every]
        return PipelineCounts(
            read=read[0],
            written=written + len(batch) + context.branch_written,
            failed=context.failed,
            filtered=sum(s.filtered for s in steps),
            skipped=skipped,
            expanded=sum(s.expanded for s in steps),
            merged=sum(s.merged for s in steps),
        )

    def report() -> None:
        if on_progress is not None:
            elapsed = time.monotonic() - started
            rate = read[0] / elapsed if elapsed > 0 else 0.0
            on_progress(Progress(counts(), elapsed, rate, total))

    in_sink = False  # whether a failure comes from the sink (its message names it)

    def flush(count: int | None = None) -> None:
        """Write the first `count` records held (None: all of them)."""
        nonlocal written, rejected, in_sink
        records = batch if count is None or count >= len(batch) else batch[:count]
        in_sink = True
        refused = sink.write_batch(records)
        in_sink = False
        written += len(records)
        for reject in refused or ():
            written -= 1
            rejected += 1
            context.fail(
                origins[reject.index],
                None,
                reject.reason,
                field=reject.field,
                record=records[reject.index],
                kind="write",
            )
        del origins[: len(records)]
        del batch[: len(records)]

    def flushed() -> None:
        """After a batch written: the progress, at most every `progress_interval`."""
        nonlocal last_report
        now = time.monotonic()
        if now - last_report >= progress_interval:
            last_report = now
            report()

    stream: Iterator[Flow] | Iterator[Chunk]
    chunks: Iterator[Chunk] | None = None
    flows: Iterator[Flow] | None = None
    if not (by_record or entry is not None or context.fail_fast):
        # The chunked path: each step works a chunk of records at a time. A run that
        # stops at its first failure, or a reprocess entering steps part-way, goes record
        # by record below, so that it stops and enters exactly as it always has.
        chunks = _readable_chunks(items, context, read)
        for step in compiled.steps:
            chunks = step.run_chunks(chunks, context)
        stream = chunks
    else:
        later: list[list[Flow]] = [[] for _ in range(len(compiled.steps) + 1)]
        flows = _readable(items, context, read, entry, later, compiled.steps)
        for index, step in enumerate(compiled.steps):
            if entry is not None and index:
                flows = _joined(flows, later[index])
            flows = step.run(flows, context)
        if entry is not None:
            flows = _joined(flows, later[-1])
        stream = flows
    try:
        if flows is not None:
            for flow in flows:
                batch.append(flow.record)
                origins.append(flow.origin)
                if len(batch) >= size:
                    flush()
                    flushed()
        else:
            assert chunks is not None
            for chunk in chunks:
                batch += chunk.records
                origins += chunk.origins
                while len(batch) >= size:  # the sink's batches as the record path's
                    flush(size)
                    flushed()
        if batch:
            flush()
        report()  # the final counts, before the commit (a file run's manifest takes them)
        for branch_sink in context.branch_sinks:  # the branch targets commit with the output
            if join_branch is not None:
                join_branch(sink, branch_sink)
            else:
                branch_sink.commit()
        in_sink = True
        sink.commit()
    except FailFast as exc:
        status, message = RunStatus.FAILED, str(exc)
    # Any source, step or sink failure ends the run: the sink is aborted, the counts
    # recorded and the exception handed to the caller in the outcome.
    except Exception as exc:  # noqa: BLE001
        status, error = RunStatus.FAILED, exc
        message = f"{sink.name}: {exc}" if in_sink else str(exc)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()  # ends every step's generator: their temporary files go
    skipped = 0
    if status is not RunStatus.COMPLETED:
        sink.abort()
        for branch_sink in context.branch_sinks:
            branch_sink.abort()
        kept = int(getattr(sink, "kept_after_abort", 0))
        written, batch = kept, []
        context.branch_written = 0
        now_counts = counts()
        skipped = (now_counts.read + now_counts.expanded) - (
            now_counts.written + now_counts.failed + now_counts.filtered + now_counts.merged
        )
    report()
    final = counts(skipped)
    if on_steps is not None:
        on_steps(tuple(s.counts for s in every))
    return RunOutcome(status, final, time.monotonic() - started, message, error)
