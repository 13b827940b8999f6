"""The dashboard's aggregates over a window, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from fieldwright.domain import FORMAT_VERSION, MappingDocument
from fieldwright.domain.runs import DeadLetter, RunCounts, RunStatus, RunTrigger
from fieldwright.domain.store_models import (
    RunRecord,
    ScheduleExecutionRecord,
    ScheduleKind,
    ScheduleRecord,
)
from fieldwright.store import (
    InvalidRecord,
    MappingRepository,
    MonitoringRepository,
    NotFound,
    RunRepository,
    ScheduleRepository,
    ScheduleSla,
    Store,
)
from fieldwright.store.migrate import run_upgrade
from fieldwright.store.patterns import reason_pattern

QBT = "mapping_QBT_WFN_ACME_20250724"
HS = "mapping_HS_CRM_ACME_20250801"
T0 = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)
WINDOW = (T0, T0 + timedelta(days=7))


def _run(
    repo: RunRepository,
    key: str,
    mapping: str,
    status: RunStatus,
    start: datetime,
    *,
    seconds: int = 60,
    read: int = 10,
    failed: int = 0,
    schedule: str | None = None,
) -> None:
    repo.add_run(
        RunRecord(
            key=key,
            mapping_key=mapping,
            trigger=RunTrigger.SCHEDULE if schedule else RunTrigger.MANUAL,
            status=status,
            started_at=start,
            ended_at=start + timedelta(seconds=seconds),
            counts=RunCounts(read=read, written=read - failed, failed=failed),
            schedule_key=schedule,
        )
    )


def _letter(reason: str, field: str, at: datetime, n: int) -> DeadLetter:
    return DeadLetter(
        error_id=f"err_validation_{n}",
        position={"row": n},
        position_text=f"row {n}",
        field=field,
        reason=reason,
        input={"n": n},
        occurred_at=at,
    )


@pytest.fixture
def filled(store: Store) -> Store:
    MappingRepository(store).save_mapping(
        MappingDocument(fieldwright=FORMAT_VERSION, key=QBT, name="Timesheets")
    )
    ScheduleRepository(store).create(
        ScheduleRecord(
            key="schedule_QBT_WFN_ACME_nightly",
            name="Nightly",
            mapping_key=QBT,
            kind=ScheduleKind.CRON,
            cron="0 2 * * *",
        )
    )
    runs = RunRepository(store)
    statuses = [RunStatus.COMPLETED, RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.COMPLETED]
    for day, status in enumerate(statuses):
        _run(
            runs,
            f"proc_QBT_{day}",
            QBT,
            status,
            T0 + timedelta(days=day),
            seconds=60 * (day + 1),
            read=100,
            failed=5 if status is RunStatus.COMPLETED else 0,
            schedule="schedule_QBT_WFN_ACME_nightly",
        )
    # HubSpot: one success, then three failures in a row (the latest runs).
    _run(runs, "proc_HS_0", HS, RunStatus.COMPLETED, T0 + timedelta(hours=1))
    for n in range(1, 4):
        _run(runs, f"proc_HS_{n}", HS, RunStatus.FAILED, T0 + timedelta(hours=1, days=n))
    # Outside the window: counted for nothing but consecutive failures.
    _run(runs, "proc_HS_old", HS, RunStatus.FAILED, T0 - timedelta(days=3))
    letters = [
        _letter(f"'{value}' is not an integer", "$.hours", T0 + timedelta(days=n % 2, minutes=n), n)
        for n, value in enumerate(["abc", "x1", "", "12a", "?"])
    ] + [_letter("value 42 is above the maximum 24", "$.hours", T0 + timedelta(days=1), 9)]
    runs.add_dead_letters("proc_QBT_0", letters)
    return store


def test_reasons_become_patterns() -> None:
    assert reason_pattern("'abc' is not an integer at row 17") == (
        "<value> is not an integer at row <n>"
    )
    assert reason_pattern('expected a date, got "2025-13-01"') == "expected a date, got <value>"
    assert reason_pattern("due 2025-07-24T10:00:00Z passed, -3.5 days") == (
        "due <date> passed, <n> days"
    )
    assert reason_pattern("field2 missing") == "field2 missing"
    assert len(reason_pattern("x" * 500)) == 200


def test_mapping_activity_counts_runs_records_and_time(filled: Store) -> None:
    activity = {a.mapping_key: a for a in MonitoringRepository(filled).mapping_activity(*WINDOW)}
    qbt = activity[QBT]
    assert qbt.runs == {RunStatus.COMPLETED: 3, RunStatus.FAILED: 1}
    assert (qbt.records_read, qbt.records_written, qbt.records_failed) == (400, 385, 15)
    assert qbt.finished_runs == 4
    assert qbt.busy_seconds == pytest.approx(60 + 120 + 180 + 240, abs=0.01)
    assert qbt.longest_seconds == pytest.approx(240, abs=0.01)
    assert qbt.last_started_at == T0 + timedelta(days=3)
    assert activity[HS].runs == {RunStatus.COMPLETED: 1, RunStatus.FAILED: 3}
    only = MonitoringRepository(filled).mapping_activity(*WINDOW, mapping_key=HS)
    assert [a.mapping_key for a in only] == [HS]


def test_runs_by_day_and_consecutive_failures(filled: Store) -> None:
    repo = MonitoringRepository(filled)
    days = {(d.day, d.status): d.runs for d in repo.runs_by_day(*WINDOW)}
    assert days[(date(2025, 7, 1), RunStatus.COMPLETED)] == 2
    assert days[(date(2025, 7, 3), RunStatus.FAILED)] == 2
    assert sum(days.values()) == 8
    # QBT's failure was followed by a success; HS failed three times since its success.
    assert repo.consecutive_failures() == {HS: 3}
    assert repo.consecutive_failures([QBT]) == {}
    # A mapping that never completed: every failure counts (the per-key statement).
    runs = RunRepository(filled)
    for n in range(2):
        _run(runs, f"proc_NEW_{n}", "mapping_NEW_CRM_ACME", RunStatus.FAILED, T0 + timedelta(n))
    keys = [HS, QBT, "mapping_NEW_CRM_ACME", "mapping_NONE"]
    assert repo.consecutive_failures(keys) == {HS: 3, "mapping_NEW_CRM_ACME": 2}
    assert repo.consecutive_failures() == {HS: 3, "mapping_NEW_CRM_ACME": 2}


def test_error_patterns_group_by_field_and_normalised_reason(filled: Store) -> None:
    repo = MonitoringRepository(filled)
    patterns = repo.error_patterns(*WINDOW)
    assert [(p.field, p.pattern, p.letters) for p in patterns] == [
        ("$.hours", "<value> is not an integer", 5),
        ("$.hours", "value <n> is above the maximum <n>", 1),
    ]
    assert patterns[0].error_type == "validation"
    assert patterns[0].first_at == T0
    trend = repo.error_trend(*WINDOW, patterns[:1])
    assert [(t.day, t.letters) for t in trend] == [(date(2025, 7, 1), 3), (date(2025, 7, 2), 2)]
    letters = repo.pattern_letters(
        *WINDOW, pattern=patterns[0].pattern, error_type="validation", field="$.hours", limit=2
    )
    assert [letter.reason for letter in letters] == [
        "'12a' is not an integer",
        "'x1' is not an integer",
    ]
    assert {letter.run_key for letter in letters} == {"proc_QBT_0"}
    assert repo.error_patterns(*WINDOW, mapping_key=HS) == []
    assert len(repo.error_patterns(*WINDOW, mapping_key=QBT)) == 2


def test_schedule_activity_counts_missed_and_late_starts_against_the_sla(filled: Store) -> None:
    repo = MonitoringRepository(filled)
    key = "schedule_QBT_WFN_ACME_nightly"
    assert repo.sla(key) == ScheduleSla()
    repo.set_sla(
        key, ScheduleSla(expected_seconds=150, latest_finish="02:03", late_after_seconds=60)
    )
    schedules = ScheduleRepository(filled)
    for day, (delay, status, notes) in enumerate(
        [
            (5, RunStatus.COMPLETED, ""),
            (600, RunStatus.COMPLETED, ""),
            (None, RunStatus.SKIPPED, "missed: the scheduler was not running"),
        ]
    ):
        fire = T0 + timedelta(days=day)
        schedules.record_execution(
            ScheduleExecutionRecord(
                schedule_key=key,
                scheduled_at=fire,
                started_at=None if delay is None else fire + timedelta(seconds=delay),
                status=status,
                notes=notes,
            )
        )
    (activity,) = repo.schedule_activity(*WINDOW)
    assert (activity.executions, activity.missed, activity.late) == (3, 1, 1)
    assert activity.worst_delay_seconds == pytest.approx(600, abs=0.01)
    assert activity.runs == 4 and activity.over_expected == 2
    assert activity.sla.latest_finish == "02:03"
    assert activity.last_end_by_day[date(2025, 7, 4)] == T0 + timedelta(days=3, seconds=240)


def test_sla_settings_are_checked(filled: Store) -> None:
    repo = MonitoringRepository(filled)
    with pytest.raises(InvalidRecord, match="HH:MM"):
        repo.set_sla("schedule_QBT_WFN_ACME_nightly", ScheduleSla(latest_finish="25:00"))
    with pytest.raises(InvalidRecord, match="positive"):
        repo.set_sla("schedule_QBT_WFN_ACME_nightly", ScheduleSla(expected_seconds=0))
    with pytest.raises(NotFound):
        repo.sla("schedule_nope")
    with pytest.raises(InvalidRecord, match="window"):
        repo.mapping_activity(WINDOW[1], WINDOW[0])


def test_the_0005_upgrade_fills_the_patterns_of_stored_dead_letters(db_url: str) -> None:
    engine = create_engine(db_url)
    stamp = "'2025-07-24 14:56:23'"
    with engine.begin() as connection:
        run_upgrade(connection, "0004")
        connection.execute(
            text(
                "INSERT INTO runs (key, mapping_key, trigger, status, started_at, records_read,"
                " records_written, records_failed, records_filtered, records_skipped,"
                f" created_at, created_by, updated_at, updated_by) VALUES ('proc_1', '{QBT}',"
                f" 'manual', 'failed', {stamp}, 1, 0, 1, 0, 0, {stamp}, 'c', {stamp}, 'c')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO dead_letters (run_id, error_id, position, position_text, reason,"
                " occurred_at) VALUES ((SELECT id FROM runs), 'err_x_1', '{}', 'row 3',"
                f" 'row 3: ''abc'' is not an integer', {stamp})"
            )
        )
    engine.dispose()
    with Store.open(db_url) as store:
        since = datetime(2025, 7, 24, tzinfo=UTC)
        (group,) = MonitoringRepository(store).error_patterns(since, since + timedelta(days=1))
    assert (group.pattern, group.letters) == ("row <n>: <value> is not an integer", 1)
