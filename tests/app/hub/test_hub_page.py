"""The Integrations page on a store with two clients' integrations, made through the service:
real widgets, real clicks and typing, waits on signals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView
from pytestqt.qtbot import QtBot

from fieldwright.app.connections.connection_test import TestOutcome
from fieldwright.app.hub.panel import HubPanel
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.authoring.store_documents import StoreDocuments
from fieldwright.service import HubHealth, IntegrationOverview, RunResult, Service
from tests.service.hub_store import ACME_HS, GLOBEX_QBT, build_hub_store


@pytest.fixture
def hub_service(service: Service, tmp_path: Path) -> tuple[Service, RunResult]:
    return service, build_hub_store(service, tmp_path)


def _open_hub(qtbot: QtBot, window: MainWindow) -> HubPanel:
    window.show_page("Integrations")
    panel = window.hub_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.overview is not None, timeout=10_000)
    return panel


def _click(qtbot: QtBot, view: QAbstractItemView, index: QModelIndex) -> None:
    assert index.isValid()
    view.scrollTo(index)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )


def _shown(panel: HubPanel) -> list[str]:
    return [node.key for node in panel.model.tops]


def test_search_filter_select_and_open_a_mapping_in_the_designer(
    qtbot: QtBot,
    hub_service: tuple[Service, RunResult],
    make_window: Callable[..., MainWindow],
) -> None:
    service, _failed = hub_service
    window = make_window(store=StoreDocuments(service))
    panel = _open_hub(qtbot, window)
    overview = panel.overview
    assert isinstance(overview, IntegrationOverview) and overview.total == 3
    assert _shown(panel) == ["ACME: HS → CRM", "GLOBEX: QBT → WFN", "GLOBEX: SHOP → ERP"]
    assert panel.counts_label.text() == "3 of 3 integrations"
    # the tree shows each integration's items, schedules and connections with badges
    acme = panel.model.index(0, 0)
    children = [panel.model.index(r, 0, acme) for r in range(panel.model.rowCount(acme))]
    assert [child.data() for child in children] == [
        "mapping: ACME contacts to CRM (v2)",
        "schedule: ACME contacts, nightly",
        "connection: hubspot_acme",
    ]
    assert children[0].siblingAtColumn(1).data() == "v2 in review"
    assert panel.model.index(0, 2).data() == "● no runs"
    assert [panel.client_choice.itemText(n) for n in range(panel.client_choice.count())] == [
        "All clients",
        "ACME",
        "GLOBEX",
    ]
    # type in the search box, as a user does
    with qtbot.waitSignal(panel.filtered, timeout=5_000) as filtered:
        qtbot.keyClicks(panel.search, "globex")
    assert filtered.args == [2]
    assert _shown(panel) == ["GLOBEX: QBT → WFN", "GLOBEX: SHOP → ERP"]
    # filter by health: the failing run made QBT → WFN warn
    with qtbot.waitSignal(panel.filtered, timeout=5_000) as filtered:
        panel.health_choice.setCurrentIndex(panel.health_choice.findData(HubHealth.WARNING.value))
    assert filtered.args == [1] and _shown(panel) == ["GLOBEX: QBT → WFN"]
    assert panel.counts_label.text() == "1 of 3 integrations"
    with qtbot.waitSignal(panel.filtered, timeout=5_000) as filtered:
        qtbot.keyClicks(panel.search, " shop")  # no GLOBEX integration with a shop warns
    assert filtered.args == [0] and "No integration matches" in panel.detail.toPlainText()
    with qtbot.waitSignal(panel.filtered, timeout=5_000):
        for _ in " shop":
            qtbot.keyClick(panel.search, Qt.Key.Key_Backspace)
    assert panel.search.text() == "globex" and _shown(panel) == ["GLOBEX: QBT → WFN"]
    # select the mapping under it: the detail panel shows it, Open lands in the designer
    mapping = panel.model.find("mapping", GLOBEX_QBT)
    _click(qtbot, panel.tree, mapping)
    assert panel.selected_node() is not None and panel.selected_node().key == GLOBEX_QBT  # type: ignore[union-attr]
    assert "GLOBEX timesheets to payroll" in panel.detail.toPlainText()
    assert "failed 1 time(s) in a row" not in panel.detail.toPlainText()
    assert "the latest 1 run(s) failed" in panel.detail.toPlainText()
    assert panel.open_button.text() == "Open in Designer" and panel.second_button.isVisible()
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.document.key == GLOBEX_QBT, timeout=5_000)
    assert window.page_names[window.pages.currentIndex()] == "Designer"
    assert window.session.document.client == "GLOBEX"


def test_open_routes_schedules_connections_runs_and_pipelines_to_their_pages(
    qtbot: QtBot,
    hub_service: tuple[Service, RunResult],
    make_window: Callable[..., MainWindow],
) -> None:
    service, failed = hub_service
    window = make_window(store=StoreDocuments(service))
    panel = _open_hub(qtbot, window)

    def page() -> str:
        return window.page_names[window.pages.currentIndex()]

    _click(qtbot, panel.tree, panel.model.find("schedule", "schedule_HS_CRM_ACME_contacts"))
    assert panel.open_button.text() == "Open in Schedules"
    qtbot.keyClick(panel.tree, Qt.Key.Key_Return)  # Enter opens, as a double-click does
    schedules = window.schedules_panel
    assert page() == "Schedules" and schedules is not None
    assert schedules.selected_key() == "schedule_HS_CRM_ACME_contacts"
    window.show_page("Integrations")
    _click(qtbot, panel.tree, panel.model.find("connection", "hubspot_acme"))
    assert "Named by:" in panel.detail.toPlainText() and ACME_HS in panel.detail.toPlainText()
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    connections = window.connections_panel
    assert page() == "Connections" and connections is not None
    assert connections.selected_name() == "hubspot_acme"
    window.show_page("Integrations")
    _click(qtbot, panel.tree, panel.model.find("mapping", GLOBEX_QBT))
    qtbot.mouseClick(panel.second_button, Qt.MouseButton.LeftButton)  # Open last run
    runs = window.runs_panel
    assert page() == "Runs" and runs is not None
    qtbot.waitUntil(lambda: runs.selected_key() == failed.key, timeout=5_000)
    window.show_page("Integrations")
    _click(qtbot, panel.tree, panel.model.find("integration", "GLOBEX: QBT → WFN"))
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)  # Open in Monitoring
    monitoring = window.monitoring_panel
    assert page() == "Monitoring" and monitoring is not None
    assert monitoring.integration_choice.currentData() == GLOBEX_QBT
    window.show_page("Integrations")
    pipeline = panel.model.find("pipeline", "pipeline_SHOP_ERP_GLOBEX_20261201")
    _click(qtbot, panel.tree, pipeline)
    assert panel.open_button.text() == "Open pipeline"
    with qtbot.waitSignal(panel.openPipeline, timeout=2_000) as opened:
        qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == ["pipeline_SHOP_ERP_GLOBEX_20261201"]
    if "Pipelines" not in window.page_names:  # said in the status bar instead
        assert "export it with `fieldwright export" in window.statusBar().currentMessage()
    else:  # the Pipelines page opens it
        assert page() == "Pipelines"
        assert window.pipelines_page.session.document.key == "pipeline_SHOP_ERP_GLOBEX_20261201"


def test_a_kind_lists_its_saved_connections_and_tests_one(
    qtbot: QtBot,
    hub_service: tuple[Service, RunResult],
    make_window: Callable[..., MainWindow],
    tmp_path: Path,
) -> None:
    service, _failed = hub_service
    window = make_window(store=StoreDocuments(service))
    panel = _open_hub(qtbot, window)
    qtbot.mouseClick(
        panel.tabs.tabBar(),
        Qt.MouseButton.LeftButton,
        pos=panel.tabs.tabBar().tabRect(1).center(),
    )
    assert panel.tabs.currentIndex() == 1
    codes = [kind.code for kind in panel.kinds]
    _click(qtbot, panel.kinds_table, panel.kinds_model.index(codes.index("SFDC"), 0))
    assert "Salesforce" in panel.kind_detail.toPlainText()
    assert not panel.test_button.isEnabled()  # no saved connection to it
    _click(qtbot, panel.kinds_table, panel.kinds_model.index(codes.index("CSV"), 0))
    assert panel.kind_connection.currentText() == "wfn_drop"
    assert "Auth" in panel.kind_detail.toPlainText() and panel.test_button.isEnabled()
    # its file is missing: the test says so, naming it
    with qtbot.waitSignal(panel.tested, timeout=10_000) as tested:
        qtbot.mouseClick(panel.test_button, Qt.MouseButton.LeftButton)
    outcome = tested.args[0]
    assert isinstance(outcome, TestOutcome) and not outcome.ok
    assert "wfn_paydata.csv" in outcome.message
    assert "Connection failed" in panel.test_result.text()
    (tmp_path / "wfn_paydata.csv").write_text("id,hours\n1,8\n", "utf-8")
    with qtbot.waitSignal(panel.tested, timeout=10_000) as tested:
        qtbot.mouseClick(panel.test_button, Qt.MouseButton.LeftButton)
    assert tested.args[0].ok and "Connected" in panel.test_result.text()


def test_a_run_ending_refreshes_health_and_last_run(
    qtbot: QtBot,
    hub_service: tuple[Service, RunResult],
    make_window: Callable[..., MainWindow],
) -> None:
    service, failed = hub_service
    window = make_window(store=StoreDocuments(service))
    panel = _open_hub(qtbot, window)
    panel.live_refresh.setInterval(0)  # the burst delay is not what this test is about
    with qtbot.waitSignal(panel.loaded, timeout=15_000) as loaded:
        again = service.start_run(GLOBEX_QBT).wait()
    assert again is not None and again.key != failed.key
    overview = loaded.args[0]
    [item] = next(i for i in overview.integrations if i.label == "GLOBEX: QBT → WFN").items
    assert item.consecutive_failures == 2 and item.last_run_key == again.key
    node = panel.model.find("mapping", GLOBEX_QBT)
    assert node.isValid() and node.siblingAtColumn(3).data().startswith("✗")
