"""The Schedules page: the calendar of planned and past runs, and the schedule actions."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from fieldwright.app.schedules.calendar import STATUS_COLORS, status_color
from fieldwright.app.schedules.calendar_data import PLANNED
from fieldwright.app.schedules.editor import ScheduleEditor
from fieldwright.app.schedules.panel import SchedulesPanel
from fieldwright.domain import load
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.domain.store_models import ScheduleExecutionRecord, ScheduleKind, ScheduleRecord
from fieldwright.resources import examples_dir
from fieldwright.service import RunResult, Service
from fieldwright.store import ScheduleRepository, Store

QBT = examples_dir() / "qbt_to_wfn"
HUBSPOT = examples_dir() / "hubspot_to_crm"
QBT_KEY = "mapping_QBT_WFN_ACME_20250724"
#: "Now" for the calendar: planned times come after it, past executions before it.
SEPTEMBER = datetime(2026, 9, 1, tzinfo=UTC)


@pytest.fixture
def mappings(service: Service) -> tuple[str, str]:
    qbt = load(QBT / "mapping.fwmap.json")
    hub = load(HUBSPOT / "mapping.fwmap.json")
    service.save_mapping(qbt, None)
    service.save_mapping(hub, None)
    return qbt.key, hub.key


def schedule(key: str, mapping_key: str = QBT_KEY, **changes: object) -> ScheduleRecord:
    return ScheduleRecord.model_validate(
        {
            "key": key,
            "name": key.removeprefix("schedule_"),
            "mapping_key": mapping_key,
            "kind": ScheduleKind.CRON,
            "cron": "30 1 * * *",
            "timezone": "Europe/Berlin",
            **changes,
        }
    )


@pytest.fixture
def make_panel(
    service: Service, qtbot: QtBot, mappings: tuple[str, str]
) -> Callable[..., SchedulesPanel]:
    def make(now: datetime = SEPTEMBER, zone: str = "Europe/Berlin") -> SchedulesPanel:
        panel = SchedulesPanel(service, clock=lambda: now)
        qtbot.addWidget(panel)
        panel.resize(1280, 800)
        panel.zone_combo.setCurrentText(zone)
        panel.show()
        qtbot.waitExposed(panel)
        return panel

    return make


def times(panel: SchedulesPanel, day: date) -> list[str]:
    assert panel.calendar.data is not None
    return [f"{item.when:%H:%M}" for item in panel.calendar.data.items(day)]


def test_a_cron_lands_on_its_local_days_across_the_month_end_and_the_dst_change(
    service: Service, make_panel: Callable[..., SchedulesPanel], qtbot: QtBot
) -> None:
    service.create_schedule(schedule("schedule_nightly"))  # 01:30 in Berlin
    panel = make_panel()
    panel.calendar.go_to(date(2026, 10, 1))
    assert panel.period_label.text() == "October 2026"
    days = panel.calendar.visible_days()
    assert (days[0], days[-1]) == (date(2026, 9, 28), date(2026, 11, 8))
    # Every day once at 01:30 Berlin time: summer time (+2) until the 25th, then +1.
    for day in days:
        assert times(panel, day) == ["01:30"], day
    data = panel.calendar.data
    assert data is not None
    [last_summer] = data.items(date(2026, 10, 25))
    [first_winter] = data.items(date(2026, 10, 26))
    assert last_summer.when.utcoffset() != first_winter.when.utcoffset()
    assert last_summer.when.astimezone(UTC).hour == 23  # 23:30 UTC of the 24th
    assert first_winter.when.astimezone(UTC).hour == 0
    assert panel.calendar.cell_lines(date(2026, 11, 1))[0][0].text == "01:30 nightly"

    # Shown in New York, the same fire times fall on the evening before, and move
    # by an hour on the 25th (Berlin's change) and back on 1 November (New York's).
    panel.zone_combo.setCurrentText("America/New_York")
    assert times(panel, date(2026, 10, 24)) == ["19:30"]
    assert times(panel, date(2026, 10, 25)) == ["20:30"]
    assert times(panel, date(2026, 10, 31)) == ["20:30"]
    assert times(panel, date(2026, 11, 1)) == ["19:30"]
    assert "America/New_York" in panel.agenda_label.text()

    # Next month: the grid and its entries move with it.
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert panel.period_label.text() == "November 2026"
    data = panel.calendar.data
    assert data is not None and data.first == date(2026, 10, 26)
    assert times(panel, date(2026, 11, 30)) == ["19:30"]
    assert times(panel, date(2026, 10, 24)) == []  # no longer shown
    qtbot.mouseClick(panel.previous_button, Qt.MouseButton.LeftButton)
    assert panel.period_label.text() == "October 2026"


def test_a_time_in_the_spring_gap_fires_once_at_the_gaps_end(
    service: Service, make_panel: Callable[..., SchedulesPanel]
) -> None:
    service.create_schedule(schedule("schedule_early", cron="30 2 * * *"))
    panel = make_panel(now=datetime(2026, 3, 1, tzinfo=UTC))
    assert times(panel, date(2026, 3, 28)) == ["02:30"]
    assert times(panel, date(2026, 3, 29)) == ["03:00"]  # 02:30 does not exist that night
    assert times(panel, date(2026, 3, 30)) == ["02:30"]


def record_executions(db_url: str, *rows: tuple[str, datetime, RunStatus]) -> None:
    with Store.open(db_url, user="alice") as store:
        repository = ScheduleRepository(store)
        for key, when, status in rows:
            repository.record_execution(
                ScheduleExecutionRecord(schedule_key=key, scheduled_at=when, status=status)
            )


def test_past_executions_are_coloured_by_status_and_listed_in_the_agenda(
    service: Service, db_url: str, make_panel: Callable[..., SchedulesPanel], qtbot: QtBot
) -> None:
    service.create_schedule(schedule("schedule_nightly"))
    record_executions(
        db_url,
        ("schedule_nightly", datetime(2026, 10, 5, 23, 30, tzinfo=UTC), RunStatus.COMPLETED),
        ("schedule_nightly", datetime(2026, 10, 6, 23, 30, tzinfo=UTC), RunStatus.FAILED),
        ("schedule_nightly", datetime(2026, 10, 7, 23, 30, tzinfo=UTC), RunStatus.SKIPPED),
        ("schedule_nightly", datetime(2026, 10, 8, 23, 30, tzinfo=UTC), RunStatus.RUNNING),
    )
    panel = make_panel(now=datetime(2026, 10, 9, 12, tzinfo=UTC))
    calendar = panel.calendar
    assert calendar.data is not None
    expected = {6: "completed", 7: "failed", 8: "skipped", 9: "running"}
    for day, status in expected.items():
        [line], more = calendar.cell_lines(date(2026, 10, day))
        assert (line.status, line.text, more) == (status, "01:30 nightly", 0)
        assert status_color(line.status) == QColor(STATUS_COLORS[status])
    # Before "now" only what happened shows; from the 10th on, what is planned.
    assert calendar.data.items(date(2026, 10, 4)) == []
    assert calendar.data.statuses(date(2026, 10, 10)) == {PLANNED: 1}
    assert len({status_color(s).name() for s in [*expected.values(), PLANNED]}) == 5

    qtbot.mouseClick(
        calendar, Qt.MouseButton.LeftButton, pos=calendar.cell_rect(date(2026, 10, 7)).center()
    )
    assert calendar.selected == date(2026, 10, 7)
    agenda = panel.agenda
    row = [str(agenda.data(agenda.index(0, column))) for column in range(4)]
    assert row == [
        "01:30",
        "nightly",
        "QuickBooks Time timesheets → ADP WorkForce Now pay data",
        "failed",
    ]
    assert agenda.data(agenda.index(0, 3), Qt.ItemDataRole.DecorationRole) == QColor("#d23c3c")
    assert "Wednesday 07 October 2026" in panel.agenda_label.text()


def test_a_full_day_says_how_many_more_and_the_week_view_lists_them(
    service: Service, make_panel: Callable[..., SchedulesPanel], qtbot: QtBot
) -> None:
    for hour in range(10):
        service.create_schedule(schedule(f"schedule_h{hour}", cron=f"0 {hour + 8} * * *"))
    panel = make_panel()
    day = date(2026, 9, 10)
    shown, more = panel.calendar.cell_lines(day)
    assert more > 0 and len(shown) + more == 10
    assert [line.text for line in shown] == [f"{h + 8:02d}:00 h{h}" for h in range(len(shown))]
    qtbot.mouseClick(panel.week_button, Qt.MouseButton.LeftButton)
    assert len(panel.calendar.visible_days()) == 7
    assert panel.period_label.text() == "31 Aug – 6 Sep 2026 · week 36"
    shown, more = panel.calendar.cell_lines(date(2026, 9, 2))
    assert (len(shown), more) == (10, 0)
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert panel.calendar.visible_days()[0] == date(2026, 9, 7)
    qtbot.mouseClick(panel.today_button, Qt.MouseButton.LeftButton)
    assert panel.calendar.visible_days()[0] == date(2026, 8, 31)
    assert panel.calendar.selected == date(2026, 9, 1)


def test_the_mapping_filter_narrows_the_list_and_the_calendar(
    service: Service, mappings: tuple[str, str], make_panel: Callable[..., SchedulesPanel]
) -> None:
    qbt, hub = mappings
    service.create_schedule(schedule("schedule_qbt"))
    service.create_schedule(
        schedule("schedule_hub", hub, kind=ScheduleKind.INTERVAL, interval_seconds=6 * 3600)
    )
    panel = make_panel()
    assert sorted(panel.model.keys()) == ["schedule_hub", "schedule_qbt"]
    assert len(times(panel, date(2026, 9, 10))) == 5
    panel.mapping_filter.setCurrentIndex(panel.mapping_filter.findData(hub))
    assert panel.model.keys() == ["schedule_hub"]
    # Counted from local midnight of 2000-01-01 (winter time) and blind to DST: in
    # summer it fires at 01:00, 07:00 … on Berlin's clock.
    assert times(panel, date(2026, 9, 10)) == ["01:00", "07:00", "13:00", "19:00"]
    panel.set_mapping(qbt)
    assert panel.model.keys() == ["schedule_qbt"]
    assert times(panel, date(2026, 9, 10)) == ["01:30"]
    texts = [str(panel.model.data(panel.model.index(0, c))) for c in range(6)]
    assert texts == [
        "qbt",
        QBT_KEY,
        "cron",
        "every day at 01:30",
        "Wed 02 Sep 2026 01:30",  # "now" is 02:00 on the 1st in Berlin
        "active",
    ]


def test_pause_and_resume_go_through_the_service(
    service: Service, make_panel: Callable[..., SchedulesPanel], qtbot: QtBot
) -> None:
    service.create_schedule(schedule("schedule_nightly"))
    panel = make_panel()
    changed: list[bool] = []
    panel.schedulesChanged.connect(lambda: changed.append(True))
    panel.table.selectRow(0)
    assert panel.active_button.text() == "Pause"
    with qtbot.waitSignal(panel.message) as shown:
        qtbot.mouseClick(panel.active_button, Qt.MouseButton.LeftButton)
    assert "paused" in shown.args[0]
    assert not service.list_schedules()[0].active
    assert panel.active_button.text() == "Resume" and panel.selected_key() == "schedule_nightly"
    assert times(panel, date(2026, 9, 10)) == []
    assert str(panel.model.data(panel.model.index(0, 5))) == "paused"
    qtbot.mouseClick(panel.active_button, Qt.MouseButton.LeftButton)
    assert service.list_schedules()[0].active
    assert times(panel, date(2026, 9, 10)) == ["01:30"]
    assert changed == [True, True]


@pytest.mark.parametrize("answer", [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
def test_delete_asks_first(
    service: Service,
    make_panel: Callable[..., SchedulesPanel],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    answer: QMessageBox.StandardButton,
) -> None:
    service.create_schedule(schedule("schedule_nightly"))
    panel = make_panel()
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *_args: object) -> object:
        asked.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    panel.table.selectRow(0)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert asked and "nightly" in asked[0] and "schedule_nightly" in asked[0]
    left = [s.key for s in service.list_schedules()]
    if answer == QMessageBox.StandardButton.Yes:
        assert left == [] and panel.model.keys() == []
        assert times(panel, date(2026, 9, 10)) == []
        assert not panel.delete_button.isEnabled()
    else:
        assert left == ["schedule_nightly"] and panel.model.keys() == ["schedule_nightly"]


def test_run_now_runs_the_schedules_mapping_and_reports_the_end(
    service: Service, make_panel: Callable[..., SchedulesPanel], qtbot: QtBot, tmp_path: Path
) -> None:
    folder = tmp_path / "qbt"
    shutil.copytree(QBT, folder)
    service.create_schedule(schedule("schedule_nightly", parameters={"base_dir": str(folder)}))
    panel = make_panel()
    assert not panel.run_button.isEnabled()
    panel.table.selectRow(0)
    messages: list[str] = []
    panel.message.connect(messages.append)
    with qtbot.waitSignal(panel.runFinished, timeout=30_000) as finished:
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    summary, result = finished.args
    assert isinstance(result, RunResult) and result.status is RunStatus.COMPLETED
    record = service.run_detail(result.key).record
    assert record.schedule_key == "schedule_nightly" and record.trigger is RunTrigger.MANUAL
    assert record.counts.read == 9
    assert messages[0].startswith(f"Started {result.key}") and messages[-1] == summary
    # The run is on the calendar, on the (real) day it ran, as a completed execution.
    ran_on = datetime.now(UTC).astimezone(panel.zone).date()
    panel.calendar.go_to(ran_on)
    qtbot.waitUntil(lambda: panel.calendar.data is not None and ran_on in panel.calendar.data.days)
    data = panel.calendar.data
    assert data is not None and data.statuses(ran_on).get("completed") == 1


def test_new_schedule_opens_the_editor_and_shows_what_it_saved(
    service: Service,
    make_panel: Callable[..., SchedulesPanel],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    panel = make_panel()
    panel.set_mapping(QBT_KEY)

    def fill_and_save(editor: ScheduleEditor) -> int:
        assert editor.combo("mapping").currentData() == QBT_KEY
        editor.edit("name").setText("Morning import")
        editor.combo("kind").setCurrentIndex(editor.combo("kind").findData("fixed_time"))
        editor.edit("fixed_times").setText("06:00, 18:00")
        editor.combo("timezone").setCurrentText("Europe/Berlin")
        editor.accept()
        return int(editor.result())

    monkeypatch.setattr(ScheduleEditor, "exec", fill_and_save)
    with qtbot.waitSignal(panel.schedulesChanged):
        qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    [saved] = service.list_schedules()
    assert saved.key == "schedule_QBT_WFN_ACME_morning_import"
    assert saved.fixed_times == [time(6), time(18)]
    assert panel.selected_key() == saved.key
    assert times(panel, date(2026, 9, 10)) == ["06:00", "18:00"]
