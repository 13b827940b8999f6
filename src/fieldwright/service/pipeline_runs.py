"""Runs of stored pipelines (issue 19, item 2): Run now, `fieldwright run KEY`, schedules,
and reprocessing a pipeline run's dead letters.

A stored pipeline runs as a stored mapping does: logged in the store, its
failed records dead letters naming their step, its output through the
connectors. When the run ends each step's counts are added to the run's
details (``details["steps"]``), so the run detail shows what every step did.

A reprocess sends each failed record on from the step it failed at, through the
pipeline's current version: a dead letter keeps the record as that step received
it (after the steps before it), so running it from the start would map it twice.
A record a sink refused (no step) goes straight to the target again. A record
that failed inside a route's branch (its dead letter names the step
``route/branch/step``) re-enters that branch at that step, after the records the
route sends there, and goes on as the branch's records do: into the branch's
target, or back into the stream after the route; one a branch's target refused
(``route/branch``) goes to that target again. A record that failed at a step the
current version no longer has cannot be placed: it is left out, counted in the
run's details (``left_out``), and stays a dead letter of the original run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fieldwright.domain import ConnectorRef
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.records import Position, RecordSink, RecordSource, SourceItem
from fieldwright.domain.runs import RunCounts, RunStatus, RunTrigger
from fieldwright.domain.store_models import DeadLetterRecord
from fieldwright.engine import RunOutcome
from fieldwright.engine.pipeline import (
    CompiledPipeline,
    Entry,
    StepCounts,
    execute_pipeline,
    step_paths,
)
from fieldwright.engine.pipeline.flow import StepRuntime
from fieldwright.service._boundary import service_errors
from fieldwright.service._connectors import Connectors, describe, file_path, refuse_secrets
from fieldwright.service._pipeline_targets import RunTargets, staged_target
from fieldwright.service._results import RunProgress, RunResult
from fieldwright.service._store_log import StoreRunLog
from fieldwright.service._worker import RunHandle, RunPlan
from fieldwright.service.endpoints import refuse_protected_target
from fieldwright.service.enrich_sources import store_connections
from fieldwright.service.errors import InvalidRequest
from fieldwright.service.events import RunEnded, RunProgressed, RunStarted, ServiceEvents
from fieldwright.service.expiry import refuse_expired
from fieldwright.service.stored_pipelines import StoredPipelines
from fieldwright.store import RunRepository, Store

__all__ = ["PipelineRunner", "StepEntries", "step_rows"]

ProgressCallback = Callable[[RunProgress], None]
FinishedCallback = Callable[[RunResult], None]


def step_rows(steps: Iterable[StepCounts]) -> list[dict[str, Any]]:
    """Each step's counts as a run records them in its details."""
    return [asdict(step) for step in steps]


class _PipelineRunLog(StoreRunLog):
    """Logs a pipeline run as a mapping run's, with each step's counts in its details,
    written as it finishes (before anyone waiting on the run hears it ended)."""

    def __init__(self, runs: RunRepository, steps: list[tuple[StepCounts, ...]]) -> None:
        super().__init__(runs)
        self._repository = runs
        self._steps = steps

    def finish(self, key: str, status: RunStatus, counts: RunCounts, message: str | None) -> None:
        try:
            with service_errors(f"recording the step counts of run {key}"):
                self._repository.add_details(key, {"steps": step_rows(self._steps[0])})
        finally:
            super().finish(key, status, counts, message)


class StepEntries:
    """Dead letters of a pipeline run as a record source, each with where it enters
    (`entry`: a top-level step, or a step inside a route's branch); letters that cannot
    be placed are in `left_out`."""

    def __init__(
        self, run_key: str, letters: Sequence[DeadLetterRecord], steps: Sequence[StepRuntime]
    ) -> None:
        self._run_key = run_key
        paths = step_paths(list(steps))
        self.items: list[SourceItem] = []
        self._entries: dict[int, Entry] = {}
        self.left_out: list[DeadLetterRecord] = []
        for letter in letters:
            at = (len(steps),) if letter.step is None else paths.get(letter.step)
            if at is None or letter.input is None:
                self.left_out.append(letter)
                continue
            item = SourceItem(Position(**letter.position), letter.input)
            self.items.append(item)
            self._entries[id(item)] = at  # `items` keeps every item alive: ids stay unique

    @property
    def name(self) -> str:
        return f"dead letters of run {self._run_key}"

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[SourceItem]:
        return iter(self.items)

    def close(self) -> None:
        """Nothing to release."""

    def entry(self, item: SourceItem) -> Entry:
        return self._entries[id(item)]


