"""The Runs page shows a stored pipeline's run (issue 19, item 2): the pipeline named, each
step's counts in the run detail, the step in each dead letter."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.theme import DARK, LIGHT, apply_theme
from fieldwright.service import Service, import_pipeline
from tests.app.runs.test_runs_panel import runs_panel
from tests.service.helpers import simple_document
from tests.service.test_stored_pipelines import KEY, write_pipeline


def test_a_pipeline_run_shows_its_steps_and_the_step_of_each_dead_letter(
    store_window: MainWindow, service: Service, db_url: str, tmp_path: Path, qtbot: QtBot
) -> None:
    service.save_mapping(simple_document(), None)
    import_pipeline(write_pipeline(tmp_path), db_url)
    panel = runs_panel(store_window, qtbot)
    result = service.start_run(KEY).wait()
    assert result is not None
    qtbot.waitUntil(lambda: panel.model.keys() == [result.key], timeout=10_000)
    panel.table.selectRow(0)
    qtbot.waitUntil(lambda: "per team" in panel.detail_view.toPlainText(), timeout=10_000)
    shown = panel.detail_view.toPlainText()
    assert "Pipeline" in shown and f"{KEY} version 1" in shown
    assert "read 5 · written 2 · failed 2 · filtered 0 · merged 1" in shown
    assert "named (map): in 5 · out 4 · failed 1" in shown
    assert "team (enrich): in 4 · out 3 · failed 1" in shown
    assert "per team (aggregate): in 3 · out 2 · merged 1" in shown
    assert "order (sort): in 2 · out 2" in shown
    qtbot.waitUntil(lambda: panel.letters.rowCount() == 2, timeout=10_000)
    reasons = {str(panel.letters.data(panel.letters.index(row, 2))) for row in range(2)}
    assert {reason.split(":")[0] for reason in reasons} == {"step 'named'", "step 'team'"}


def test_screenshots_of_a_pipeline_run(
    store_window: MainWindow, service: Service, db_url: str, tmp_path: Path, qtbot: QtBot
) -> None:
    """Renders the Runs page with a pipeline run selected, light and dark, at two sizes
    (to /tmp/shots/pipestore/, to be looked at; skipped unless FW_SHOTS is set)."""
    if not os.environ.get("FW_SHOTS"):
        pytest.skip("FW_SHOTS is not set")
    service.save_mapping(simple_document(), None)
    import_pipeline(write_pipeline(tmp_path), db_url)
    panel = runs_panel(store_window, qtbot)
    result = service.start_run(KEY).wait()
    assert result is not None
    qtbot.waitUntil(lambda: panel.model.keys() == [result.key], timeout=10_000)
    panel.table.selectRow(0)
    qtbot.waitUntil(lambda: panel.letters.rowCount() == 2, timeout=10_000)
    out = Path("/tmp/shots/pipestore")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for theme, name in ((LIGHT, "light"), (DARK, "dark")):
        apply_theme(app, theme)
        for width, height in ((1280, 820), (1024, 700)):
            store_window.resize(width, height)
            panel.refresh(select=result.key)  # the detail's link colour follows the theme
            qtbot.waitUntil(lambda: "per team" in panel.detail_view.toPlainText())
            QApplication.processEvents()
            store_window.grab().save(str(out / f"runs_{name}_{width}.png"))
    apply_theme(app, LIGHT)
