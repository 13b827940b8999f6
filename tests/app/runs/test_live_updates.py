"""Journeys: the app's background scheduler fires a schedule, and the Runs page, the Schedules
calendar and the status bar show it without Refresh; a failing scheduled run that asks to be
told raises the notice, which opens the run.

A real store (the window's SQLite file), real CSV files, the real scheduler with a 1 s
interval schedule; the tests wait on the service's events as Qt signals and on the pages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pytestqt.qtbot import QtBot

from fieldwright.app.runs.panel import RunsPanel
from fieldwright.app.schedules.panel import SchedulesPanel
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.domain import MappingDocument
from fieldwright.domain.runs import RunCounts, RunStatus, RunTrigger
from fieldwright.domain.store_models import ScheduleKind, ScheduleRecord
from fieldwright.service import (
    RunEnded,
    RunProgress,
    RunProgressed,
    RunResult,
    RunStarted,
    ScheduleFired,
    Service,
)

MAPPING_KEY = "mapping_PPL_OUT_TEST_20250724"
SCHEDULE_KEY = "schedule_PPL_OUT_TEST_every_second"


def store_people_mapping(service: Service, folder: Path, *, with_source: bool = True) -> Path:
    """A stored mapping from people.csv to out.csv in `folder` (absolute paths); the output."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "people.csv"
    if with_source:
        source.write_text("id,name\n1,ann\n2,bob\n3,cy\n", encoding="utf-8")
    output = folder / "out.csv"
    document = MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": MAPPING_KEY,
            "name": "people",
            "source": {"connector": {"kind": "csv", "settings": {"path": str(source)}}},
            "target": {"connector": {"kind": "csv", "settings": {"path": str(output)}}},
            "fields": [
                {"target": "$.id", "sources": ["$.id"]},
                {"target": "$.name", "sources": ["$.name"], "transforms": [{"fn": "upper"}]},
            ],
        }
    )
    service.save_mapping(document, None)
    return output


def every_second(service: Service, *, notify: bool = True) -> ScheduleRecord:
    return service.create_schedule(
        ScheduleRecord(
            key=SCHEDULE_KEY,
            name="Every second",
            mapping_key=MAPPING_KEY,
            kind=ScheduleKind.INTERVAL,
            interval_seconds=1,
            notify_on_failure=notify,
        )
    )


def shown_runs(window: MainWindow, qtbot: QtBot) -> RunsPanel:
    window.show_page("Runs")
    panel = window.runs_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.loaded)
    return panel


def shown_schedules(window: MainWindow, qtbot: QtBot) -> SchedulesPanel:
    window.show_page("Schedules")
    panel = window.schedules_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.loaded)
    return panel


def first_scheduled_end(window: MainWindow, qtbot: QtBot) -> ScheduleFired:
    """Start the app's scheduler and wait for its first fire to end; stop it then."""
    assert window.live is not None

    def ended(event: ScheduleFired) -> bool:
        # A fire can be skipped on a busy machine (run_once catches up): wait for a run.
        return event.status not in (RunStatus.RUNNING, RunStatus.SKIPPED)

    fires = window.live.scheduleFired
    with qtbot.waitSignal(fires, timeout=30_000, check_params_cb=ended) as fired:
        window.start_scheduler()
    window.scheduler.stop()
    event = fired.args[0]
    assert isinstance(event, ScheduleFired)
    return event


def test_a_fire_of_the_apps_scheduler_shows_in_runs_and_schedules_without_refresh(
    store_window: MainWindow, service: Service, tmp_path: Path, qtbot: QtBot
) -> None:
    window = store_window
    output = store_people_mapping(service, tmp_path / "people")
    every_second(service)
    schedules = shown_schedules(window, qtbot)
    schedules.select_schedule(SCHEDULE_KEY)
    runs = shown_runs(window, qtbot)
    assert runs.model.rowCount() == 0
    resets: list[bool] = []
    runs.model.modelReset.connect(lambda: resets.append(True))
    refreshes: list[bool] = []
    runs.refresh_button.clicked.connect(lambda: refreshes.append(True))

    fired = first_scheduled_end(window, qtbot)

    assert fired.status is RunStatus.COMPLETED and fired.run_key is not None
    key = fired.run_key

    def shown_ended() -> bool:
        row = runs.model.row_of(key)
        return row is not None and runs.model.items[row].ended_at is not None

    qtbot.waitUntil(shown_ended)
    row = runs.model.items[runs.model.row_of(key) or 0]
    assert row.trigger is RunTrigger.SCHEDULE and row.status is RunStatus.COMPLETED
    assert row.counts.written == 3
    assert output.read_text(encoding="utf-8").splitlines()[1:] == ["1,ANN", "2,BOB", "3,CY"]
    assert resets == [] and refreshes == []  # rows came in place, nobody clicked Refresh

    today = datetime.now(UTC).astimezone(schedules.zone).date()

    def on_calendar() -> bool:
        data = schedules.calendar.data
        items = data.items(today) if data is not None else []
        return any(i.run_key == key and i.status == RunStatus.COMPLETED.value for i in items)

    # Hidden meanwhile, the Schedules page only noted it was stale; shown, it redraws.
    assert schedules.stale
    window.show_page("Schedules")
    qtbot.waitUntil(on_calendar)
    assert not schedules.stale
    assert schedules.selected_key() == SCHEDULE_KEY  # the list was redrawn, the selection kept
    last_run = schedules.model.rows[0].record.last_run_at
    assert last_run is not None


