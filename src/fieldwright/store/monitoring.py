"""The monitoring dashboard's queries: every figure a GROUP BY over a window, never all rows.

Windows are half-open, ``since <= t < until`` (UTC). Runs are counted by their start,
schedule executions by their fire time, dead letters by when they failed. The indexes
that keep these fast at 100k runs and 1M dead letters are in revision 0005.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from fieldwright.domain.runs import RunStatus
from fieldwright.store.errors import InvalidRecord, NotFound
from fieldwright.store.models import Mapping, Pipeline, Run, Schedule, ScheduleExecution
from fieldwright.store.monitoring_letters import (
    DeadLetterQueries,
    ErrorDay,
    ErrorPatternRow,
    _check_window,
    _day,
    _utc,
)
from fieldwright.store.schedules import RUNS_KEY
from fieldwright.store.types import UTCDateTime

__all__ = [
    "DEFAULT_LATE_AFTER",
    "DayStatus",
    "ErrorDay",
    "ErrorPatternRow",
    "MappingActivity",
    "MonitoringRepository",
    "ScheduleActivity",
    "ScheduleSla",
]

#: Before every run: the "latest completed run" of a mapping that never completed one.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: A start later than this after its fire time is late, unless the schedule says otherwise.
DEFAULT_LATE_AFTER = 300


@dataclass(frozen=True, slots=True)
class ScheduleSla:
    """A schedule's service levels; None: not set."""

    expected_seconds: int | None = None
    #: "HH:MM" in the schedule's timezone.
    latest_finish: str | None = None
    late_after_seconds: int | None = None
    failures_alert: int | None = None


@dataclass(frozen=True, slots=True)
class MappingActivity:
    """A mapping's runs started in the window."""

    mapping_key: str
    runs: dict[RunStatus, int]
    records_read: int
    records_written: int
    records_failed: int
    #: Seconds spent by the runs that ended, and how many ended.
    busy_seconds: float
    finished_runs: int
    longest_seconds: float
    last_started_at: datetime | None


@dataclass(frozen=True, slots=True)
class DayStatus:
    day: date
    status: RunStatus
    runs: int


@dataclass(frozen=True, slots=True)
class ScheduleActivity:
    """A schedule's fire times in the window and how its runs kept its service levels."""

    schedule_key: str
    name: str
    mapping_key: str
    timezone: str
    active: bool
    sla: ScheduleSla
    executions: int
    missed: int
    late: int
    worst_delay_seconds: float
    runs: int
    over_expected: int
    longest_seconds: float
    #: The day's last run end per UTC day (for the latest-finish check in the schedule's zone).
    last_end_by_day: dict[date, datetime]


