"""The Template Library page: search and filter, details, use a template, save, import."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.templates import panel as template_panel
from fieldwright.app.templates.panel import TemplatePanel
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.domain.template import dump_template
from fieldwright.service import Service

HOME, DESIGNER, TESTS, PIPELINES, TEMPLATES = 0, 1, 2, 3, 4


def open_panel(window: MainWindow) -> TemplatePanel:
    panel = window.template_panel
    assert panel is not None
    window.show_page("Templates")
    assert window.pages.currentWidget() is panel
    return panel


def codes(panel: TemplatePanel) -> list[str]:
    return [t.code for t in panel.model.templates]


def select(panel: TemplatePanel, code: str) -> None:
    panel.table.selectRow(codes(panel).index(code))


def click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_the_page_is_there_only_with_a_store(
    store_window: MainWindow, make_window: Callable[..., MainWindow]
) -> None:
    pages = [store_window.navigation.item(n).text() for n in range(store_window.navigation.count())]
    assert pages == [
        "Home",
        "Designer",
        "Tests",
        "Pipelines",
        "Templates",
        "Transformations",
        "Integrations",
        "Runs",
        "Schedules",
        "Monitoring",
        "Connections",
        "Settings",
    ]
    assert store_window.navigation.item(TEMPLATES).text() == "Templates"
    files_only = make_window()
    names = [files_only.navigation.item(n).text() for n in range(files_only.navigation.count())]
    assert names == ["Home", "Designer", "Tests", "Pipelines", "Settings"]
    assert files_only.template_panel is None and files_only.connections_panel is None
    files_only.show_page("Settings")  # pages are found by name, whichever are shown
    assert files_only.current_page() is files_only.settings_panel


def test_search_and_category_narrow_the_list(store_window: MainWindow, qtbot: QtBot) -> None:
    panel = open_panel(store_window)
    everything = codes(panel)
    assert {"template_QBT_WFN", "template_HS_CRM", "template_SFDC_CRM"} <= set(everything)
    assert panel.counts.text() == f"{len(everything)} templates"

    qtbot.keyClicks(panel.search, "salesforce")
    assert codes(panel) == ["template_SFDC_CRM"]
    panel.search.clear()
    qtbot.keyClicks(panel.search, "crm")  # a system name
    assert set(codes(panel)) == {"template_HS_CRM", "template_SFDC_CRM"}
    panel.search.clear()
    assert codes(panel) == everything

    panel.category.setCurrentIndex(panel.category.findData("hr"))
    assert codes(panel) == ["template_QBT_WFN", "template_QBT_WFNPAY"]
    qtbot.keyClicks(panel.search, "hubspot")  # both filters apply together
    assert codes(panel) == []
    assert "No template matches" in panel.details.toPlainText()
    assert not panel.use_button.isEnabled()


def test_selecting_shows_the_details_and_certification(
    store_window: MainWindow, qtbot: QtBot
) -> None:
    panel = open_panel(store_window)
    select(panel, "template_QBT_WFN")
    text = panel.details.toPlainText()
    assert "QuickBooks Time timesheets → ADP WorkForce Now pay data" in text
    assert "QuickBooks Time → ADP WorkForce Now" in text
    assert "✔ Certified" in text
    assert "Prerequisites" in text and "Documentation" in text
    assert " source, " in text and " target; " in text
    row = codes(panel).index("template_QBT_WFN")
    status = panel.model.index(row, panel.model.columnCount() - 1)
    assert status.data() == "✔ Certified"
    assert panel.model.index(row, 2).data() == "v1"
    assert panel.use_button.isEnabled()


def test_use_template_opens_the_new_mapping_in_the_designer(
    store_window: MainWindow, service: Service, qtbot: QtBot
) -> None:
    panel = open_panel(store_window)
    select(panel, "template_QBT_WFN")
    click(qtbot, panel.use_button)
    dialog = panel.use_dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.create_button.isEnabled()  # no client code yet
    qtbot.keyClicks(dialog.client, "acme")
    with qtbot.waitSignal(panel.mappingCreated) as created:
        click(qtbot, dialog.create_button)
    key = f"mapping_QBT_WFN_ACME_{date.today():%Y%m%d}"
    assert created.args == [key]
    assert panel.use_dialog is None
    assert store_window.pages.currentIndex() == DESIGNER
    document = store_window.session.document
    assert document.key == key
    assert document.fields and document.tests
    assert service.templates.instance(key) is not None


def test_use_template_with_saved_connections(
    store_window: MainWindow, service: Service, qtbot: QtBot, tmp_path: Path
) -> None:
    service.connections.save(
        ConnectionRecord(
            name="acme-exports", kind="csv", settings={"path": str(tmp_path / "in.csv")}
        )
    )
    panel = open_panel(store_window)
    select(panel, "template_QBT_WFN")
    click(qtbot, panel.use_button)
    dialog = panel.use_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.client, "acme")
    dialog.source_connection.setCurrentText("acme-exports")
    with qtbot.waitSignal(panel.mappingCreated) as created:
        click(qtbot, dialog.create_button)
    (key,) = created.args
    stored = service.open_mapping(key)
    assert stored.source.connector is not None
    assert stored.source.connector.connection == "acme-exports"
    assert stored.source.connector.settings == {"path": str(tmp_path / "in.csv")}
    assert stored.target.connector is not None and stored.target.connector.connection is None
    assert store_window.session.document.source.connector == stored.source.connector


def test_save_the_open_mapping_as_a_template(
    store_window: MainWindow, service: Service, qtbot: QtBot
) -> None:
    panel = open_panel(store_window)
    select(panel, "template_HS_CRM")
    click(qtbot, panel.use_button)
    assert panel.use_dialog is not None
    qtbot.keyClicks(panel.use_dialog.client, "beta")
    click(qtbot, panel.use_dialog.create_button)

    open_panel(store_window)
    click(qtbot, panel.save_button)
    dialog = panel.save_dialog
    assert dialog is not None
    assert dialog.code.text() == "template_HS_CRM"  # guessed from the mapping's key
    dialog.code.setText("template_HS_CRM2")
    dialog.category.setCurrentIndex(dialog.category.findData("finance"))
    click(qtbot, dialog.save_button)
    assert codes(panel)[panel.table.currentIndex().row()] == "template_HS_CRM2"
    saved = service.templates.get("template_HS_CRM2")
    assert saved.category.value == "finance"
    assert saved.tests


def test_import_of_an_unknown_function_shows_the_clear_message(
    store_window: MainWindow, service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = open_panel(store_window)
    data = json.loads(dump_template(service.templates.get("template_HS_CRM")))
    data["code"] = "template_HS_BAD"
    data["fields"][0]["transforms"] = [{"fn": "titel"}]
    path = tmp_path / "bad.fwtemplate.json"
    path.write_text(json.dumps(data), "utf-8")
    warnings: list[tuple[str, str]] = []
    monkeypatch.setattr(
        template_panel.QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "")
    )
    monkeypatch.setattr(
        template_panel.QMessageBox,
        "warning",
        lambda _parent, title, text, *a: warnings.append((title, text)),
    )
    before = codes(panel)
    panel.import_button.click()
    assert len(warnings) == 1
    title, text = warnings[0]
    assert title == "Cannot import the template"
    assert "bad.fwtemplate.json" in text
    assert "/fields/0/transforms/0/fn: unknown function 'titel'" in text
    assert "Traceback" not in text
    assert codes(panel) == before


def test_export_writes_the_selected_template(
    store_window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = open_panel(store_window)
    select(panel, "template_SFDC_CRM")
    target = tmp_path / "out.fwtemplate.json"
    monkeypatch.setattr(
        template_panel.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "")
    )
    panel.export_button.click()
    assert json.loads(target.read_text("utf-8"))["code"] == "template_SFDC_CRM"


def test_a_template_whose_tests_fail_names_them_and_cannot_be_used(
    store_window: MainWindow, service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = open_panel(store_window)
    data = json.loads(dump_template(service.templates.get("template_HS_CRM")))
    data["code"] = "template_HS_OLD"
    test = data["tests"][0]
    field = next(iter(test["expected"]))
    test["expected"][field] = "something else"
    path = tmp_path / "old.fwtemplate.json"
    path.write_text(json.dumps(data), "utf-8")
    monkeypatch.setattr(
        template_panel.QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "")
    )
    panel.import_button.click()
    chosen = panel.selected()
    assert chosen is not None and chosen.code == "template_HS_OLD"  # the import is selected
    row = codes(panel).index("template_HS_OLD")
    assert panel.model.index(row, panel.model.columnCount() - 1).data() == "✘ Tests fail"
    text = panel.details.toPlainText()
    assert "✘ Not certified" in text and "1 failed" in text
    assert f"{test['name']}: $.{field}: expected 'something else'" in text
    assert not panel.use_button.isEnabled()
