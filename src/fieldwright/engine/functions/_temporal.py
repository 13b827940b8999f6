"""Reading dates and datetimes from values, and writing them back as ISO 8601 text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from fieldwright.engine.functions._common import show, type_name
from fieldwright.engine.functions.registry import TransformError

__all__ = [
    "LONGEST_ISO_DATE",
    "as_date",
    "as_datetime",
    "as_temporal",
    "iso",
    "localize",
    "require_aware",
    "strptime_any",
    "zone_name",
]

_ISO_HINT = "use parse_date or parse_datetime with a format first"
#: The longest text date.fromisoformat reads ('2025-07-24', '2025-W30-4').
LONGEST_ISO_DATE = 10
#: Fixed-width date formats read without strptime: where the year, month and day stand.
_FIXED_DATES: dict[str, tuple[slice, slice, slice, tuple[int, int], str]] = {
    "%Y-%m-%d": (slice(0, 4), slice(5, 7), slice(8, 10), (4, 7), "-"),
    "%d/%m/%Y": (slice(6, 10), slice(3, 5), slice(0, 2), (2, 5), "/"),
    "%m/%d/%Y": (slice(6, 10), slice(0, 2), slice(3, 5), (2, 5), "/"),
    "%d.%m.%Y": (slice(6, 10), slice(3, 5), slice(0, 2), (2, 5), "."),
}


def as_temporal(value: Any) -> date | datetime:
    """A date or datetime object, or ISO 8601 text read as the one it spells."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= LONGEST_ISO_DATE:  # longer text cannot be a date alone
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise TransformError(
                f"cannot read {show(value)} as an ISO 8601 date or datetime "
                f"(like 2025-07-24 or 2025-07-24T10:30:00+02:00); {_ISO_HINT}"
            ) from None
    raise TransformError(f"expected a date, got {type_name(value)} {show(value)}")


def as_date(value: Any) -> date:
    """The calendar date of a value; a datetime gives its own (local) date."""
    found = as_temporal(value)
    return found.date() if isinstance(found, datetime) else found


def as_datetime(value: Any) -> datetime:
    """A datetime; a date becomes midnight of that day (without offset)."""
    found = as_temporal(value)
    if isinstance(found, datetime):
        return found
    return datetime(found.year, found.month, found.day)


def iso(value: date) -> str:
    """ISO 8601 text: '2025-07-24' or '2025-07-24T10:30:00+02:00'."""
    return value.isoformat()


def zone_name(zone: tzinfo) -> str:
    return zone.key if isinstance(zone, ZoneInfo) else str(zone)


def localize(naive: datetime, zone: tzinfo) -> datetime:
    """Read a wall-clock time in a zone. Of a repeated hour (clocks go back) the
    first is taken; a time skipped by the clocks going forward fails."""
    aware = naive.replace(tzinfo=zone, fold=0)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise TransformError(
            f"{naive.isoformat()} does not exist in {zone_name(zone)} "
            "(the clocks jump forward over it)"
        )
    return aware


def require_aware(moment: datetime, original: Any) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TransformError(
            f"{show(original)} has no UTC offset; add an assume_timezone step first "
            "to say which zone it is in"
        )
    return moment


def _fits(text: str, fixed: tuple[slice, slice, slice, tuple[int, int], str]) -> bool:
    """`text` is ten ASCII digits and separators where a fixed format puts them: then
    its parts are what strptime would read (and the same dates are impossible)."""
    _year, _month, _day, (first, second), sep = fixed
    return (
        len(text) == 10
        and text[first] == sep
        and text[second] == sep
        and text.isascii()
        and (text[:first] + text[first + 1 : second] + text[second + 1 :]).isdigit()
    )


def strptime_any(value: Any, formats: Sequence[str], kind: str) -> datetime:
    """Parse text with the first of `formats` that fits; the error names them all."""
    text = value.strip() if isinstance(value, str) else None
    if text is None:
        raise TransformError(
            f"expected text to parse as a {kind}, got {type_name(value)} {show(value)}"
        )
    for fmt in formats:
        try:
            fixed = _FIXED_DATES.get(fmt)
            if fixed is not None and _fits(text, fixed):
                year, month, day, _seps, _sep = fixed
                return datetime(int(text[year]), int(text[month]), int(text[day]))
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    if len(formats) == 1:
        described = f"format {formats[0]!r}"
    else:
        described = "any of the formats " + ", ".join(repr(f) for f in formats)
    raise TransformError(f"cannot parse {show(value)} as a {kind} with {described}")