class MonitoringRepository(DeadLetterQueries):
    """Aggregates of runs, schedule executions and dead letters over a window (the dead
    letters' queries are `DeadLetterQueries`, monitoring_letters.py)."""

    # -- runs -------------------------------------------------------------------------------

    def activity(
        self, since: datetime, until: datetime, *, mapping_key: str | None = None
    ) -> tuple[list[MappingActivity], list[DayStatus]]:
        """Per mapping (runs by status, record counts, time spent) and per UTC day and status,
        from one scan of the window's runs (index ix_runs_started_at_activity covers it)."""
        _check_window(since, until)
        seconds = self._seconds(Run.ended_at, Run.started_at)
        day = self._date(Run.started_at).label("day")
        query = (
            select(
                Run.mapping_key,
                Run.status,
                day,
                func.count(Run.id),
                func.coalesce(func.sum(Run.records_read), 0),
                func.coalesce(func.sum(Run.records_written), 0),
                func.coalesce(func.sum(Run.records_failed), 0),
                func.coalesce(func.sum(seconds), 0.0),
                func.count(Run.ended_at),
                func.coalesce(func.max(seconds), 0.0),
                func.max(Run.started_at),
            )
            .where(Run.started_at >= since, Run.started_at < until)
            .group_by(day, Run.mapping_key, Run.status)  # this order: the covering index
        )
        if mapping_key is not None:
            query = query.where(Run.mapping_key == mapping_key)
        merged: dict[str, dict[str, Any]] = {}
        days: dict[tuple[date, RunStatus], int] = {}
        with self._store.session() as session:
            rows = session.execute(query).all()
        for key, status, value, runs, read, written, failed, busy, ended, longest, last in rows:
            entry = merged.setdefault(
                key,
                {
                    "runs": {},
                    "read": 0,
                    "written": 0,
                    "failed": 0,
                    "busy": 0.0,
                    "ended": 0,
                    "longest": 0.0,
                    "last": None,
                },
            )
            state = RunStatus(status)
            entry["runs"][state] = entry["runs"].get(state, 0) + int(runs)
            days[(_day(value), state)] = days.get((_day(value), state), 0) + int(runs)
            entry["read"] += int(read)
            entry["written"] += int(written)
            entry["failed"] += int(failed)
            entry["busy"] += float(busy)
            entry["ended"] += int(ended)
            entry["longest"] = max(entry["longest"], float(longest))
            stamp = _utc(last) if last is not None else None
            if stamp is not None and (entry["last"] is None or stamp > entry["last"]):
                entry["last"] = stamp
        activities = [
            MappingActivity(
                mapping_key=key,
                runs=entry["runs"],
                records_read=entry["read"],
                records_written=entry["written"],
                records_failed=entry["failed"],
                busy_seconds=entry["busy"],
                finished_runs=entry["ended"],
                longest_seconds=entry["longest"],
                last_started_at=entry["last"],
            )
            for key, entry in sorted(merged.items())
        ]
        by_day = [DayStatus(d, state, n) for (d, state), n in sorted(days.items())]
        return activities, by_day

    def mapping_activity(
        self, since: datetime, until: datetime, *, mapping_key: str | None = None
    ) -> list[MappingActivity]:
        """Per mapping: runs by status, record counts, time spent; by mapping key."""
        return self.activity(since, until, mapping_key=mapping_key)[0]

    def runs_by_day(
        self, since: datetime, until: datetime, *, mapping_key: str | None = None
    ) -> list[DayStatus]:
        """Runs started per UTC day and status, oldest day first."""
        return self.activity(since, until, mapping_key=mapping_key)[1]

    def consecutive_failures(self, mapping_keys: list[str] | None = None) -> dict[str, int]:
        """Per mapping, its failed runs since its latest completed run (latest first); only
        mappings with at least one such failure.

        With `mapping_keys`, two index lookups per mapping (ix_runs_mapping_key_status_started_at)
        in one statement; without, one pass over every failed run."""
        if mapping_keys is not None:
            return self._failures_of(sorted(set(mapping_keys)))
        completed = aliased(Run)
        last_ok = (
            select(func.max(completed.started_at))
            .where(
                completed.mapping_key == Run.mapping_key,
                completed.status == RunStatus.COMPLETED,
            )
            .scalar_subquery()
        )
        query = (
            select(Run.mapping_key, func.count(Run.id))
            .where(Run.status == RunStatus.FAILED, or_(last_ok.is_(None), Run.started_at > last_ok))
            .group_by(Run.mapping_key)
        )
        with self._store.session() as session:
            return {key: int(count) for key, count in session.execute(query)}

    def _failures_of(self, keys: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        completed, failed = aliased(Run), aliased(Run)
        for start in range(0, len(keys), 100):
            parts = []
            for key in keys[start : start + 100]:
                last_ok = (
                    select(func.max(completed.started_at))
                    .where(completed.mapping_key == key, completed.status == RunStatus.COMPLETED)
                    .scalar_subquery()
                )
                count = (
                    select(func.count(failed.id))
                    .where(
                        failed.mapping_key == key,
                        failed.status == RunStatus.FAILED,
                        failed.started_at > func.coalesce(last_ok, literal(EPOCH, UTCDateTime())),
                    )
                    .scalar_subquery()
                )
                parts.append(select(literal(key).label("key"), count.label("failures")))
            with self._store.session() as session:
                for key, failures in session.execute(union_all(*parts)):
                    if failures:
                        found[key] = int(failures)
        return found

    # -- schedules --------------------------------------------------------------------------

    def schedule_activity(self, since: datetime, until: datetime) -> list[ScheduleActivity]:
        """Per schedule: fire times in the window, missed and late starts, run durations
        against the expected duration, and each day's last run end."""
        _check_window(since, until)
        delay = self._seconds(ScheduleExecution.started_at, ScheduleExecution.scheduled_at)
        late_after = func.coalesce(Schedule.sla_late_after_seconds, DEFAULT_LATE_AFTER)
        executions = (
            select(
                ScheduleExecution.schedule_id,
                func.count(ScheduleExecution.id),
                func.coalesce(
                    func.sum(
                        case(
                            (
                                and_(
                                    ScheduleExecution.status == RunStatus.SKIPPED,
                                    ScheduleExecution.notes.like("missed%"),
                                ),
                                1,
                            ),
                            else_=0,
                        )
                    ),
                    0,
                ),
                func.coalesce(func.sum(case((delay > late_after, 1), else_=0)), 0),
                func.coalesce(func.max(delay), 0.0),
            )
            .join(Schedule, Schedule.id == ScheduleExecution.schedule_id)
            .where(
                ScheduleExecution.scheduled_at >= since,
                ScheduleExecution.scheduled_at < until,
                ScheduleExecution.attempt == 1,
            )
            .group_by(ScheduleExecution.schedule_id)
        )
        seconds = self._seconds(Run.ended_at, Run.started_at)
        over = case(
            (
                and_(
                    Schedule.sla_expected_seconds.is_not(None),
                    seconds > Schedule.sla_expected_seconds,
                ),
                1,
            ),
            else_=0,
        )
        runs = (
            select(
                Run.schedule_id,
                func.count(Run.id),
                func.coalesce(func.sum(over), 0),
                func.coalesce(func.max(seconds), 0.0),
            )
            .join(Schedule, Schedule.id == Run.schedule_id)
            .where(Run.started_at >= since, Run.started_at < until)
            .group_by(Run.schedule_id)
        )
        day = self._date(Run.started_at).label("day")
        ends = (
            select(Run.schedule_id, day, func.max(Run.ended_at))
            .where(
                Run.schedule_id.is_not(None),
                Run.started_at >= since,
                Run.started_at < until,
                Run.ended_at.is_not(None),
            )
            .group_by(Run.schedule_id, day)
        )
        schedules = select(Schedule, RUNS_KEY).outerjoin(Mapping, Mapping.id == Schedule.mapping_id)
        schedules = schedules.outerjoin(Pipeline, Pipeline.id == Schedule.pipeline_id)
        with self._store.session() as session:
            by_execution = {row[0]: row[1:] for row in session.execute(executions)}
            by_run = {row[0]: row[1:] for row in session.execute(runs)}
            last_ends: dict[int, dict[date, datetime]] = {}
            for ident, value, ended in session.execute(ends):
                last_ends.setdefault(ident, {})[_day(value)] = _utc(ended)
            rows = session.execute(schedules.order_by(Schedule.key)).all()
        result = []
        for schedule, mapping_key in rows:
            fired, missed, late, worst = by_execution.get(schedule.id, (0, 0, 0, 0.0))
            ran, over_count, longest = by_run.get(schedule.id, (0, 0, 0.0))
            result.append(
                ScheduleActivity(
                    schedule_key=schedule.key,
                    name=schedule.name,
                    mapping_key=mapping_key,
                    timezone=schedule.timezone,
                    active=schedule.active,
                    sla=_sla(schedule),
                    executions=int(fired),
                    missed=int(missed),
                    late=int(late),
                    worst_delay_seconds=max(float(worst), 0.0),
                    runs=int(ran),
                    over_expected=int(over_count),
                    longest_seconds=float(longest),
                    last_end_by_day=last_ends.get(schedule.id, {}),
                )
            )
        return result

    def sla(self, schedule_key: str) -> ScheduleSla:
        with self._store.session() as session:
            return _sla(self._schedule(session, schedule_key))

    def set_sla(self, schedule_key: str, sla: ScheduleSla) -> ScheduleSla:
        """Set (or clear, with None) a schedule's service levels."""
        _check_sla(schedule_key, sla)
        with self._store.session(write=True) as session:
            row = self._schedule(session, schedule_key)
            row.sla_expected_seconds = sla.expected_seconds
            row.sla_latest_finish = sla.latest_finish
            row.sla_late_after_seconds = sla.late_after_seconds
            row.sla_failures_alert = sla.failures_alert
            return _sla(row)

    def _schedule(self, session: Session, key: str) -> Schedule:
        row = session.scalar(select(Schedule).where(Schedule.key == key))
        if row is None:
            raise NotFound(f"there is no schedule {key!r} in {self._store.location}")
        return row


def _sla(row: Schedule) -> ScheduleSla:
    return ScheduleSla(
        expected_seconds=row.sla_expected_seconds,
        latest_finish=row.sla_latest_finish,
        late_after_seconds=row.sla_late_after_seconds,
        failures_alert=row.sla_failures_alert,
    )


def _check_sla(key: str, sla: ScheduleSla) -> None:
    for name in ("expected_seconds", "late_after_seconds", "failures_alert"):
        value = getattr(sla, name)
        if value is not None and value <= 0:
            raise InvalidRecord(f"schedule {key!r}: the SLA's {name} must be positive, not {value}")
    if sla.latest_finish is not None:
        hours, _, minutes = sla.latest_finish.partition(":")
        if not (
            len(sla.latest_finish) == 5
            and hours.isdigit()
            and minutes.isdigit()
            and int(hours) < 24
            and int(minutes) < 60
        ):
            raise InvalidRecord(
                f"schedule {key!r}: the SLA's latest finish {sla.latest_finish!r} is not HH:MM"
            )
