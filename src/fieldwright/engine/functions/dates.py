"""Date/time functions for calendar arithmetic and Excel serial dates.

All are pure: functions that need 'today' (an age, a difference) take the
reference date as an argument, which a mapping fills from the record or a
constant.
"""

from __future__ import annotations

import calendar
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fieldwright.engine.functions._common import as_number, show
from fieldwright.engine.functions._temporal import as_date, as_datetime, as_temporal, iso
from fieldwright.engine.functions.registry import (
    ArgType,
    Category,
    Example,
    Param,
    TransformError,
    function,
)

_D = Category.DATETIME
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _reference(text: str, name: str) -> date:
    try:
        return as_date(text)
    except TransformError:
        raise TransformError(f"{name} {text!r} is not an ISO 8601 date like 2025-07-24") from None


@function(
    "add_days",
    _D,
    "Add (or subtract) a number of days.",
    returns="date | datetime",
    params=[Param("days", ArgType.INTEGER, "days to add; negative goes back")],
    examples=[
        Example("2025-07-24", (10,), "2025-08-03"),
        Example("2025-03-01T09:00:00+01:00", (-1,), "2025-02-28T09:00:00+01:00"),
    ],
)
def add_days(value: Any, days: int) -> str:
    """Move a date or datetime by calendar days; a datetime keeps its time of day
    and offset, and a date stays a date."""
    try:
        return iso(as_temporal(value) + timedelta(days=days))
    except OverflowError:
        raise TransformError(f"{show(value)} plus {days} days is out of range") from None


@function(
    "add_months",
    _D,
    "Add (or subtract) calendar months.",
    returns="date | datetime",
    params=[Param("months", ArgType.INTEGER, "months to add; negative goes back")],
    examples=[
        Example("2025-01-31", (1,), "2025-02-28"),
        Example("2024-02-29", (12,), "2025-02-28"),
        Example("2025-07-24T10:00:00", (-7,), "2024-12-24T10:00:00"),
    ],
)
def add_months(value: Any, months: int) -> str:
    """Move by calendar months, keeping the day of the month where it exists and
    otherwise taking the month's last day (31 January + 1 month = 28 February)."""
    moment = as_temporal(value)
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise TransformError(f"{show(value)} plus {months} months is out of range")
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return iso(moment.replace(year=year, month=month + 1, day=day))


@function(
    "add_hours",
    _D,
    "Add (or subtract) hours to a datetime.",
    returns="datetime",
    params=[Param("hours", ArgType.NUMBER, "hours to add, may be fractional; negative goes back")],
    examples=[
        Example("2025-07-24T22:30:00+02:00", (3,), "2025-07-25T01:30:00+02:00"),
        Example("2025-07-24", (1.5,), "2025-07-24T01:30:00"),
    ],
)
def add_hours(value: Any, hours: int | float) -> str:
    """Add elapsed hours. A date becomes midnight first. A time with a zone moves
    by real elapsed time, so it stays correct across a daylight-saving change."""
    moment = as_datetime(value)
    delta = timedelta(hours=hours)
    try:
        if moment.tzinfo is None:
            return iso(moment + delta)
        return iso((moment.astimezone(UTC) + delta).astimezone(moment.tzinfo))
    except OverflowError:
        raise TransformError(f"{show(value)} plus {hours} hours is out of range") from None


@function(
    "date_diff_days",
    _D,
    "Days from another date to this one.",
    returns="integer",
    params=[Param("other", ArgType.STRING, "the date to count from, ISO 8601 (e.g. '2025-07-01')")],
    examples=[
        Example("2025-07-24", ("2025-07-01",), 23),
        Example("2025-01-01", ("2025-07-01",), -181),
    ],
)
def date_diff_days(value: Any, other: str) -> int:
    """value minus other in calendar days: positive when the value is later.
    Times of day are ignored."""
    return (as_date(value) - _reference(other, "other")).days


@function(
    "start_of_week",
    _D,
    "The first day of the date's week.",
    returns="date",
    params=[
        Param(
            "week_starts_on",
            ArgType.STRING,
            "the first weekday of a week",
            "monday",
            choices=_WEEKDAYS,
        )
    ],
    examples=[
        Example("2025-07-24", (), "2025-07-21"),
        Example("2025-07-24", ("sunday",), "2025-07-20"),
    ],
)
def start_of_week(value: Any, week_starts_on: str) -> str:
    """The date of the most recent `week_starts_on` day, on or before the date."""
    day = as_date(value)
    back = (day.weekday() - _WEEKDAYS.index(week_starts_on)) % 7
    return (day - timedelta(days=back)).isoformat()


@function(
    "start_of_month",
    _D,
    "The first day of the date's month.",
    returns="date",
    examples=[Example("2025-07-24", (), "2025-07-01")],
)
def start_of_month(value: Any) -> str:
    """The first day of the month of the date (or datetime)."""
    return as_date(value).replace(day=1).isoformat()


@function(
    "end_of_month",
    _D,
    "The last day of the date's month.",
    returns="date",
    examples=[Example("2024-02-10", (), "2024-02-29"), Example("2025-12-01", (), "2025-12-31")],
)
def end_of_month(value: Any) -> str:
    """The last day of the month of the date, leap years included."""
    day = as_date(value)
    return day.replace(day=calendar.monthrange(day.year, day.month)[1]).isoformat()


