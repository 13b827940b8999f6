"""What the Schedules page's calendar shows: planned fire times and past executions per day.

`CalendarData` holds what a period shows, in ONE display time zone: the planned fire
times of the active schedules (from the scheduler's `Plan` via the service, kept per schedule as
sorted UTC instants and cut into days by binary search on the local midnights, so a
month of 1,000 schedules stays cheap) and the past executions coloured by status. A day
cell shows one line per schedule and status ("01:30 Nightly sync", "00:00 Poll ×24"),
as many as fit, then "+k more"; the day's agenda lists every item. `month_days` and
`week_days` are the periods a month or a week view shows. No Qt here: the widget that
paints it is `ScheduleCalendar` (calendar.py).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

from fieldwright.domain.store_models import ScheduleExecutionRecord, ScheduleRecord
from fieldwright.service import Plan

__all__ = [
    "ONE_DAY",
    "PLANNED",
    "CalendarData",
    "CalendarItem",
    "DayGroup",
    "local_midnight",
    "month_days",
    "week_days",
]

#: The status of a fire time still to come.
PLANNED = "planned"
ONE_DAY = timedelta(days=1)


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The UTC instant a day starts in a zone."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


class CalendarItem(NamedTuple):
    """One line of a day's agenda: a planned fire time or a past execution (a named
    tuple: a busy day has thousands)."""

    when: datetime  #: in the display zone
    schedule_key: str
    name: str
    mapping_key: str
    status: str  #: PLANNED or a RunStatus value
    attempt: int = 1
    run_key: str | None = None


class DayGroup(NamedTuple):
    """One line of a day cell: a schedule's items of one status that day."""

    first: datetime  #: in the display zone
    schedule_key: str
    name: str
    status: str
    #: How many items it stands for.
    fires: int

    @property
    def text(self) -> str:
        return f"{self.first:%H:%M} {self.name}"

    @property
    def times(self) -> str:
        """ "×24" for a schedule firing 24 times that day; "" for once."""
        return f"×{self.fires}" if self.fires > 1 else ""


