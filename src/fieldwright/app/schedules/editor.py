"""The schedule editor: a dialog over `ui/schedule_editor.ui`, bound by widget names.

Every change re-checks the schedule (debounced) with the scheduler's own helpers, through
the service: `describe_cron` for the cron field and `validate_schedule` + its `Plan`
for the next 10 fire times (`FireTimeList`). A problem is written in red next to its
field and the OK button stays disabled until it is fixed. Save goes through the service.
The cron builder (cron_builder.py), the run policy's fields (run_policy.py) and the
service levels (sla_fields.py, saved with `set_schedule_sla` after the schedule) are
bound by their own classes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from PySide6.QtCore import QDate, Qt, QTimer
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
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.schedules.cron_builder import CronBuilder
from fieldwright.app.schedules.fire_time_list import FireTimeList
from fieldwright.app.schedules.run_policy import RunPolicyFields
from fieldwright.app.schedules.schedule_text import UNITS, new_schedule_key, parse_fixed_times
from fieldwright.app.schedules.sla_fields import SlaFields
from fieldwright.app.shell.forms import Form
from fieldwright.app.shell.zones import local_zone_name, setup_zone_combo, zone_names
from fieldwright.domain.pipeline_store import PipelineSummary
from fieldwright.domain.store_models import MappingSummary, ScheduleKind, ScheduleRecord
from fieldwright.service import InvalidSchedule, Service, ServiceError, describe_cron

__all__ = ["ScheduleEditor"]

KINDS = (
    (ScheduleKind.CRON, "Cron expression"),
    (ScheduleKind.INTERVAL, "Interval"),
    (ScheduleKind.FIXED_TIME, "Fixed times of day"),
    (ScheduleKind.MANUAL, "Manual"),
)
#: Fields with a red problem label next to them (`<field>_error`), and the form's own.
ERROR_FIELDS = ("name", "mapping", "timezone", "dates", "cron", "interval", "fixed", "retry")
DEBOUNCE_MS = 200
#: The item data of the "Runs" choice saying it is a pipeline, not a mapping.
PIPELINE_ROLE = Qt.ItemDataRole.UserRole + 1
_SCHEDULE_PREFIX = re.compile(r"^schedule '[^']*'(: )?")

_W = TypeVar("_W", bound=QWidget)


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
    """Create (no `schedule`) or edit a schedule of a stored mapping or pipeline; `saved`
    holds what the service stored."""

    def __init__(
        self,
        service: Service,
        mappings: Sequence[MappingSummary],
        *,
        pipelines: Sequence[PipelineSummary] = (),
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
        self.fire_times = FireTimeList(
            self.child(QListWidget, "next_times"), self.child(QLabel, "next_title"), self.clock
        )
        self.builder = CronBuilder(self.ui)
        self.policy = RunPolicyFields(self.ui)
        self.sla = self._add_sla(schedule)
        self._fill_choices(mappings, pipelines)
        self._load(schedule, mapping_key)
        self._connect()
        self.validate()

    def child(self, kind: type[_W], name: str) -> _W:
        return self.ui.child(kind, name)

    def _add_sla(self, schedule: ScheduleRecord | None) -> SlaFields:
        """The SLA group under the fire times, showing the stored service levels."""
        fields = SlaFields()
        column = self.ui.widget.findChild(QVBoxLayout, "right_layout")
        if column is None:
            raise LookupError(f"{self.ui.name} lacks the layout right_layout")
        column.insertWidget(2, fields)
        if schedule is not None:
            try:
                fields.load(self.service.schedule_sla(schedule.key))
            except ServiceError as exc:
                fields.setToolTip(f"Cannot read the schedule's SLA: {exc}")
        return fields

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

    @property
    def next_times(self) -> list[datetime]:
        """The fire times the list shows (UTC)."""
        return self.fire_times.next_times

    @property
    def counted_from(self) -> datetime | None:
        """The moment the fire times were counted from."""
        return self.fire_times.counted_from

    # -- setting up -----------------------------------------------------------------------

    def _fill_choices(
        self, mappings: Sequence[MappingSummary], pipelines: Sequence[PipelineSummary]
    ) -> None:
        mapping = self.combo("mapping")
        for summary in mappings:
            mapping.addItem(f"{summary.name} — {summary.key}", summary.key)
            mapping.setItemData(mapping.count() - 1, False, PIPELINE_ROLE)
        for pipe in pipelines:
            mapping.addItem(f"Pipeline: {pipe.name} — {pipe.key}", pipe.key)
            mapping.setItemData(mapping.count() - 1, True, PIPELINE_ROLE)
        for kind, text in KINDS:
            self.combo("kind").addItem(text, kind.value)
        for unit, size in UNITS:
            self.combo("interval_unit").addItem(unit, size)
        for name in ERROR_FIELDS:
            _set_role(self.error_label(name), "error")
        _set_role(self.child(QLabel, "cron_description"), "muted")
        _set_role(self.child(QLabel, "next_title"), "heading")
        self._align_pages()

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
        index = self._runs_index(record.mapping_key, record.pipeline)
        if index < 0 and record.mapping_key and schedule is not None:
            mapping.addItem(record.mapping_key, record.mapping_key)
            mapping.setItemData(mapping.count() - 1, record.pipeline, PIPELINE_ROLE)
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
        self.policy.load(record)

    def _runs_index(self, key: str, pipeline: bool) -> int:
        """The "Runs" choice of mapping (or pipeline) `key`; -1 when it is not there. A
        new schedule asked for a key takes the mapping, else the pipeline of that key."""
        combo = self.combo("mapping")
        found = [i for i in range(combo.count()) if combo.itemData(i) == key]
        exact = [i for i in found if bool(combo.itemData(i, PIPELINE_ROLE)) == pipeline]
        return (exact or found or [-1])[0]

    def select_runs(self, key: str, *, pipeline: bool) -> None:
        """Choose what the schedule runs (the choice the analyst makes in the list)."""
        index = self._runs_index(key, pipeline)
        if index < 0:
            raise KeyError(f"no {'pipeline' if pipeline else 'mapping'} {key!r} to choose")
        self.combo("mapping").setCurrentIndex(index)

    def _connect(self) -> None:
        changed = self.debounce.start
        for name in ("name", "cron", "fixed_times"):
            self.edit(name).textChanged.connect(changed)
        self.combo("timezone").currentTextChanged.connect(changed)
        for name in ("mapping", "interval_unit"):
            self.combo(name).currentIndexChanged.connect(changed)
        self.spin("interval_value").valueChanged.connect(changed)
        self.check("active").toggled.connect(changed)
        self.policy.connect(changed)
        for side in ("start", "end"):
            editor = self.child(QDateEdit, f"{side}_date")
            self.check(f"{side}_enabled").toggled.connect(editor.setEnabled)
            self.check(f"{side}_enabled").toggled.connect(changed)
            editor.dateChanged.connect(changed)
        self.combo("kind").currentIndexChanged.connect(self._kind_changed)
        self.builder.connect()

    def _show_kind_page(self) -> None:
        """The type's page; manual and event-based schedules share the "no times" page."""
        pages = [kind for kind, _text in KINDS]
        kind = self.kind()
        page = pages.index(kind if kind in pages else ScheduleKind.MANUAL)
        self.child(QStackedWidget, "kind_pages").setCurrentIndex(page)

    def _kind_changed(self, _index: int) -> None:
        self._show_kind_page()
        self.debounce.start()

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

    def _field_errors(self) -> tuple[dict[str, str], dict[str, Any]]:
        """Each field's problem, and the record's values read from the form."""
        problems: dict[str, str] = {}
        values: dict[str, Any] = {}
        name = self.edit("name").text().strip()
        if not name:
            problems["name"] = "Give the schedule a name."
        mapping = self.combo("mapping").currentData()
        pipeline = bool(self.combo("mapping").currentData(PIPELINE_ROLE))
        if not mapping:
            problems["mapping"] = "Choose a mapping or a pipeline; save it to the store first."
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
            times, problem = parse_fixed_times(self.edit("fixed_times").text())
            if problem:
                problems["fixed"] = problem
            values["fixed_times"] = times
        if retry := self.policy.problem():
            problems["retry"] = retry
        described = self.child(QLabel, "cron_description")
        described.setText(description[:1].upper() + description[1:])
        described.setVisible(bool(description))
        values.update(name=name, mapping_key=mapping, pipeline=pipeline)
        values.update(timezone=zone, start_date=start)
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
            **self.policy.values(),
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
                self.fire_times.show(record)
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
            self.fire_times.show(None)
        for name in (*ERROR_FIELDS, "schedule"):
            self._set_error(name, problems.get(name, ""))
        self.ok_button.setEnabled(record is not None)
        return record

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
            self.service.set_schedule_sla(self.saved.key, self.sla.value())
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot save the schedule", str(exc))
            return
        super().accept()

    def done(self, result: int) -> None:
        self.debounce.stop()
        super().done(result)
