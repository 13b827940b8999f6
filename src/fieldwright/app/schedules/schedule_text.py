"""Schedules in words, and words read back: what a schedule does, a fire time, a new
schedule's key, and the fixed times of day an analyst types ("06:00, 18:30").

No Qt here: the Schedules page's list and the schedule editor use these.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, time
from zoneinfo import ZoneInfo

from fieldwright.service import DURATION_UNITS

__all__ = [
    "UNITS",
    "fire_time_text",
    "new_schedule_key",
    "parse_fixed_times",
]

UNITS = DURATION_UNITS
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")
_MAPPING = re.compile(r"^(?:mapping|pipeline)_(?P<body>.+?)(?:_\d{8})?$")


def new_schedule_key(mapping_key: str, name: str, taken: Collection[str]) -> str:
    """``schedule_{SRC}_{TGT}_{CLIENT}_{name}`` from the mapping's (or pipeline's) key, unique
    among `taken`."""
    match = _MAPPING.match(mapping_key)
    stem = _UNSAFE.sub("_", match.group("body") if match else mapping_key).strip("_")
    slug = _UNSAFE.sub("_", name).strip("_").lower() or "schedule"
    key = f"schedule_{stem}_{slug}"[:180].rstrip("_")
    candidate, number = key, 2
    while candidate in taken:
        candidate, number = f"{key}_{number}", number + 1
    return candidate


def fire_time_text(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a %d %b %Y   %H:%M} {local.tzname() or ''}".rstrip()


def parse_fixed_times(text: str) -> tuple[list[time], str]:
    """The times of day in "06:00, 18:30:15" (sorted, once each), or [] and the problem."""
    found: list[time] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _TIME.match(part)
        hour, minute, second = (int(g or 0) for g in match.groups()) if match else (99, 0, 0)
        if hour > 23 or minute > 59 or second > 59:
            return [], f"“{part}” is not a time of day; write HH:MM, e.g. 06:30"
        found.append(time(hour, minute, second))
    if not found:
        return [], "Give at least one time of day, e.g. 06:00, 18:00"
    return sorted(set(found)), ""
