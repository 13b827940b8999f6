"""Run a stored pipeline from the Runs page (issue 19, item 2): the "Run pipeline" menu lists
the store's pipelines, Run with… offers the pipeline's own source and target or a saved
connection, the run is selected with its step counts when it ends, and Reprocess sends its
failed records on from the step each failed at."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fieldwright.app.runs.run_dialog import RunDialog
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.theme import DARK, LIGHT, apply_theme
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service import RunResult, Service, import_pipeline
from tests.app.helpers import choose
from tests.app.journeys.gestures import click, in_modal
from tests.app.runs.test_runs_panel import runs_panel
from tests.service.helpers import simple_document
from tests.service.test_stored_pipelines import KEY, write_pipeline


@pytest.fixture
def folder(service: Service, db_url: str, tmp_path: Path) -> Path:
    service.save_mapping(simple_document(), None)
    folder = tmp_path / "pipe"
    folder.mkdir()
    import_pipeline(write_pipeline(folder), db_url)
    return folder


def _run_from_menu(
    store_window: MainWindow, qtbot: QtBot, target: str | None = None
) -> tuple[RunResult, list[str]]:
    panel = runs_panel(store_window, qtbot)
    menu = panel.pipeline_runs.menu
    menu.aboutToShow.emit()  # as when the button opens it
    [action] = [a for a in menu.actions() if a.data() == KEY]
    assert action.text() == f"Teams — {KEY}…"
    offered: list[str] = []

    def run(dialog: RunDialog) -> None:
        source = dialog.combos["source"]
        offered.extend(source.itemText(i) for i in range(source.count()))
        if target is not None:
            choose(qtbot, dialog.combos["target"], target)
        click(qtbot, dialog.run_button)

    errors = in_modal(RunDialog, run)
    with qtbot.waitSignal(panel.pipeline_runs.finished, timeout=30_000) as finished:
        action.trigger()
    assert not errors, errors
    result = finished.args[1]
    assert isinstance(result, RunResult)
    return result, offered


def test_run_pipeline_runs_it_through_its_own_connectors_and_shows_its_steps(
    store_window: MainWindow, folder: Path, qtbot: QtBot
) -> None:
    result, offered = _run_from_menu(store_window, qtbot)
    assert offered[0] == f"As in the pipeline: ndjson · {folder / 'in.ndjson'}"
    assert result.status is RunStatus.COMPLETED and result.counts.written == 2
    panel = store_window.runs_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.selected_key() == result.key)
    qtbot.waitUntil(lambda: "per team (aggregate)" in panel.detail_view.toPlainText())
    assert "team (enrich): in 4 · out 3 · failed 1" in panel.detail_view.toPlainText()

    # Fix the enrich file, reprocess: the record `team` missed goes on from `team`.
    teams = folder / "teams.csv"
    teams.write_text(teams.read_text(encoding="utf-8") + "9,misc\n", encoding="utf-8")
    qtbot.waitUntil(panel.reprocess_button.isEnabled)
    with qtbot.waitSignal(panel.reprocessed, timeout=30_000) as done:
        click(qtbot, panel.reprocess_button)
    child = done.args[1]
    assert isinstance(child, RunResult) and child.status is RunStatus.COMPLETED
    assert (child.counts.read, child.counts.written, child.counts.failed) == (2, 1, 1)
    assert panel.model.keys()[0] == child.key
    assert panel.model.items[0].trigger is RunTrigger.REPROCESS
    output = folder / f"out.{result.key}.ndjson"
    assert [json.loads(line) for line in output.read_text().splitlines()] == [
        {"team": "misc", "people": 1}
    ]


def test_run_with_a_saved_connection_as_the_target(
    store_window: MainWindow, service: Service, folder: Path, qtbot: QtBot
) -> None:
    elsewhere = folder / "elsewhere.ndjson"
    service.connections.save(
        ConnectionRecord(name="team_counts", kind="ndjson", settings={"path": str(elsewhere)})
    )
    result, _offered = _run_from_menu(store_window, qtbot, target="team_counts")
    assert result.status is RunStatus.COMPLETED
    assert [json.loads(line)["team"] for line in elsewhere.read_text().splitlines()] == [
        "core",
        "kernel",
    ]
    assert not (folder / "out.ndjson").exists()


def test_screenshots_of_run_pipeline(
    store_window: MainWindow, service: Service, folder: Path, qtbot: QtBot
) -> None:
    """The Runs page with its Run pipeline menu open, light and dark, at two sizes (to
    /tmp/shots-pipesched/, to be looked at; skipped unless FW_SHOTS is set)."""
    if not os.environ.get("FW_SHOTS"):
        pytest.skip("FW_SHOTS is not set")
    result, _offered = _run_from_menu(store_window, qtbot)
    panel = store_window.runs_panel
    assert panel is not None
    out = Path("/tmp/shots-pipesched")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for theme, name in ((LIGHT, "light"), (DARK, "dark")):
        apply_theme(app, theme)
        for width, height in ((1280, 820), (1024, 700)):
            store_window.resize(width, height)
            panel.refresh(select=result.key)
            qtbot.waitUntil(lambda: "per team" in panel.detail_view.toPlainText())
            QApplication.processEvents()
            store_window.grab().save(str(out / f"runs_{name}_{width}.png"))
    apply_theme(app, LIGHT)
