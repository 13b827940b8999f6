"""Schedules (the scheduler's source of truth) and the record of their executions."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldwright.domain.store_models import (
    RetryPolicy,
    ScheduleExecutionRecord,
    ScheduleRecord,
)
from fieldwright.store._util import check_key, clean
from fieldwright.store.errors import Conflict, NotFound
from fieldwright.store.models import Mapping, Run, Schedule, ScheduleExecution
from fieldwright.store.store import Store

__all__ = ["ScheduleRepository"]


def _record(row: Schedule, mapping_key: str) -> ScheduleRecord:
    return ScheduleRecord(
        key=row.key,
        name=row.name,
        mapping_key=mapping_key,
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


def _apply(row: Schedule, record: ScheduleRecord, mapping_id: int) -> None:
    row.name = clean(record.name)
    row.mapping_id = mapping_id
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

    def _mapping_id(self, session: Session, key: str) -> int:
        mapping_id = session.scalar(select(Mapping.id).where(Mapping.key == key))
        if mapping_id is None:
            raise NotFound(f"schedule refers to mapping {key!r}, which is not in the store")
        return mapping_id

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
            _apply(row, record, self._mapping_id(session, record.mapping_key))
            session.add(row)
        return self.get(record.key)

    def update(self, record: ScheduleRecord) -> ScheduleRecord:
        with self._store.session(write=True) as session:
            row = self._row(session, record.key)
            _apply(row, record, self._mapping_id(session, record.mapping_key))
        return self.get(record.key)

    def get(self, key: str) -> ScheduleRecord:
        with self._store.session() as session:
            row = self._row(session, key)
            mapping_key = session.scalar(select(Mapping.key).where(Mapping.id == row.mapping_id))
            return _record(row, mapping_key or "")

    def list_schedules(
        self, *, mapping_key: str | None = None, active_only: bool = False
    ) -> list[ScheduleRecord]:
        """Schedules by next run time (never-planned ones last), then key."""
        query = select(Schedule, Mapping.key).join(Mapping, Schedule.mapping_id == Mapping.id)
        if mapping_key is not None:
            query = query.where(Mapping.key == mapping_key)
        if active_only:
            query = query.where(Schedule.active.is_(True))
        query = query.order_by(Schedule.next_run_at.is_(None), Schedule.next_run_at, Schedule.key)
        with self._store.session() as session:
            return [_record(row, key) for row, key in session.execute(query)]

    def due(self, now: datetime) -> list[ScheduleRecord]:
        """Active schedules whose next run time has come (uses the next_run_at index)."""
        query = (
            select(Schedule, Mapping.key)
            .join(Mapping, Schedule.mapping_id == Mapping.id)
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
                ScheduleExecutionRecord(
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
                for row, run_key in session.execute(query)
            ]
