"""Runs: start one in a worker thread, reprocess dead letters, read the batch processing log.

A run reads a source, maps each record and writes a sink; it is logged in the
store's runs table under a business key ``proc_{src}_{tgt}_{client}_{yyyymmdd_hhmmss}``
with its trigger, mapping key and version, start and end, status and counts
(which always add up), and its dead letters (position, field, reason, input).
`Runs` is what the façade delegates to; the GUI and the CLI use the façade.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldwright.connectors import NdjsonSink
from fieldwright.domain import ConnectorRef, MappingDocument
from fieldwright.domain.records import Position, RecordSink, RecordSource, SourceItem
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.domain.store_models import DeadLetterPage, DeadLetterRecord, RunPage, RunRecord
from fieldwright.engine.columnar import ColumnarPlan
from fieldwright.service._boundary import service_errors
from fieldwright.service._connectors import Connectors, describe, file_path, refuse_secrets
from fieldwright.service._results import RunProgress, RunResult
from fieldwright.service._store_log import StoreRunLog
from fieldwright.service._worker import RunHandle, RunPlan
from fieldwright.service.endpoints import refuse_protected_target
from fieldwright.service.engines import columnar_source, execute_columnar
from fieldwright.service.errors import DataError, EndpointRefused, InvalidRequest, ServiceError
from fieldwright.service.events import RunEnded, RunProgressed, RunStarted, ServiceEvents
from fieldwright.service.expiry import refuse_expired
from fieldwright.service.files import output_columns
from fieldwright.service.mappings import compile_mapping
from fieldwright.store import MappingRepository, RunRepository, Store

if TYPE_CHECKING:
    from fieldwright.service.pipeline_runs import PipelineRunner
    from fieldwright.service.stored_pipelines import StoredPipelines

__all__ = [
    "DeadLetterSource",
    "RunDetail",
    "RunFilter",
    "RunHandle",
    "RunProgress",
    "RunResult",
    "Runs",
]

ProgressCallback = Callable[[RunProgress], None]
FinishedCallback = Callable[[RunResult], None]


@dataclass(frozen=True, slots=True)
class RunFilter:
    """Which runs a list shows; `since` inclusive, `until` exclusive (start time)."""

    mapping_key: str | None = None
    status: RunStatus | tuple[RunStatus, ...] | None = None
    trigger: RunTrigger | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class RunDetail:
    """A run as the Runs panel details it: the log entry and where it comes from."""

    record: RunRecord
    #: The run this one retries or reprocesses.
    parent_key: str | None
    #: Runs that retry or reprocess this one, oldest first.
    child_keys: tuple[str, ...]
    #: What it read and wrote (connector kinds and settings), its attempt and timeout.
    details: dict[str, Any] = field(default_factory=dict)
    process_id: int | None = None
    host: str | None = None


class DeadLetterSource:
    """The stored inputs of dead letters as a record source, at their original positions."""

    def __init__(self, run_key: str, letters: list[DeadLetterRecord]) -> None:
        self._run_key = run_key
        self._letters = letters

    @property
    def name(self) -> str:
        return f"dead letters of run {self._run_key}"

    def __len__(self) -> int:
        return len(self._letters)

    def __iter__(self) -> Iterator[SourceItem]:
        for letter in self._letters:
            yield SourceItem(Position(**letter.position), letter.input)

    def close(self) -> None:
        """Nothing to release."""


def _reprocess_ref(ref: ConnectorRef, base_dir: Path | None, run_key: str) -> ConnectorRef:
    """The original target's kind; a file goes beside the original, never over it."""
    path = file_path(ref, base_dir)
    if path is None:
        return ref
    settings = {**ref.settings, "path": str(path.with_name(f"{path.stem}.{run_key}{path.suffix}"))}
    return ref.model_copy(update={"settings": settings})


def _pipeline_of(details: dict[str, Any]) -> str | None:
    """The stored pipeline a run ran (its details say so), or None for a mapping run."""
    value = details.get("pipeline")
    return value if isinstance(value, str) else None


