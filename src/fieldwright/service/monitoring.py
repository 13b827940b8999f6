"""The monitoring dashboard's summary: the store's aggregates turned into health.

`monitoring_summary` asks the store for a handful of GROUP BY queries over the
window (never every row) and judges them: an integration fails when it failed
as many times in a row as its schedule's alert threshold (default 3), a
schedule when it missed a start, started later than its SLA allows, ran longer
than expected or finished after its latest finish.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import DeadLetterRecord
from fieldwright.service.monitoring_models import (
    ErrorPattern,
    Health,
    HealthCheck,
    IntegrationHealth,
    MonitoringSummary,
    MonitoringTotals,
    ScheduleHealth,
    ScheduleSla,
    Window,
)
from fieldwright.store import MappingRepository, MonitoringRepository, Store
from fieldwright.store import ScheduleSla as StoredSla
from fieldwright.store.errors import NotFound
from fieldwright.store.monitoring import MappingActivity, ScheduleActivity

__all__ = ["DEFAULT_FAILURES_ALERT", "monitoring_summary", "parse_window"]

#: Failures in a row that make an integration failing, unless its schedule says otherwise.
DEFAULT_FAILURES_ALERT = 3
#: The share of failed records above which an integration warns.
FAILED_RECORDS_WARNING = 0.01
#: A key like mapping_QBT_WFN_ACME_20250724: source, target, client, date.
_KEY = re.compile(r"^mapping_([A-Z0-9]{2,16})_([A-Z0-9]{2,16})_([A-Z0-9_]{2,16}?)(?:_\d{8})?$")

Checks = Callable[[], Sequence[HealthCheck]]


def parse_window(text: str) -> Window:
    """`24h`, `7d` or `30d`; anything else is refused naming the choices."""
    try:
        return Window(text.strip().lower())
    except ValueError:
        choices = ", ".join(w.value for w in Window)
        raise ValueError(f"unknown window {text!r}: choose one of {choices}") from None


def _totals(activities: Sequence[MappingActivity]) -> MonitoringTotals:
    runs: dict[RunStatus, int] = {}
    for activity in activities:
        for status, count in activity.runs.items():
            runs[status] = runs.get(status, 0) + count
    ended = runs.get(RunStatus.COMPLETED, 0) + runs.get(RunStatus.FAILED, 0)
    busy = sum(a.busy_seconds for a in activities)
    finished = sum(a.finished_runs for a in activities)
    read = sum(a.records_read for a in activities)
    return MonitoringTotals(
        runs=runs,
        success_rate=runs.get(RunStatus.COMPLETED, 0) / ended if ended else None,
        records_read=read,
        records_written=sum(a.records_written for a in activities),
        records_failed=sum(a.records_failed for a in activities),
        throughput=read / busy if busy > 0 else None,
        average_seconds=busy / finished if finished else None,
        longest_seconds=max((a.longest_seconds for a in activities), default=0.0),
    )


def _codes(mappings: MappingRepository, key: str) -> tuple[str, str, str, str]:
    """Name, client, source and target system of a mapping: its document's codes, else
    what its business key says."""
    try:
        document = mappings.load_mapping(key)
        name, client = document.name, document.client
        source, target = document.source_system, document.target_system
    except NotFound:
        name, client, source, target = key, "", "", ""
    match = _KEY.match(key)
    if match:
        source = source or match.group(1)
        target = target or match.group(2)
        client = client or match.group(3)
    return name, client, source, target


def integration_health(
    activity: MappingActivity,
    failures: int,
    alert: int,
    codes: tuple[str, str, str, str],
) -> IntegrationHealth:
    """Judge one mapping's health from its window's activity: failing when it failed
    `alert` times in a row, warning on a recent failure or a failed-record share above
    FAILED_RECORDS_WARNING. The dashboard and the integration hub both judge with it."""
    totals = _totals([activity])
    problems, health = [], Health.OK
    if failures >= alert:
        health = Health.FAILING
        problems.append(f"failed {failures} time(s) in a row (alert at {alert})")
    elif failures:
        health = Health.WARNING
        problems.append(f"the latest {failures} run(s) failed")
    share = activity.records_failed / activity.records_read if activity.records_read else 0.0
    if share > FAILED_RECORDS_WARNING and health is Health.OK:
        health = Health.WARNING
        problems.append(f"{activity.records_failed:,} record(s) failed ({share:.1%})")
    name, client, source, target = codes
    return IntegrationHealth(
        mapping_key=activity.mapping_key,
        name=name,
        client=client,
        source_system=source,
        target_system=target,
        totals=totals,
        consecutive_failures=failures,
        last_started_at=activity.last_started_at,
        health=health,
        problems=problems,
    )


def _late_finishes(activity: ScheduleActivity) -> int:
    latest = activity.sla.latest_finish
    if latest is None:
        return 0
    try:
        zone = ZoneInfo(activity.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    limit = datetime.strptime(latest, "%H:%M").time()
    return sum(
        1 for end in activity.last_end_by_day.values() if end.astimezone(zone).time() > limit
    )


def _schedule(activity: ScheduleActivity) -> ScheduleHealth:
    sla = activity.sla
    late_finishes = _late_finishes(activity)
    problems: list[str] = []
    failing = False
    if activity.missed:
        failing = True
        problems.append(f"missed {activity.missed} start(s)")
    if activity.late:
        failing = failing or sla.late_after_seconds is not None
        allowed = sla.late_after_seconds or 300
        problems.append(f"{activity.late} start(s) later than {allowed} s")
    if activity.over_expected:
        failing = True
        problems.append(f"{activity.over_expected} run(s) longer than {sla.expected_seconds} s")
    if late_finishes:
        failing = True
        problems.append(f"finished after {sla.latest_finish} on {late_finishes} day(s)")
    health = Health.FAILING if failing else Health.WARNING if problems else Health.OK
    return ScheduleHealth(
        key=activity.schedule_key,
        name=activity.name,
        mapping_key=activity.mapping_key,
        active=activity.active,
        sla=ScheduleSla(
            expected_seconds=sla.expected_seconds,
            latest_finish=sla.latest_finish,
            late_after_seconds=sla.late_after_seconds,
            failures_alert=sla.failures_alert,
        ),
        executions=activity.executions,
        missed=activity.missed,
        late=activity.late,
        worst_delay_seconds=activity.worst_delay_seconds,
        runs=activity.runs,
        over_expected=activity.over_expected,
        longest_seconds=activity.longest_seconds,
        late_finishes=late_finishes,
        health=health,
        problems=problems,
    )


def _days(since: datetime, until: datetime) -> list[date]:
    first, last = since.date(), (until - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def monitoring_summary(
    store: Store,
    window: Window,
    *,
    now: datetime | None = None,
    mapping_key: str | None = None,
    checks: Checks | None = None,
    patterns: int = 20,
) -> MonitoringSummary:
    """The dashboard for `window` ending `now` (default: the current time)."""
    started = time.perf_counter()
    until = (now or datetime.now(UTC)).astimezone(UTC)
    since = until - window.span
    repo = MonitoringRepository(store)
    activities, run_days = repo.activity(since, until, mapping_key=mapping_key)
    keys = [a.mapping_key for a in activities]
    failures = repo.consecutive_failures(keys) if keys else {}
    schedule_rows = [
        s
        for s in repo.schedule_activity(since, until)
        if mapping_key is None or s.mapping_key == mapping_key
    ]
    alerts: dict[str, int] = {}
    for row in schedule_rows:
        if row.sla.failures_alert is not None:
            alerts[row.mapping_key] = min(row.sla.failures_alert, alerts.get(row.mapping_key, 99))
    mappings = MappingRepository(store)
    integrations = [
        integration_health(
            a,
            failures.get(a.mapping_key, 0),
            alerts.get(a.mapping_key, DEFAULT_FAILURES_ALERT),
            _codes(mappings, a.mapping_key),
        )
        for a in activities
    ]
    days = _days(since, until)
    index = {day: n for n, day in enumerate(days)}
    by_day: dict[RunStatus, list[int]] = {}
    for point in run_days:
        if point.day in index:
            by_day.setdefault(point.status, [0] * len(days))[index[point.day]] += point.runs
    groups = repo.error_patterns(since, until, mapping_key=mapping_key, limit=patterns)
    trends: dict[tuple[str | None, str | None, str], list[int]] = {
        (g.error_type, g.field, g.pattern): [0] * len(days) for g in groups
    }
    for letters in repo.error_trend(since, until, groups, mapping_key=mapping_key):
        if letters.day in index:
            group = (letters.error_type, letters.field, letters.pattern)
            trends[group][index[letters.day]] += letters.letters
    return MonitoringSummary(
        window=window,
        since=since,
        until=until,
        totals=_totals(activities),
        integrations=integrations,
        schedules=[_schedule(row) for row in schedule_rows],
        days=days,
        runs_by_day=by_day,
        error_patterns=[
            ErrorPattern(
                step=g.error_type,
                field=g.field,
                pattern=g.pattern,
                letters=g.letters,
                first_at=g.first_at,
                last_at=g.last_at,
                trend=trends[(g.error_type, g.field, g.pattern)],
            )
            for g in groups
        ],
        checks=list(checks()) if checks is not None else [],
        elapsed=time.perf_counter() - started,
    )


def pattern_letters(
    store: Store, summary: MonitoringSummary, pattern: ErrorPattern, limit: int = 200
) -> list[DeadLetterRecord]:
    """The latest dead letters of one error pattern of a summary, newest first."""
    return MonitoringRepository(store).pattern_letters(
        summary.since,
        summary.until,
        pattern=pattern.pattern,
        error_type=pattern.step,
        field=pattern.field,
        limit=limit,
    )


def get_sla(store: Store, schedule_key: str) -> ScheduleSla:
    """A schedule's service levels as stored (None: not set)."""
    return _public_sla(MonitoringRepository(store).sla(schedule_key))


def set_sla(store: Store, schedule_key: str, sla: ScheduleSla) -> ScheduleSla:
    stored = MonitoringRepository(store).set_sla(schedule_key, StoredSla(**sla.model_dump()))
    return _public_sla(stored)


def _public_sla(stored: StoredSla) -> ScheduleSla:
    return ScheduleSla(
        expected_seconds=stored.expected_seconds,
        latest_finish=stored.latest_finish,
        late_after_seconds=stored.late_after_seconds,
        failures_alert=stored.failures_alert,
    )
