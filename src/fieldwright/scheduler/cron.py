"""Five-field cron expressions: parse with clear errors, match days, describe in words.

Fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or jan-dec),
day of week (0-7 or sun-sat; 0 and 7 are Sunday). Each field is ``*``, a value, a range
``a-b``, a step ``*/n``, ``a-b/n`` or ``a/n``, or a comma list of those. The macros
``@hourly @daily @midnight @weekly @monthly @yearly @annually`` are accepted.

Day matching follows Vixie cron (and POSIX): when both the day of month and the day of
week are restricted (neither starts with ``*``), a day matches if *either* matches;
otherwise both must.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

__all__ = ["CronError", "CronExpression", "describe_cron"]

MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12))
WEEKDAY = ("day of week", 0, 7)
MONTH_NAMES = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
DAY_NAMES = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
DAY_WORDS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MONTH_WORDS = tuple(calendar.month_name)
#: The most days each month can have (February in a leap year).
MAX_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class CronError(ValueError):
    """A cron expression that cannot be used; the message names the field."""


def _value(text: str, name: str, low: int, high: int, names: dict[str, int]) -> int:
    lowered = text.lower()
    if lowered in names:
        return names[lowered]
    if not text.isdigit():
        raise CronError(f"cron field {name} ({text!r}): not a number")
    number = int(text)
    if not low <= number <= high:
        raise CronError(f"cron field {name}: {number} is outside {low}-{high}")
    return number


def _field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        if not item:
            raise CronError(f"cron field {name} ({text!r}): empty list item")
        body, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"cron field {name} ({item!r}): the step must be a number ≥ 1")
            step = int(step_text)
        if body == "*":
            first, last = low, high
        elif "-" in body:
            start_text, _, end_text = body.partition("-")
            first = _value(start_text, name, low, high, names)
            last = _value(end_text, name, low, high, names)
            if last < first:
                raise CronError(f"cron field {name} ({item!r}): the range runs backwards")
        else:
            first = _value(body, name, low, high, names)
            last = high if step_text else first
        values.update(range(first, last + 1, step))
    return frozenset(values)


@dataclass(frozen=True, slots=True)
class CronExpression:
    text: str
    fields: tuple[str, str, str, str, str]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    #: 0 = Sunday … 6 = Saturday.
    weekdays: frozenset[int]

    @classmethod
    def parse(cls, text: str) -> CronExpression:
        expanded = MACROS.get(text.strip().lower(), text)
        parts = expanded.split()
        if len(parts) != 5:
            raise CronError(
                f"cron expression {text!r} has {len(parts)} fields; it needs 5: minute, hour, "
                "day of month, month, day of week (e.g. '30 9 * * 1-5')"
            )
        parsed = [
            _field(part, name, low, high, MONTH_NAMES if name == "month" else {})
            for part, (name, low, high) in zip(parts[:4], FIELDS, strict=True)
        ]
        weekdays = _field(parts[4], WEEKDAY[0], WEEKDAY[1], WEEKDAY[2], DAY_NAMES)
        weekdays = frozenset(day % 7 for day in weekdays)
        fields = (parts[0], parts[1], parts[2], parts[3], parts[4])
        minutes, hours, days, months = parsed
        expression = cls(text, fields, minutes, hours, days, months, weekdays)
        expression._check_some_day_exists()
        return expression

    def _check_some_day_exists(self) -> None:
        if not self.restricts_day_of_month or self.restricts_day_of_week:
            return  # every month has every weekday, and an OR always finds days
        if not any(day <= MAX_DAYS[month] for month in self.months for day in self.days):
            raise CronError(
                f"cron expression {self.text!r} never fires: no month among "
                f"{self.fields[3]!r} has a day {self.fields[2]!r}"
            )

    @property
    def restricts_day_of_month(self) -> bool:
        return not self.fields[2].startswith("*")

    @property
    def restricts_day_of_week(self) -> bool:
        return not self.fields[4].startswith("*")

    @property
    def wildcard_time(self) -> bool:
        """A ``*`` in the minute or hour field: the job runs "by the clock", not at a fixed
        time of day (decides its behaviour across DST changes, as in Vixie cron)."""
        return self.fields[0].startswith("*") or self.fields[1].startswith("*")

    def seconds_of_day(self) -> list[int]:
        return sorted(h * 3600 + m * 60 for h in self.hours for m in self.minutes)

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        by_date = day.day in self.days
        by_weekday = (day.weekday() + 1) % 7 in self.weekdays
        if self.restricts_day_of_month and self.restricts_day_of_week:
            return by_date or by_weekday
        return by_date and by_weekday


def _runs(values: frozenset[int]) -> list[tuple[int, int]]:
    ordered = sorted(values)
    runs: list[tuple[int, int]] = []
    for value in ordered:
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _span(values: frozenset[int], word: tuple[str, ...] | None = None) -> str:
    def name(value: int) -> str:
        return word[value] if word else str(value)

    parts = []
    for first, last in _runs(values):
        if last - first >= 2:
            parts.append(f"{name(first)} through {name(last)}")
        else:
            parts.extend(name(value) for value in range(first, last + 1))
    return _join(parts)


def _step(field: str) -> int | None:
    return int(field[2:]) if field.startswith("*/") and field[2:].isdigit() else None


def _time_phrase(cron: CronExpression) -> tuple[str, bool]:
    """The time-of-day part, and whether it names fixed times ("at 09:30")."""
    minute, hour = cron.fields[0], cron.fields[1]
    if hour == "*" and minute == "*":
        return "every minute", False
    if hour == "*" and _step(minute):
        return f"every {_step(minute)} minutes", False
    if hour == "*" and len(cron.minutes) == 1:
        (value,) = cron.minutes
        return ("every hour, on the hour" if value == 0 else f"every hour at minute {value}"), False
    if _step(hour) and len(cron.minutes) == 1:
        (value,) = cron.minutes
        return f"every {_step(hour)} hours at minute {value}", False
    if len(cron.hours) * len(cron.minutes) <= 6 and not cron.wildcard_time:
        times = [f"{s // 3600:02d}:{s % 3600 // 60:02d}" for s in cron.seconds_of_day()]
        return f"at {_join(times)}", True
    minutes = "every minute" if minute == "*" else f"minute {_span(cron.minutes)}"
    hours = "every hour" if hour == "*" else f"hour {_span(cron.hours)}"
    return f"at {minutes} of {hours}", False


def describe_cron(expression: str | CronExpression) -> str:
    """A faithful description in words: 'every day at 03:00', 'every 15 minutes',
    'at 09:30 on Monday through Friday', 'on day 1 of the month at 06:00'."""
    cron = (
        expression if isinstance(expression, CronExpression) else CronExpression.parse(expression)
    )
    when, fixed = _time_phrase(cron)
    dom = cron.restricts_day_of_month
    dow = cron.restricts_day_of_week
    plural = "s" if len(cron.days) > 1 else ""
    day_of_month = f"on day{plural} {_span(cron.days)} of the month"
    weekday = f"on {_span(cron.weekdays, DAY_WORDS)}"
    if dom and dow:
        text = f"{when} {day_of_month} or {weekday}"
    elif dom:
        text = f"{day_of_month} {when}" if fixed else f"{when} {day_of_month}"
    elif dow:
        text = f"{when} {weekday}"
    else:
        text = f"every day {when}" if fixed else when
    if not cron.fields[3].startswith("*") or len(cron.months) < 12:
        text += f" in {_span(cron.months, MONTH_WORDS)}"
    return text
