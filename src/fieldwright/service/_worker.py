"""One run in a worker thread: source → compiled mapping → sink, logged where it belongs.

The one run machinery of every run: a stored run (GUI, schedule, `Service.start_run`)
and a file run (`fieldwright run`, `run_file`) alike. What differs is the `RunLog`,
chosen by destination: the store's runs table and dead letters (`_store_log.StoreRunLog`),
or a dead-letter file beside the output (`_file_log.FileRunLog`).

A `RunHandle` owns two threads: the worker, which runs the attempts one after
the other (a transient connector error under the `retry` strategy starts a
new attempt, a run linked to the previous one with trigger `retry`), and a
ticker, which reports progress at least every half second and enforces the
timeout. Cancel and timeout are checked before every record the source
yields, so a run stops within a second even on a slow source; the engine then
aborts the sink, which leaves the target as it was.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence, Sized
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from fieldwright.connectors import ConnectorError
from fieldwright.domain import ErrorStrategy, MappingDocument
from fieldwright.domain.records import (
    ChunkReader,
    Record,
    RecordSink,
    RecordSource,
    RejectedRecord,
    SourceChunk,
    SourceItem,
)
from fieldwright.domain.runs import DeadLetter, RunCounts, RunStatus, RunTrigger
from fieldwright.engine import CompiledMapping, Progress, RunOutcome, execute, finite_outputs
from fieldwright.service._letters import bounded
from fieldwright.service._results import RunProgress, RunResult
from fieldwright.service._transient import is_transient
from fieldwright.service.errors import ServiceError

if TYPE_CHECKING:  # the pipeline models are imported by a pipeline's run, not a mapping's
    from fieldwright.domain.pipeline import PipelineDocument

__all__ = ["RunHandle", "RunLog", "RunPlan"]

log = logging.getLogger(__name__)

#: Dead letters are stored in one transaction per this many (or per second).
DEAD_LETTER_BATCH = 500
PROGRESS_EVERY = 0.5
STORE_EVERY = 1.0
_TICK = 0.1

_STOPPED = (
    "cancelled by the scheduler (its timeout passed or it is shutting down); "
    "the target was left as it was"
)


@dataclass(slots=True)
class RunPlan:
    """Everything a run needs; built by the service, executed by a RunHandle."""

    #: A mapping, or a pipeline (run by `execute`).
    document: MappingDocument | PipelineDocument
    #: The compiled mapping; None for a pipeline, whose `execute` runs it.
    compiled: CompiledMapping | None
    mapping_version: int | None
    open_source: Callable[[], RecordSource]
    #: Opens the sink for the run (attempt) with this key.
    open_sink: Callable[[str], RecordSink]
    trigger: RunTrigger
    details: dict[str, Any] = field(default_factory=dict)
    schedule_key: str | None = None
    parent_key: str | None = None
    timeout: float | None = None
    total: int | None = None
    #: Whether the document's retry strategy applies (a scheduler retries on its own).
    retries: bool = True
    #: Replaces the document's error strategy for this run (`fieldwright run --error-strategy`).
    strategy: ErrorStrategy | None = None
    #: Runs the records instead of the mapping's `engine.execute` (a pipeline's steps): takes
    #: the items and the sink, and `execute`'s keyword arguments.
    execute: Callable[..., RunOutcome] | None = None
    #: `execute` takes the source's chunks (`chunks()`, each a sized run of records: the
    #: columnar engine) instead of its items.
    chunked: bool = False

    @property
    def error_strategy(self) -> ErrorStrategy:
        return self.strategy or self.document.run.error_strategy


class RunLog(Protocol):
    """Where a run is logged and its dead letters kept, chosen by the run's destination.

    Each method may raise a `ServiceError` (the store is busy, a file cannot be
    written); the run goes on after a failed `update_counts` and tries again at `finish`.
    """

    def start(self, plan: RunPlan, attempt: int, trigger: RunTrigger, parent: str | None) -> str:
        """Log a new attempt of the run as started; its run key."""
        ...

    def add_dead_letters(self, key: str, letters: list[DeadLetter]) -> int:
        """Keep dead letters of the attempt `key`; how many were kept."""
        ...

    def update_counts(self, key: str, counts: RunCounts) -> None:
        """Record the counts of the attempt so far."""
        ...

    def finish(self, key: str, status: RunStatus, counts: RunCounts, message: str | None) -> None:
        """Log how the attempt ended (the dead letters are all added by then)."""
        ...

    def prepare_commit(self, key: str, sink: RecordSink) -> None:
        """Just before the attempt's sink commits (every dead letter added): join what
        must become visible with the output (a file run's dead letters) to its commit."""
        ...


def _vouch_finite(source: object, compiled: CompiledMapping, sink: RecordSink) -> None:
    """Tell a sink that looks for NaNs and infinities (the JSON sinks) that none can come,
    when the source yields none and the mapping cannot make one (engine/finite.py)."""
    vouch = getattr(sink, "vouch_finite", None)
    finite_source = getattr(source, "finite_values", False) is True
    if vouch is not None and finite_source and finite_outputs(compiled):
        vouch()


class _CountedChunks:
    """A source's chunk reader, counted into the run's attempt and stopped by cancel,
    timeout or an external stop before each chunk (as RunHandle._items does per item)."""

    def __init__(self, handle: RunHandle, reader: ChunkReader) -> None:
        self._handle = handle
        self._reader = reader

    def read(self, size: int) -> SourceChunk | None:
        handle = self._handle
        if handle._stop is not None:
            raise _Interrupted(handle._stop)
        chunk = self._reader.read(size)
        if chunk is not None:
            handle._attempt.records += len(chunk)
        return chunk


class _CommitHooked:
    """The run's sink, with the run's own bookkeeping done just before it commits:
    the dead letters are all kept and the manifest learns the run's counts, so
    that what the target holds and what the log says cannot part."""

    def __init__(
        self,
        sink: RecordSink,
        before: Callable[[RecordSink], None],
        kept: Callable[[int], None],
    ) -> None:
        self._sink = sink
        self._before = before
        self._kept = kept

    @property
    def name(self) -> str:
        return self._sink.name

    def write_batch(self, records: Sequence[Record]) -> Sequence[RejectedRecord] | None:
        rejected = self._sink.write_batch(records)
        self._note_kept()
        return rejected

    def write_records(self, records: Sequence[Record]) -> Sequence[RejectedRecord] | None:
        """The sink's `write_records` (the rows its database refuses fail alone), else its
        `write_batch`; the run loops prefer this one."""
        write = getattr(self._sink, "write_records", self._sink.write_batch)
        rejected: Sequence[RejectedRecord] | None = write(records)
        self._note_kept()
        return rejected

    def _note_kept(self) -> None:
        kept = getattr(self._sink, "kept_after_abort", 0)
        if isinstance(kept, int) and kept:  # a batch committed for good (SQL, HTTP)
            self._kept(kept)

    def commit(self) -> None:
        self._before(self._sink)
        self._sink.commit()

    def abort(self) -> None:
        self._sink.abort()

    def __getattr__(self, name: str) -> Any:  # kept_after_abort and other optional parts
        return getattr(self._sink, name)


class _Interrupted(Exception):
    """Raised from inside the source iteration when the run is cancelled or times out."""


class _Attempt:
    """State of the attempt going on: records pulled, last counts, dead letters to store."""

    def __init__(self, key: str, number: int) -> None:
        self.key = key
        self.number = number
        self.started = time.monotonic()
        self.records = 0
        self.counts = RunCounts()
        self.letters: list[DeadLetter] = []
        self.stored_letters = 0
        self.logged_kept = 0  # records a batch-by-batch sink kept for good, as last logged
        self.last_store = 0.0  # the first counts are stored at once


class RunHandle:
    """A run going on in a worker thread: progress, cancel, wait, result."""

    def __init__(
        self,
        log: RunLog,
        plan: RunPlan,
        *,
        on_progress: Callable[[RunProgress], None] | None = None,
        on_finished: Callable[[RunResult], None] | None = None,
        cancel_event: threading.Event | None = None,
    ) -> None:
        self._log = log
        self._plan = plan
        self._on_progress = on_progress
        self._on_finished = on_finished
        self._external_cancel = cancel_event
        #: Why the run stops: "cancel", "timeout" or "stopped" (the external event); read
        #: before every record.
        self._stop: str | None = None
        self._wake = threading.Event()  # interrupts the wait between retry attempts
        self._done = threading.Event()
        self._emit_lock = threading.Lock()
        self._last_emit = 0.0
        self._began = time.monotonic()
        self._deadline = None if plan.timeout is None else self._began + plan.timeout
        self._total = plan.total
        self._keys: list[str] = []
        self._result: RunResult | None = None
        self._attempt = _Attempt(log.start(plan, 1, plan.trigger, plan.parent_key), 1)
        self._keys.append(self._attempt.key)
        self._worker = threading.Thread(target=self._work, name=f"run {self.key}", daemon=True)
        self._ticker = threading.Thread(target=self._tick, name=f"ticker {self.key}", daemon=True)

    def begin(self) -> RunHandle:
        """Start the worker and the ticker; the handle."""
        self._worker.start()
        self._ticker.start()
        return self

    # -- the public face ------------------------------------------------------------------

    @property
    def key(self) -> str:
        """The key of the run as started (its retries are linked to it)."""
        return self._keys[0]

    @property
    def keys(self) -> tuple[str, ...]:
        """Every attempt's run key so far."""
        return tuple(self._keys)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def result(self) -> RunResult | None:
        """How the run ended; None while it is going on."""
        return self._result

    def progress(self) -> RunProgress:
        attempt = self._attempt
        elapsed = time.monotonic() - attempt.started
        rate = attempt.records / elapsed if elapsed > 0 else 0.0
        return RunProgress(
            key=attempt.key,
            attempt=attempt.number,
            records=attempt.records,
            counts=attempt.counts,
            elapsed=elapsed,
            rate=rate,
            total=self._total,
            running=not self.done,
        )

    def cancel(self) -> None:
        """Stop the run: the target stays as it was and the run is logged cancelled."""
        if self._stop is None:
            self._stop = "cancel"
        self._wake.set()

    def wait(self, timeout: float | None = None) -> RunResult | None:
        """Wait for the run to end; its result, or None if it is still going on."""
        self._done.wait(timeout)
        return self._result

    # -- the log ---------------------------------------------------------------------------

    def _store_letters(self, attempt: _Attempt) -> None:
        if attempt.letters:
            letters = attempt.letters
            kept = self._log.add_dead_letters(attempt.key, letters)  # on failure, kept for later
            attempt.letters = attempt.letters[len(letters) :]
            attempt.stored_letters += kept

    def _store_progress(self, attempt: _Attempt, counts: RunCounts) -> None:
        try:
            self._store_letters(attempt)
            self._log.update_counts(attempt.key, counts)
        except ServiceError as exc:  # the final write tries again; the run goes on
            log.warning("run %s: cannot store progress: %s", attempt.key, exc)
        attempt.last_store = time.monotonic()

    # -- callbacks from the engine (worker thread) ---------------------------------------

    def _dead_letter(self, letter: DeadLetter) -> None:
        attempt = self._attempt
        attempt.letters.append(bounded(letter))
        if len(attempt.letters) >= DEAD_LETTER_BATCH:
            self._store_progress(attempt, attempt.counts)

    def _engine_progress(self, progress: Progress) -> None:
        attempt = self._attempt
        if time.monotonic() - attempt.last_store >= STORE_EVERY:
            self._store_progress(attempt, progress.counts)
        attempt.counts = progress.counts  # shown only once stored (when due)
        self._emit()

    def _emit(self) -> None:
        if self._on_progress is None:
            return
        with self._emit_lock:
            self._last_emit = time.monotonic()
            try:
                self._on_progress(self.progress())
            except Exception:  # a broken progress display must not break the run
                log.exception("run %s: the progress callback failed", self._attempt.key)

    def _tick(self) -> None:
        while not self._done.wait(_TICK):
            now = time.monotonic()
            if self._deadline is not None and now >= self._deadline and self._stop is None:
                self._stop = "timeout"
                self._wake.set()
            if self._external_cancel is not None and self._external_cancel.is_set():
                if self._stop is None:
                    self._stop = "stopped"  # by whoever owns the event (the scheduler)
                self._wake.set()
            if now - self._last_emit >= PROGRESS_EVERY:
                self._emit()

    # -- the worker -----------------------------------------------------------------------

    def _items(self, source: RecordSource) -> Iterator[SourceItem]:
        attempt = self._attempt
        for item in source:
            if self._stop is not None:
                raise _Interrupted(self._stop)
            attempt.records += 1
            yield item

    def _record_chunks(self, source: RecordSource) -> ChunkReader | None:
        """A reader of the source's record chunks (SourceChunk: the row engine's input
        when the source offers one), counted and interrupted as `_items` does; else None."""
        open_chunks = getattr(source, "record_chunks", None)
        reader: ChunkReader | None = open_chunks() if open_chunks is not None else None
        return None if reader is None else _CountedChunks(self, reader)

    def _chunks(self, source: RecordSource) -> Iterator[Sized]:
        """The source's chunks (the columnar engine's input), counted as `_items` counts."""
        attempt = self._attempt
        for chunk in source.chunks():  # type: ignore[attr-defined]
            if self._stop is not None:
                raise _Interrupted(self._stop)
            attempt.records += len(chunk)
            yield chunk

    def _execute(self, attempt: _Attempt) -> RunOutcome:
        plan = self._plan
        try:
            source = plan.open_source()
        except ConnectorError as exc:
            return RunOutcome(RunStatus.FAILED, RunCounts(), 0.0, str(exc), exc)
        if self._total is None and isinstance(source, Sized):  # a source that knows its size
            self._total = len(source)
        try:
            try:
                sink = plan.open_sink(attempt.key)
            except ConnectorError as exc:
                return RunOutcome(RunStatus.FAILED, RunCounts(), 0.0, str(exc), exc)
            if plan.execute is not None:
                runner: Callable[..., RunOutcome] = plan.execute
            else:
                assert plan.compiled is not None  # a mapping run has its compiled mapping
                runner = partial(execute, plan.compiled)
                _vouch_finite(source, plan.compiled, sink)
            feed: Any = self._chunks(source) if plan.chunked else None
            if feed is None and plan.execute is None:  # the row engine takes chunks
                feed = self._record_chunks(source)
            return runner(
                self._items(source) if feed is None else feed,
                _CommitHooked(
                    sink,
                    lambda inner: self._before_commit(attempt, inner),
                    lambda kept: self._log_kept(attempt, kept),
                ),
                strategy=plan.error_strategy,
                on_dead_letter=self._dead_letter,
                on_progress=self._engine_progress,
                progress_interval=PROGRESS_EVERY / 2,
                total=self._total,
            )
        finally:
            source.close()

    def _log_kept(self, attempt: _Attempt, kept: int) -> None:
        """A sink that commits batch by batch kept `kept` records for good: log that at
        once, so that a killed run's log is never behind its target by more than a batch."""
        if kept <= attempt.logged_kept:
            return
        attempt.logged_kept = kept
        counts = attempt.counts
        counts = RunCounts(
            read=max(counts.read, kept + counts.failed + counts.filtered),
            written=kept,
            failed=counts.failed,
            filtered=counts.filtered,
        )
        try:
            self._log.update_counts(attempt.key, counts)
        except ServiceError as exc:  # the run goes on; the final write tries again
            log.warning("run %s: cannot log the records its target kept: %s", attempt.key, exc)

    def _before_commit(self, attempt: _Attempt, sink: RecordSink) -> None:
        """Keep the last dead letters and tell a file sink's manifest the run's counts;
        a failure here fails the run before its output becomes visible."""
        self._store_letters(attempt)
        written = getattr(sink, "row_count", None)
        if hasattr(sink, "run_summary") and isinstance(written, int):
            failed = attempt.stored_letters
            sink.run_summary = {
                "key": attempt.key,
                "read": attempt.records,
                "written": written,
                "failed": failed,
                "filtered": max(attempt.records - written - failed, 0),
            }
            counts = attempt.counts
            # A pipeline's counts (domain.pipeline's PipelineCounts, not imported for a
            # mapping's run), reported just before the commit.
            expanded, merged = getattr(counts, "expanded", None), getattr(counts, "merged", None)
            if expanded is not None and merged is not None:
                sink.run_summary.update(filtered=counts.filtered, expanded=expanded, merged=merged)
        self._log.prepare_commit(attempt.key, sink)

    def _conclude(self, outcome: RunOutcome) -> tuple[RunStatus, str | None, bool]:
        """The status and message to log, and whether the failure is transient."""
        if isinstance(outcome.error, _Interrupted) or (
            self._stop is not None and outcome.status is not RunStatus.COMPLETED
        ):
            if self._stop == "timeout":
                return RunStatus.FAILED, f"timed out after {self._plan.timeout:g} s", False
            if self._stop == "stopped":
                return RunStatus.CANCELLED, _STOPPED, False
            return RunStatus.CANCELLED, "cancelled; the target was left as it was", False
        if outcome.status is RunStatus.COMPLETED:
            return outcome.status, outcome.message, False
        message = str(outcome.error) if isinstance(outcome.error, ConnectorError) else None
        error = outcome.error
        return outcome.status, message or outcome.message, error is not None and is_transient(error)

    def _work(self) -> None:
        plan = self._plan
        attempt = self._attempt
        status, message, transient = RunStatus.FAILED, None, False
        counts = RunCounts()
        try:
            while True:
                outcome = self._execute(attempt)
                counts = outcome.counts
                attempt.counts = counts
                status, message, transient = self._conclude(outcome)
                retry = (
                    transient
                    and plan.retries
                    and plan.error_strategy is ErrorStrategy.RETRY
                    and attempt.number < plan.document.run.max_attempts
                    and self._stop is None
                )
                delay = plan.document.run.retry_delay_seconds
                if retry:
                    message = f"{message}; trying again in {delay:g} s"
                self._finish(attempt, status, counts, message)
                if not retry:
                    break
                if self._wake.wait(delay) and self._stop is not None:
                    status, message, _ = self._conclude(
                        RunOutcome(RunStatus.CANCELLED, counts, 0.0)
                    )
                    message = f"{message} (before trying again)"
                    break
                key = self._log.start(plan, attempt.number + 1, RunTrigger.RETRY, attempt.key)
                self._keys.append(key)
                attempt = self._attempt = _Attempt(key, attempt.number + 1)
        except Exception as exc:  # a bug or the store gone: log the run failed, never hang
            log.exception("run %s stopped unexpectedly", attempt.key)
            status, message = RunStatus.FAILED, f"the run stopped unexpectedly: {exc}"
            self._finish(attempt, status, counts, message, quiet=True)
        self._result = RunResult(
            key=attempt.key,
            keys=tuple(self._keys),
            status=status,
            counts=counts,
            seconds=time.monotonic() - self._began,
            message=message,
            dead_letters=attempt.stored_letters,
            transient=transient,
            engine="polars" if self._plan.chunked else "rows",
        )
        self._done.set()
        self._emit()
        if self._on_finished is not None:
            try:
                self._on_finished(self._result)
            except Exception:  # the run is logged; a broken listener must not hide that
                log.exception("run %s: the finished callback failed", attempt.key)

    def _finish(
        self,
        attempt: _Attempt,
        status: RunStatus,
        counts: RunCounts,
        message: str | None,
        *,
        quiet: bool = False,
    ) -> None:
        try:
            self._store_letters(attempt)
        except ServiceError:
            if not quiet:
                raise
            log.exception("run %s: cannot keep its last dead letters", attempt.key)
        try:
            self._log.finish(attempt.key, status, counts, message)
        except ServiceError:
            if not quiet:
                raise
            log.exception("run %s: cannot log how it ended", attempt.key)
