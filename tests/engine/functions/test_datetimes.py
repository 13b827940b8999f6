"""Date/time functions: parsing, formatting, zones, timestamps, calendar, Excel serials."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from fieldwright.engine.functions import TransformError
from tests.engine.functions.conftest import Problems, Run


def test_parse_date_error_names_the_format(run: Run) -> None:
    with pytest.raises(
        TransformError, match=r"^cannot parse '31/02/2025' as a date with format '%d/%m/%Y'$"
    ):
        run("parse_date", "31/02/2025", "%d/%m/%Y")
    with pytest.raises(TransformError, match="with any of the formats '%d/%m/%Y', '%Y-%m-%d'"):
        run("parse_date", "July 4", "%d/%m/%Y", "%Y-%m-%d")


def test_parse_date_inputs(run: Run) -> None:
    assert run("parse_date", date(2025, 7, 24), "%d/%m/%Y") == "2025-07-24"
    assert run("parse_date", datetime(2025, 7, 24, 23, 59)) == "2025-07-24"
    assert run("parse_date", " 2025-07-24 ") == "2025-07-24"
    with pytest.raises(TransformError, match="as an ISO 8601 date or datetime"):
        run("parse_date", "24.07.2025")
    with pytest.raises(TransformError, match="expected a date, got integer 20250724"):
        run("parse_date", 20250724)
    with pytest.raises(TransformError, match="expected text to parse as a date, got integer"):
        run("parse_date", 20250724, "%Y%m%d")


def test_parse_datetime_keeps_offsets(run: Run) -> None:
    assert (
        run("parse_datetime", "2025-07-24T10:00:00.5-05:00") == "2025-07-24T10:00:00.500000-05:00"
    )
    assert run("parse_datetime", "2025-07-24") == "2025-07-24T00:00:00"
    aware = datetime(2025, 7, 24, 10, tzinfo=ZoneInfo("Europe/Berlin"))
    assert run("parse_datetime", aware) == "2025-07-24T10:00:00+02:00"
    with pytest.raises(TransformError, match="as a datetime with format '%H:%M'"):
        run("parse_datetime", "25:00", "%H:%M")


def test_format_date_and_datetime(run: Run) -> None:
    assert run("format_date", date(2025, 1, 5), "%Y/%m/%d") == "2025/01/05"
    assert (
        run("format_datetime", "2025-01-24T08:30:00Z", "%H:%M%z", "Europe/Berlin") == "09:30+0100"
    )
    with pytest.raises(TransformError, match="has no UTC offset; add an assume_timezone step"):
        run("format_datetime", "2025-01-24T08:30:00", "%H:%M", "Europe/Berlin")


def test_to_iso8601(run: Run) -> None:
    assert run("to_iso8601", "2025-07-24T10:00:00Z") == "2025-07-24T10:00:00+00:00"
    assert run("to_iso8601", datetime(2025, 7, 24, 10, tzinfo=UTC)) == "2025-07-24T10:00:00+00:00"
    with pytest.raises(TransformError):
        run("to_iso8601", "yesterday")


def test_convert_timezone_is_dst_correct(run: Run) -> None:
    # New York changes to summer time on 2025-03-09, Europe on 2025-03-30.
    args = ("America/New_York", "Europe/London")
    assert run("convert_timezone", "2025-03-08T12:00:00", *args) == "2025-03-08T17:00:00+00:00"
    assert run("convert_timezone", "2025-03-10T12:00:00", *args) == "2025-03-10T16:00:00+00:00"
    assert run("convert_timezone", "2025-04-01T12:00:00", *args) == "2025-04-01T17:00:00+01:00"


def test_convert_timezone_gaps_and_repeats(run: Run) -> None:
    with pytest.raises(TransformError, match="2025-03-30T02:30:00 does not exist in Europe/Berlin"):
        run("convert_timezone", "2025-03-30T02:30:00", "Europe/Berlin", "UTC")
    # 02:30 happens twice on 2025-10-26 in Berlin; the first (summer time) is taken.
    assert run("convert_timezone", "2025-10-26T02:30:00", "Europe/Berlin", "UTC") == (
        "2025-10-26T00:30:00+00:00"
    )


def test_timezone_arguments_are_checked(problems: Problems) -> None:
    assert problems("convert_timezone", "Mars/Olympus", "UTC") == [
        "unknown time zone 'Mars/Olympus'; use an IANA name like 'Europe/Berlin'"
    ]
    assert problems("to_utc", "../etc/passwd") == [
        "unknown time zone '../etc/passwd'; use an IANA name like 'Europe/Berlin'"
    ]
    assert problems("assume_timezone", 1) == ["zone must be a string, not integer 1"]
    assert problems("unix_timestamp_to_datetime", "ms") == [
        "unit must be one of 'seconds', 'milliseconds', not 'ms'"
    ]
    assert problems("add_days", 1.5) == ["days must be a whole number, not number 1.5"]
    assert problems("parse_date", "%d", 5) == ["formats must be a string, not integer 5"]


def test_assume_timezone_and_to_utc(run: Run) -> None:
    assert run("assume_timezone", "2025-07-24T10:00:00Z", "Asia/Kolkata") == (
        "2025-07-24T15:30:00+05:30"
    )
    assert (
        run("assume_timezone", "2025-07-24", "America/Los_Angeles") == "2025-07-24T00:00:00-07:00"
    )
    with pytest.raises(TransformError, match=r"'2025-07-24T10:00:00' has no UTC offset"):
        run("to_utc", "2025-07-24T10:00:00")


def test_unix_timestamps(run: Run) -> None:
    assert run("unix_timestamp_to_datetime", 0) == "1970-01-01T00:00:00+00:00"
    assert run("unix_timestamp_to_datetime", -86400) == "1969-12-31T00:00:00+00:00"
    assert run("unix_timestamp_to_datetime", 1.5) == "1970-01-01T00:00:01.500000+00:00"
    with pytest.raises(TransformError, match="out of range"):
        run("unix_timestamp_to_datetime", 10**20)
    with pytest.raises(TransformError, match="cannot read 'soon' as a number"):
        run("unix_timestamp_to_datetime", "soon")
    assert run("datetime_to_unix", "1970-01-01T00:00:01.5+00:00") == 1.5
    assert run("datetime_to_unix", "1969-12-31T23:59:59Z", "milliseconds") == -1000
    with pytest.raises(TransformError, match="add an assume_timezone step first"):
        run("datetime_to_unix", "2025-07-24")


def test_add_days_months_hours(run: Run) -> None:
    assert run("add_days", "2024-02-28", 1) == "2024-02-29"
    assert run("add_days", date(2025, 1, 1), -1) == "2024-12-31"
    with pytest.raises(TransformError, match="out of range"):
        run("add_days", "9999-12-31", 1)
    assert run("add_months", "2025-03-31", -1) == "2025-02-28"
    assert run("add_months", "2025-11-15", 3) == "2026-02-15"
    with pytest.raises(TransformError, match="out of range"):
        run("add_months", "0001-01-15", -1)
    # Across the Berlin spring-forward night 24 elapsed hours are 25 on the wall clock.
    berlin = datetime(2025, 3, 29, 12, tzinfo=ZoneInfo("Europe/Berlin"))
    assert run("add_hours", berlin, 24) == "2025-03-30T13:00:00+02:00"
    assert run("add_hours", "2025-07-24T10:00:00", -0.25) == "2025-07-24T09:45:00"


def test_differences_and_ages(run: Run) -> None:
    assert run("date_diff_days", "2025-03-01T23:00:00", "2024-03-01") == 365
    with pytest.raises(TransformError, match="other 'last week' is not an ISO 8601 date"):
        run("date_diff_days", "2025-03-01", "last week")
    assert run("age_in_years", "2000-02-29", "2025-03-01") == 25
    assert run("age_in_years", "2025-07-24", "2025-07-24") == 0
    with pytest.raises(TransformError, match="is after as_of '2025-01-01'"):
        run("age_in_years", "2025-07-24", "2025-01-01")


def test_weeks_and_months(run: Run) -> None:
    assert run("start_of_week", "2025-07-21") == "2025-07-21"
    assert run("start_of_week", "2025-07-20") == "2025-07-14"
    assert run("start_of_week", "2025-07-20", "sunday") == "2025-07-20"
    assert run("start_of_week", "2025-07-24", "saturday") == "2025-07-19"
    assert run("start_of_month", "2025-07-24T10:00:00+02:00") == "2025-07-01"
    assert run("end_of_month", "2023-02-01") == "2023-02-28"
    assert run("day_of_week", "2025-07-21", True) == 1
    assert run("day_of_week", date(2025, 7, 26)) == "Saturday"


@pytest.mark.parametrize(
    ("serial", "day"),
    [
        (1, "1900-01-01"),
        (59, "1900-02-28"),
        (61, "1900-03-01"),
        (2958465, "9999-12-31"),
        (36526, "2000-01-01"),
    ],
)
def test_excel_serials_round_trip(run: Run, serial: int, day: str) -> None:
    assert run("excel_serial_to_date", serial) == day
    assert run("date_to_excel_serial", day) == serial


@pytest.mark.parametrize(
    ("serial", "message"),
    [
        (60, "Excel serial 60 is 1900-02-29, a date that does not exist"),
        (60.5, "Excel serial 60 is 1900-02-29"),
        (0, "before 1"),
        (2958466, "after 9999-12-31"),
        ("abc", "cannot read 'abc' as a number"),
    ],
)
def test_excel_serial_errors(run: Run, serial: object, message: str) -> None:
    with pytest.raises(TransformError, match=message):
        run("excel_serial_to_date", serial)


def test_excel_serial_times(run: Run) -> None:
    assert run("excel_serial_to_datetime", 45862.99998) == "2025-07-24T23:59:58"
    # 86399.91 seconds round to the next midnight.
    assert run("excel_serial_to_datetime", 45862.999999) == "2025-07-25T00:00:00"
    with pytest.raises(TransformError, match="after 9999-12-31"):
        run("excel_serial_to_datetime", 2958465.999999)
    with pytest.raises(TransformError, match="before 1900-01-01"):
        run("date_to_excel_serial", "1899-12-31")
