"""Journey (a) of issue 14: an analyst builds, saves, runs and schedules a mapping from nothing.

A people CSV → File → New (the guide) → a target typed into the schema editor → fields
mapped by mouse drags → steps chosen in the palette with their arguments typed → a lookup
table typed into the grid → a filter typed into its dialog → the target file chosen in the
endpoint dialog → Save into the store → Run now → a schedule made in its editor fires and
the Runs page shows its run without Refresh. Only widgets: no document JSON is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QLineEdit,
    QPushButton,
)
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.arg_editors import LineArgEditor
from fieldwright.app.designer.arg_lists import ArgList
from fieldwright.app.designer.endpoint_dialog import EndpointDialog
from fieldwright.app.designer.filter_dialog import FilterDialog
from fieldwright.app.designer.lookups_dialog import LookupsDialog
from fieldwright.app.designer.schema_field_dialog import FieldDialog
from fieldwright.app.documents.new_mapping_dialog import NewMappingDialog
from fieldwright.app.schedules.editor import ScheduleEditor
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.authoring.documents import StoredMapping
from fieldwright.domain import FieldType
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.service import RunResult, Service
from tests.app.designer.test_lookups_and_filter import _type_into_cell
from tests.app.helpers import choose
from tests.app.journeys.gestures import (
    TIMEOUT,
    Stopwatch,
    add_step,
    add_target_field,
    click,
    in_modal,
    mouse_drags,
    ok_button,
    retype,
    view_index,
)

PEOPLE = (
    "id,first,last,email,signup,stage\n"
    "1,Ann,Lee,ANN@Example.COM,7/4/2024,L\n"
    "2,Bo,Kim,bo@example.com,12/25/2023,C\n"
    "3,Cy,Ray,Cy.Ray@Example.com,1/2/2025,L\n"
    "4,Test,User,test@example.com,1/1/2025,C\n"
)
EXPECTED = [
    {"full_name": "Ann Lee", "email": "ann@example.com", "signup": "2024-07-04", "stage": "lead"},
    {"full_name": "Bo Kim", "email": "bo@example.com", "signup": "2023-12-25", "stage": "customer"},
    {"full_name": "Cy Ray", "email": "cy.ray@example.com", "signup": "2025-01-02", "stage": "lead"},
]


def _new_mapping(window: MainWindow, qtbot: QtBot, csv: Path) -> None:
    def drive(guide: NewMappingDialog) -> None:
        retype(qtbot, guide.source.path, str(csv))
        click(qtbot, guide.next_button)
        qtbot.waitUntil(
            lambda: guide.step == 1 or not guide.source.problem.isHidden(), timeout=TIMEOUT
        )
        assert guide.step == 1, guide.source.problem.text()
        click(qtbot, guide.next_button)  # the target starts empty
        qtbot.waitUntil(lambda: guide.step == 2, timeout=TIMEOUT)
        for edit, text in (
            (guide.source_system, "ppl"),
            (guide.target_system, "crm"),
            (guide.client, "acme"),
            (guide.name, "People to CRM"),
        ):
            retype(qtbot, edit, text)
        click(qtbot, guide.finish_button)

    errors = in_modal(NewMappingDialog, drive)
    window.actions_by_name["new"].trigger()
    assert not errors, errors


def _set_type_date(window: MainWindow, qtbot: QtBot, path: str) -> None:
    """Double-click the target field; in its dialog choose the type with the keyboard."""

    def fill(dialog: FieldDialog) -> None:
        kind = dialog.findChild(QComboBox, "field_type")
        assert kind is not None
        choose_text(qtbot, kind, "date")
        required = dialog.findChild(QCheckBox, "field_required")
        assert required is not None
        qtbot.keyClick(required, Qt.Key.Key_Space)
        buttons = dialog.findChild(QDialogButtonBox, "field_buttons")
        assert buttons is not None
        click(qtbot, buttons.button(QDialogButtonBox.StandardButton.Ok))

    target = window.designer.target
    errors = in_modal(FieldDialog, fill)
    rect = target.tree.visualRect(view_index(target, path))
    qtbot.mouseClick(target.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(target.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert not errors, errors


def choose_text(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, text
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(index):
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text


def _lookup_table(window: MainWindow, qtbot: QtBot) -> None:
    window.actions_by_name["lookups"].trigger()
    dialog = window.findChild(LookupsDialog)
    assert dialog is not None and dialog.isVisible()
    retype(qtbot, dialog.new_name, "stages")
    click(qtbot, dialog.add_table_button)
    for row, (code, stage) in enumerate([("L", "lead"), ("C", "customer")]):
        click(qtbot, dialog.add_row_button)
        _type_into_cell(qtbot, dialog, row, 0, code)
        _type_into_cell(qtbot, dialog, row, 1, stage)
    assert dialog.problem.isHidden(), dialog.problem.text()
    click(qtbot, ok_button(dialog))


def _filter(window: MainWindow, qtbot: QtBot) -> None:
    window.actions_by_name["record_filter"].trigger()
    dialog = window.findChild(FilterDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.expression.setFocus()
    qtbot.keyClicks(dialog.expression, "first != 'Test'")
    qtbot.waitUntil(lambda: dialog.problem.property("role") == "muted")
    assert dialog.problem.text() == "Valid: keeps 3 of the 4 sample records, drops 1."
    click(qtbot, ok_button(dialog))


def _target_file(window: MainWindow, qtbot: QtBot, output: Path) -> None:
    def fill(dialog: EndpointDialog) -> None:
        path = dialog.findChild(QLineEdit, "endpoint_path")
        assert path is not None
        retype(qtbot, path, str(output))
        with qtbot.waitSignal(dialog.tested, timeout=TIMEOUT) as tested:
            click(qtbot, dialog.test_button)
        assert tested.args[0] is True, tested.args
        click(qtbot, ok_button(dialog))

    errors = in_modal(EndpointDialog, fill)
    window.actions_by_name["target_endpoint"].trigger()
    assert not errors, errors


def _schedule_every_second(window: MainWindow, qtbot: QtBot, mapping_key: str) -> None:
    """Schedules → New: a name, the Interval kind, 1 second (the shortest it takes), Save."""
    window.show_page("Schedules")
    panel = window.schedules_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.loaded)

    def fill(editor: ScheduleEditor) -> None:
        retype(qtbot, editor.edit("name"), "Every second")
        assert editor.combo("mapping").currentData() == mapping_key
        choose(qtbot, editor.combo("kind"), "interval")
        choose_text(qtbot, editor.combo("interval_unit"), "seconds")
        value = editor.spin("interval_value")
        value.setFocus()
        value.selectAll()
        qtbot.keyClicks(value, "1")
        assert value.value() == 1
        qtbot.waitUntil(editor.ok_button.isEnabled, timeout=TIMEOUT)
        click(qtbot, editor.ok_button)

    errors = in_modal(ScheduleEditor, fill)
    click(qtbot, panel.new_button)
    assert not errors, errors


def test_people_csv_to_an_ndjson_file_saved_run_and_scheduled(
    store_window: MainWindow,
    service: Service,
    tmp_path: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    record_property: Callable[[str, object], None],
) -> None:
    watch = Stopwatch(record_property, "people_csv")
    window = store_window
    window.resize(1280, 820)
    csv = tmp_path / "data" / "people.csv"
    csv.parent.mkdir()
    csv.write_text(PEOPLE, encoding="utf-8")
    output = tmp_path / "out" / "people.ndjson"
    output.parent.mkdir()

    _new_mapping(window, qtbot, csv)
    key = window.session.document.key
    assert key.startswith("mapping_PPL_CRM_ACME_")
    watch.lap("new")

    for name in ("full_name", "email", "signup", "stage"):
        add_target_field(window, qtbot, name)
    _set_type_date(window, qtbot, "$.signup")
    signup = window.session.document.target.paths()["$.signup"]
    assert (signup.type, signup.required) == (FieldType.DATE, True)
    _lookup_table(window, qtbot)  # before the lookup step, so its editor lists the table
    watch.lap("schema and lookups")

    inspector = window.designer.inspector
    with mouse_drags(monkeypatch) as drag:
        drag(window, "$.first", "$.full_name")
        drag(window, "$.last", "$.full_name")
        assert window.designer.selected == "$.full_name"
        add_step(window, qtbot, "concat")
        separator = inspector.args.findChild(QLineEdit, "arg_separator")
        assert separator is not None
        retype(qtbot, separator, " ", enter=True)

        drag(window, "$.email", "$.email")
        add_step(window, qtbot, "lower")

        drag(window, "$.signup", "$.signup")
        add_step(window, qtbot, "parse_date")
        formats = inspector.args.findChild(ArgList, "list_formats")
        assert formats is not None
        if not formats.editors():
            add = formats.findChild(QPushButton, "add_formats")
            assert add is not None
            click(qtbot, add)
        row = formats.editors()[0]
        assert isinstance(row, LineArgEditor)
        retype(qtbot, row.line, "%m/%d/%Y", enter=True)

        drag(window, "$.stage", "$.stage")
        add_step(window, qtbot, "lookup")
        table = inspector.args.findChild(QComboBox, "arg_table")
        assert table is not None and table.findText("stages") >= 0  # the grid's table
        assert table.lineEdit() is not None
        retype(qtbot, table.lineEdit(), "stages", enter=True)
    document = window.session.document
    assert [
        (f.target, f.sources, [(s.fn, s.args) for s in f.transforms]) for f in document.fields
    ] == [
        ("$.full_name", ["$.first", "$.last"], [("concat", [" "])]),
        ("$.email", ["$.email"], [("lower", [])]),
        ("$.signup", ["$.signup"], [("parse_date", ["%m/%d/%Y"])]),
        ("$.stage", ["$.stage"], [("lookup", ["stages"])]),
    ]
    watch.lap("mapped")

    _filter(window, qtbot)
    _target_file(window, qtbot, output)
    watch.lap("filter and endpoint")

    window.actions_by_name["save"].trigger()
    assert window.session.location == StoredMapping(key, 1)
    assert [m.key for m in service.list_mappings()] == [key]

    with qtbot.waitSignal(window.run_now.finished, timeout=30_000) as finished:
        window.actions_by_name["run_now"].trigger()
    summary, result = finished.args
    assert isinstance(result, RunResult) and result.status is RunStatus.COMPLETED, summary
    counts = result.counts
    assert (counts.read, counts.written, counts.failed, counts.filtered) == (4, 3, 0, 1)
    assert "read 4, written 3, failed 0, filtered 1" in summary
    lines = output.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == EXPECTED
    watch.lap("run now")

    # A schedule fires; the Runs page, open meanwhile, shows its run by itself.
    _schedule_every_second(window, qtbot, key)
    [schedule] = service.list_schedules()
    assert (schedule.mapping_key, schedule.interval_seconds) == (key, 1)
    output.unlink()
    window.show_page("Runs")
    runs = window.runs_panel
    assert runs is not None
    qtbot.waitUntil(lambda: runs.loaded)
    assert runs.model.rowCount() == 1  # Run now's
    refreshes: list[bool] = []
    runs.refresh_button.clicked.connect(lambda: refreshes.append(True))

    def scheduled_run_shown() -> bool:
        return any(
            item.trigger is RunTrigger.SCHEDULE and item.status is RunStatus.COMPLETED
            for item in runs.model.items
        )

    window.start_scheduler()
    try:
        qtbot.waitUntil(scheduled_run_shown, timeout=30_000)
    finally:
        window.scheduler.stop()
    assert refreshes == []
    scheduled = next(i for i in runs.model.items if i.trigger is RunTrigger.SCHEDULE)
    assert scheduled.counts.written == 3 and scheduled.counts.filtered == 1
    assert [
        json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()
    ] == EXPECTED
    # Back on the Schedules page (hidden meanwhile), the schedule says when it last ran.
    window.show_page("Schedules")
    schedules = window.schedules_panel
    assert schedules is not None
    qtbot.waitUntil(lambda: schedules.model.rows[0].record.last_run_at is not None)
    watch.lap("scheduled run shown")
    assert watch.stop() < 120