class Runs:
    """Start, reprocess and look up runs of one open store."""

    def __init__(
        self, store: Store, connectors: Connectors, events: ServiceEvents | None = None
    ) -> None:
        self._store = store
        self._runs = RunRepository(store)
        self._mappings = MappingRepository(store)
        self._connectors = connectors
        #: Every run's start, progress and end are published here (see `events`).
        self.events = events or ServiceEvents()

    @cached_property
    def _pipelines(self) -> StoredPipelines:
        """Made when a key is not a stored mapping's (or a pipeline run is reprocessed): a
        mapping's run does not import the stored pipelines and their models (issue 18)."""
        from fieldwright.service.stored_pipelines import StoredPipelines

        return StoredPipelines(self._store)

    @cached_property
    def _pipeline_runs(self) -> PipelineRunner:
        """Made on a pipeline's first run: a mapping's run does not import the pipeline
        engine (issue 18, start-up)."""
        from fieldwright.service.pipeline_runs import PipelineRunner

        return PipelineRunner(self._store, self._connectors, self.events)

    # -- starting ---------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        """The open store its runs are logged in (the scheduler's runner reads approvals)."""
        return self._store

    def load(
        self, mapping: str | MappingDocument, version: int | None = None
    ) -> tuple[MappingDocument, int | None]:
        """The document to run and its stored version (None for a document passed in);
        `version` picks a stored version (default: the latest)."""
        if isinstance(mapping, MappingDocument):
            return mapping, None
        with service_errors():
            document = self._mappings.load_mapping(mapping, version)
        return document, document.version

    def is_pipeline(self, key: str) -> bool:
        """Whether `key` names a stored pipeline (and no stored mapping)."""
        with service_errors():
            if self._mappings.exists(key):
                return False
        return self._pipelines.exists(key)

    def start_run(
        self,
        mapping: str | MappingDocument,
        *,
        source: ConnectorRef | None = None,
        target: ConnectorRef | None = None,
        trigger: RunTrigger = RunTrigger.MANUAL,
        base_dir: Path | None = None,
        on_progress: ProgressCallback | None = None,
        on_finished: FinishedCallback | None = None,
        timeout: float | None = None,
        schedule_key: str | None = None,
        parent_key: str | None = None,
        retries: bool = True,
        cancel_event: threading.Event | None = None,
        version: int | None = None,
        pipeline: bool = False,
        engine: str = "auto",
    ) -> RunHandle:
        """Start a run of a stored mapping (by key) or a document; see `Service.start_run`.

        `schedule_key`, `parent_key`, `retries` (the document's retry strategy),
        `cancel_event` (stops the run when set) and `version` (a stored version other
        than the latest: the active one) serve the scheduler's runner. A key that names
        no stored mapping but a stored pipeline starts a run of the pipeline, as does any
        key with `pipeline` set (a pipeline's schedule).
        """
        if isinstance(mapping, str) and (pipeline or self.is_pipeline(mapping)):
            return self._pipeline_runs.start(
                mapping,
                source=source,
                target=target,
                trigger=trigger,
                base_dir=base_dir,
                on_progress=on_progress,
                on_finished=on_finished,
                timeout=timeout,
                schedule_key=schedule_key,
                parent_key=parent_key,
                retries=retries,
                cancel_event=cancel_event,
                version=version,
            )
        document, version = self.load(mapping, version)
        source_ref = source or document.source.connector
        target_ref = target or document.target.connector
        if source_ref is None or target_ref is None:
            side = "source" if source_ref is None else "target"
            raise InvalidRequest(
                f"mapping {document.key!r} has no {side} connector; choose a {side} for the "
                f"run or set one in the mapping's {side}"
            )
        connectors = self._connectors

        def open_source() -> RecordSource:
            return connectors.open_source(source_ref, base_dir=base_dir)

        # A large NDJSON source runs on the columnar engine (auto: service/engines.py).
        columnar = columnar_source(
            compile_mapping(document), source_ref, base_dir, connectors, engine=engine
        )
        return self._start(
            document,
            version,
            open_source if columnar is None else columnar[0],
            target_ref,
            base_dir,
            details={"source": describe(source_ref, base_dir)},
            trigger=trigger,
            on_progress=on_progress,
            on_finished=on_finished,
            timeout=timeout,
            schedule_key=schedule_key,
            parent_key=parent_key,
            retries=retries,
            cancel_event=cancel_event,
            columnar=None if columnar is None else columnar[1],
        )

    def _start(
        self,
        document: MappingDocument,
        version: int | None,
        open_source: Callable[[], RecordSource],
        target: ConnectorRef,
        base_dir: Path | None,
        *,
        details: dict[str, Any],
        trigger: RunTrigger,
        on_progress: ProgressCallback | None,
        on_finished: FinishedCallback | None,
        timeout: float | None = None,
        schedule_key: str | None = None,
        parent_key: str | None = None,
        total: int | None = None,
        retries: bool = True,
        cancel_event: threading.Event | None = None,
        columnar: ColumnarPlan | None = None,
    ) -> RunHandle:
        if timeout is not None and timeout <= 0:
            raise InvalidRequest(f"a run's timeout must be positive, not {timeout:g} s")
        refuse_protected_target(target, base_dir)
        refuse_secrets({**details, "target": describe(target, base_dir)})
        refuse_expired(self._store, [details.get("source"), describe(target, base_dir)])
        compiled = compile_mapping(document)
        columns = output_columns(compiled)
        connectors = self._connectors

        def open_sink(run_key: str) -> RecordSink:
            return connectors.open_sink(target, base_dir=base_dir, columns=columns, run_key=run_key)

        plan = RunPlan(
            document=document,
            compiled=compiled,
            mapping_version=version,
            open_source=open_source,
            open_sink=open_sink,
            trigger=trigger,
            details={**details, "target": describe(target, base_dir)},
            schedule_key=schedule_key,
            parent_key=parent_key,
            timeout=timeout,
            total=total,
            retries=retries,
        )
        if columnar is not None:
            plan.execute, plan.chunked = partial(execute_columnar, columnar), True
            plan.details["engine"] = "polars"
        events = self.events

        def progressed(progress: RunProgress) -> None:  # the run's worker or ticker thread
            if on_progress is not None:
                on_progress(progress)
            events.publish(RunProgressed(progress))

        def finished(result: RunResult) -> None:  # the run's worker thread
            try:
                if on_finished is not None:
                    on_finished(result)  # first: what it records is in the store for listeners
            finally:
                events.publish(RunEnded(result, document.key, trigger, schedule_key))

        handle = RunHandle(
            StoreRunLog(self._runs),
            plan,
            on_progress=progressed,
            on_finished=finished,
            cancel_event=cancel_event,
        )
        # Before the worker starts, so no listener hears of its end before its start.
        events.publish(RunStarted(handle.key, document.key, trigger, schedule_key, parent_key))
        return handle.begin()

    def reprocess(
        self,
        run_key: str,
        *,
        target: ConnectorRef | None = None,
        base_dir: Path | None = None,
        on_progress: ProgressCallback | None = None,
        on_finished: FinishedCallback | None = None,
    ) -> RunHandle:
        """Run the dead letters of `run_key` again through the mapping's current version
        (a pipeline run's: through the pipeline's, each from the step it failed at; see
        `service/pipeline_runs.py`).

        Only letters with a stored input can be run again (an unreadable line has
        none: fix the source file instead). The target is the original's kind; a
        file target goes beside the original as ``<name>.<run key><suffix>``.
        """
        with service_errors():
            original = self._runs.get_run(run_key)
            lineage = self._runs.lineage(run_key)
            letters = self._all_dead_letters(run_key)
        inputs = [letter for letter in letters if letter.input is not None]
        if not inputs:
            unreadable = f" ({len(letters)} could not be read: fix the source)" if letters else ""
            raise InvalidRequest(
                f"run {run_key} has no dead letters with a stored input to reprocess{unreadable}"
            )
        pipeline = _pipeline_of(lineage.details)
        if pipeline is None:
            document, version = self.load(original.mapping_key)
        if target is None:
            described = lineage.details.get("target")
            if not isinstance(described, dict):
                raise InvalidRequest(
                    f"run {run_key} did not record its target; choose a target to reprocess into"
                )
            with service_errors(f"the target of run {run_key}"):
                stored = ConnectorRef.model_validate(described)
            target = _reprocess_ref(stored, base_dir, run_key)
        if pipeline is not None:
            return self._pipeline_runs.reprocess(
                run_key,
                inputs,
                target,
                base_dir,
                pipeline_key=pipeline,
                on_progress=on_progress,
                on_finished=on_finished,
            )
        source = DeadLetterSource(run_key, inputs)
        return self._start(
            document,
            version,
            lambda: source,
            target,
            base_dir,
            details={
                "source": {"kind": "dead_letters", "run": run_key},
                "unreadable_skipped": len(letters) - len(inputs),
            },
            trigger=RunTrigger.REPROCESS,
            on_progress=on_progress,
            on_finished=on_finished,
            parent_key=run_key,
            total=len(source),
        )

    def reprocess_blocker(self, run_key: str) -> str | None:
        """Why the dead letters of `run_key` cannot be reprocessed now; None when they can.

        They can when some have a stored input, the run's mapping is in the store and
        the run recorded a target whose folder (for a file) still exists.
        """
        with service_errors():
            original = self._runs.get_run(run_key)
            lineage = self._runs.lineage(run_key)
        problem = self._letters_problem(run_key)
        if problem is not None:
            return problem
        pipeline = _pipeline_of(lineage.details)
        if pipeline is not None and not self._pipelines.exists(pipeline):
            return (
                f"its pipeline {pipeline} is not in the store: import it again to reprocess "
                "its failed records"
            )
        try:
            if pipeline is None:
                self.load(original.mapping_key)
        except ServiceError:
            return (
                f"its mapping {original.mapping_key} is not in the store: save it there "
                "to reprocess its failed records"
            )
        described = lineage.details.get("target")
        if not isinstance(described, dict):
            return "the run did not record its target"
        try:
            with service_errors(f"the target of run {run_key}"):
                target = _reprocess_ref(ConnectorRef.model_validate(described), None, run_key)
        except ServiceError as exc:
            return f"its target cannot be read again: {exc}"
        path = file_path(target, None)
        if path is not None and not path.parent.is_dir():
            return f"the folder of its output, {path.parent}, is gone"
        try:
            refuse_protected_target(target, None)
        except EndpointRefused as exc:
            return str(exc)
        return None

    def _letters_problem(self, run_key: str) -> str | None:
        """Why the run has no dead letter to run again (none, or none with an input)."""
        after: int | None = None
        seen = 0
        while True:
            with service_errors(f"reading the dead letters of run {run_key}"):
                page = self._runs.dead_letters(run_key, limit=1000, after_id=after)
            if any(letter.input is not None for letter in page.items):
                return None
            seen += len(page.items)
            if page.next_after_id is None:
                break
            after = page.next_after_id
        if not seen:
            return "the run has no failed records"
        return f"none of its {seen:,} failed records could be read: fix the source instead"

    # -- the log ----------------------------------------------------------------------------

    def _all_dead_letters(self, run_key: str) -> list[DeadLetterRecord]:
        letters: list[DeadLetterRecord] = []
        after: int | None = None
        while True:
            page = self._runs.dead_letters(run_key, limit=1000, after_id=after)
            letters += page.items
            if page.next_after_id is None:
                return letters
            after = page.next_after_id

    def list_runs(
        self, filters: RunFilter | None = None, page: str | None = None, *, limit: int = 100
    ) -> RunPage:
        """A page of runs, newest first; pass the page's `next_cursor` for the next one."""
        filters = filters or RunFilter()
        with service_errors("listing runs"):
            return self._runs.list_runs(
                mapping_key=filters.mapping_key,
                status=filters.status,
                trigger=filters.trigger,
                since=filters.since,
                until=filters.until,
                limit=limit,
                after=page,
            )

    def run_detail(self, key: str) -> RunDetail:
        with service_errors():
            record = self._runs.get_run(key)
            lineage = self._runs.lineage(key)
            children = self._runs.child_runs(key)
        return RunDetail(
            record=record,
            parent_key=lineage.parent_key,
            child_keys=tuple(children),
            details=lineage.details,
            process_id=lineage.process_id,
            host=lineage.host,
        )

    def dead_letters(
        self, run_key: str, page: int | None = None, *, limit: int = 100
    ) -> DeadLetterPage:
        """A page of a run's dead letters; pass the page's `next_after_id` for the next."""
        with service_errors(f"reading the dead letters of run {run_key}"):
            return self._runs.dead_letters(run_key, limit=limit, after_id=page)

    def export_dead_letters(self, run_key: str, path: str | Path) -> int:
        """Write a run's dead letters to an NDJSON file (atomically); returns how many."""
        with service_errors(f"exporting the dead letters of run {run_key}"):
            letters = self._all_dead_letters(run_key)
            sink = NdjsonSink(Path(path), private=True)  # whole input records: 0600
            try:
                rejected = sink.write_batch([letter.model_dump(mode="json") for letter in letters])
                if rejected:  # stored as JSON, so never expected: but never lose one silently
                    raise DataError(
                        f"{path}: dead letter {rejected[0].index + 1}: {rejected[0].reason}"
                    )
                sink.commit()
            except BaseException:
                sink.abort()
                raise
        return len(letters)
