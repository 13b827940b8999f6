"""When a schedule fires: validated fire-time plans, computed fast and DST-correct.

A `Plan` is built from a `ScheduleRecord` (`Plan.of`, which validates it). Fire times
are timezone-aware UTC datetimes. Wall-clock schedules (cron, fixed daily times) are
evaluated in the schedule's IANA zone; across DST changes they follow Vixie cron:

- **Spring forward** (a local time that does not exist, e.g. 02:30 in New York on the
  second Sunday of March): a *fixed-time* schedule (no ``*`` in the minute or hour field;
  fixed daily times) fires at the end of the gap (03:00 local), once, even when several of
  its times fall into the gap; a *wildcard* schedule (``*/15 * * * *``, ``5 * * * *``)
  has no fire times in the missing hour: it keeps running by the clock.
- **Fall back** (a local time that happens twice): a fixed-time schedule fires once, at
  the first occurrence; a wildcard schedule fires at both (every 15 minutes stays every
  15 minutes).

Interval schedules count elapsed time from an anchor (local midnight of the start date,
else 2000-01-01 00:00 in the zone) and ignore DST. Start and end dates are local dates,
both inclusive. Manual and event-based schedules never fire on their own.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fieldwright.domain.store_models import ScheduleKind, ScheduleRecord
from fieldwright.scheduler.cron import CronError, CronExpression

__all__ = ["InvalidSchedule", "Plan", "fire_times", "validate_schedule"]

ONE_DAY = timedelta(days=1)
TINY = timedelta(microseconds=1)
DEFAULT_ANCHOR = date(2000, 1, 1)
#: How far ahead `next_after` looks before it decides a schedule never fires again.
HORIZON = timedelta(days=366 * 9)


class InvalidSchedule(ValueError):
    """A schedule that cannot fire as written; the message says what to change."""


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidSchedule(
            f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin' or "
            "'America/New_York'"
        ) from exc


def _local_midnight(day: date, tz: tzinfo) -> datetime:
    """The first instant of a local day (a midnight in a DST gap moves to the gap's end)."""
    return _resolve(datetime(day.year, day.month, day.day), tz, wildcard=False)[0]


@lru_cache(maxsize=200_000)
def _day_base(tz: tzinfo, ordinal: int) -> datetime | None:
    """UTC instant of local 00:00 on a day without a UTC-offset change, else None."""
    day = date.fromordinal(ordinal)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    end = start + ONE_DAY  # wall-clock arithmetic: the next local midnight
    offset = start.utcoffset()
    if offset is None or offset != end.utcoffset() or start.fold != 0:
        return None
    mid = start + timedelta(hours=12)
    if mid.utcoffset() != offset:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - offset


def _transition(before: datetime, after: datetime, tz: tzinfo) -> datetime:
    """The instant the UTC offset changes between `before` and `after` (UTC, to 1 s)."""
    old = before.astimezone(tz).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(tz).utcoffset() == old:
            before = middle
        else:
            after = middle
    return after.replace(microsecond=0) if after.microsecond else after


def _resolve(naive: datetime, tz: tzinfo, *, wildcard: bool) -> list[datetime]:
    """The UTC instants a local wall-clock time stands for, by the DST rules above."""
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first == second:
        return [first]
    if first < second:  # happens twice (fall back)
        return [first, second] if wildcard else [first]
    return [] if wildcard else [_transition(second, first, tz)]  # does not exist


class EveryInterval(Sequence[datetime]):
    """`size` instants `step` apart from `first`, each computed when read."""

    __slots__ = ("first", "size", "step")

    def __init__(self, first: datetime, step: timedelta, size: int) -> None:
        self.first, self.step, self.size = first, step, size

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> datetime: ...

    @overload
    def __getitem__(self, index: slice) -> list[datetime]: ...

    def __getitem__(self, index: int | slice) -> datetime | list[datetime]:
        if isinstance(index, slice):
            return [self.first + i * self.step for i in range(*index.indices(self.size))]
        at = index + self.size if index < 0 else index
        if not 0 <= at < self.size:
            raise IndexError("fire time index out of range")
        return self.first + at * self.step

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EveryInterval | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Plan:
    key: str
    kind: ScheduleKind
    tz: ZoneInfo
    #: Seconds after local midnight of each wall-clock fire time, sorted.
    seconds: tuple[int, ...] = ()
    cron: CronExpression | None = None
    interval: timedelta | None = None
    anchor: datetime | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None  # exclusive

    @classmethod
    def of(cls, schedule: ScheduleRecord) -> Plan:
        """The plan of a schedule; raises InvalidSchedule with a message naming the problem."""
        tz = zone(schedule.timezone)
        if schedule.start_date and schedule.end_date and schedule.end_date < schedule.start_date:
            raise InvalidSchedule(
                f"schedule {schedule.key!r}: the end date {schedule.end_date} is before the "
                f"start date {schedule.start_date}"
            )
        start = _local_midnight(schedule.start_date, tz) if schedule.start_date else None
        end = _local_midnight(schedule.end_date + ONE_DAY, tz) if schedule.end_date else None
        key, kind = schedule.key, schedule.kind
        if schedule.kind is ScheduleKind.CRON:
            try:
                cron = CronExpression.parse(schedule.cron or "")
            except CronError as exc:
                raise InvalidSchedule(f"schedule {schedule.key!r}: {exc}") from exc
            seconds = tuple(cron.seconds_of_day())
            return cls(key, kind, tz, seconds, cron, None, None, start, end)
        if schedule.kind is ScheduleKind.FIXED_TIME:
            if not schedule.fixed_times:
                raise InvalidSchedule(f"schedule {schedule.key!r}: give at least one time of day")
            times = {t.hour * 3600 + t.minute * 60 + t.second for t in schedule.fixed_times}
            return cls(key, kind, tz, tuple(sorted(times)), None, None, None, start, end)
        if schedule.kind is ScheduleKind.INTERVAL:
            if not schedule.interval_seconds or schedule.interval_seconds < 1:
                raise InvalidSchedule(f"schedule {schedule.key!r}: the interval must be ≥ 1 s")
            anchor = start or _local_midnight(DEFAULT_ANCHOR, tz)
            interval = timedelta(seconds=schedule.interval_seconds)
            return cls(key, kind, tz, (), None, interval, anchor, start, end)
        return cls(key, kind, tz)  # manual, event-based: never fire on their own

    @property
    def fires_on_its_own(self) -> bool:
        return bool(self.seconds) or self.interval is not None

    @property
    def wildcard(self) -> bool:
        return self.cron is not None and self.cron.wildcard_time

    def between(self, start: datetime, end: datetime) -> Sequence[datetime]:
        """Fire times in [start, end), in order (an interval's are computed as read: a
        month of a 1-second schedule is 2.6 million of them)."""
        low = max(start, self.window_start) if self.window_start else start
        high = min(end, self.window_end) if self.window_end else end
        if low >= high or not self.fires_on_its_own:
            return []
        if self.interval is not None and self.anchor is not None:
            return self._interval_between(low, high)
        return self._wall_between(low, high)

    def _interval_between(self, low: datetime, high: datetime) -> Sequence[datetime]:
        assert self.interval is not None and self.anchor is not None
        count = max(0, -((self.anchor - low) // self.interval))  # ceil((low - anchor) / step)
        current = self.anchor + count * self.interval
        many = max(0, -((current - high) // self.interval))  # ceil((high - current) / step)
        return EveryInterval(current, self.interval, many)

    def _wall_between(self, low: datetime, high: datetime) -> list[datetime]:
        day = low.astimezone(self.tz).date() - ONE_DAY
        last = high.astimezone(self.tz).date()
        deltas = [timedelta(seconds=s) for s in self.seconds]
        matches = self.cron.matches_day if self.cron is not None else None
        out: list[datetime] = []
        while day <= last:
            if matches is None or matches(day):
                base = _day_base(self.tz, day.toordinal())
                if base is not None:
                    out += [base + delta for delta in deltas]
                else:
                    out += self._transition_day(day)
            day += ONE_DAY
        # Local days follow each other and each day's times are sorted, so `out` is in
        # order: cut the ends off by bisection instead of testing every time.
        first, stop = bisect_left(out, low), bisect_left(out, high)
        return out[first:stop] if first or stop < len(out) else out

    def _transition_day(self, day: date) -> list[datetime]:
        midnight = datetime(day.year, day.month, day.day)
        found: set[datetime] = set()
        for second in self.seconds:
            naive = midnight + timedelta(seconds=second)
            found.update(_resolve(naive, self.tz, wildcard=self.wildcard))
        return sorted(found)

    def next_after(self, after: datetime) -> datetime | None:
        """The first fire time strictly after `after`, or None when there is none."""
        start = after + TINY
        span = timedelta(days=2)
        while start - after < HORIZON:
            if self.window_end is not None and start >= self.window_end:
                return None
            found = self.between(start, start + span)
            if found:
                return found[0]
            start += span
            span = min(span * 4, timedelta(days=400))
        return None

    def first_from(self, moment: datetime) -> datetime | None:
        """The first fire time at or after `moment`."""
        return self.next_after(moment - TINY)


def validate_schedule(schedule: ScheduleRecord) -> Plan:
    """Check a schedule before it is saved: its zone, cron fields, dates; and that it fires
    at all between its start and end dates. Returns its plan."""
    plan = Plan.of(schedule)
    if plan.fires_on_its_own and plan.window_end is not None:
        begin = plan.window_start or plan.window_end - HORIZON
        if not plan.between(begin, plan.window_end):
            raise InvalidSchedule(
                f"schedule {schedule.key!r} never fires between {schedule.start_date or 'now'} "
                f"and {schedule.end_date}"
            )
    return plan


def fire_times(
    schedules: Iterable[ScheduleRecord], start: datetime, end: datetime
) -> list[tuple[str, datetime]]:
    """Every planned fire time in [start, end) of the active schedules, ordered by time then
    schedule key (the calendar). Raises InvalidSchedule for a schedule that cannot fire."""
    out: list[tuple[str, datetime]] = []
    for schedule in schedules:
        if not schedule.active:
            continue
        key = schedule.key
        out.extend((key, moment) for moment in Plan.of(schedule).between(start, end))
    out.sort(key=lambda item: (item[1], item[0]))
    return out
