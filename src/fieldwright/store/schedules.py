"""Schedules (the scheduler's source of truth), the record of their executions, and the
lease that lets one process at a time fire them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import (
    RetryPolicy,
    ScheduleExecutionRecord,
    ScheduleRecord,
)
from fieldwright.store._util import check_key, clean
from fieldwright.store.errors import Conflict, NotFound
from fieldwright.store.models import (
    Mapping,
    Pipeline,
    Run,
    Schedule,
    ScheduleExecution,
    SchedulerLease,
)
from fieldwright.store.store import Store

__all__ = ["ExecutionAttempt", "LeaseHolder", "ScheduleRepository"]


class ExecutionAttempt(ScheduleExecutionRecord):
    """An execution with its link to the first attempt of the same fire time (retries)."""

    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    """Who holds (or last held) a scheduler lease, and until when."""

    name: str
    holder: str
    pid: int
    host: str
    acquired_at: datetime
    renewed_at: datetime
    expires_at: datetime


def _holder(row: SchedulerLease) -> LeaseHolder:
    return LeaseHolder(
        row.name, row.holder, row.pid, row.host, row.acquired_at, row.renewed_at, row.expires_at
    )


_E = TypeVar("_E", bound=ScheduleExecutionRecord)


def _execution(
    row: ScheduleExecution, schedule_key: str, run_key: str | None, kind: type[_E]
) -> _E:
    return kind(
        id=row.id,
        schedule_key=schedule_key,
        scheduled_at=row.scheduled_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        status=row.status,
        run_key=run_key,
        attempt=row.attempt,
        records_processed=row.records_processed,
        error_count=row.error_count,
        warning_count=row.warning_count,
        notes=row.notes,
    )


def _attempt(row: ScheduleExecution, schedule_key: str, run_key: str | None) -> ExecutionAttempt:
    attempt = _execution(row, schedule_key, run_key, ExecutionAttempt)
    return attempt.model_copy(update={"parent_id": row.parent_id})


#: What a schedule runs, by key: its mapping's or its pipeline's (revision 0008).
RUNS_KEY = func.coalesce(Mapping.key, Pipeline.key)


def _runs_key_is(key: str) -> ColumnElement[bool]:
    """The schedule runs the mapping or the pipeline `key` (both joined)."""
    return or_(Mapping.key == key, Pipeline.key == key)


def _schedules() -> Select[Schedule, str]:
    """Schedules with the key of what they run."""
    return (
        select(Schedule, RUNS_KEY)
        .outerjoin(Mapping, Schedule.mapping_id == Mapping.id)
        .outerjoin(Pipeline, Schedule.pipeline_id == Pipeline.id)
    )


def _record(row: Schedule, mapping_key: str) -> ScheduleRecord:
    return ScheduleRecord(
        key=row.key,
        name=row.name,
        mapping_key=mapping_key,
        pipeline=row.pipeline_id is not None,
        kind=row.kind,
        cron=row.cron_expression,
        interval_seconds=row.interval_seconds,
        fixed_times=[time.fromisoformat(value) for value in row.fixed_times or []],
        timezone=row.timezone,
        start_date=row.start_date,
        end_date=row.end_date,
        retry=RetryPolicy.model_validate(row.retry_policy),
        timeout_seconds=row.timeout_seconds,
        concurrent_runs=row.concurrent_runs,
        missed_run_policy=row.missed_run_policy,
        notify_on_failure=row.notify_on_failure,
        active=row.active,
        next_run_at=row.next_run_at,
        last_run_at=row.last_run_at,
        parameters=row.parameters,
    )


def _apply(row: Schedule, record: ScheduleRecord, runs: tuple[int | None, int | None]) -> None:
    row.name = clean(record.name)
    row.mapping_id, row.pipeline_id = runs
    row.kind = record.kind
    row.cron_expression = record.cron
    row.interval_seconds = record.interval_seconds
    row.fixed_times = [value.isoformat() for value in record.fixed_times] or None
    row.timezone = record.timezone
    row.start_date = record.start_date
    row.end_date = record.end_date
    row.retry_policy = record.retry.model_dump(mode="json")
    row.timeout_seconds = record.timeout_seconds
    row.concurrent_runs = record.concurrent_runs
    row.missed_run_policy = record.missed_run_policy
    row.notify_on_failure = record.notify_on_failure
    row.active = record.active
    row.next_run_at = record.next_run_at
    row.last_run_at = record.last_run_at
    row.parameters = clean(record.parameters)


class ScheduleRepository:
    """Create, read, update and delete schedules; find due ones; log executions."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _runs(self, session: Session, record: ScheduleRecord) -> tuple[int | None, int | None]:
        """The (mapping id, pipeline id) a schedule runs: one of them is set."""
        key = record.mapping_key
        if record.pipeline:
            pipeline_id = session.scalar(select(Pipeline.id).where(Pipeline.key == key))
            if pipeline_id is None:
                raise NotFound(f"schedule refers to pipeline {key!r}, which is not in the store")
            return None, pipeline_id
        mapping_id = session.scalar(select(Mapping.id).where(Mapping.key == key))
        if mapping_id is None:
            raise NotFound(f"schedule refers to mapping {key!r}, which is not in the store")
        return mapping_id, None

    def _row(self, session: Session, key: str) -> Schedule:
        row = session.scalar(select(Schedule).where(Schedule.key == key))
        if row is None:
            raise NotFound(f"there is no schedule {key!r} in {self._store.location}")
        return row

    def create(self, record: ScheduleRecord) -> ScheduleRecord:
        check_key(record.key, "schedule")
        with self._store.session(write=True) as session:
            if session.scalar(select(Schedule.id).where(Schedule.key == record.key)):
                raise Conflict(f"a schedule with key {record.key!r} already exists")
            row = Schedule(key=record.key)
            _apply(row, record, self._runs(session, record))
            session.add(row)
        return self.get(record.key)

    def update(self, record: ScheduleRecord) -> ScheduleRecord:
        with self._store.session(write=True) as session:
            row = self._row(session, record.key)
            _apply(row, record, self._runs(session, record))
        return self.get(record.key)

    def get(self, key: str) -> ScheduleRecord:
        with self._store.session() as session:
            found = session.execute(_schedules().where(Schedule.key == key)).first()
            if found is None:
                raise NotFound(f"there is no schedule {key!r} in {self._store.location}")
            return _record(found[0], found[1] or "")

    def list_schedules(
        self, *, mapping_key: str | None = None, active_only: bool = False
    ) -> list[ScheduleRecord]:
        """Schedules by next run time (never-planned ones last), then key."""
        query = _schedules()
        if mapping_key is not None:
            query = query.where(_runs_key_is(mapping_key))
        if active_only:
            query = query.where(Schedule.active.is_(True))
        query = query.order_by(Schedule.next_run_at.is_(None), Schedule.next_run_at, Schedule.key)
        with self._store.session() as session:
            return [_record(row, key) for row, key in session.execute(query)]

    def due(self, now: datetime) -> list[ScheduleRecord]:
        """Active schedules whose next run time has come (uses the next_run_at index)."""
        query = (
            _schedules()
            .where(Schedule.active.is_(True), Schedule.next_run_at <= now)
            .order_by(Schedule.next_run_at, Schedule.key)
        )
        with self._store.session() as session:
            return [_record(row, key) for row, key in session.execute(query)]

    def set_next_run(
        self, key: str, next_run_at: datetime | None, *, last_run_at: datetime | None = None
    ) -> None:
        with self._store.session(write=True) as session:
            row = self._row(session, key)
            row.next_run_at = next_run_at
            if last_run_at is not None:
                row.last_run_at = last_run_at

    def delete(self, key: str) -> None:
        with self._store.session(write=True) as session:
            session.delete(self._row(session, key))

    # -- executions -------------------------------------------------------------------------

    def record_execution(self, record: ScheduleExecutionRecord) -> ScheduleExecutionRecord:
        """Add an execution (no id) or update the one with `record.id`."""
        with self._store.session(write=True) as session:
            schedule = self._row(session, record.schedule_key)
            run_id = None
            if record.run_key is not None:
                run_id = session.scalar(select(Run.id).where(Run.key == record.run_key))
                if run_id is None:
                    raise NotFound(f"there is no run {record.run_key!r} in the store")
            if record.id is None:
                row = ScheduleExecution(schedule_id=schedule.id)
                session.add(row)
            else:
                found = session.get(ScheduleExecution, record.id)
                if found is None or found.schedule_id != schedule.id:
                    raise NotFound(f"schedule {record.schedule_key!r} has no execution {record.id}")
                row = found
            row.run_id = run_id
            row.scheduled_at = record.scheduled_at
            row.started_at = record.started_at
            row.ended_at = record.ended_at
            row.status = record.status
            row.attempt = record.attempt
            row.records_processed = record.records_processed
            row.error_count = record.error_count
            row.warning_count = record.warning_count
            row.notes = clean(record.notes)
            if isinstance(record, ExecutionAttempt):
                row.parent_id = record.parent_id
            session.flush()
            return record.model_copy(update={"id": row.id})

    def executions(
        self,
        schedule_key: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[ScheduleExecutionRecord]:
        """Executions of a schedule, latest scheduled time first (for the calendar)."""
        with self._store.session() as session:
            schedule = self._row(session, schedule_key)
            query = (
                select(ScheduleExecution, Run.key)
                .outerjoin(Run, ScheduleExecution.run_id == Run.id)
                .where(ScheduleExecution.schedule_id == schedule.id)
            )
            if since is not None:
                query = query.where(ScheduleExecution.scheduled_at >= since)
            if until is not None:
                query = query.where(ScheduleExecution.scheduled_at < until)
            query = query.order_by(
                ScheduleExecution.scheduled_at.desc(), ScheduleExecution.id.desc()
            ).limit(limit)
            return [
                _execution(row, schedule_key, run_key, ScheduleExecutionRecord)
                for row, run_key in session.execute(query)
            ]

    # -- for the scheduler --------------------------------------------------------------

    def unplanned(self) -> list[ScheduleRecord]:
        """Active schedules without a next run time (new, edited, or never able to fire)."""
        query = (
            _schedules()
            .where(Schedule.active.is_(True), Schedule.next_run_at.is_(None))
            .order_by(Schedule.key)
        )
        with self._store.session() as session:
            return [_record(row, key) for row, key in session.execute(query)]

    def plan(self, next_runs: dict[str, datetime]) -> int:
        """Set the first next run time of unplanned schedules, in one transaction; schedules
        planned meanwhile (next_run_at no longer empty) are left alone. Returns how many."""
        if not next_runs:
            return 0
        with self._store.session(write=True) as session:
            rows = session.scalars(
                select(Schedule).where(
                    Schedule.key.in_(list(next_runs)), Schedule.next_run_at.is_(None)
                )
            ).all()
            for row in rows:
                row.next_run_at = next_runs[row.key]
            return len(rows)

    def advance(
        self,
        key: str,
        *,
        expected_next_run_at: datetime | None,
        next_run_at: datetime | None,
        last_run_at: datetime | None,
        executions: Sequence[ScheduleExecutionRecord] = (),
    ) -> list[ExecutionAttempt] | None:
        """Move a schedule to its next run time and add the executions of the fire times it
        passed, in one transaction; a compare-and-set on next_run_at.

        Returns the added executions (with ids), or None when the schedule's next run time is
        no longer `expected_next_run_at` (someone else advanced or edited it): nothing written.
        """
        with self._store.session(write=True) as session:
            row = self._row(session, key)
            if row.next_run_at != expected_next_run_at:
                return None
            row.next_run_at = next_run_at
            if last_run_at is not None:
                row.last_run_at = last_run_at
            added = []
            for record in executions:
                execution = ScheduleExecution(
                    schedule_id=row.id,
                    scheduled_at=record.scheduled_at,
                    started_at=record.started_at,
                    ended_at=record.ended_at,
                    status=record.status,
                    attempt=record.attempt,
                    records_processed=0,
                    error_count=0,
                    warning_count=0,
                    notes=clean(record.notes),
                    parent_id=getattr(record, "parent_id", None),
                )
                session.add(execution)
                added.append(execution)
            session.flush()
            return [_attempt(execution, key, None) for execution in added]

    def executions_between(
        self,
        since: datetime | None,
        until: datetime | None,
        *,
        schedule_keys: Collection[str] | None = None,
        statuses: Collection[RunStatus] | None = None,
        limit: int | None = None,
    ) -> list[ExecutionAttempt]:
        """Executions scheduled in [since, until) of all (or some) schedules, oldest first:
        the calendar's past runs, and the scheduler's due and running executions."""
        query = (
            select(ScheduleExecution, Schedule.key, Run.key)
            .join(Schedule, ScheduleExecution.schedule_id == Schedule.id)
            .outerjoin(Run, ScheduleExecution.run_id == Run.id)
        )
        if since is not None:
            query = query.where(ScheduleExecution.scheduled_at >= since)
        if until is not None:
            query = query.where(ScheduleExecution.scheduled_at < until)
        if schedule_keys is not None:
            query = query.where(Schedule.key.in_(list(schedule_keys)))
        if statuses is not None:
            query = query.where(ScheduleExecution.status.in_(list(statuses)))
        query = query.order_by(ScheduleExecution.scheduled_at, ScheduleExecution.id)
        if limit is not None:
            query = query.limit(limit)
        with self._store.session() as session:
            return [_attempt(row, key, run_key) for row, key, run_key in session.execute(query)]

    def calendar_executions(
        self,
        since: datetime,
        until: datetime,
        *,
        mapping_key: str | None = None,
        limit: int | None = None,
    ) -> list[ScheduleExecutionRecord]:
        """Executions scheduled in [since, until) of all schedules (or one mapping's),
        oldest first, with what the calendar shows: read as plain columns, not ORM rows,
        as a month of a busy store has thousands."""
        query = (
            select(
                ScheduleExecution.id,
                Schedule.key,
                ScheduleExecution.scheduled_at,
                ScheduleExecution.started_at,
                ScheduleExecution.ended_at,
                ScheduleExecution.status,
                Run.key,
                ScheduleExecution.attempt,
                ScheduleExecution.records_processed,
                ScheduleExecution.error_count,
                ScheduleExecution.notes,
            )
            .join(Schedule, ScheduleExecution.schedule_id == Schedule.id)
            .outerjoin(Run, ScheduleExecution.run_id == Run.id)
            .where(ScheduleExecution.scheduled_at >= since, ScheduleExecution.scheduled_at < until)
        )
        if mapping_key is not None:
            query = (
                query.outerjoin(Mapping, Schedule.mapping_id == Mapping.id)
                .outerjoin(Pipeline, Schedule.pipeline_id == Pipeline.id)
                .where(_runs_key_is(mapping_key))
            )
        query = query.order_by(ScheduleExecution.scheduled_at, ScheduleExecution.id)
        if limit is not None:
            query = query.limit(limit)
        with self._store.session() as session:
            return [
                ScheduleExecutionRecord(
                    id=row[0],
                    schedule_key=row[1],
                    scheduled_at=row[2],
                    started_at=row[3],
                    ended_at=row[4],
                    status=row[5],
                    run_key=row[6],
                    attempt=row[7],
                    records_processed=row[8],
                    error_count=row[9],
                    notes=row[10],
                )
                for row in session.execute(query)
            ]

    def execution(self, execution_id: int) -> ExecutionAttempt:
        """One execution by id."""
        query = (
            select(ScheduleExecution, Schedule.key, Run.key)
            .join(Schedule, ScheduleExecution.schedule_id == Schedule.id)
            .outerjoin(Run, ScheduleExecution.run_id == Run.id)
            .where(ScheduleExecution.id == execution_id)
        )
        with self._store.session() as session:
            found = session.execute(query).first()
            if found is None:
                raise NotFound(f"there is no schedule execution {execution_id}")
            return _attempt(found[0], found[1], found[2])

    # -- the lease ------------------------------------------------------------------------

    def take_lease(
        self,
        name: str,
        *,
        holder: str,
        pid: int,
        host: str,
        now: datetime,
        expires_at: datetime,
        force: bool = False,
    ) -> LeaseHolder:
        """Take or renew the lease `name` for `holder` when it is free, expired, already
        ours, or `force` is set; return whoever holds it afterwards (compare with `holder`)."""
        with self._store.session(write=True) as session:
            row = session.get(SchedulerLease, name, with_for_update=True)
            if row is None:
                row = SchedulerLease(name=name, acquired_at=now)
                session.add(row)
            elif row.holder != holder and row.expires_at > now and not force:
                return _holder(row)
            elif row.holder != holder:
                row.acquired_at = now
            row.holder, row.pid, row.host = holder, pid, host
            row.renewed_at, row.expires_at = now, expires_at
            session.flush()
            return _holder(row)

    def lease(self, name: str) -> LeaseHolder | None:
        with self._store.session() as session:
            row = session.get(SchedulerLease, name)
            return None if row is None else _holder(row)

    def release_lease(self, name: str, *, holder: str) -> bool:
        """Give the lease up if `holder` holds it; True when it did."""
        with self._store.session(write=True) as session:
            row = session.get(SchedulerLease, name, with_for_update=True)
            if row is None or row.holder != holder:
                return False
            session.delete(row)
            return True