class CalendarData:
    """The planned and past items of the days `first`…`last` in the zone `tz`."""

    def __init__(self, first: date, last: date, tz: ZoneInfo) -> None:
        self.first, self.last, self.tz = first, last, tz
        self.days = [first + ONE_DAY * n for n in range((last - first).days + 1)]
        #: UTC instants of each day's local midnight, and the one after the last day.
        self.bounds = [local_midnight(day, tz) for day in [*self.days, last + ONE_DAY]]
        self.schedules: dict[str, ScheduleRecord] = {}
        self._planned: dict[str, Sequence[datetime]] = {}
        #: Per day: (first fire time UTC, schedule name, key, start, stop) of each schedule
        #: firing that day; `_planned[key][start:stop]` are its fire times that day.
        self._ranges: dict[date, list[tuple[datetime, str, str, int, int]]] = {}
        self._past: dict[date, list[CalendarItem]] = {}
        self._groups: dict[date, list[DayGroup]] = {}
        self._lines: dict[tuple[date, int], tuple[list[DayGroup], int]] = {}

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[-1]

    @classmethod
    def build(
        cls,
        first: date,
        last: date,
        tz: ZoneInfo,
        plans: Mapping[str, tuple[ScheduleRecord, Plan]],
        executions: Iterable[ScheduleExecutionRecord],
        now: datetime,
    ) -> CalendarData:
        """Planned fire times from `now` on (earlier ones are in the executions)."""
        data = cls(first, last, tz)
        data.schedules = {key: record for key, (record, _plan) in plans.items()}
        low = max(data.start, now)
        for key, (record, plan) in plans.items():
            if record.active and low < data.end:
                data.add_planned(key, plan.between(low, data.end))
        for execution in executions:
            data.add_execution(execution)
        return data

    def add_planned(self, key: str, times: Sequence[datetime]) -> None:
        """A schedule's fire times (sorted UTC instants inside the period)."""
        if not times:
            return
        self._planned[key] = times
        bounds, count = self.bounds, len(times)
        name = self._schedule(key)[0]
        index = 0
        day = bisect_right(bounds, times[0]) - 1
        while index < count and day < len(self.days):
            stop = bisect_left(times, bounds[day + 1], index)
            if stop > index:
                entry = (times[index], name, key, index, stop)
                self._ranges.setdefault(self.days[day], []).append(entry)
                index = stop
            day += 1
        self._groups.clear()
        self._lines.clear()

    def add_execution(self, execution: ScheduleExecutionRecord) -> None:
        moment = execution.scheduled_at
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        local = moment.astimezone(self.tz)
        if not self.first <= local.date() <= self.last:
            return
        record = self.schedules.get(execution.schedule_key)
        item = CalendarItem(
            local,
            execution.schedule_key,
            record.name if record else execution.schedule_key,
            record.mapping_key if record else "",
            execution.status.value,
            execution.attempt,
            execution.run_key,
        )
        self._past.setdefault(local.date(), []).append(item)
        self._groups.clear()
        self._lines.clear()

    def _schedule(self, key: str) -> tuple[str, str]:
        record = self.schedules.get(key)
        return (record.name, record.mapping_key) if record else (key, "")

    def items(self, day: date) -> list[CalendarItem]:
        """Every item of a day, by time: its agenda."""
        out = list(self._past.get(day, []))
        for _first, name, key, start, stop in self._ranges.get(day, []):
            mapping = self._schedule(key)[1]
            out.extend(
                CalendarItem(moment.astimezone(self.tz), key, name, mapping, PLANNED)
                for moment in self._planned[key][start:stop]
            )
        out.sort(key=lambda item: (item.when, item.name, item.schedule_key))
        return out

    def _past_groups(self, day: date) -> list[DayGroup]:
        past: dict[tuple[str, str], list[CalendarItem]] = {}
        for item in self._past.get(day, []):
            past.setdefault((item.schedule_key, item.status), []).append(item)
        return [
            DayGroup(min(item.when for item in items), key, items[0].name, status, len(items))
            for (key, status), items in past.items()
        ]

    def _planned_group(self, entry: tuple[datetime, str, str, int, int]) -> DayGroup:
        first, name, key, start, stop = entry
        return DayGroup(first.astimezone(self.tz), key, name, PLANNED, stop - start)

    def groups(self, day: date) -> list[DayGroup]:
        """Every line a day cell could show, by first time."""
        cached = self._groups.get(day)
        if cached is None:
            cached = [self._planned_group(e) for e in self._ranges.get(day, [])]
            cached.extend(self._past_groups(day))
            cached.sort(key=_group_order)
            self._groups[day] = cached
        return cached

    def lines(self, day: date, limit: int) -> tuple[list[DayGroup], int]:
        """The first `limit` lines of a day cell, and how many it has: a cell shows a few
        of hundreds, so only those few are made (the month view of 1,000 schedules)."""
        cached = self._lines.get((day, limit))
        if cached is None:
            ranges = self._ranges.get(day, [])
            past = self._past_groups(day)
            firsts = [self._planned_group(e) for e in heapq.nsmallest(limit, ranges)]
            shown = sorted(firsts + past, key=_group_order)[: max(limit, 0)]
            cached = self._lines[(day, limit)] = (shown, len(ranges) + len(past))
        return cached

    def count(self, day: date) -> int:
        planned = sum(entry[4] - entry[3] for entry in self._ranges.get(day, []))
        return planned + len(self._past.get(day, []))

    def statuses(self, day: date) -> dict[str, int]:
        """How many items of each status a day has."""
        out: dict[str, int] = {}
        for group in self.groups(day):
            out[group.status] = out.get(group.status, 0) + group.fires
        return out


def _group_order(group: DayGroup) -> tuple[datetime, str, str]:
    return group.first, group.name, group.status


def month_days(anchor: date) -> tuple[date, date]:
    """The six weeks (Monday first) a month view of `anchor`'s month shows."""
    first = anchor.replace(day=1)
    start = first - ONE_DAY * first.weekday()
    return start, start + ONE_DAY * 41


def week_days(anchor: date) -> tuple[date, date]:
    start = anchor - ONE_DAY * anchor.weekday()
    return start, start + ONE_DAY * 6