@function(
    "day_of_week",
    _D,
    "The weekday of a date, as a name or ISO number.",
    returns="string | integer",
    params=[
        Param(
            "as_number",
            ArgType.BOOLEAN,
            "return 1 (Monday) to 7 (Sunday) instead of the name",
            False,
        )
    ],
    examples=[Example("2025-07-24", (), "Thursday"), Example("2025-07-27", (True,), 7)],
)
def day_of_week(value: Any, as_number: bool) -> str | int:
    """The English weekday name ('Monday'…), independent of the machine's
    language, or the ISO weekday number."""
    day = as_date(value)
    return day.isoweekday() if as_number else _WEEKDAYS[day.weekday()].capitalize()


@function(
    "age_in_years",
    _D,
    "Full years from a date (e.g. a birth date) to a reference date.",
    returns="integer",
    params=[Param("as_of", ArgType.STRING, "the date to measure at, ISO 8601 (e.g. '2025-07-24')")],
    examples=[
        Example("1990-07-25", ("2025-07-24",), 34),
        Example("1990-07-24", ("2025-07-24",), 35),
        Example("2000-02-29", ("2025-02-28",), 24),
    ],
)
def age_in_years(value: Any, as_of: str) -> int:
    """Completed years between the date and `as_of`. Someone born on 29 February
    turns a year older on 1 March in other years. A date after `as_of` fails."""
    born, at = as_date(value), _reference(as_of, "as_of")
    if born > at:
        raise TransformError(f"{show(value)} is after as_of {as_of!r}")
    return at.year - born.year - ((at.month, at.day) < (born.month, born.day))


# Excel's 1900 date system: serial 1 is 1900-01-01 and, copying a Lotus 1-2-3
# bug, serial 60 is the non-existent 1900-02-29; from serial 61 (1900-03-01)
# on, serial n is 1899-12-30 + n days.
_EXCEL_BEFORE_BUG = date(1899, 12, 31)
_EXCEL_AFTER_BUG = date(1899, 12, 30)
_EXCEL_FIRST_AFTER_BUG = date(1900, 3, 1)


def _excel_day(value: Any) -> tuple[date, float]:
    serial = as_number(value)
    whole = math.floor(serial)
    if whole < 1:
        raise TransformError(f"Excel serial {show(value)} is before 1 (1900-01-01)")
    if whole == 60:
        raise TransformError(
            "Excel serial 60 is 1900-02-29, a date that does not exist (Excel's 1900 leap-year bug)"
        )
    base = _EXCEL_BEFORE_BUG if whole < 60 else _EXCEL_AFTER_BUG
    try:
        return base + timedelta(days=whole), serial - whole
    except OverflowError:
        raise TransformError(f"Excel serial {show(value)} is after 9999-12-31") from None


@function(
    "excel_serial_to_date",
    _D,
    "Convert an Excel serial day number to a date.",
    returns="date",
    examples=[
        Example(45862, (), "2025-07-24"),
        Example(61, (), "1900-03-01"),
        Example("59", (), "1900-02-28"),
        Example(45862.75, (), "2025-07-24"),
    ],
)
def excel_serial_to_date(value: Any) -> str:
    """The date of an Excel (1900 date system) serial number; a time fraction is
    ignored. Serial 60, Excel's fictitious 1900-02-29, fails."""
    return _excel_day(value)[0].isoformat()


@function(
    "excel_serial_to_datetime",
    _D,
    "Convert an Excel serial number with time to a datetime.",
    returns="datetime",
    examples=[
        Example(45862.75, (), "2025-07-24T18:00:00"),
        Example(45862, (), "2025-07-24T00:00:00"),
    ],
)
def excel_serial_to_datetime(value: Any) -> str:
    """The wall-clock datetime (no offset) of an Excel serial whose fraction is
    the time of day, to the nearest second."""
    day, fraction = _excel_day(value)
    try:
        moment = datetime(day.year, day.month, day.day) + timedelta(
            seconds=round(fraction * 86_400)
        )
    except OverflowError:
        raise TransformError(f"Excel serial {show(value)} is after 9999-12-31") from None
    return iso(moment)


@function(
    "date_to_excel_serial",
    _D,
    "Convert a date (or datetime) to an Excel serial number.",
    returns="number",
    examples=[
        Example("2025-07-24", (), 45862),
        Example("1900-03-01", (), 61),
        Example("1900-02-28", (), 59),
        Example("2025-07-24T18:00:00", (), 45862.75),
    ],
)
def date_to_excel_serial(value: Any) -> int | float:
    """The Excel (1900 date system) serial of a date: a whole number; a datetime
    adds its wall-clock time as a fraction of a day. Dates before 1900 fail."""
    moment = as_temporal(value)
    day = moment.date() if isinstance(moment, datetime) else moment
    if day.year < 1900:
        raise TransformError(f"{show(value)} is before 1900-01-01, the first Excel date")
    base = _EXCEL_BEFORE_BUG if day < _EXCEL_FIRST_AFTER_BUG else _EXCEL_AFTER_BUG
    serial = (day - base).days
    if not isinstance(moment, datetime):
        return serial
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6
    return serial + seconds / 86_400 if seconds else serial
