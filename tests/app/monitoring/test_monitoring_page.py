"""The Monitoring page on a store with a generated month of runs: real widgets, real clicks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fieldwright.app.shell.main_window import MainWindow
from fieldwright.authoring.store_documents import StoreDocuments
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.domain.store_models import RunRecord
from fieldwright.service import Health, MonitoringSummary, RunEnded, Service
from fieldwright.store import RunRepository, Store
from fieldwright.store.sample_activity import generate_activity


@pytest.fixture
def month(db_url: str) -> str:
    Path(db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    with Store.open(db_url, user="gen") as store:
        generate_activity(store, runs=500, dead_letters=2500)
    return db_url


def test_the_page_shows_health_tiles_chart_and_tables(
    qtbot: QtBot, month: str, make_window: Callable[..., MainWindow]
) -> None:
    with Service.open(month, user="alice") as service:
        window = make_window(store=StoreDocuments(service))
        window.show_page("Monitoring")
        panel = window.monitoring_panel
        assert panel is not None
        qtbot.waitUntil(lambda: panel.summary is not None, timeout=10_000)
        summary = panel.summary
        assert summary is not None and summary.window.value == "24h"
        assert panel.health_label.text() in {"OK", "WARNING", "FAILING"}
        # Choose the last 30 days in the combo box, as a user does.
        with qtbot.waitSignal(panel.loaded, timeout=10_000) as loaded:
            panel.window_choice.setCurrentIndex(panel.window_choice.findText("Last 30 days"))
        month_summary = loaded.args[0]
        assert isinstance(month_summary, MonitoringSummary)
        assert month_summary.window.value == "30d" and month_summary.health is Health.FAILING
        assert panel.tiles["Runs"].value.text() == "500"
        assert panel.tiles["In a row"].value.text() != "0"
        assert panel.health_label.text() == "FAILING"
        assert len(panel.chart.days) == 31
        assert sum(panel.chart.totals()) == 500
        assert RunStatus.FAILED in panel.chart.counts
        assert panel.integrations.rowCount() == 5
        labels = {panel.integrations.rows[n].cells[1] for n in range(5)}
        assert "GLOBEX: SFDC → ERP" in labels
        failing = [r for r in panel.integrations.rows if r.health is Health.FAILING]
        assert [r.cells[1] for r in failing] == ["GLOBEX: SFDC → ERP"]
        assert panel.schedules.rowCount() == 5
        assert panel.problems.count() == len(month_summary.problems) > 0
        assert panel.tabs.tabText(3) == f"Problems ({len(month_summary.problems)})"
        assert panel.patterns.rowCount() == len(month_summary.error_patterns) > 0
        # One integration: its own runs, chart and patterns; the chooser keeps the others.
        chooser = panel.integration_choice
        assert chooser.count() == 6
        with qtbot.waitSignal(panel.loaded, timeout=10_000) as loaded:
            chooser.setCurrentIndex(chooser.findText("GLOBEX: SFDC → ERP"))
        one = loaded.args[0]
        assert [i.mapping_key for i in one.integrations] == ["mapping_SFDC_ERP_GLOBEX_20250724"]
        assert sum(panel.chart.totals()) == 100 and panel.tiles["Runs"].value.text() == "100"
        assert [s.mapping_key for s in one.schedules] == ["mapping_SFDC_ERP_GLOBEX_20250724"]
        assert chooser.count() == 6


def test_a_pattern_opens_its_dead_letters_and_a_letter_its_run(
    qtbot: QtBot, month: str, make_window: Callable[..., MainWindow]
) -> None:
    with Service.open(month, user="alice") as service:
        window = make_window(store=StoreDocuments(service))
        window.show_page("Monitoring")
        panel = window.monitoring_panel
        assert panel is not None
        qtbot.waitUntil(lambda: panel.summary is not None, timeout=10_000)
        with qtbot.waitSignal(panel.loaded, timeout=10_000):
            panel.window_choice.setCurrentIndex(2)
        table = panel.pattern_table
        first = table.visualRect(panel.patterns.index(0, 2)).center()
        with qtbot.waitSignal(panel.lettersLoaded, timeout=10_000) as listed:
            qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=first)
        assert listed.args[0] > 0
        summary = panel.summary
        assert summary is not None
        top = summary.error_patterns[0]
        assert panel.letters_title.toolTip().endswith(top.pattern)
        assert panel.letters_text == panel.letters_title.toolTip()
        assert all(letter.field == top.field for letter in panel.letters.items)
        run_key = panel.letters.items[0].run_key
        letters = panel.letter_table
        cell = letters.visualRect(panel.letters.index(0, 0)).center()
        qtbot.mouseClick(letters.viewport(), Qt.MouseButton.LeftButton, pos=cell)
        with qtbot.waitSignal(panel.openRun, timeout=5_000) as opened:
            qtbot.mouseDClick(letters.viewport(), Qt.MouseButton.LeftButton, pos=cell)
        assert opened.args == [run_key]
        qtbot.waitUntil(lambda: window.page_names[window.navigation.currentRow()] == "Runs")


def test_a_run_ending_recomputes_the_shown_page(
    qtbot: QtBot, month: str, make_window: Callable[..., MainWindow]
) -> None:
    with Service.open(month, user="alice") as service:
        window = make_window(store=StoreDocuments(service))
        window.show_page("Monitoring")
        panel = window.monitoring_panel
        assert panel is not None
        qtbot.waitUntil(lambda: panel.summary is not None, timeout=10_000)
        before = panel.summary
        assert before is not None
        with Store.open(month, user="gen") as store:
            RunRepository(store).add_run(
                RunRecord(
                    key="proc_LIVE_1",
                    mapping_key="mapping_QBT_WFN_ACME_20250724",
                    trigger=RunTrigger.MANUAL,
                    status=RunStatus.FAILED,
                    started_at=datetime.now(UTC),
                    ended_at=datetime.now(UTC),
                )
            )
        panel.live_refresh.setInterval(10)
        with qtbot.waitSignal(panel.loaded, timeout=10_000) as loaded:
            panel.run_ended(cast("RunEnded", None))
        after = loaded.args[0]
        assert sum(after.totals.runs.values()) == sum(before.totals.runs.values()) + 1
        window.show_page("Runs")
        panel.run_ended(cast("RunEnded", None))
        assert panel.stale and not panel.live_refresh.isActive()
        with qtbot.waitSignal(panel.loaded, timeout=10_000):
            window.show_page("Monitoring")
        assert not panel.stale
