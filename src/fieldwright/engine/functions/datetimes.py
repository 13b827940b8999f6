"""Date/time functions: parsing, formatting, time zones and Unix timestamps.

Values are read from ISO 8601 text or date/datetime objects, and returned as
ISO 8601 text: dates as '2025-07-24', datetimes as '2025-07-24T10:30:00+02:00'
(without the offset only when the time has none: parse it with %z or add an
`assume_timezone` step). Formats use strftime codes: %Y year, %m month,
%d day, %H hour, %M minute, %S second, %z offset, %b month name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from fieldwright.engine.functions._common import as_number, show
from fieldwright.engine.functions._temporal import (
    LONGEST_ISO_DATE,
    as_date,
    as_datetime,
    as_temporal,
    iso,
    localize,
    require_aware,
    strptime_any,
)
from fieldwright.engine.functions.registry import (
    ArgHint,
    ArgType,
    Category,
    Example,
    Param,
    TransformError,
    function,
)

_D = Category.DATETIME
_FORMATS = Param(
    "formats",
    ArgType.STRING,
    "strptime formats tried in order, e.g. '%d/%m/%Y'; ISO 8601 when none",
    (),
    variadic=True,
    hint=ArgHint.DATE_FORMAT,
)


@function(
    "parse_date",
    _D,
    "Read a date from text with one or several formats.",
    returns="date",
    params=[_FORMATS],
    examples=[
        Example("24/07/2025", ("%d/%m/%Y",), "2025-07-24"),
        Example("Jul 24, 2025", ("%d/%m/%Y", "%b %d, %Y"), "2025-07-24"),
        Example("2025-07-24T23:30:00+02:00", (), "2025-07-24"),
    ],
)
def parse_date(value: Any, *formats: str) -> str:
    """Parse text with the first format that fits and return the date as
    'YYYY-MM-DD'. Without formats the text must be ISO 8601; a datetime gives
    its own date. Impossible dates ('31/02/2025') fail."""
    if formats and not isinstance(value, date):
        return strptime_any(value, formats, "date").date().isoformat()
    return as_date(value).isoformat()


@function(
    "parse_datetime",
    _D,
    "Read a date and time from text with one or several formats.",
    returns="datetime",
    params=[_FORMATS],
    examples=[
        Example("24/07/2025 14:05", ("%d/%m/%Y %H:%M",), "2025-07-24T14:05:00"),
        Example("20250724T140500+0200", ("%Y%m%dT%H%M%S%z",), "2025-07-24T14:05:00+02:00"),
        Example("2025-07-24 14:05Z", (), "2025-07-24T14:05:00+00:00"),
    ],
)
def parse_datetime(value: Any, *formats: str) -> str:
    """Parse text with the first format that fits and return ISO 8601.

    The offset is kept when the text has one (%z); otherwise the result has
    none: follow with `assume_timezone` to say which zone it is in. Without
    formats the text must be ISO 8601 (a 'Z' suffix means UTC).
    """
    if formats and not isinstance(value, date):
        return iso(strptime_any(value, formats, "datetime"))
    return iso(as_datetime(value))


def _format_date_text(value: str, format: str) -> str:
    """format_date of a str (the batch path's shortcut): the ISO text read at once."""
    text = value.strip()
    try:
        if len(text) <= LONGEST_ISO_DATE:
            day = date.fromisoformat(text)
        else:
            day = datetime.fromisoformat(text).date()
    except ValueError:
        written: str = format_date(value, format)  # the other readings, or the exact error
        return written
    fast = _FIXED_FORMATS.get(format)
    if fast is not None and day.year >= 1000:  # strftime does not pad years below 1000
        return fast(day)
    return day.strftime(format)


@function(
    "format_date",
    _D,
    "Write a date as text with a format.",
    returns="string",
    params=[
        Param(
            "format",
            ArgType.STRING,
            "strftime format, e.g. '%d.%m.%Y' or '%B %Y'",
            hint=ArgHint.DATE_FORMAT,
        )
    ],
    examples=[
        Example("2025-07-24", ("%d.%m.%Y",), "24.07.2025"),
        Example("2025-07-24T10:00:00+02:00", ("%Y%m%d",), "20250724"),
    ],
    on_text=_format_date_text,
)
def format_date(value: Any, format: str) -> str:
    """Write the date with strftime codes (%d day, %m month, %Y year, %b/%B month
    name, %a/%A weekday name)."""
    day = as_date(value)
    fast = _FIXED_FORMATS.get(format)
    if fast is not None and day.year >= 1000:  # strftime does not pad years below 1000
        return fast(day)
    return day.strftime(format)


#: Formats written without strftime (the same text for years 1000-9999).
_FIXED_FORMATS: dict[str, Callable[[date], str]] = {
    "%Y-%m-%d": date.isoformat,
    "%d/%m/%Y": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "%m/%d/%Y": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",
    "%d.%m.%Y": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "%Y%m%d": lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
}


@function(
    "format_datetime",
    _D,
    "Write a date and time as text with a format.",
    returns="string",
    params=[
        Param(
            "format",
            ArgType.STRING,
            "strftime format, e.g. '%Y-%m-%d %H:%M'",
            hint=ArgHint.DATE_FORMAT,
        ),
        Param("timezone", ArgType.TIMEZONE, "convert to this zone before formatting", None),
    ],
    examples=[
        Example("2025-07-24T08:30:00+00:00", ("%d/%m/%Y %H:%M",), "24/07/2025 08:30"),
        Example("2025-07-24T08:30:00Z", ("%H:%M %Z", "Europe/Berlin"), "10:30 CEST"),
    ],
)
def format_datetime(value: Any, format: str, timezone: tzinfo | None) -> str:
    """Write the datetime with strftime codes (%H hour, %M minute, %S second, %z
    offset, %Z zone abbreviation, plus the date codes). With `timezone` the
    time is first converted to that zone (DST-correct)."""
    moment = as_datetime(value)
    if timezone is not None:
        moment = require_aware(moment, value).astimezone(timezone)
    return moment.strftime(format)


@function(
    "to_iso8601",
    _D,
    "Normalize a date or datetime to ISO 8601 text.",
    returns="date | datetime",
    examples=[
        Example("2025-07-24 14:05", (), "2025-07-24T14:05:00"),
        Example("20250724", (), "2025-07-24"),
        Example(date(2025, 7, 24), (), "2025-07-24"),
    ],
)
def to_iso8601(value: Any) -> str:
    """Rewrite a date or datetime (an object or any ISO 8601 spelling, e.g. with a
    space instead of 'T' or without dashes) in the standard extended form."""
    return iso(as_temporal(value))


_FROM = Param("from_zone", ArgType.TIMEZONE, "the zone of times written without an offset")
_TO = Param("to_zone", ArgType.TIMEZONE, "the zone to express the time in")


@function(
    "convert_timezone",
    _D,
    "Convert a time from one time zone to another.",
    returns="datetime",
    params=[_FROM, _TO],
    examples=[
        Example(
            "2025-07-24T09:00:00",
            ("America/New_York", "Europe/Berlin"),
            "2025-07-24T15:00:00+02:00",
        ),
        Example(
            "2025-01-24T09:00:00",
            ("America/New_York", "Europe/Berlin"),
            "2025-01-24T15:00:00+01:00",
        ),
        Example(
            "2025-07-24T09:00:00+00:00", ("Asia/Tokyo", "Asia/Tokyo"), "2025-07-24T18:00:00+09:00"
        ),
    ],
)
def convert_timezone(value: Any, from_zone: tzinfo, to_zone: tzinfo) -> str:
    """Express the same moment in `to_zone`, with the correct daylight-saving offset.

    A time written without offset is a wall-clock time in `from_zone`; a time
    with an offset already names its moment and `from_zone` is not used. Of a
    repeated hour (clocks going back) the first is taken; a wall-clock time
    the clocks skip fails.
    """
    moment = as_datetime(value)
    if moment.tzinfo is None:
        moment = localize(moment, from_zone)
    return iso(moment.astimezone(to_zone))


@function(
    "assume_timezone",
    _D,
    "Say which time zone a time without offset is in.",
    returns="datetime",
    params=[Param("zone", ArgType.TIMEZONE, "IANA zone, e.g. 'Europe/Berlin'")],
    examples=[
        Example("2025-07-24T10:00:00", ("Europe/Berlin",), "2025-07-24T10:00:00+02:00"),
        Example("2025-12-24T10:00:00", ("Europe/Berlin",), "2025-12-24T10:00:00+01:00"),
    ],
)
def assume_timezone(value: Any, zone: tzinfo) -> str:
    """Attach the zone's offset (for that date, DST-correct) to a wall-clock time.

    A time that already has an offset is converted to the zone instead. A
    date becomes midnight in the zone.
    """
    moment = as_datetime(value)
    if moment.tzinfo is None:
        return iso(localize(moment, zone))
    return iso(moment.astimezone(zone))


@function(
    "to_utc",
    _D,
    "Convert a time to UTC.",
    returns="datetime",
    params=[
        Param(
            "assume",
            ArgType.TIMEZONE,
            "the zone of times without an offset; such times fail when omitted",
            None,
        )
    ],
    examples=[
        Example("2025-07-24T10:00:00+02:00", (), "2025-07-24T08:00:00+00:00"),
        Example("2025-03-30 02:30", ("America/Chicago",), "2025-03-30T07:30:00+00:00"),
    ],
)
def to_utc(value: Any, assume: tzinfo | None) -> str:
    """The same moment in UTC (offset +00:00)."""
    moment = as_datetime(value)
    if moment.tzinfo is None and assume is not None:
        moment = localize(moment, assume)
    return iso(require_aware(moment, value).astimezone(UTC))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNIT = Param(
    "unit",
    ArgType.STRING,
    "seconds or milliseconds since 1970-01-01 UTC",
    "seconds",
    choices=("seconds", "milliseconds"),
)


@function(
    "unix_timestamp_to_datetime",
    _D,
    "Convert a Unix timestamp to a UTC datetime.",
    returns="datetime",
    params=[_UNIT],
    examples=[
        Example(1753351200, (), "2025-07-24T10:00:00+00:00"),
        Example("1753351200500", ("milliseconds",), "2025-07-24T10:00:00.500000+00:00"),
    ],
)
def unix_timestamp_to_datetime(value: Any, unit: str) -> str:
    """The UTC datetime of a count of seconds (or milliseconds) since 1970-01-01
    00:00 UTC. Numeric text is accepted."""
    number = as_number(value)
    try:
        delta = (
            timedelta(milliseconds=number) if unit == "milliseconds" else timedelta(seconds=number)
        )
        return iso(_EPOCH + delta)
    except OverflowError:
        raise TransformError(f"timestamp {show(value)} ({unit}) is out of range") from None


@function(
    "datetime_to_unix",
    _D,
    "Convert a datetime to a Unix timestamp.",
    returns="number",
    params=[_UNIT],
    examples=[
        Example("2025-07-24T12:00:00+02:00", (), 1753351200),
        Example("2025-07-24T10:00:00.25Z", ("milliseconds",), 1753351200250),
    ],
)
def datetime_to_unix(value: Any, unit: str) -> int | float:
    """Seconds (or milliseconds) since 1970-01-01 00:00 UTC: whole when exact.

    The time must have an offset (use `assume_timezone` first otherwise).
    """
    moment = require_aware(as_datetime(value), value)
    delta = moment - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    per_unit = 1_000 if unit == "milliseconds" else 1_000_000
    whole, rest = divmod(micros, per_unit)
    return whole if rest == 0 else micros / per_unit
