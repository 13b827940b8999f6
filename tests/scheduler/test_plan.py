"""Fire-time plans: cron, fixed times and intervals across DST, windows, validation, the
describer, and the APScheduler trigger adapter."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from fieldwright.domain.store_models import ScheduleKind
from fieldwright.scheduler import (
    CronError,
    InvalidSchedule,
    Plan,
    describe_cron,
    fire_times,
    validate_schedule,
)
from fieldwright.scheduler.aps import PlanTrigger

from .helpers import schedule, utc

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def local(times: list, zone: ZoneInfo) -> list[str]:  # type: ignore[type-arg]
    return [t.astimezone(zone).strftime("%m-%d %H:%M %Z") for t in times]


# -- DST: spring forward ---------------------------------------------------------------------


def test_a_daily_job_in_the_missing_hour_runs_at_the_end_of_the_gap_in_new_york() -> None:
    plan = Plan.of(schedule(cron="30 2 * * *", timezone="America/New_York"))
    fires = plan.between(utc(2025, 3, 8), utc(2025, 3, 11))
    assert local(fires, NY) == ["03-08 02:30 EST", "03-09 03:00 EDT", "03-10 02:30 EDT"]


def test_a_wildcard_job_has_no_runs_in_the_missing_hour_and_no_duplicates() -> None:
    plan = Plan.of(schedule(cron="*/30 * * * *", timezone="Europe/Berlin"))
    fires = plan.between(utc(2025, 3, 30, 0, 0), utc(2025, 3, 30, 2, 0))  # 01:00-04:00 local
    assert local(fires, BERLIN) == [
        "03-30 01:00 CET",
        "03-30 01:30 CET",
        "03-30 03:00 CEST",
        "03-30 03:30 CEST",
    ]
    assert all(b - a == timedelta(minutes=30) for a, b in itertools.pairwise(fires))


def test_fixed_times_in_the_gap_collapse_into_one_run_at_its_end() -> None:
    plan = Plan.of(
        schedule(
            kind=ScheduleKind.FIXED_TIME,
            cron=None,
            timezone="America/New_York",
            fixed_times=[time(2, 0), time(2, 30), time(3, 0), time(9, 15)],
        )
    )
    fires = plan.between(utc(2025, 3, 9, 5), utc(2025, 3, 10, 5))
    assert local(fires, NY) == ["03-09 03:00 EDT", "03-09 09:15 EDT"]


# -- DST: fall back --------------------------------------------------------------------------


def test_a_fixed_time_in_the_repeated_hour_fires_once_at_the_first_pass() -> None:
    plan = Plan.of(schedule(cron="30 1 * * *", timezone="America/New_York"))
    fires = plan.between(utc(2025, 11, 1), utc(2025, 11, 4))
    assert local(fires, NY) == ["11-01 01:30 EDT", "11-02 01:30 EDT", "11-03 01:30 EST"]


def test_a_wildcard_job_runs_on_both_passes_of_the_repeated_hour() -> None:
    plan = Plan.of(schedule(cron="0,30 * * * *", timezone="Europe/Berlin"))
    fires = plan.between(utc(2025, 10, 25, 23, 0), utc(2025, 10, 26, 2, 0))  # 01:00 CEST-03:00 CET
    assert local(fires, BERLIN) == [
        "10-26 01:00 CEST",
        "10-26 01:30 CEST",
        "10-26 02:00 CEST",
        "10-26 02:30 CEST",
        "10-26 02:00 CET",
        "10-26 02:30 CET",
    ]
    assert all(b - a == timedelta(minutes=30) for a, b in itertools.pairwise(fires))


def test_an_interval_counts_elapsed_time_through_both_changes() -> None:
    plan = Plan.of(
        schedule(
            kind=ScheduleKind.INTERVAL,
            cron=None,
            interval_seconds=3600,
            timezone="America/New_York",
        )
    )
    for start in (utc(2025, 3, 9, 4), utc(2025, 11, 2, 3)):
        fires = plan.between(start, start + timedelta(hours=5))
        assert len(fires) == 5
        assert {b - a for a, b in itertools.pairwise(fires)} == {timedelta(hours=1)}


def test_a_whole_year_of_a_daily_job_has_one_run_per_day_in_both_zones() -> None:
    for zone in ("America/New_York", "Europe/Berlin"):
        for cron in ("30 2 * * *", "30 1 * * *", "0 0 * * *"):
            fires = Plan.of(schedule(cron=cron, timezone=zone)).between(
                utc(2025, 1, 1, 12), utc(2026, 1, 1, 12)
            )
            days = [f.astimezone(ZoneInfo(zone)).date() for f in fires]
            assert len(days) == len(set(days)) == 365, (zone, cron)


# -- windows, kinds, the calendar ------------------------------------------------------------


def test_start_and_end_dates_are_inclusive_local_days() -> None:
    plan = Plan.of(
        schedule(
            cron="0 23 * * *",
            timezone="America/New_York",
            start_date=date(2025, 7, 2),
            end_date=date(2025, 7, 4),
        )
    )
    fires = plan.between(utc(2025, 6, 1), utc(2025, 8, 1))
    assert local(fires, NY) == ["07-02 23:00 EDT", "07-03 23:00 EDT", "07-04 23:00 EDT"]
    assert plan.next_after(fires[-1]) is None


def test_manual_schedules_never_fire_and_inactive_ones_stay_off_the_calendar() -> None:
    manual = schedule("sched_manual", kind=ScheduleKind.MANUAL, cron=None)
    off = schedule("sched_off", active=False)
    hourly = schedule("sched_hourly", cron="15 * * * *")
    daily = schedule("sched_daily", cron="15 0 * * *")
    got = fire_times([manual, off, hourly, daily], utc(2025, 1, 1), utc(2025, 1, 1, 2))
    assert got == [
        ("sched_daily", utc(2025, 1, 1, 0, 15)),
        ("sched_hourly", utc(2025, 1, 1, 0, 15)),
        ("sched_hourly", utc(2025, 1, 1, 1, 15)),
    ]
    assert Plan.of(manual).next_after(utc(2025, 1, 1)) is None


def test_day_of_month_or_day_of_week_as_in_vixie_cron() -> None:
    plan = Plan.of(schedule(cron="0 12 13 * 5"))  # the 13th, or any Friday
    days = {f.day for f in plan.between(utc(2025, 6, 1), utc(2025, 7, 1))}
    assert days == {6, 13, 20, 27}  # Fridays 6, 13, 20, 27; the 13th is a Friday too
    assert Plan.of(schedule(cron="0 0 29 2 *")).next_after(utc(2025, 3, 1)) == utc(2028, 2, 29)


def test_plans_agree_with_apscheduler_cron_away_from_dst() -> None:
    for cron in ("0 3 * * *", "*/20 8-10 * * *", "5 4 1,15 * *", "0 6 * 1-3 *"):
        ours = Plan.of(schedule(cron=cron, timezone="Europe/Berlin"))
        theirs = CronTrigger.from_crontab(cron, timezone=BERLIN)
        moment, expected = utc(2025, 4, 1), []
        for _ in range(30):
            moment = theirs.get_next_fire_time(None if not expected else moment, moment)
            expected.append(moment)
            moment = moment + timedelta(seconds=1)
        got = ours.between(utc(2025, 4, 1), expected[-1] + timedelta(seconds=1))
        assert got == [e.astimezone(ZoneInfo("UTC")) for e in expected], cron


def test_the_apscheduler_trigger_adapter_returns_the_plans_fire_times() -> None:
    plan = Plan.of(schedule(cron="30 2 * * *", timezone="America/New_York"))
    trigger = PlanTrigger(plan)
    first = trigger.get_next_fire_time(None, utc(2025, 3, 8, 12))
    second = trigger.get_next_fire_time(first, utc(2025, 3, 8, 12))
    assert local([first, second], NY) == ["03-09 03:00 EDT", "03-10 02:30 EDT"]


# -- validation and descriptions -------------------------------------------------------------


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("0 24 * * *", "cron field hour: 24 is outside 0-23"),
        ("61 * * * *", "cron field minute: 61 is outside 0-59"),
        ("0 0 32 * *", "cron field day of month: 32 is outside 1-31"),
        ("0 0 * 13 *", "cron field month: 13 is outside 1-12"),
        ("0 0 * * 8", "cron field day of week: 8 is outside 0-7"),
        ("0 3 * *", "has 4 fields; it needs 5"),
        ("0 0 31 2 *", "never fires"),
        ("*/0 * * * *", "the step must be a number"),
    ],
)
def test_a_bad_cron_expression_names_its_field(cron: str, message: str) -> None:
    with pytest.raises(InvalidSchedule, match="sched_nightly") as raised:
        validate_schedule(schedule(cron=cron))
    assert message in str(raised.value)
    assert isinstance(raised.value.__cause__, CronError)


def test_an_unknown_zone_and_dates_in_the_wrong_order_are_refused() -> None:
    with pytest.raises(InvalidSchedule, match="unknown time zone 'Mars/Olympus_Mons'"):
        validate_schedule(schedule(timezone="Mars/Olympus_Mons"))
    backwards = schedule().model_copy(
        update={"start_date": date(2025, 5, 2), "end_date": date(2025, 5, 1)}
    )
    with pytest.raises(InvalidSchedule, match="end date 2025-05-01 is before the start date"):
        validate_schedule(backwards)
    with pytest.raises(InvalidSchedule, match="never fires between"):
        validate_schedule(
            schedule(cron="0 3 * * 1", start_date=date(2025, 7, 1), end_date=date(2025, 7, 6))
        )  # Tue-Sun, no Monday


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 3 * * *", "every day at 03:00"),
        ("30 9 * * 1-5", "at 09:30 on Monday through Friday"),
        ("*/15 * * * *", "every 15 minutes"),
        ("0 6 1 * *", "on day 1 of the month at 06:00"),
        ("0 9,17 * * *", "every day at 09:00 and 17:00"),
        ("0 * * * *", "every hour, on the hour"),
        ("0 */2 * * *", "every 2 hours at minute 0"),
        ("0 8 * * mon,wed", "at 08:00 on Monday and Wednesday"),
        ("0 0 1,15 * 1", "at 00:00 on days 1 and 15 of the month or on Monday"),
        ("*/10 * * 1-3 *", "every 10 minutes in January through March"),
        ("* 9-17 * * 1-5", "at every minute of hour 9 through 17 on Monday through Friday"),
        ("@weekly", "at 00:00 on Sunday"),
    ],
)
def test_cron_descriptions(cron: str, words: str) -> None:
    assert describe_cron(cron) == words


def test_a_month_of_a_one_second_interval_is_computed_as_read() -> None:
    """The calendar asks for a month of fire times: 2.6 million for a 1-second schedule,
    which it reads by day and by index, and the scheduler asks for the next one at every
    fire; neither lists them all."""
    plan = Plan.of(
        schedule(kind=ScheduleKind.INTERVAL, cron=None, interval_seconds=1, timezone="UTC")
    )
    start = utc(2025, 7, 1, 0, 0, 0)
    month = plan.between(start, start + timedelta(days=31))
    assert len(month) == 31 * 86_400
    assert month[0] >= start and month[-1] < start + timedelta(days=31)
    assert month[5] - month[4] == timedelta(seconds=1) and month[-1] == month[len(month) - 1]
    assert month[10:13] == [month[10], month[11], month[12]]
    short = plan.between(start, start + timedelta(seconds=5))
    assert list(short) == [month[0] + timedelta(seconds=i) for i in range(len(short))]
    assert short == list(short)
    with pytest.raises(IndexError):
        month[len(month)]
    assert plan.next_after(start) == month[0] + timedelta(seconds=1) or month[0] > start
