"""The schedule editor: a dialog over `ui/schedule_editor.ui`, bound by widget names.

Every change re-checks the schedule (debounced) with the scheduler's own helpers, through
the service: `describe_cron` for the cron field and `validate_schedule` + its `Plan`
for the next 10 fire times. A problem is written in red next to its field and
the OK button stays disabled until it is fixed. Save goes through the service.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt, QTime, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.shell.forms import Form
from fieldwright.app.shell.zones import local_zone_name, setup_zone_combo, zone_names
from fieldwright.domain.store_models import (
    Backoff,
    MappingSummary,
    MissedRunPolicy,
    RetryPolicy,
    ScheduleKind,
    ScheduleRecord,
)
from fieldwright.service import InvalidSchedule, Service, ServiceError, describe_cron
from fieldwright.service import validate_schedule as check_schedule

__all__ = [
    "ScheduleEditor",
    "build_cron",
    "describe_schedule",
    "fire_time_text",
    "new_schedule_key",
]

KINDS = (
    (ScheduleKind.CRON, "Cron expression"),
    (ScheduleKind.INTERVAL, "Interval"),
    (ScheduleKind.FIXED_TIME, "Fixed times of day"),
    (ScheduleKind.MANUAL, "Manual"),
)
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
UNITS = (("seconds", 1), ("minutes", 60), ("hours", 3600), ("days", 86400))
MISSED = {
    MissedRunPolicy.RUN_ONCE: "Run once when back",
    MissedRunPolicy.RUN_ALL: "Run every missed time",
    MissedRunPolicy.SKIP: "Skip them",
}
BACKOFFS = {
    Backoff.EXPONENTIAL_JITTER: "Exponential with jitter",
    Backoff.LINEAR: "Linear",
    Backoff.FIXED: "Fixed",
}
#: Fields with a red problem label next to them (`<field>_error`), and the form's own.
ERROR_FIELDS = ("name", "mapping", "timezone", "dates", "cron", "interval", "fixed", "retry")
NEXT_COUNT = 10
DEBOUNCE_MS = 200
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")
_SCHEDULE_PREFIX = re.compile(r"^schedule '[^']*'(: )?")
_MAPPING = re.compile(r"^mapping_(?P<body>.+?)(?:_\d{8})?$")

_W = TypeVar("_W", bound=QWidget)


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


def _duration(seconds: int) -> str:
    for unit, size in reversed(UNITS):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit.rstrip('s') if count == 1 else unit}"
    return f"{seconds} seconds"


def describe_schedule(record: ScheduleRecord) -> str:
    """What a schedule does, in words, for the list and the editor."""
    if record.kind is ScheduleKind.CRON:
        try:
            return describe_cron(record.cron or "")
        except InvalidSchedule as exc:
            return f"invalid: {exc}"
    if record.kind is ScheduleKind.INTERVAL and record.interval_seconds:
        seconds = record.interval_seconds
        return "every second" if seconds == 1 else f"every {_duration(seconds)}"
    if record.kind is ScheduleKind.FIXED_TIME:
        times = ", ".join(
            t.strftime("%H:%M:%S" if t.second else "%H:%M") for t in record.fixed_times
        )
        return f"every day at {times}"
    if record.kind is ScheduleKind.EVENT_BASED:
        return "on an event"
    return "by hand only (Run now)"


def new_schedule_key(mapping_key: str, name: str, taken: Collection[str]) -> str:
    """``schedule_{SRC}_{TGT}_{CLIENT}_{name}`` from the mapping key, unique among `taken`."""
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


def _set_role(widget: QWidget, role: str) -> None:
    """Style a widget by the theme's `role` property (re-polished: it may be styled already)."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class ScheduleEditor(QDialog):
    """Create (no `schedule`) or edit a schedule; `saved` holds what the service stored."""

    def __init__(
        self,
        service: Service,
        mappings: Sequence[MappingSummary],
        *,
        schedule: ScheduleRecord | None = None,
        mapping_key: str | None = None,
        taken_keys: Collection[str] = (),
        clock: Callable[[], datetime] | None = None,
        default_zone: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("schedule_editor")
        #: The zone a new schedule starts in (the Settings page's default; else the local one).
        self.default_zone = default_zone or local_zone_name()
        self.setWindowTitle("Edit schedule" if schedule else "New schedule")
        self.service = service
        self.original = schedule
        self.taken_keys = set(taken_keys)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.saved: ScheduleRecord | None = None
        #: The fire times the list shows (UTC), and the moment they were counted from.
        self.next_times: list[datetime] = []
        self.counted_from: datetime | None = None
        self.ui = Form("schedule_editor.ui")
        self.form = self.ui.widget
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Save")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.debounce = QTimer(self)
        self.debounce.setObjectName("schedule_editor_debounce")
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)
        self.debounce.timeout.connect(self.validate)
        self._fill_choices(mappings)
        self._load(schedule, mapping_key)
        self._connect()
        self.validate()

    def child(self, kind: type[_W], name: str) -> _W:
        return self.ui.child(kind, name)

    def edit(self, name: str) -> QLineEdit:
        return self.child(QLineEdit, name)

    def combo(self, name: str) -> QComboBox:
        return self.child(QComboBox, name)

    def spin(self, name: str) -> QSpinBox:
        return self.child(QSpinBox, name)

    def check(self, name: str) -> QCheckBox:
        return self.child(QCheckBox, name)

    def error_label(self, name: str) -> QLabel:
        return self.child(QLabel, f"{name}_error")

    # -- setting up -----------------------------------------------------------------------

    def _fill_choices(self, mappings: Sequence[MappingSummary]) -> None:
        mapping = self.combo("mapping")
        for summary in mappings:
            mapping.addItem(f"{summary.name} — {summary.key}", summary.key)
        for kind, text in KINDS:
            self.combo("kind").addItem(text, kind.value)
        for value, text in PATTERNS:
            self.combo("builder_pattern").addItem(text, value)
        self.combo("builder_weekday").addItems(list(WEEKDAYS))
        for unit, size in UNITS:
            self.combo("interval_unit").addItem(unit, size)
        for policy, text in MISSED.items():
            self.combo("missed").addItem(text, policy.value)
        for backoff, text in BACKOFFS.items():
            self.combo("retry_backoff").addItem(text, backoff.value)
        for name in ERROR_FIELDS:
            _set_role(self.error_label(name), "error")
        _set_role(self.child(QLabel, "cron_description"), "muted")
        _set_role(self.child(QLabel, "next_title"), "heading")
        self._align_pages()
        self.child(QTimeEdit, "builder_time").setTime(QTime(6, 0))
        self._show_pattern_inputs()

    def _align_pages(self) -> None:
        """The form's and the type pages' labels equally wide, so their fields line up."""
        outer = ("name_label", "mapping_label", "kind_label", "timezone_label", "start_label")
        pages = ("cron_label", "builder_label", "interval_label", "fixed_label")
        width = max(self.child(QLabel, name).sizeHint().width() for name in outer + pages)
        for name in (*outer, "end_label", *pages):
            label = self.child(QLabel, name)
            label.setFixedWidth(width)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def _load(self, schedule: ScheduleRecord | None, mapping_key: str | None) -> None:
        record = schedule or ScheduleRecord(
            key="new",
            name="",
            mapping_key=mapping_key or "",
            kind=ScheduleKind.CRON,
            cron="0 6 * * 1-5",
            timezone=self.default_zone,
        )
        self.edit("name").setText(record.name)
        mapping = self.combo("mapping")
        index = mapping.findData(record.mapping_key)
        if index < 0 and record.mapping_key and schedule is not None:
            mapping.addItem(record.mapping_key, record.mapping_key)
            index = mapping.count() - 1
        mapping.setCurrentIndex(max(index, 0) if mapping.count() else -1)
        if record.kind is ScheduleKind.EVENT_BASED:  # kept as it is: not made here (yet)
            self.combo("kind").addItem("On an event", ScheduleKind.EVENT_BASED.value)
        self.combo("kind").setCurrentIndex(self.combo("kind").findData(record.kind.value))
        self._show_kind_page()
        self.edit("cron").setText(record.cron or "")
        seconds = record.interval_seconds or 3600
        unit_index = max(i for i, (_unit, size) in enumerate(UNITS) if seconds % size == 0)
        self.combo("interval_unit").setCurrentIndex(unit_index)
        self.spin("interval_value").setValue(seconds // UNITS[unit_index][1])
        self.edit("fixed_times").setText(
            ", ".join(t.strftime("%H:%M:%S" if t.second else "%H:%M") for t in record.fixed_times)
        )
        setup_zone_combo(self.combo("timezone"), record.timezone)
        for side, value in (("start", record.start_date), ("end", record.end_date)):
            editor = self.child(QDateEdit, f"{side}_date")
            editor.setDate(_qdate(value or self.clock().date()))
            self.check(f"{side}_enabled").setChecked(value is not None)
            editor.setEnabled(value is not None)
        self.check("active").setChecked(record.active)
        self.spin("retry_attempts").setValue(record.retry.max_attempts)
        backoff = self.combo("retry_backoff")
        backoff.setCurrentIndex(backoff.findData(record.retry.backoff.value))
        self.spin("retry_base").setValue(round(record.retry.base_delay_seconds))
        self.spin("retry_max").setValue(round(record.retry.max_delay_seconds))
        self.spin("timeout").setValue(record.timeout_seconds)
        self.combo("missed").setCurrentIndex(
            self.combo("missed").findData(record.missed_run_policy.value)
        )
        self.check("concurrent").setChecked(record.concurrent_runs)
        self.check("notify").setChecked(record.notify_on_failure)

    def _connect(self) -> None:
        changed = self.debounce.start
        for name in ("name", "cron", "fixed_times"):
            self.edit(name).textChanged.connect(changed)
        self.combo("timezone").currentTextChanged.connect(changed)
        for name in ("mapping", "interval_unit", "missed", "retry_backoff"):
            self.combo(name).currentIndexChanged.connect(changed)
        for name in ("interval_value", "retry_attempts", "retry_base", "retry_max", "timeout"):
            self.spin(name).valueChanged.connect(changed)
        for name in ("active", "concurrent", "notify"):
            self.check(name).toggled.connect(changed)
        for side in ("start", "end"):
            editor = self.child(QDateEdit, f"{side}_date")
            self.check(f"{side}_enabled").toggled.connect(editor.setEnabled)
            self.check(f"{side}_enabled").toggled.connect(changed)
            editor.dateChanged.connect(changed)
        self.combo("kind").currentIndexChanged.connect(self._kind_changed)
        self.combo("builder_pattern").currentIndexChanged.connect(self._show_pattern_inputs)
        self.child(QPushButton, "builder_fill").clicked.connect(self.fill_cron)

    def _show_kind_page(self) -> None:
        """The type's page; manual and event-based schedules share the "no times" page."""
        pages = [kind for kind, _text in KINDS]
        kind = self.kind()
        page = pages.index(kind if kind in pages else ScheduleKind.MANUAL)
        self.child(QStackedWidget, "kind_pages").setCurrentIndex(page)

    def _kind_changed(self, _index: int) -> None:
        self._show_kind_page()
        self.debounce.start()

    def _show_pattern_inputs(self) -> None:
        used = PATTERN_INPUTS[str(self.combo("builder_pattern").currentData())]
        for name in ("builder_every", "builder_minute", "builder_weekday", "builder_day"):
            self.child(QWidget, name).setVisible(name in used)
        self.child(QWidget, "builder_time").setVisible("builder_time" in used)

    def fill_cron(self) -> None:
        """Write the builder's pattern into the cron field."""
        at = self.child(QTimeEdit, "builder_time").time()
        self.edit("cron").setText(
            build_cron(
                str(self.combo("builder_pattern").currentData()),
                every=self.spin("builder_every").value(),
                minute=self.spin("builder_minute").value(),
                at=time(at.hour(), at.minute()),
                weekday=self.combo("builder_weekday").currentIndex(),
                day=self.spin("builder_day").value(),
            )
        )

    # -- checking -------------------------------------------------------------------------

    def kind(self) -> ScheduleKind:
        return ScheduleKind(str(self.combo("kind").currentData()))

    def _set_error(self, name: str, message: str) -> None:
        label = self.error_label(name)
        label.setText(message)
        label.setVisible(bool(message))

    def errors(self) -> dict[str, str]:
        """The problems shown next to the fields, by field."""
        return {
            name: self.error_label(name).text()
            for name in (*ERROR_FIELDS, "schedule")
            if self.error_label(name).text()
        }

    def _fixed_times(self) -> tuple[list[time], str]:
        found: list[time] = []
        for part in filter(None, (p.strip() for p in self.edit("fixed_times").text().split(","))):
            match = _TIME.match(part)
            hour, minute, second = (int(g or 0) for g in match.groups()) if match else (99, 0, 0)
            if hour > 23 or minute > 59 or second > 59:
                return [], f"“{part}” is not a time of day; write HH:MM, e.g. 06:30"
            found.append(time(hour, minute, second))
        if not found:
            return [], "Give at least one time of day, e.g. 06:00, 18:00"
        return sorted(set(found)), ""

    def _field_errors(self) -> tuple[dict[str, str], dict[str, Any]]:
        """Each field's problem, and the record's values read from the form."""
        problems: dict[str, str] = {}
        values: dict[str, Any] = {}
        name = self.edit("name").text().strip()
        if not name:
            problems["name"] = "Give the schedule a name."
        mapping = self.combo("mapping").currentData()
        if not mapping:
            problems["mapping"] = "Choose a mapping; save the mapping to the store first."
        zone = self.combo("timezone").currentText().strip()
        if zone not in zone_names():
            problems["timezone"] = (
                f"Unknown time zone “{zone}”: pick an IANA name from the list, e.g. Europe/Berlin."
            )
        start = end = None
        if self.check("start_enabled").isChecked():
            start = _pydate(self.child(QDateEdit, "start_date").date())
        if self.check("end_enabled").isChecked():
            end = _pydate(self.child(QDateEdit, "end_date").date())
        if start and end and end < start:
            problems["dates"] = f"The end date {end} is before the start date {start}."
        kind = self.kind()
        description = ""
        if kind is ScheduleKind.CRON:
            text = self.edit("cron").text().strip()
            try:
                description = describe_cron(text)
            except InvalidSchedule as exc:
                problems["cron"] = str(exc)[0].upper() + str(exc)[1:] + "."
            values["cron"] = text
        elif kind is ScheduleKind.INTERVAL:
            size = int(self.combo("interval_unit").currentData())
            values["interval_seconds"] = self.spin("interval_value").value() * size
        elif kind is ScheduleKind.FIXED_TIME:
            times, problem = self._fixed_times()
            if problem:
                problems["fixed"] = problem
            values["fixed_times"] = times
        if self.spin("retry_max").value() < self.spin("retry_base").value():
            problems["retry"] = "The longest delay is shorter than the first delay."
        described = self.child(QLabel, "cron_description")
        described.setText(description[:1].upper() + description[1:])
        described.setVisible(bool(description))
        values.update(name=name, mapping_key=mapping, timezone=zone, start_date=start)
        values.update(end_date=end, kind=kind)
        return problems, values

    def record(self, values: dict[str, Any]) -> ScheduleRecord:
        original = self.original
        key = (
            original.key
            if original
            else new_schedule_key(values["mapping_key"], values["name"], self.taken_keys)
        )
        return ScheduleRecord(
            key=key,
            retry=RetryPolicy(
                max_attempts=self.spin("retry_attempts").value(),
                base_delay_seconds=self.spin("retry_base").value(),
                max_delay_seconds=self.spin("retry_max").value(),
                backoff=Backoff(str(self.combo("retry_backoff").currentData())),
            ),
            timeout_seconds=self.spin("timeout").value(),
            concurrent_runs=self.check("concurrent").isChecked(),
            missed_run_policy=MissedRunPolicy(str(self.combo("missed").currentData())),
            notify_on_failure=self.check("notify").isChecked(),
            active=self.check("active").isChecked(),
            next_run_at=None,  # the scheduler plans an edited schedule afresh
            last_run_at=original.last_run_at if original else None,
            parameters=dict(original.parameters) if original else {},
            **values,
        )

    def validate(self) -> ScheduleRecord | None:
        """Check the form now: errors next to their fields, the next fire times, OK."""
        self.debounce.stop()
        problems, values = self._field_errors()
        record: ScheduleRecord | None = None
        if not problems:
            try:
                record = self.record(values)
                self._show_next(record)
            except InvalidSchedule as exc:
                message = _SCHEDULE_PREFIX.sub("", str(exc)).strip()
                if message.startswith("never"):
                    message = f"the schedule {message}"
                field = "dates" if "never fires" in message or "end date" in message else "schedule"
                problems[field] = message[0].upper() + message[1:] + "."
                record = None
            except ValueError as exc:  # the record's own rules (pydantic)
                problems["schedule"] = str(exc)
                record = None
        if record is None:
            self._show_next(None)
        for name in (*ERROR_FIELDS, "schedule"):
            self._set_error(name, problems.get(name, ""))
        self.ok_button.setEnabled(record is not None)
        return record

    def _show_next(self, record: ScheduleRecord | None) -> None:
        times = self.child(QListWidget, "next_times")
        title = self.child(QLabel, "next_title")
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

    # -- saving ---------------------------------------------------------------------------

    def accept(self) -> None:
        record = self.validate()
        if record is None:
            return
        try:
            if self.original is None:
                self.saved = self.service.create_schedule(record)
            else:
                self.saved = self.service.update_schedule(record)
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot save the schedule", str(exc))
            return
        super().accept()

    def done(self, result: int) -> None:
        self.debounce.stop()
        super().done(result)
