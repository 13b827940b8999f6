"""The Schedules page: schedule list, month/week calendar and the schedule editor."""
