"""The schedule editor's cron builder: a pattern ("Weekdays at HH:MM") and its inputs,
written into the cron field as a cron expression when the analyst asks.

`build_cron` is the pattern's expression (no Qt); `CronBuilder` binds the builder's
widgets of `ui/schedule_editor.ui` by name.
"""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import QTime
from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton, QSpinBox, QTimeEdit, QWidget

from fieldwright.app.shell.forms import Form

__all__ = ["PATTERNS", "CronBuilder", "build_cron"]

PATTERNS = (
    ("every", "Every N minutes"),
    ("hourly", "Hourly at :MM"),
    ("daily", "Daily at HH:MM"),
    ("weekdays", "Weekdays at HH:MM"),
    ("weekly", "Weekly on a day at HH:MM"),
    ("monthly", "Monthly on day D at HH:MM"),
)
#: Which builder inputs each pattern uses.
PATTERN_INPUTS = {
    "every": {"builder_every"},
    "hourly": {"builder_minute"},
    "daily": {"builder_time"},
    "weekdays": {"builder_time"},
    "weekly": {"builder_weekday", "builder_time"},
    "monthly": {"builder_day", "builder_time"},
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def build_cron(
    pattern: str,
    *,
    every: int = 15,
    minute: int = 0,
    at: time = time(6),
    weekday: int = 0,
    day: int = 1,
) -> str:
    """The cron expression of a builder pattern; `weekday` 0 = Monday … 6 = Sunday."""
    if pattern == "every":
        return f"*/{every} * * * *"
    if pattern == "hourly":
        return f"{minute} * * * *"
    hour_minute = f"{at.minute} {at.hour}"
    if pattern == "daily":
        return f"{hour_minute} * * *"
    if pattern == "weekdays":
        return f"{hour_minute} * * 1-5"
    if pattern == "weekly":
        return f"{hour_minute} * * {(weekday + 1) % 7}"
    if pattern == "monthly":
        return f"{hour_minute} {day} * *"
    raise ValueError(f"unknown cron pattern {pattern!r}")


class CronBuilder:
    """The builder's widgets in the editor's form: only the chosen pattern's inputs show;
    its "fill" button writes the expression into the cron field."""

    def __init__(self, ui: Form) -> None:
        self.ui = ui
        self.pattern = ui.child(QComboBox, "builder_pattern")
        for value, text in PATTERNS:
            self.pattern.addItem(text, value)
        self.weekday = ui.child(QComboBox, "builder_weekday")
        self.weekday.addItems(list(WEEKDAYS))
        self.at = ui.child(QTimeEdit, "builder_time")
        self.at.setTime(QTime(6, 0))
        self.show_inputs()

    def connect(self) -> None:
        """Follow the pattern box and the fill button."""
        self.pattern.currentIndexChanged.connect(self.show_inputs)
        self.ui.child(QPushButton, "builder_fill").clicked.connect(self.fill)

    def show_inputs(self) -> None:
        used = PATTERN_INPUTS[str(self.pattern.currentData())]
        for name in ("builder_every", "builder_minute", "builder_weekday", "builder_day"):
            self.ui.child(QWidget, name).setVisible(name in used)
        self.at.setVisible("builder_time" in used)

    def fill(self) -> None:
        """Write the builder's pattern into the cron field."""
        at = self.at.time()
        self.ui.child(QLineEdit, "cron").setText(
            build_cron(
                str(self.pattern.currentData()),
                every=self.ui.child(QSpinBox, "builder_every").value(),
                minute=self.ui.child(QSpinBox, "builder_minute").value(),
                at=time(at.hour(), at.minute()),
                weekday=self.weekday.currentIndex(),
                day=self.ui.child(QSpinBox, "builder_day").value(),
            )
        )
