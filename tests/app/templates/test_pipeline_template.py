"""A template that carries a pipeline (issue 19 item 6), used from the Template Library: the
pipeline and its mappings are made for the client typed in, the Pipelines page opens the
pipeline, its per-step preview runs the sample, and the Runs page runs it into a file."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fieldwright.app.pipelines.page import PipelinePage
from fieldwright.app.runs.run_dialog import RunDialog
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.theme import DARK, LIGHT, apply_theme
from fieldwright.app.templates.panel import TemplatePanel
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.resources import resources_dir
from fieldwright.service import RunResult, Service
from tests.app.helpers import choose
from tests.app.journeys.gestures import in_modal
from tests.app.runs.test_runs_panel import runs_panel
from tests.app.templates.test_template_panel import PIPELINES, click, codes, open_panel

CODE = "template_QBT_WFNPAY"
SAMPLE = resources_dir() / "templates" / "qbt_timesheets_to_wfn_paylines.sample.csv"


def _pick(panel: TemplatePanel, qtbot: QtBot) -> None:
    """Find the template by typing in the search box, then click its row."""
    qtbot.keyClicks(panel.search, "pay-line")
    assert codes(panel) == [CODE]
    rect = panel.table.visualRect(panel.model.index(0, 0))
    click_at = rect.center()
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=click_at)
    assert panel.selected() is not None and panel.selected().code == CODE  # type: ignore[union-attr]


def _use(window: MainWindow, qtbot: QtBot) -> tuple[str, PipelinePage]:
    panel = open_panel(window)
    _pick(panel, qtbot)
    details = panel.details.toPlainText()
    assert "✔ Certified" in details
    assert "6 steps: worked time (filter) → employee (enrich) → pay item (map)" in details
    assert "timesheet (9 fields, 2 tests); payline (11 fields, 1 tests)" in details
    click(qtbot, panel.use_button)
    dialog = panel.use_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.create_button.text() == "Create pipeline"
    assert dialog.source_connection.isVisible()  # a saved connection, or the template's
    assert dialog.chosen_connection("source") is None  # the template's, unless chosen
    assert not dialog.create_button.isEnabled()
    qtbot.keyClicks(dialog.client, "acme")
    with qtbot.waitSignal(panel.pipelineCreated) as created:
        click(qtbot, dialog.create_button)
    [key] = created.args
    assert window.pages.currentIndex() == PIPELINES
    page = window.current_page()
    assert isinstance(page, PipelinePage)
    return key, page


def test_use_it_opens_the_pipeline_whose_preview_runs_the_sample(
    store_window: MainWindow, service: Service, qtbot: QtBot
) -> None:
    key, page = _use(store_window, qtbot)
    stamp = f"{date.today():%Y%m%d}"
    assert key == f"pipeline_QBT_WFNPAY_ACME_{stamp}"
    assert page.session.document.key == key
    assert key in page.title.toolTip()  # the title may elide it in a narrow window
    tree = page.tree
    names = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert [name.split(" ")[0] for name in names][:3] == ["worked", "employee", "pay"]
    assert page.problem_texts() == ["No problems: the pipeline compiles."]
    assert {m.key for m in service.list_mappings()} >= {
        f"mapping_QBT_WFNPAY_ACME_{stamp}_TIMESHEET",
        f"mapping_QBT_WFNPAY_ACME_{stamp}_PAYLINE",
    }

    preview = page.preview
    qtbot.keyClicks(preview.sample, str(SAMPLE))
    with qtbot.waitSignal(preview.previewed, timeout=30_000):
        click(qtbot, preview.run_button)
    table = preview.steps
    rows = {
        table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, 6)]
        for r in range(table.rowCount())
    }
    assert rows["sample"][1] == "9"
    # in, out, failed, filtered, merged
    assert rows["1. worked time (filter)"] == ["9", "7", "0", "2", "0"]
    assert rows["2. employee (enrich)"] == ["7", "6", "1", "0", "0"]
    assert rows["4. sum per pay line (aggregate)"] == ["6", "4", "0", "0", "2"]
    assert rows["6. by file number (sort)"] == ["4", "4", "0", "0", "0"]
    assert preview.status.text() == "9 sample records, 1 dead letters"
    # the employee step's dead letter: click its row, as the analyst does
    row = list(rows).index("2. employee (enrich)")
    rect = table.visualItemRect(table.item(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    letters = preview.letters
    assert letters.rowCount() == 1
    assert letters.item(0, 1).text() == "employee"
    assert "$.user_id = '9999999'" in letters.item(0, 2).text()
    assert preview.records.rowCount() == 6


def test_use_it_then_run_it_from_the_runs_page(
    store_window: MainWindow, service: Service, qtbot: QtBot, tmp_path: Path
) -> None:
    output = tmp_path / "paylines.ndjson"
    service.connections.save(
        ConnectionRecord(name="qbt-week", kind="csv", settings={"path": str(SAMPLE)})
    )
    service.connections.save(
        ConnectionRecord(name="wfn-paydata", kind="ndjson", settings={"path": str(output)})
    )
    key, _page = _use(store_window, qtbot)
    panel = runs_panel(store_window, qtbot)
    menu = panel.pipeline_runs.menu
    menu.aboutToShow.emit()  # as when the button opens it
    [action] = [a for a in menu.actions() if a.data() == key]

    def run(dialog: RunDialog) -> None:
        choose(qtbot, dialog.combos["source"], "qbt-week")
        choose(qtbot, dialog.combos["target"], "wfn-paydata")
        click(qtbot, dialog.run_button)

    errors = in_modal(RunDialog, run)
    with qtbot.waitSignal(panel.pipeline_runs.finished, timeout=30_000) as finished:
        action.trigger()
    assert not errors, errors
    result = finished.args[1]
    assert isinstance(result, RunResult) and result.status is RunStatus.COMPLETED
    assert (result.counts.read, result.counts.written, result.counts.failed) == (9, 4, 1)
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [(r["file_number"], r["earnings_code"], r["hours"]) for r in lines] == [
        ("004217", "OVT", 1.67),
        ("004217", "REG", 16.5),
        ("004218", "REG", 12.33),
        ("004311", "PTO", 4),
    ]
    qtbot.waitUntil(lambda: panel.selected_key() == result.key)
    qtbot.waitUntil(lambda: "employee (enrich)" in panel.detail_view.toPlainText())


def test_screenshots_of_the_library_with_the_pipeline_template(
    store_window: MainWindow, qtbot: QtBot
) -> None:
    """The Template Library showing the template, light and dark, at two sizes (to
    /tmp/shots/qbtpipe/, to be looked at; skipped unless FW_SHOTS is set)."""
    if not os.environ.get("FW_SHOTS"):
        pytest.skip("FW_SHOTS is not set")
    panel = open_panel(store_window)
    out = Path("/tmp/shots/qbtpipe")
    out.mkdir(parents=True, exist_ok=True)
    panel.table.selectRow(codes(panel).index(CODE))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for theme, name in ((LIGHT, "light"), (DARK, "dark")):
        apply_theme(app, theme)
        panel.refresh(select=CODE)
        for width, height in ((1280, 820), (1024, 700)):
            store_window.resize(width, height)
            QApplication.processEvents()
            store_window.grab().save(str(out / f"library_{name}_{width}.png"))
    apply_theme(app, LIGHT)
    click(qtbot, panel.use_button)
    dialog = panel.use_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.client, "acme")
    dialog.grab().save(str(out / "use_dialog_light.png"))
    with qtbot.waitSignal(panel.pipelineCreated):
        click(qtbot, dialog.create_button)
    page = store_window.current_page()
    assert isinstance(page, PipelinePage)
    qtbot.keyClicks(page.preview.sample, str(SAMPLE))
    with qtbot.waitSignal(page.preview.previewed, timeout=30_000):
        click(qtbot, page.preview.run_button)
    for theme, name in ((LIGHT, "light"), (DARK, "dark")):
        apply_theme(app, theme)
        for width, height in ((1280, 820), (1024, 700)):
            store_window.resize(width, height)
            QApplication.processEvents()
            store_window.grab().save(str(out / f"pipeline_{name}_{width}.png"))
    apply_theme(app, LIGHT)
