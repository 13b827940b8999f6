"""Journey (issue 19 item 2): a pipeline file goes into the store, the analyst schedules it
in the schedule editor, the scheduler fires it, and the Runs page shows the run with each
step's counts; then the same headless, through `fieldwright` commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytestqt.qtbot import QtBot

from fieldwright.app.runs.panel import RunsPanel
from fieldwright.app.schedules.editor import ScheduleEditor
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.cli.main import cli
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.service import Service, import_pipeline
from tests.app.helpers import choose
from tests.app.journeys.gestures import TIMEOUT, click, in_modal, retype
from tests.app.journeys.test_people_journey import choose_text
from tests.cli.test_serve import Serve
from tests.service.helpers import simple_document
from tests.service.test_stored_pipelines import KEY, write_pipeline

STEPS = (
    "named (map): in 5 · out 4 · failed 1",
    "team (enrich): in 4 · out 3 · failed 1",
    "per team (aggregate): in 3 · out 2 · merged 1",
)


def _schedule_pipeline_every_second(window: MainWindow, qtbot: QtBot) -> None:
    """Schedules → New: a name, the pipeline in "Runs", Interval, 1 second, Save."""
    window.show_page("Schedules")
    panel = window.schedules_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.loaded)

    def fill(editor: ScheduleEditor) -> None:
        retype(qtbot, editor.edit("name"), "Teams every second")
        runs = editor.combo("mapping")
        assert "Pipeline: Teams" in runs.itemText(runs.findData(KEY))
        choose(qtbot, runs, KEY)
        choose_text(qtbot, editor.combo("kind"), "Interval")
        choose_text(qtbot, editor.combo("interval_unit"), "seconds")
        value = editor.spin("interval_value")
        value.setFocus()
        value.selectAll()
        qtbot.keyClicks(value, "1")
        qtbot.waitUntil(editor.ok_button.isEnabled, timeout=TIMEOUT)
        click(qtbot, editor.ok_button)

    errors = in_modal(ScheduleEditor, fill)
    click(qtbot, panel.new_button)
    assert not errors, errors
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)
    assert panel.model.text(panel.model.rows[0], 1) == f"{KEY} (pipeline)"


def test_a_stored_pipeline_scheduled_in_the_editor_fires_and_shows_its_steps(
    store_window: MainWindow, service: Service, db_url: str, tmp_path: Path, qtbot: QtBot
) -> None:
    window = store_window
    window.resize(1280, 820)
    service.save_mapping(simple_document(), None)  # the pipeline's map step names it
    folder = tmp_path / "pipe"
    folder.mkdir()
    import_pipeline(write_pipeline(folder), db_url)

    _schedule_pipeline_every_second(window, qtbot)
    [schedule] = service.list_schedules()
    assert (schedule.mapping_key, schedule.pipeline, schedule.interval_seconds) == (KEY, True, 1)

    window.show_page("Runs")
    runs = window.runs_panel
    assert isinstance(runs, RunsPanel)
    qtbot.waitUntil(lambda: runs.loaded)
    window.start_scheduler()
    try:
        qtbot.waitUntil(
            lambda: any(
                item.trigger is RunTrigger.SCHEDULE and item.status is RunStatus.COMPLETED
                for item in runs.model.items
            ),
            timeout=30_000,
        )
    finally:
        window.scheduler.stop()
    row = next(i for i, item in enumerate(runs.model.items) if item.status is RunStatus.COMPLETED)
    run = runs.model.items[row]
    assert run.mapping_key == KEY and run.schedule_key == schedule.key
    runs.table.selectRow(row)
    qtbot.waitUntil(lambda: STEPS[-1] in runs.detail_view.toPlainText(), timeout=TIMEOUT)
    shown = runs.detail_view.toPlainText()
    assert all(step in shown for step in STEPS), shown
    lines = (folder / "out.ndjson").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"team": "core", "people": 2},
        {"team": "kernel", "people": 1},
    ]


def test_headless_import_schedule_run_and_reprocess_a_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fieldwright(*args: str | Path) -> str:
        done = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert done.exit_code in (0, 3), done.output  # 3: completed, some records failed
        return done.output

    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Service.open(url) as service:
        service.save_mapping(simple_document(), None)
    folder = tmp_path / "pipe"
    folder.mkdir()
    assert f"imported {KEY}" in fieldwright("import", write_pipeline(folder), "-d", url)
    monkeypatch.chdir(tmp_path)  # the stored paths are absolute

    added = fieldwright("schedules", "add", "teams_hourly", "--pipeline", KEY, "--interval",
                        "3600", "-d", url)  # fmt: skip
    assert "added teams_hourly" in added
    listed = json.loads(fieldwright("schedules", "list", "--json", "-d", url))
    assert [(s["key"], s["mapping"], s["pipeline"]) for s in listed] == [
        ("teams_hourly", KEY, True)
    ]
    assert f"{KEY} (pipeline)" in fieldwright("schedules", "list", "-d", url)
    # The pipeline's version goes into review like a mapping's (headless, `review`).
    fieldwright("review", "submit", KEY, "-d", url)
    [waiting] = json.loads(fieldwright("review", "list", "--json", "-d", url))
    assert (waiting["mapping_key"], waiting["version"]) == (KEY, 1)
    ran = fieldwright("schedules", "run", "teams_hourly", "-d", url)
    assert "completed: read 5, written 2, failed 2, filtered 0" in ran
    with Service.open(url) as service:
        [run] = service.list_runs().items
        assert (run.mapping_key, run.schedule_key) == (KEY, "teams_hourly")
        assert [s["name"] for s in service.run_detail(run.key).details["steps"]] == [
            "named",
            "team",
            "per team",
            "order",
        ]
        again = service.reprocess(run.key).wait()
        assert again is not None and again.status is RunStatus.COMPLETED
        assert (again.counts.read, again.counts.failed) == (2, 2)  # nothing was fixed


def test_schedules_add_wants_a_mapping_or_a_pipeline(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    for given in ((), ("--mapping", "a", "--pipeline", "b")):
        done = CliRunner().invoke(
            cli, ["schedules", "add", "x", *given, "--interval", "60", "-d", url]
        )
        assert done.exit_code == 2 and "exactly one of --mapping or --pipeline" in done.output
    done = CliRunner().invoke(
        cli, ["schedules", "add", "x", "--pipeline", "pipeline_none", "--interval", "60", "-d", url]
    )
    assert done.exit_code == 1 and "pipeline 'pipeline_none'" in done.output


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_headless_serve_fires_a_pipelines_schedule(tmp_path: Path) -> None:
    """`fieldwright serve` (a real process) fires the pipeline's schedule; the run is in
    the store with its steps; SIGTERM stops it cleanly."""
    database = tmp_path / "store.db"
    url = f"sqlite:///{database}"
    with Service.open(url) as service:
        service.save_mapping(simple_document(), None)
    folder = tmp_path / "pipe"
    folder.mkdir()
    runner = CliRunner()
    for args in (
        ["import", str(write_pipeline(folder)), "-d", url],
        ["schedules", "add", "teams_every_second", "--pipeline", KEY, "--interval", "1",
         "-d", url],
    ):  # fmt: skip
        done = runner.invoke(cli, args, catch_exceptions=False)
        assert done.exit_code == 0, done.output
    serve = Serve(database)
    try:
        line = serve.wait_for("schedule teams_every_second completed")
    finally:
        assert serve.stop() == 0, serve.seen
    run_key = line.split("(run ")[1].split(")")[0]
    with Service.open(url) as service:
        detail = service.run_detail(run_key)
    assert detail.record.mapping_key == KEY and detail.record.trigger is RunTrigger.SCHEDULE
    assert [step["name"] for step in detail.details["steps"]][:2] == ["named", "team"]
