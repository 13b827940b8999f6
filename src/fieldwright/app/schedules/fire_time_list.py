"""The schedule editor's list of the next fire times of the schedule as it stands.

The times are the scheduler's own (`validate_schedule` and its `Plan`, through the
service), counted from the editor's clock and shown in the schedule's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QLabel, QListWidget

from fieldwright.app.schedules.schedule_text import fire_time_text
from fieldwright.domain.store_models import ScheduleRecord
from fieldwright.service import validate_schedule as check_schedule

__all__ = ["NEXT_COUNT", "FireTimeList"]

NEXT_COUNT = 10


class FireTimeList:
    """Fills the list and its title; a schedule the scheduler rejects raises
    `InvalidSchedule` (the list is then empty)."""

    def __init__(self, times: QListWidget, title: QLabel, clock: Callable[[], datetime]) -> None:
        self.times, self.title, self.clock = times, title, clock
        #: The fire times the list shows (UTC), and the moment they were counted from.
        self.next_times: list[datetime] = []
        self.counted_from: datetime | None = None

    def show(self, record: ScheduleRecord | None) -> None:
        """The next fire times of `record`; None: the form has problems to fix first."""
        times, title = self.times, self.title
        times.clear()
        self.next_times = []
        if record is None:
            title.setText(f"Next {NEXT_COUNT} fire times")
            times.addItem("— fix the marked fields to see them —")
            return
        plan = check_schedule(record)
        zone = ZoneInfo(record.timezone)
        title.setText(f"Next {NEXT_COUNT} fire times ({record.timezone})")
        now = self.counted_from = self.clock()
        moment = plan.first_from(now)
        while moment is not None and len(self.next_times) < NEXT_COUNT:
            self.next_times.append(moment)
            moment = plan.next_after(moment)
        if not plan.fires_on_its_own:
            times.addItem("Manual: it fires only when you press Run now.")
        elif not self.next_times:
            times.addItem("It does not fire again (its end date has passed).")
        for moment in self.next_times:
            times.addItem(fire_time_text(moment, zone))
        if not record.active and self.next_times:
            times.addItem("(paused: these apply once it is active)")
