"""The Schedules page: the list of schedules above a month/week calendar and a day's agenda.

Everything goes through the service: the list (`list_schedules`), the past executions
of the shown period (`schedule_executions`), create/edit (the editor dialog), pause and
resume, delete, and Run now (`run_schedule_now`, whose end is re-emitted as a Qt
signal, queued to the GUI thread). Planned fire times are computed here with the
scheduler's `Plan` (Qt-free, from the service's `plan_schedule`), once per schedule and
period, in one display time zone. The page follows the service's events by itself:
a fire of this process's scheduler (`schedule_fired`) and the end of a run of a
schedule (`run_ended`) redraw the list and the calendar, keeping the selection.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QModelIndex,
    Signal,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.runs.run_now import describe_result
from fieldwright.app.schedules.calendar import ScheduleCalendar, legend_html
from fieldwright.app.schedules.calendar_data import CalendarData
from fieldwright.app.schedules.editor import ScheduleEditor
from fieldwright.app.schedules.models import (
    AgendaModel,
    ScheduleTableModel,
    agenda_title,
    schedule_rows,
)
from fieldwright.app.shell.forms import Form
from fieldwright.app.shell.widgets import confirm, never_sideways
from fieldwright.app.shell.zones import local_zone_name, setup_zone_combo, zone_names
from fieldwright.domain.pipeline_store import PipelineSummary
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import MappingSummary, ScheduleRecord
from fieldwright.service import (
    InvalidSchedule,
    Plan,
    ServiceError,
    describe_schedule,
    plan_schedule,
)

if TYPE_CHECKING:
    from fieldwright.service import RunEnded, RunHandle, RunResult, ScheduleFired, Service

__all__ = ["SchedulesPanel"]


class SchedulesPanel(QWidget):
    """The schedule list, the calendar of planned and past runs, and a day's agenda."""

    #: A line for the status bar.
    message = Signal(str)
    #: Schedules were created, edited, paused, resumed or deleted (reload the scheduler).
    schedulesChanged = Signal()
    #: (summary, result) of a Run now, on the GUI thread.
    runFinished = Signal(str, object)

    def __init__(
        self,
        service: Service,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`clock` gives the current time (UTC); tests pass a fixed one."""
        super().__init__(parent)
        self.setObjectName("schedules_panel")
        self.service = service
        self.clock = clock or (lambda: datetime.now(UTC))
        #: The zone new schedules start in (the window sets it from the settings).
        self.default_zone: str | None = None
        self.loaded = False
        #: A live event came while the page was hidden: refresh when it is shown again.
        self.stale = False
        self.mappings: list[MappingSummary] = []
        self.pipelines: list[PipelineSummary] = []
        self.schedules: list[ScheduleRecord] = []
        self.plans: dict[str, tuple[ScheduleRecord, Plan]] = {}
        self.problems: dict[str, str] = {}
        self.handles: list[RunHandle] = []
        self.zone = ZoneInfo(local_zone_name())
        self.ui = Form("schedules_panel.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        self._bind_list()
        self._bind_calendar()
        self._connect()
        self._update_buttons()

    def _button(self, name: str) -> QPushButton:
        return self.ui.child(QPushButton, name)

    def _bind_list(self) -> None:
        """The mapping filter, the buttons and the schedule table of the form."""
        self.mapping_filter = self.ui.child(QComboBox, "schedules_mapping_filter")
        self.mapping_filter.addItem("All mappings", None)
        self.new_button = self._button("new_schedule")
        self.edit_button = self._button("edit_schedule")
        self.run_button = self._button("run_schedule")
        self.active_button = self._button("pause_schedule")
        self.delete_button = self._button("delete_schedule")
        self.refresh_button = self._button("refresh_schedules")
        self.splitter = self.ui.child(QSplitter, "schedules_splitter")
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([200, 560])
        self.model = ScheduleTableModel(self)
        self.table = self.ui.child(QTableView, "schedules_table")
        self.table.setModel(self.model)
        # Never sideways: name, mapping and description share what the short columns leave
        # (the table is about 880 px wide in a 1024 px window).
        never_sideways(self.table, stretch=(0, 1, 3))

    def _bind_calendar(self) -> None:
        """The period bar, the legend, the calendar (added here) and the day's agenda."""
        today = self.clock().astimezone(self.zone).date()
        self.calendar = ScheduleCalendar(today)
        self.previous_button = self._button("previous_period")
        self.today_button = self._button("today")
        self.next_button = self._button("next_period")
        self.period_label = self.ui.child(QLabel, "schedules_period")
        self.month_button = self._button("month_view")
        self.week_button = self._button("week_view")
        self.view_group = QButtonGroup(self)
        self.view_group.addButton(self.month_button)
        self.view_group.addButton(self.week_button)
        self.zone_combo = self.ui.child(QComboBox, "schedules_zone")
        setup_zone_combo(self.zone_combo, self.zone.key)
        self.legend = self.ui.child(QLabel, "schedules_legend")
        self.legend.setText(legend_html())
        self.agenda_label = self.ui.child(QLabel, "schedules_agenda_title")
        self.agenda = AgendaModel(self)
        self.agenda_table = self.ui.child(QTableView, "schedules_agenda")
        self.agenda_table.setModel(self.agenda)
        never_sideways(self.agenda_table, stretch=(1, 2))
        lower = self.ui.child(QSplitter, "calendar_splitter")
        lower.insertWidget(0, self.calendar)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 1)
        lower.setSizes([840, 420])

    def _connect(self) -> None:
        self.mapping_filter.currentIndexChanged.connect(self._filter_changed)
        self.new_button.clicked.connect(lambda: self.open_editor(None))
        self.edit_button.clicked.connect(lambda: self.open_editor(self.selected()))
        self.run_button.clicked.connect(self.run_now)
        self.active_button.clicked.connect(self.toggle_active)
        self.delete_button.clicked.connect(self.delete)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _index: self.open_editor(self.selected()))
        self.previous_button.clicked.connect(lambda: self.calendar.step(-1))
        self.next_button.clicked.connect(lambda: self.calendar.step(1))
        self.today_button.clicked.connect(self.go_today)
        self.month_button.clicked.connect(lambda: self.calendar.set_mode(ScheduleCalendar.MONTH))
        self.week_button.clicked.connect(lambda: self.calendar.set_mode(ScheduleCalendar.WEEK))
        self.zone_combo.currentTextChanged.connect(self._zone_changed)
        self.calendar.periodChanged.connect(lambda _first, _last: self.reload_calendar())
        self.calendar.daySelected.connect(self.show_day)
        self.agenda_table.doubleClicked.connect(self._agenda_activated)
        self.runFinished.connect(self._run_finished)

    def showEvent(self, event: QShowEvent) -> None:
        if not self.loaded or self.stale:
            self.refresh()
        super().showEvent(event)

    # -- loading --------------------------------------------------------------------------

    def mapping_key(self) -> str | None:
        """The mapping the page is filtered on (None: all)."""
        value = self.mapping_filter.currentData()
        return value if isinstance(value, str) else None

    def set_mapping(self, key: str | None) -> None:
        """Filter on a mapping (the window's current one), or on none."""
        index = self.mapping_filter.findData(key) if key else 0
        if index < 0:
            self.mapping_filter.addItem(key or "", key)
            index = self.mapping_filter.count() - 1
        self.mapping_filter.setCurrentIndex(index)

    def refresh(self, *_args: object, select: str | None = None) -> None:
        """Read the mappings and schedules again; redraw the list and the calendar."""
        self.loaded, self.stale = True, False
        keep = select or self.selected_key()
        try:
            self.mappings = self.service.list_mappings()
            self.pipelines = self.service.pipelines.list_pipelines()
            self.schedules = self.service.list_schedules()
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot list the schedules", str(exc))
            return
        self._fill_mapping_filter()
        self.agenda.mapping_names = {
            **{p.key: p.name for p in self.pipelines},
            **{m.key: m.name for m in self.mappings},
        }
        self.plans, self.problems = {}, {}
        for record in self.schedules:
            try:
                self.plans[record.key] = (record, plan_schedule(record))
            except InvalidSchedule as exc:
                self.problems[record.key] = str(exc)
        self._fill_table(keep)
        self.reload_calendar()

    def _fill_mapping_filter(self) -> None:
        current = self.mapping_key()
        self.mapping_filter.blockSignals(True)
        self.mapping_filter.clear()
        self.mapping_filter.addItem("All mappings", None)
        for summary in self.mappings:
            self.mapping_filter.addItem(f"{summary.name} — {summary.key}", summary.key)
        for pipe in self.pipelines:
            self.mapping_filter.addItem(f"Pipeline: {pipe.name} — {pipe.key}", pipe.key)
        index = self.mapping_filter.findData(current) if current else 0
        self.mapping_filter.setCurrentIndex(max(index, 0))
        self.mapping_filter.blockSignals(False)

    def shown_schedules(self) -> list[ScheduleRecord]:
        key = self.mapping_key()
        return [s for s in self.schedules if key is None or s.mapping_key == key]

    def _fill_table(self, keep: str | None) -> None:
        rows = schedule_rows(self.shown_schedules(), self.plans, self.problems, self.clock())
        self.model.reset(rows, self.zone)
        keys = self.model.keys()
        if keep in keys:
            self.table.selectRow(keys.index(keep))
        self._update_buttons()

    def reload_calendar(self) -> None:
        """Compute the shown period: planned fire times and the executions of the service."""
        first, last = self.calendar.period()
        key = self.mapping_key()
        plans = {k: v for k, v in self.plans.items() if key is None or v[0].mapping_key == key}
        empty = CalendarData(first, last, self.zone)
        try:
            executions = self.service.schedule_executions(empty.start, empty.end, key)
        except ServiceError as exc:
            executions = []
            self.message.emit(f"Cannot read the past runs: {exc}")
        data = CalendarData.build(first, last, self.zone, plans, executions, self.clock())
        self.calendar.today = self.clock().astimezone(self.zone).date()
        self.calendar.set_data(data)
        self.period_label.setText(self.calendar.title())
        self.show_day(self.calendar.selected)

    def show_day(self, day: date) -> None:
        """The agenda of a day."""
        data = self.calendar.data
        items = data.items(day) if data is not None and data.first <= day <= data.last else []
        self.agenda.reset(items)
        self.agenda_label.setText(agenda_title(day, len(items), self.zone))

    def go_today(self) -> None:
        self.calendar.go_to(self.clock().astimezone(self.zone).date())

    def _filter_changed(self) -> None:
        if self.loaded:
            self._fill_table(self.selected_key())
            self.reload_calendar()

    def _zone_changed(self, text: str) -> None:
        if text not in zone_names() or text == self.zone.key:
            return
        self.zone = ZoneInfo(text)
        if self.loaded:
            self._fill_table(self.selected_key())
            self.reload_calendar()
        self.message.emit(f"Schedules: times shown in {text}")

    # -- the selected schedule ------------------------------------------------------------

    def selected_key(self) -> str | None:
        record = self.selected()
        return record.key if record else None

    def selected(self) -> ScheduleRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()].record if rows else None

    def select_schedule(self, key: str) -> None:
        keys = self.model.keys()
        if key in keys:
            self.table.selectRow(keys.index(key))

    def _update_buttons(self, *_args: object) -> None:
        record = self.selected()
        for button in (self.edit_button, self.run_button, self.active_button, self.delete_button):
            button.setEnabled(record is not None)
        self.active_button.setText(
            "Resume" if record is not None and not record.active else "Pause"
        )

    def _agenda_activated(self, index: QModelIndex) -> None:
        self.select_schedule(self.agenda.items[index.row()].schedule_key)

    # -- actions --------------------------------------------------------------------------

    def open_editor(self, schedule: ScheduleRecord | None) -> ScheduleRecord | None:
        """Create (None) or edit a schedule in the editor dialog; returns what was saved."""
        if not self.loaded:
            self.refresh()
        dialog = ScheduleEditor(
            self.service,
            self.mappings,
            pipelines=self.pipelines,
            schedule=schedule,
            mapping_key=self.mapping_key(),
            taken_keys=[s.key for s in self.schedules],
            clock=self.clock,
            default_zone=self.default_zone,
            parent=self,
        )
        try:
            dialog.exec()
            saved = dialog.saved
        finally:
            dialog.deleteLater()
        if saved is None:
            return None
        self.refresh(select=saved.key)
        self.schedulesChanged.emit()
        self.message.emit(f"Saved schedule {saved.name} ({describe_schedule(saved)})")
        return saved

    def toggle_active(self) -> None:
        record = self.selected()
        if record is None:
            return
        try:
            changed = self.service.set_schedule_active(record.key, not record.active)
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot change the schedule", str(exc))
            return
        self.refresh(select=changed.key)
        self.schedulesChanged.emit()
        state = "resumed" if changed.active else "paused: it does not fire until resumed"
        self.message.emit(f"Schedule {changed.name} {state}")

    def delete(self) -> None:
        record = self.selected()
        if record is None:
            return
        if not confirm(
            self,
            "Delete schedule",
            f"Delete the schedule “{record.name}” ({record.key})?\n\n"
            "Its record of past executions is deleted with it; the runs stay in the Runs page.",
        ):
            return
        try:
            self.service.delete_schedule(record.key)
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot delete the schedule", str(exc))
            return
        self.refresh()
        self.schedulesChanged.emit()
        self.message.emit(f"Deleted schedule {record.name}")

    def run_now(self) -> RunHandle | None:
        """Run the selected schedule's mapping now, as the schedule would."""
        record = self.selected()
        if record is None:
            return None
        try:
            handle = self.service.run_schedule_now(
                record.key,
                on_finished=lambda result: self.runFinished.emit(describe_result(result), result),
            )
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot start the run", str(exc))
            return None
        self.handles = [h for h in self.handles if not h.done] + [handle]
        self.message.emit(f"Started {handle.key} for schedule {record.name}")
        return handle

    def _run_finished(self, summary: str, result: RunResult) -> None:
        self.message.emit(summary)
        self.reload_calendar()  # the run is now one of the schedule's executions
        if result.status is not RunStatus.COMPLETED:
            reason = f"\n\n{result.message}" if result.message else ""
            QMessageBox.warning(self, "The run did not complete", summary + reason)

    # -- live updates from the service's events ------------------------------------------

    def schedule_fired(self, _event: ScheduleFired) -> None:
        """A fire time began, ended or was skipped: its last and next run, the calendar.

        A hidden page is only marked stale and redrawn when shown: a month of a schedule
        firing every second is millions of fire times, too many to plan at every fire."""
        if self.loaded and self._live():
            self.refresh()

    def run_ended(self, event: RunEnded) -> None:
        """A run of a schedule ended (a retry, a Run now from elsewhere): the calendar."""
        if self.loaded and event.schedule_key is not None and self._live():
            self.reload_calendar()

    def _live(self) -> bool:
        """Whether a live event redraws now (shown), else marks the page stale."""
        self.stale = not self.isVisible()
        return not self.stale

    def cancel(self) -> None:
        """Cancel the runs started here that are still going (the window is closing)."""
        for handle in self.handles:
            if not handle.done:
                handle.cancel()
