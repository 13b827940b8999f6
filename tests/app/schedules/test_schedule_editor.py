"""The schedule editor: checks as you type, next fire times, the cron builder, save."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest
from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import QDateEdit, QLabel, QListWidget, QMessageBox, QPushButton, QTimeEdit
from pytestqt.qtbot import QtBot

from fieldwright.app.schedules.cron_builder import build_cron
from fieldwright.app.schedules.editor import ScheduleEditor
from fieldwright.app.schedules.schedule_text import new_schedule_key
from fieldwright.domain import load
from fieldwright.domain.store_models import Backoff, ScheduleKind, ScheduleRecord
from fieldwright.resources import examples_dir
from fieldwright.scheduler import fire_times
from fieldwright.service import Service, describe_schedule

QBT_KEY = "mapping_QBT_WFN_ACME_20250724"
NOW = datetime(2026, 10, 20, 12, tzinfo=UTC)


@pytest.fixture
def make_editor(service: Service, qtbot: QtBot) -> Callable[..., ScheduleEditor]:
    service.save_mapping(load(examples_dir() / "qbt_to_wfn" / "mapping.fwmap.json"), None)

    def make(schedule: ScheduleRecord | None = None) -> ScheduleEditor:
        editor = ScheduleEditor(
            service,
            service.list_mappings(),
            schedule=schedule,
            mapping_key=QBT_KEY,
            clock=lambda: NOW,
        )
        qtbot.addWidget(editor)
        editor.show()
        return editor

    return make


def type_into(qtbot: QtBot, editor: ScheduleEditor, field: str, text: str) -> None:
    edit = editor.edit(field)
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def test_a_bad_cron_is_explained_next_to_the_field_and_ok_is_disabled(
    make_editor: Callable[..., ScheduleEditor], qtbot: QtBot
) -> None:
    editor = make_editor()
    type_into(qtbot, editor, "name", "Nightly")
    qtbot.waitUntil(editor.ok_button.isEnabled)
    type_into(qtbot, editor, "cron", "30 25 * * *")
    qtbot.waitUntil(lambda: "cron" in editor.errors())
    assert not editor.ok_button.isEnabled()
    label = editor.error_label("cron")
    assert label.isVisible() and label.property("role") == "error"
    assert "hour" in label.text() and "25 is outside 0-23" in label.text()
    assert editor.errors() == {"cron": label.text()}
    # The label sits right under the cron field, in the same form.
    field = editor.edit("cron")
    assert label.parentWidget() is field.parentWidget()
    assert 0 < label.geometry().top() - field.geometry().bottom() < 40
    assert editor.next_times == []
    type_into(qtbot, editor, "cron", "30 2 * * 1-5")
    qtbot.waitUntil(editor.ok_button.isEnabled)
    assert not label.isVisible() and editor.errors() == {}
    description = editor.child(QLabel, "cron_description").text()
    assert description == "At 02:30 on Monday through Friday"


def test_the_next_ten_fire_times_are_the_schedulers(
    make_editor: Callable[..., ScheduleEditor], qtbot: QtBot
) -> None:
    editor = make_editor()
    type_into(qtbot, editor, "name", "Nightly")
    editor.combo("timezone").setCurrentText("Europe/Berlin")
    type_into(qtbot, editor, "cron", "30 2 * * *")
    qtbot.waitUntil(lambda: bool(editor.next_times) and editor.ok_button.isEnabled())
    record = editor.validate()
    assert record is not None and record.cron == "30 2 * * *"
    expected = [when for _key, when in fire_times([record], NOW, NOW + timedelta(days=30))][:10]
    assert editor.next_times == expected
    shown = editor.child(QListWidget, "next_times")
    assert shown.count() == 10
    # 25 October: 02:30 happens twice in Berlin; it fires once, in summer time.
    assert shown.item(4).text() == "Sun 25 Oct 2026   02:30 CEST"
    assert shown.item(5).text() == "Mon 26 Oct 2026   02:30 CET"
    assert "Europe/Berlin" in editor.child(QLabel, "next_title").text()


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("every", "*/15 * * * *"),
        ("hourly", "5 * * * *"),
        ("daily", "45 6 * * *"),
        ("weekdays", "45 6 * * 1-5"),
        ("weekly", "45 6 * * 3"),
        ("monthly", "45 6 10 * *"),
    ],
)
def test_build_cron_patterns(pattern: str, expected: str) -> None:
    cron = build_cron(pattern, every=15, minute=5, at=time(6, 45), weekday=2, day=10)
    assert cron == expected


def test_the_builder_fills_the_cron_field(
    make_editor: Callable[..., ScheduleEditor], qtbot: QtBot
) -> None:
    editor = make_editor()
    pattern = editor.combo("builder_pattern")
    pattern.setCurrentIndex(pattern.findData("weekly"))
    assert editor.combo("builder_weekday").isVisible()
    assert not editor.spin("builder_every").isVisible()
    editor.combo("builder_weekday").setCurrentIndex(6)  # Sunday
    editor.child(QTimeEdit, "builder_time").setTime(QTime(7, 15))
    qtbot.mouseClick(editor.child(QPushButton, "builder_fill"), Qt.MouseButton.LeftButton)
    assert editor.edit("cron").text() == "15 7 * * 0"
    description = editor.child(QLabel, "cron_description")
    qtbot.waitUntil(lambda: description.text() == "At 07:15 on Sunday")


def test_empty_name_unknown_zone_and_end_before_start_are_each_marked(
    make_editor: Callable[..., ScheduleEditor], qtbot: QtBot
) -> None:
    editor = make_editor()
    assert editor.errors() == {"name": "Give the schedule a name."}
    assert not editor.ok_button.isEnabled()
    type_into(qtbot, editor, "name", "Nightly")
    editor.combo("timezone").setCurrentText("Europe/Berln")
    editor.check("start_enabled").setChecked(True)
    editor.check("end_enabled").setChecked(True)
    editor.child(QDateEdit, "start_date").setDate(QDate(2026, 11, 10))
    editor.child(QDateEdit, "end_date").setDate(QDate(2026, 11, 1))
    qtbot.waitUntil(lambda: set(editor.errors()) == {"timezone", "dates"})
    assert "Europe/Berln" in editor.errors()["timezone"]
    assert (
        editor.errors()["dates"] == "The end date 2026-11-01 is before the start date 2026-11-10."
    )
    assert not editor.ok_button.isEnabled()
    editor.combo("timezone").setCurrentText("Europe/Berlin")
    editor.child(QDateEdit, "end_date").setDate(QDate(2026, 11, 30))
    qtbot.waitUntil(editor.ok_button.isEnabled)
    record = editor.validate()
    assert record is not None
    assert (record.start_date, record.end_date) == (date(2026, 11, 10), date(2026, 11, 30))
    assert editor.next_times[0] == datetime(2026, 11, 10, 5, tzinfo=UTC)  # 06:00 CET, a Tuesday


def test_fixed_times_of_day_are_checked(
    make_editor: Callable[..., ScheduleEditor], qtbot: QtBot
) -> None:
    editor = make_editor()
    type_into(qtbot, editor, "name", "Twice a day")
    editor.combo("kind").setCurrentIndex(editor.combo("kind").findData("fixed_time"))
    type_into(qtbot, editor, "fixed_times", "06:00, 25:00")
    qtbot.waitUntil(lambda: "fixed" in editor.errors())
    assert "“25:00” is not a time of day" in editor.errors()["fixed"]
    assert not editor.ok_button.isEnabled()
    type_into(qtbot, editor, "fixed_times", "18:30, 06:00")
    qtbot.waitUntil(editor.ok_button.isEnabled)
    record = editor.validate()
    assert record is not None and record.fixed_times == [time(6), time(18, 30)]


def test_save_creates_the_schedule_in_the_store(
    make_editor: Callable[..., ScheduleEditor], service: Service, qtbot: QtBot
) -> None:
    editor = make_editor()
    type_into(qtbot, editor, "name", "Nightly import")
    editor.combo("timezone").setCurrentText("Europe/Berlin")
    type_into(qtbot, editor, "cron", "30 1 * * *")
    editor.spin("retry_attempts").setValue(5)
    editor.combo("retry_backoff").setCurrentIndex(editor.combo("retry_backoff").findData("linear"))
    editor.spin("timeout").setValue(900)
    editor.check("notify").setChecked(False)
    qtbot.waitUntil(editor.ok_button.isEnabled)
    with qtbot.waitSignal(editor.accepted):
        qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)
    [stored] = service.list_schedules()
    assert editor.saved == stored
    assert stored.key == "schedule_QBT_WFN_ACME_nightly_import"
    assert (stored.name, stored.mapping_key, stored.kind) == (
        "Nightly import",
        QBT_KEY,
        ScheduleKind.CRON,
    )
    assert (stored.cron, stored.timezone, stored.timeout_seconds) == (
        "30 1 * * *",
        "Europe/Berlin",
        900,
    )
    assert (stored.retry.max_attempts, stored.retry.backoff) == (5, Backoff.LINEAR)
    assert stored.notify_on_failure is False and stored.active


def test_editing_keeps_the_key_and_a_service_error_is_shown(
    make_editor: Callable[..., ScheduleEditor],
    service: Service,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = service.create_schedule(
        ScheduleRecord(
            key="schedule_qbt_hourly",
            name="Hourly",
            mapping_key=QBT_KEY,
            kind=ScheduleKind.INTERVAL,
            interval_seconds=7200,
        )
    )
    editor = make_editor(original)
    assert editor.spin("interval_value").value() == 2
    assert editor.combo("interval_unit").currentText() == "hours"
    assert describe_schedule(original) == "every 2 hours"
    editor.spin("interval_value").setValue(30)
    editor.combo("interval_unit").setCurrentIndex(1)  # minutes
    service.delete_schedule(original.key)  # gone meanwhile: the save fails
    warnings: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _parent, title, text: warnings.append(f"{title}: {text}")
    )
    qtbot.waitUntil(editor.ok_button.isEnabled)
    qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)
    assert warnings and "schedule_qbt_hourly" in warnings[0]
    assert warnings[0].startswith("Cannot save the schedule")
    assert editor.isVisible() and editor.saved is None
    service.create_schedule(original)
    with qtbot.waitSignal(editor.accepted):
        qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)
    [stored] = service.list_schedules()
    assert (stored.key, stored.interval_seconds) == ("schedule_qbt_hourly", 1800)


def test_new_keys_are_business_keys_and_unique() -> None:
    assert (
        new_schedule_key(QBT_KEY, "Nightly import!", ()) == "schedule_QBT_WFN_ACME_nightly_import"
    )
    taken = {"schedule_QBT_WFN_ACME_nightly"}
    assert new_schedule_key(QBT_KEY, "nightly", taken) == "schedule_QBT_WFN_ACME_nightly_2"
    assert new_schedule_key("orders", "", ()) == "schedule_orders_schedule"


def test_an_event_based_schedule_stays_event_based(
    make_editor: Callable[..., ScheduleEditor], service: Service, qtbot: QtBot
) -> None:
    original = service.create_schedule(
        ScheduleRecord(
            key="schedule_qbt_on_upload",
            name="On upload",
            mapping_key=QBT_KEY,
            kind=ScheduleKind.EVENT_BASED,
        )
    )
    editor = make_editor(original)
    assert editor.combo("kind").currentText() == "On an event"
    editor.spin("timeout").setValue(60)
    qtbot.waitUntil(editor.ok_button.isEnabled)
    with qtbot.waitSignal(editor.accepted):
        qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)
    [stored] = service.list_schedules()
    assert (stored.kind, stored.timeout_seconds) == (ScheduleKind.EVENT_BASED, 60)
