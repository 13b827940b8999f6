"""The schedule editor's SLA group: typed service levels are saved with the schedule and
shown again when it is edited; cleared ones are cleared."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSpinBox
from pytestqt.qtbot import QtBot

from fieldwright.app.schedules.editor import ScheduleEditor
from fieldwright.domain.store_models import ScheduleKind, ScheduleRecord
from fieldwright.service import ScheduleSla, Service
from tests.app.schedules.test_schedule_editor import QBT_KEY, make_editor, type_into

__all__ = ["make_editor"]  # the fixture, shared


def _type_number(qtbot: QtBot, spin: QSpinBox, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Tab)


def test_sla_fields_typed_in_the_editor_are_saved_and_shown_again(
    make_editor: Callable[..., ScheduleEditor], service: Service, qtbot: QtBot
) -> None:
    editor = make_editor()
    type_into(qtbot, editor, "name", "Nightly import")
    sla = editor.sla
    assert sla.value() == ScheduleSla()  # nothing set on a new schedule
    assert sla.expected.text() == "not set" and sla.alert.text() == "default (3)"
    _type_number(qtbot, sla.expected, "900")
    qtbot.mouseClick(sla.finish_enabled, Qt.MouseButton.LeftButton)
    sla.finish.setFocus()
    sla.finish.selectAll()
    qtbot.keyClicks(sla.finish, "06:30")
    _type_number(qtbot, sla.alert, "2")
    qtbot.waitUntil(editor.ok_button.isEnabled)
    with qtbot.waitSignal(editor.accepted):
        qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)
    [stored] = service.list_schedules()
    assert service.schedule_sla(stored.key) == ScheduleSla(
        expected_seconds=900, latest_finish="06:30", failures_alert=2
    )

    again = make_editor(stored)
    assert (again.sla.expected.value(), again.sla.alert.value()) == (900, 2)
    assert again.sla.finish_enabled.isChecked() and again.sla.finish.text() == "06:30"
    qtbot.mouseClick(again.sla.finish_enabled, Qt.MouseButton.LeftButton)  # cleared
    _type_number(qtbot, again.sla.late, "120")
    with qtbot.waitSignal(again.accepted):
        qtbot.mouseClick(again.ok_button, Qt.MouseButton.LeftButton)
    assert service.schedule_sla(stored.key) == ScheduleSla(
        expected_seconds=900, late_after_seconds=120, failures_alert=2
    )


def test_a_schedule_saved_by_the_cli_shows_its_sla(
    make_editor: Callable[..., ScheduleEditor], service: Service
) -> None:
    schedule = service.create_schedule(
        ScheduleRecord(
            key="schedule_qbt_hourly",
            name="Hourly",
            mapping_key=QBT_KEY,
            kind=ScheduleKind.INTERVAL,
            interval_seconds=3600,
        )
    )
    service.set_schedule_sla(schedule.key, ScheduleSla(late_after_seconds=60))
    editor = make_editor(schedule)
    assert editor.sla.late.value() == 60 and not editor.sla.finish_enabled.isChecked()