class PipelineRunner:
    """Starts runs of the pipelines of one store, logged like mapping runs."""

    def __init__(self, store: Store, connectors: Connectors, events: ServiceEvents) -> None:
        self._store = store
        self._pipelines = StoredPipelines(store)
        self._runs = RunRepository(store)
        self._connectors = connectors
        self._events = events

    def is_pipeline(self, key: str) -> bool:
        return self._pipelines.exists(key)

    def start(
        self,
        key: str,
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
    ) -> RunHandle:
        """Start a run of stored pipeline `key` (`version`, default the latest); the
        arguments are `Runs.start_run`'s."""
        document = self._pipelines.open(key, version)
        source_ref = source or document.source.connector
        target_ref = target or document.target.connector
        if source_ref is None or target_ref is None:
            side = "source" if source_ref is None else "target"
            raise InvalidRequest(
                f"pipeline {key!r} has no {side} connector; choose a {side} for the run or "
                f"set one in the pipeline's {side}"
            )
        connectors = self._connectors

        def open_source() -> RecordSource:
            return connectors.open_source(source_ref, base_dir=base_dir)

        return self._start(
            document,
            open_source,
            target_ref,
            base_dir,
            details={"pipeline": key, "source": describe(source_ref, base_dir)},
            trigger=trigger,
            on_progress=on_progress,
            on_finished=on_finished,
            timeout=timeout,
            schedule_key=schedule_key,
            parent_key=parent_key,
            retries=retries,
            cancel_event=cancel_event,
        )

    def reprocess(
        self,
        run_key: str,
        letters: Sequence[DeadLetterRecord],
        target: ConnectorRef,
        base_dir: Path | None,
        *,
        pipeline_key: str,
        on_progress: ProgressCallback | None = None,
        on_finished: FinishedCallback | None = None,
    ) -> RunHandle:
        """Run the dead letters of pipeline run `run_key` again through the pipeline's
        current version, each from the step it failed at (see the module's words)."""
        document = self._pipelines.open(pipeline_key)
        compiled = self._pipelines.compile(document)
        source = StepEntries(run_key, letters, compiled.steps)
        if not source.items:
            raise InvalidRequest(
                f"none of the {len(letters):,} dead letters of run {run_key} can be sent on "
                "again: they failed at steps the pipeline no longer has"
            )
        return self._start(
            document,
            lambda: source,
            target,
            base_dir,
            details={
                "pipeline": pipeline_key,
                "source": {"kind": "dead_letters", "run": run_key},
                "left_out": len(source.left_out),
            },
            trigger=RunTrigger.REPROCESS,
            on_progress=on_progress,
            on_finished=on_finished,
            parent_key=run_key,
            total=len(source),
            entry=source.entry,
            compiled=compiled,
        )

    def _start(
        self,
        document: PipelineDocument,
        open_source: Callable[[], RecordSource],
        target_ref: ConnectorRef,
        base_dir: Path | None,
        *,
        details: dict[str, Any],
        trigger: RunTrigger,
        on_progress: ProgressCallback | None,
        on_finished: FinishedCallback | None,
        timeout: float | None = None,
        schedule_key: str | None = None,
        parent_key: str | None = None,
        retries: bool = True,
        cancel_event: threading.Event | None = None,
        total: int | None = None,
        entry: Callable[[SourceItem], Entry] | None = None,
        compiled: CompiledPipeline | None = None,
    ) -> RunHandle:
        key = document.key
        if timeout is not None and timeout <= 0:
            raise InvalidRequest(f"a run's timeout must be positive, not {timeout:g} s")
        # A SQL target writes to its staging table: its rows move in only when the whole
        # run succeeded, with the other targets of the run (_pipeline_targets.py); the run
        # records it so, and start-up recovery marks a stopped run's staged rows failed.
        target_ref = staged_target(target_ref)
        refuse_protected_target(target_ref, base_dir)
        details = {**details, "target": describe(target_ref, base_dir)}
        refuse_secrets(details)
        refuse_expired(self._store, [details.get("source"), details["target"]])
        compiled = compiled or self._pipelines.compile(document)
        with service_errors(f"the target of pipeline {key!r}"):
            output = file_path(target_ref, base_dir)
        connectors = self._connectors
        columns = [field.name for field in document.target.fields]
        steps: list[tuple[StepCounts, ...]] = [()]
        run_key: list[str | None] = [None]
        # A reprocess writes a branch's file beside the original run's, never over it.
        reprocess_of = parent_key if trigger is RunTrigger.REPROCESS else None
        targets = RunTargets(
            output,
            store_connections(self._store),
            lambda: run_key[0],
            reprocess_of=reprocess_of,
            steps=compiled.all_steps(),
        )

        def open_sink(key: str) -> RecordSink:
            run_key[0] = key
            # An HTTP output is held back: posted only once the whole run succeeded.
            return targets.hold(
                connectors.open_sink(target_ref, base_dir=base_dir, columns=columns, run_key=key)
            )

        def keep(counts: tuple[StepCounts, ...]) -> None:
            steps[0] = counts

        def execute(items: Iterable[SourceItem], into: Any, **options: Any) -> RunOutcome:
            return targets.run(
                lambda **given: execute_pipeline(
                    compiled,
                    items,
                    targets.output(into),
                    on_steps=keep,
                    open_branch_sink=targets.open_branch,
                    join_branch=targets.join,
                    entry=entry,
                    **given,
                ),
                **options,
            )

        plan = RunPlan(
            document=document,
            compiled=None,
            mapping_version=document.version,
            open_source=open_source,
            open_sink=open_sink,
            trigger=trigger,
            details=details,
            schedule_key=schedule_key,
            parent_key=parent_key,
            timeout=timeout,
            total=total,
            retries=retries,
            execute=execute,
        )
        return self._begin(plan, document, steps, on_progress, on_finished, cancel_event)

    def _begin(
        self,
        plan: RunPlan,
        document: PipelineDocument,
        steps: list[tuple[StepCounts, ...]],
        on_progress: ProgressCallback | None,
        on_finished: FinishedCallback | None,
        cancel_event: threading.Event | None,
    ) -> RunHandle:
        events, runs = self._events, self._runs

        def progressed(progress: RunProgress) -> None:  # the run's worker or ticker thread
            if on_progress is not None:
                on_progress(progress)
            events.publish(RunProgressed(progress))

        def finished(result: RunResult) -> None:  # the run's worker thread
            try:
                if on_finished is not None:
                    on_finished(result)
            finally:
                events.publish(RunEnded(result, document.key, plan.trigger, plan.schedule_key))

        handle = RunHandle(
            _PipelineRunLog(runs, steps),
            plan,
            on_progress=progressed,
            on_finished=finished,
            cancel_event=cancel_event,
        )
        events.publish(
            RunStarted(handle.key, document.key, plan.trigger, plan.schedule_key, plan.parent_key)
        )
        return handle.begin()