def test_the_runs_page_keeps_filters_selection_and_scroll_when_runs_come_in(
    store_window: MainWindow, service: Service, tmp_path: Path, qtbot: QtBot
) -> None:
    window = store_window
    store_people_mapping(service, tmp_path / "people")
    handles = [service.start_run(MAPPING_KEY) for _ in range(30)]
    for handle in handles:
        assert handle.wait(30) is not None
    runs = shown_runs(window, qtbot)
    window.resize(1024, 700)
    runs.trigger_filter.setCurrentIndex(runs.trigger_filter.findData(RunTrigger.MANUAL.value))
    assert runs.model.rowCount() == 30
    chosen = runs.model.keys()[20]
    runs.open_run(chosen)
    bar = runs.table.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    top = runs.table.rowAt(0)
    first_seen = runs.model.keys()[top]
    assert window.live is not None

    with qtbot.waitSignal(window.live.runEnded, timeout=30_000):
        service.start_run(MAPPING_KEY)  # another run, from elsewhere (a CLI would not show)
    qtbot.waitUntil(lambda: runs.model.rowCount() == 31)
    qtbot.waitUntil(lambda: runs.model.items[0].status is RunStatus.COMPLETED)
    assert runs.selected_key() == chosen and runs.detail is not None
    assert runs.detail.record.key == chosen
    assert runs.model.keys()[runs.table.rowAt(0)] == first_seen  # the same rows in view
    assert runs.trigger_filter.currentData() == RunTrigger.MANUAL.value

    with qtbot.waitSignal(window.live.runEnded, timeout=30_000):
        service.start_run(MAPPING_KEY, trigger=RunTrigger.TEST)  # filtered out: no row
    qtbot.wait(50)  # queued deliveries after the signal
    assert runs.model.rowCount() == 31


def test_a_failed_scheduled_run_that_asks_for_it_raises_a_notice_that_opens_the_run(
    store_window: MainWindow, service: Service, tmp_path: Path, qtbot: QtBot
) -> None:
    window = store_window
    store_people_mapping(service, tmp_path / "people", with_source=False)
    every_second(service, notify=True)
    assert not window.notice_bar.isVisible()

    fired = first_scheduled_end(window, qtbot)

    assert fired.status is RunStatus.FAILED and fired.needs_notice
    key = fired.run_key
    assert key is not None
    qtbot.waitUntil(window.notice_bar.isVisible)
    text = window.notice_bar.label.text()
    assert text.startswith("Scheduled run of “Every second” failed")
    assert "people.csv" in text
    # Offscreen there is no system tray: no desktop message, the notice bar stays.
    assert not window.notifier.desktop_available() and window.notifier.tray is None
    assert window.notice_bar.open_button.text() == "Open run"

    window.notice_bar.open_button.click()

    runs = window.runs_panel
    assert runs is not None and window.current_page() is runs
    assert runs.detail is not None and runs.detail.record.key == key
    assert runs.detail.record.status is RunStatus.FAILED
    assert key in runs.detail_view.toPlainText()
    assert not window.notice_bar.isVisible()


def test_no_notice_for_a_schedule_that_does_not_ask(
    store_window: MainWindow, service: Service, tmp_path: Path, qtbot: QtBot
) -> None:
    window = store_window
    store_people_mapping(service, tmp_path / "people", with_source=False)
    every_second(service, notify=False)
    fired = first_scheduled_end(window, qtbot)
    assert fired.status is RunStatus.FAILED and not fired.needs_notice
    qtbot.wait(50)  # the notifier's queued delivery
    assert not window.notice_bar.isVisible()


def test_the_status_bar_follows_runs_started_elsewhere(
    store_window: MainWindow, service: Service, tmp_path: Path, qtbot: QtBot
) -> None:
    window = store_window
    activity = window.run_activity
    activity.run_started(RunStarted("proc_A", MAPPING_KEY, RunTrigger.SCHEDULE))
    assert activity.isVisible() and activity.text() == "proc_A (schedule): starting…"
    counts = RunCounts(read=10, written=10)
    progress = RunProgress("proc_A", 1, 10, counts, 2.0, 5.0, total=40)
    activity.run_progressed(RunProgressed(progress))
    assert activity.text() == "proc_A: 10 of 40 records · 5/s · about 6 s left"
    activity.run_started(RunStarted("proc_B", MAPPING_KEY, RunTrigger.REPROCESS))
    assert activity.text() == "2 runs going"
    assert activity.toolTip().splitlines()[1] == "proc_B (reprocess): starting…"
    result = RunResult("proc_A", ("proc_A",), RunStatus.COMPLETED, counts, 2.0)
    activity.run_ended(RunEnded(result, MAPPING_KEY, RunTrigger.SCHEDULE))
    assert activity.text() == "proc_B (reprocess): starting…"

    # A real run from elsewhere ends: the window's queued deliveries take it away again.
    store_people_mapping(service, tmp_path / "people")
    assert window.live is not None
    with qtbot.waitSignal(window.live.runEnded, timeout=30_000):
        handle = service.start_run(MAPPING_KEY, trigger=RunTrigger.TEST)
    qtbot.waitUntil(lambda: handle.key not in activity.runs and "proc_B" in activity.runs)
    # Run now's own runs are left to its progress bar.
    window.run_progress.key = "proc_B"
    activity.run_progressed(RunProgressed(progress))
    assert activity.text() == "proc_A: 10 of 40 records · 5/s · about 6 s left"


def test_a_reprocess_is_disabled_for_a_run_without_failed_records(
    store_window: MainWindow, service: Service, tmp_path: Path, qtbot: QtBot
) -> None:
    store_people_mapping(service, tmp_path / "people")
    handle = service.start_run(MAPPING_KEY)
    assert handle.wait(30) is not None
    runs = shown_runs(store_window, qtbot)
    runs.open_run(handle.key)
    assert not runs.reprocess_button.isEnabled()
    assert runs.reprocess_button.toolTip() == "Cannot reprocess: the run has no failed records"
