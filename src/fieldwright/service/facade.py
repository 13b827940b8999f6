"""The façade the desktop app and the command line call: mappings, runs, schedules.

Qt-free and small. Open it on a database, use it, close it::

    with Service.open("sqlite:///fieldwright.db", user="alice") as service:
        document = service.open_mapping("mapping_QBT_WFN_ACME_20250724")
        handle = service.start_run(document.key, on_progress=print)
        handle.wait().raise_for_status()

Every error is a `ServiceError` (see `fieldwright.service.errors`), wrapped at
this boundary with ``raise … from exc``.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from fieldwright.domain import ConnectorRef, MappingDocument
from fieldwright.domain.runs import RunTrigger
from fieldwright.domain.store_models import (
    DeadLetterPage,
    DeadLetterRecord,
    MappingDiff,
    MappingSummary,
    MappingVersionInfo,
    RunPage,
    ScheduleExecutionRecord,
    ScheduleRecord,
)
from fieldwright.scheduler import InvalidSchedule, fire_times
from fieldwright.service._boundary import service_errors
from fieldwright.service._connectors import Connectors, StandardConnectors
from fieldwright.service._recovery import fail_interrupted_runs
from fieldwright.service.connections import Connections
from fieldwright.service.endpoints import anchor_paths
from fieldwright.service.errors import InvalidRequest, ServiceError
from fieldwright.service.events import ServiceEvents
from fieldwright.service.monitoring_models import (
    ErrorPattern,
    HealthCheck,
    MonitoringSummary,
    ScheduleSla,
    Window,
)
from fieldwright.service.runs import (
    FinishedCallback,
    ProgressCallback,
    RunDetail,
    RunFilter,
    RunHandle,
    RunResult,
    Runs,
)
from fieldwright.store import MappingRepository, RunRepository, ScheduleRepository, Store
from fieldwright.store.errors import StoreError

if TYPE_CHECKING:
    from fieldwright.service.approvals import Approvals
    from fieldwright.service.integration_models import (
        IntegrationFilter,
        IntegrationKind,
        IntegrationOverview,
    )
    from fieldwright.service.stored_pipelines import StoredPipelines
    from fieldwright.service.templates import Templates
    from fieldwright.service.transformations import StoredTransformations

__all__ = ["Connectors", "Service", "StandardConnectors"]

log = logging.getLogger(__name__)


class Service:
    """One open store and everything the GUI and the CLI do with it."""

    def __init__(self, store: Store, *, connectors: Connectors | None = None) -> None:
        self._store = store
        self._mappings = MappingRepository(store)
        self._schedules = ScheduleRepository(store)
        self._events = ServiceEvents()
        self._runs = Runs(store, connectors or StandardConnectors(), self._events)
        self._connections = Connections(store)
        self._handles: list[RunHandle] = []
        self._lock = threading.Lock()
        #: Runs found "running" on open whose process had stopped, now logged failed.
        self.interrupted_runs: tuple[str, ...] = ()

    # The stores of templates, approvals, pipelines and transformations, and what monitoring
    # and the integration hub read, are imported on first use: a run (`fieldwright run KEY`)
    # needs none of them, and their modules and models cost start-up (issue 18).

    @cached_property
    def _templates(self) -> Templates:
        from fieldwright.service.templates import Templates

        return Templates(self._store)

    @cached_property
    def _approvals(self) -> Approvals:
        from fieldwright.service.approvals import Approvals

        return Approvals(self._store)

    @cached_property
    def _pipelines(self) -> StoredPipelines:
        from fieldwright.service.stored_pipelines import StoredPipelines

        return StoredPipelines(self._store)

    @cached_property
    def _transformations(self) -> StoredTransformations:
        from fieldwright.service.transformations import StoredTransformations

        return StoredTransformations(self._store)

    @classmethod
    def open(
        cls,
        database_url: str | None = None,
        *,
        user: str | None = None,
        connectors: Connectors | None = None,
    ) -> Service:
        """Open (creating or migrating) the store, and fail runs a killed process left behind.

        `database_url` defaults to FIELDWRIGHT_DATABASE_URL, else the SQLite file in
        the user data directory. `connectors` opens run sources and sinks (files by default).
        """
        with service_errors():
            store = Store.open(database_url, user=user)
        service = cls(store, connectors=connectors)
        try:
            with service_errors("checking for interrupted runs"):
                service.interrupted_runs = tuple(fail_interrupted_runs(RunRepository(store)))
        except BaseException:
            store.close()
            raise
        return service

    @property
    def user(self) -> str:
        return self._store.user

    @property
    def location(self) -> str:
        """Where the store is, for a status bar (never shows a password)."""
        return str(self._store.location)

    def settle_stopped_runs(self) -> tuple[str, ...]:
        """Settle runs still logged running whose process is gone, or whose worker in
        this process ended without logging it (the store was unreachable as it ended):
        failed, or completed when their file output was committed. Their keys."""
        with service_errors("checking for runs left running"):
            return tuple(fail_interrupted_runs(RunRepository(self._store)))

    def close(self, *, wait: float = 10.0) -> None:
        """Cancel the runs still going on (waiting up to `wait` s for them), close the store."""
        with self._lock:
            handles, self._handles = self._handles, []
        for handle in handles:
            handle.cancel()
        for handle in handles:
            if handle.wait(wait) is None:
                log.warning("run %s did not stop within %g s", handle.key, wait)
        self._store.close()

    def __enter__(self) -> Service:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- mappings ---------------------------------------------------------------------------

    def list_mappings(self, search: str | None = None) -> list[MappingSummary]:
        """Stored mappings, most recently changed first; `search` matches key or name."""
        with service_errors("listing mappings"):
            return self._mappings.list_mappings(search=search)

    def open_mapping(self, key: str, version: int | None = None) -> MappingDocument:
        """A stored mapping's document (default: its latest version)."""
        with service_errors():
            return self._mappings.load_mapping(key, version)

    def save_mapping(
        self,
        document: MappingDocument,
        base_version: int | None,
        *,
        comment: str = "",
        base_dir: str | Path | None = None,
    ) -> MappingVersionInfo:
        """Save a new version; `base_version` is the version the editor started from
        (None for a new mapping). A stale base raises SaveConflict naming who saved when.

        With `base_dir` (the folder of the file it was opened from), relative file paths
        of its connectors are stored absolute, taken from there: the stored mapping then
        runs from any folder. Without it they are stored as they are."""
        if base_dir is not None:
            document = anchor_paths(document, Path(base_dir))
        with service_errors(f"saving mapping {document.key!r}"):
            return self._mappings.save_mapping(document, base_version=base_version, comment=comment)

    def history(self, key: str) -> list[MappingVersionInfo]:
        """Every saved version, newest first."""
        with service_errors():
            return self._mappings.history(key)

    def diff(self, key: str, a: int, b: int | None = None) -> MappingDiff:
        """Field-level changes from version `a` to version `b` (default: the latest)."""
        with service_errors():
            return self._mappings.diff(key, a, b)

    def restore(self, key: str, version: int, base_version: int) -> MappingVersionInfo:
        """Save old `version` again as the newest; `base_version` guards against lost edits."""
        with service_errors(f"restoring version {version} of {key!r}"):
            return self._mappings.restore_version(key, version, base_version=base_version)

    # -- runs -------------------------------------------------------------------------------

    def _track(self, handle: RunHandle) -> RunHandle:
        with self._lock:
            self._handles = [h for h in self._handles if not h.done] + [handle]
        return handle

    def start_run(
        self,
        mapping: str | MappingDocument,
        *,
        source: ConnectorRef | None = None,
        target: ConnectorRef | None = None,
        trigger: RunTrigger = RunTrigger.MANUAL,
        base_dir: str | Path | None = None,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        on_finished: FinishedCallback | None = None,
        pipeline: bool = False,
        engine: str = "auto",
    ) -> RunHandle:
        """Run a stored mapping (by key, its latest version) or a document, in a worker thread;
        a key that names no stored mapping but a stored pipeline runs the pipeline, as does
        any key with `pipeline` set.

        `source`/`target` override the document's connectors; relative file paths are
        taken from `base_dir` (the document's folder), else the working directory.
        Callbacks come from worker threads: progress at least every half second.
        `engine` is "auto" (the columnar engine for a large NDJSON or CSV file, or any Parquet
        file, whose mapping lowers), "rows" or "polars" (InvalidRequest when it cannot run):
        service/engines.py.
        """
        return self._track(
            self._runs.start_run(
                mapping,
                source=source,
                target=target,
                trigger=trigger,
                base_dir=Path(base_dir) if base_dir is not None else None,
                timeout=timeout,
                on_progress=on_progress,
                on_finished=on_finished,
                pipeline=pipeline,
                engine=engine,
            )
        )

    def reprocess(
        self,
        run_key: str,
        *,
        target: ConnectorRef | None = None,
        on_progress: ProgressCallback | None = None,
        on_finished: FinishedCallback | None = None,
    ) -> RunHandle:
        """Run the dead letters of a run again through the mapping's current version."""
        return self._track(
            self._runs.reprocess(
                run_key, target=target, on_progress=on_progress, on_finished=on_finished
            )
        )

    def reprocess_blocker(self, run_key: str) -> str | None:
        """Why `reprocess(run_key)` cannot work now (no dead letter with an input, the
        mapping not in the store, the target gone), in words; None when it can."""
        problem = self._runs.reprocess_blocker(run_key)
        if problem is not None:
            return problem
        target = self._runs.run_detail(run_key).details.get("target")
        name = target.get("connection") if isinstance(target, dict) else None
        if isinstance(name, str):
            try:
                self._connections.get(name)
            except ServiceError:
                return f"its target connection {name!r} is no longer saved"
        return None

    def list_runs(
        self, filters: RunFilter | None = None, page: str | None = None, *, limit: int = 100
    ) -> RunPage:
        """A page of the batch processing log, newest first."""
        return self._runs.list_runs(filters, page, limit=limit)

    def run_detail(self, key: str) -> RunDetail:
        return self._runs.run_detail(key)

    def dead_letters(
        self, run_key: str, page: int | None = None, *, limit: int = 100
    ) -> DeadLetterPage:
        return self._runs.dead_letters(run_key, page, limit=limit)

    def export_dead_letters(self, run_key: str, path: str | Path) -> int:
        """Write a run's dead letters to an NDJSON file; returns how many."""
        return self._runs.export_dead_letters(run_key, path)

    @property
    def connections(self) -> Connections:
        """Saved connections: list, save (secrets to the keyring), delete, test."""
        return self._connections

    @property
    def templates(self) -> Templates:
        """The template library: list, instantiate, customisations, upgrade, import, export."""
        return self._templates

    @property
    def pipelines(self) -> StoredPipelines:
        """Stored pipelines: save, open, history, diff, restore, delete (issue 19); run
        one with `start_run(KEY)` like a mapping."""
        return self._pipelines

    @property
    def transformations(self) -> StoredTransformations:
        """Stored transformations, the named reusable chains (issue 19, item 5): list, save,
        history, diff, test, import, export, and use in or publish from a mapping."""
        return self._transformations

    @property
    def approvals(self) -> Approvals:
        """Lifecycles of mapping versions: review, sign-offs, activation, the audit trail,
        and the store's `require_approval` setting (issue 20)."""
        return self._approvals

    @property
    def events(self) -> ServiceEvents:
        """Runs starting, progressing and ending, and this process's schedule fires, as
        they happen: `events.subscribe(listener)` (called on worker threads)."""
        return self._events

    @property
    def runs(self) -> Runs:
        """The run machinery, for the scheduler's runner and `serve`."""
        return self._runs

    # -- schedules --------------------------------------------------------------------------

    def create_schedule(self, schedule: ScheduleRecord) -> ScheduleRecord:
        with service_errors(f"creating schedule {schedule.key!r}"):
            return self._schedules.create(schedule)

    def update_schedule(self, schedule: ScheduleRecord) -> ScheduleRecord:
        with service_errors(f"updating schedule {schedule.key!r}"):
            return self._schedules.update(schedule)

    def set_schedule_active(self, key: str, active: bool) -> ScheduleRecord:
        """Pause (False) or resume (True) a schedule.

        A resumed schedule is planned afresh from now (``next_run_at`` cleared): the fire
        times it skipped while paused were paused, not missed, so the missed-run policy
        does not replay them.
        """
        with service_errors(f"changing schedule {key!r}"):
            record = self._schedules.get(key)
            change: dict[str, object] = {"active": active}
            if active and not record.active:
                change["next_run_at"] = None
            return self._schedules.update(record.model_copy(update=change))

    def get_schedule(self, key: str) -> ScheduleRecord:
        with service_errors(f"reading schedule {key!r}"):
            return self._schedules.get(key)

    def delete_schedule(self, key: str) -> None:
        with service_errors(f"deleting schedule {key!r}"):
            self._schedules.delete(key)

    def list_schedules(self, mapping_key: str | None = None) -> list[ScheduleRecord]:
        with service_errors("listing schedules"):
            return self._schedules.list_schedules(mapping_key=mapping_key)

    def fire_times(
        self, start: datetime, end: datetime, mapping_key: str | None = None
    ) -> list[tuple[ScheduleRecord, datetime]]:
        """When each active schedule fires in [start, end), by time then key (the calendar)."""
        if end <= start:
            raise InvalidRequest("the end of the period must be after its start")
        schedules = {schedule.key: schedule for schedule in self.list_schedules(mapping_key)}
        try:
            planned = fire_times(schedules.values(), start, end)
        except InvalidSchedule as exc:
            raise InvalidRequest(f"{exc}; fix the schedule in the schedule editor") from exc
        return [(schedules[key], when) for key, when in planned]

    def schedule_executions(
        self,
        start: datetime,
        end: datetime,
        mapping_key: str | None = None,
        *,
        limit: int = 20_000,
    ) -> list[ScheduleExecutionRecord]:
        """Executions scheduled in [start, end) (of one mapping's schedules), oldest first:
        the calendar's past runs, coloured by their status."""
        if end <= start:
            raise InvalidRequest("the end of the period must be after its start")
        with service_errors("listing schedule executions"):
            return self._schedules.calendar_executions(
                start, end, mapping_key=mapping_key, limit=limit
            )

    def run_schedule_now(
        self,
        key: str,
        *,
        on_progress: ProgressCallback | None = None,
        on_finished: FinishedCallback | None = None,
    ) -> RunHandle:
        """Run a schedule's mapping now, by hand, as the schedule would (its source,
        target and base folder parameters, and its active version when the store
        requires approval: else an InvalidRequest, "no approved active version"); the
        run is linked to the schedule, and recorded as one
        of its executions when it ends (so the calendar shows it where it ran)."""
        from fieldwright.service.scheduling import schedule_endpoints, version_to_run

        with service_errors(f"reading schedule {key!r}"):
            schedule = self._schedules.get(key)
        # As the schedule would: its active version when approval is required.
        version = version_to_run(self._approvals, schedule)
        source, target, base_dir = schedule_endpoints(schedule)
        asked = datetime.now(UTC)

        def finished(result: RunResult) -> None:  # in the run's worker thread
            try:
                self._schedules.record_execution(
                    ScheduleExecutionRecord(
                        schedule_key=schedule.key,
                        scheduled_at=asked,
                        started_at=asked,
                        ended_at=datetime.now(UTC),
                        status=result.status,
                        run_key=result.key,
                        records_processed=result.counts.read,
                        error_count=result.counts.failed,
                        notes=f"run now by {self.user}",
                    )
                )
            except StoreError as exc:  # the run itself is logged either way (a deleted schedule)
                log.warning("could not record run %s on schedule %s: %s", result.key, key, exc)
            if on_finished is not None:
                on_finished(result)

        return self._track(
            self._runs.start_run(
                schedule.mapping_key,
                source=source,
                target=target,
                trigger=RunTrigger.MANUAL,
                base_dir=base_dir,
                timeout=float(schedule.timeout_seconds),
                schedule_key=schedule.key,
                on_progress=on_progress,
                on_finished=finished,
                version=version,
                pipeline=schedule.pipeline,
            )
        )

    # -- monitoring -------------------------------------------------------------------------

    def monitoring(
        self, window: Window | str = Window.DAY, *, mapping_key: str | None = None
    ) -> MonitoringSummary:
        """Health over the last 24h, 7d or 30d: per integration and overall, schedules'
        SLAs, error patterns, and the health checks (stuck files, staging rows)."""
        from fieldwright.service.monitoring import monitoring_summary, parse_window

        try:
            chosen = parse_window(window) if isinstance(window, str) else window
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from exc
        with service_errors("computing the monitoring summary"):
            return monitoring_summary(
                self._store, chosen, mapping_key=mapping_key, checks=self._health_checks
            )

    def _health_checks(self) -> list[HealthCheck]:
        from fieldwright.service.health import health_checks

        return health_checks(self._store, self.list_schedules())

    def pattern_letters(
        self, summary: MonitoringSummary, pattern: ErrorPattern, *, limit: int = 200
    ) -> list[DeadLetterRecord]:
        """The latest dead letters of one of `summary`'s error patterns, newest first."""
        from fieldwright.service.monitoring import pattern_letters

        with service_errors("reading the dead letters of an error pattern"):
            return pattern_letters(self._store, summary, pattern, limit)

    def schedule_sla(self, key: str) -> ScheduleSla:
        """A schedule's service levels (None where not set)."""
        from fieldwright.service.monitoring import get_sla

        with service_errors(f"reading the SLA of schedule {key!r}"):
            return get_sla(self._store, key)

    def set_schedule_sla(self, key: str, sla: ScheduleSla) -> ScheduleSla:
        """Set a schedule's service levels (None clears one)."""
        from fieldwright.service.monitoring import set_sla

        with service_errors(f"setting the SLA of schedule {key!r}"):
            return set_sla(self._store, key, sla)

    # -- the integration hub ----------------------------------------------------------------

    def integrations(
        self,
        selection: IntegrationFilter | None = None,
        *,
        window: Window | str = Window.WEEK,
    ) -> IntegrationOverview:
        """Every integration (a client's source system → target system) with its mappings,
        pipelines, schedules, connections, lifecycle states and health over `window`,
        filtered by `selection` (search words, client, system, state, health)."""
        from fieldwright.service.integrations import integration_overview
        from fieldwright.service.monitoring import parse_window

        try:
            chosen = parse_window(window) if isinstance(window, str) else window
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from exc
        with service_errors("listing the integrations"):
            return integration_overview(self._store, chosen, selection)

    def integration_kinds(self) -> list[IntegrationKind]:
        """The registry of integration kinds, each with the saved connections to it (on its
        hosts, named by a mapping of that system, or of a generic kind's connector)."""
        from fieldwright.service.integrations import (
            connections_by_system,
            integration_kinds,
            kinds_with_connections,
        )

        with service_errors("reading the registry of integration kinds"):
            return kinds_with_connections(
                integration_kinds(), self._connections.list(), connections_by_system(self._store)
            )
