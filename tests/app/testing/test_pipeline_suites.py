"""The Tests page's "Stored pipelines" tab (issue 19, item 3): a stored pipeline's suite runs
off the GUI thread; each test's result, its differences per target, the steps reached."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.theme import DARK, LIGHT, apply_theme
from fieldwright.app.testing.pipeline_suites import PipelineSuites
from fieldwright.service import Service, import_pipeline
from tests.app.helpers import choose
from tests.app.journeys.gestures import click
from tests.service.helpers import simple_document
from tests.service.test_stored_pipelines import KEY, write_pipeline

TESTS: list[dict[str, Any]] = [
    {
        "name": "two of core",
        "input": [{"id": 1, "name": "ada"}, {"id": 2, "name": "grace"}],
        "expected": [{"team": "core", "people": 2}],
    },
    {
        "name": "wrong count",
        "input": [{"id": 4, "name": "linus"}, {"id": 3}],
        "expected": [{"team": "kernel", "people": 2}],
    },
]


@pytest.fixture
def suites(
    store_window: MainWindow, service: Service, db_url: str, tmp_path: Path, qtbot: QtBot
) -> PipelineSuites:
    service.save_mapping(simple_document(), None)
    import_pipeline(write_pipeline(tmp_path, tests=TESTS), db_url)
    import_pipeline(
        write_pipeline(tmp_path, key="pipeline_EMP_PAY_ACME_20261204", name="Other"), db_url
    )
    store_window.show_page("Tests")
    panel = store_window.tests_panel
    assert panel.pipeline_suites is not None
    panel.page_tabs.setCurrentWidget(panel.pipeline_suites)
    view = panel.pipeline_suites
    qtbot.waitUntil(lambda: view.loaded and view.choice.count() == 2)
    return view


def test_a_stored_pipelines_suite_runs_with_its_differences_and_coverage(
    suites: PipelineSuites, qtbot: QtBot
) -> None:
    choose(qtbot, suites.choice, KEY)
    click(qtbot, suites.run_button)
    qtbot.waitUntil(lambda: suites.results.count() == 2, timeout=20_000)
    assert suites.counts.text() == "1 passed, 1 failed"
    assert suites.coverage.text() == "Steps reached: 4 of 4 (100%)"
    assert [suites.results.item(i).text() for i in range(2)] == ["two of core", "wrong count"]
    # The failed test is shown first: what its output gave, and the failure it did not expect.
    assert suites.results.currentRow() == 1
    shown = suites.detail.toPlainText()
    assert shown.startswith("wrong count: failed")
    assert 'output record 1: got {"people": 1, "team": "kernel"}' in shown
    assert "1 records failed, expected 0" in shown
    suites.results.setCurrentRow(0)
    assert "passed" in suites.detail.toPlainText()


def test_a_pipeline_without_tests_says_so(suites: PipelineSuites, qtbot: QtBot) -> None:
    choose(qtbot, suites.choice, "pipeline_EMP_PAY_ACME_20261204")
    click(qtbot, suites.run_button)
    qtbot.waitUntil(suites.run_button.isEnabled, timeout=20_000)
    qtbot.waitUntil(lambda: "no tests yet" in suites.counts.text())
    assert suites.coverage.text().startswith("Steps reached: 0 of 4")


def test_screenshots_of_pipeline_suites(
    store_window: MainWindow, suites: PipelineSuites, qtbot: QtBot
) -> None:
    """The Stored pipelines tab after a run, light and dark, at two sizes (to
    /tmp/shots-pipesched/; skipped unless FW_SHOTS is set)."""
    if not os.environ.get("FW_SHOTS"):
        pytest.skip("FW_SHOTS is not set")
    choose(qtbot, suites.choice, KEY)
    click(qtbot, suites.run_button)
    qtbot.waitUntil(lambda: suites.results.count() == 2, timeout=20_000)
    out = Path("/tmp/shots-pipesched")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for theme, name in ((LIGHT, "light"), (DARK, "dark")):
        apply_theme(app, theme)
        for width, height in ((1280, 820), (1024, 700)):
            store_window.resize(width, height)
            QApplication.processEvents()
            store_window.grab().save(str(out / f"tests_{name}_{width}.png"))
    apply_theme(app, LIGHT)
