"""The Use dialog of a template that carries a pipeline offers the saved connections for
the pipeline's source and target, and the Template Library lists what the template made
in the store, the pipeline with it, saying when the analyst changed that pipeline."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QWidget
from pytestqt.qtbot import QtBot

from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.theme import DARK, LIGHT, apply_theme
from fieldwright.domain.pipeline import FilterStep
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.resources import resources_dir
from fieldwright.service import Service
from tests.app.templates.test_template_panel import click, open_panel, select

CODE = "template_QBT_WFNPAY"
SAMPLE = resources_dir() / "templates" / "qbt_timesheets_to_wfn_paylines.sample.csv"


def _pick(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    combo.setFocus()
    wanted = combo.findText(text)
    assert wanted >= 0, text
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    while combo.currentIndex() != wanted:
        qtbot.keyClick(combo, Qt.Key.Key_Down)


def test_the_use_dialog_sets_the_pipelines_connections_and_the_library_lists_it(
    store_window: MainWindow, service: Service, qtbot: QtBot, tmp_path: Path
) -> None:
    output = tmp_path / "paylines.ndjson"
    service.connections.save(
        ConnectionRecord(name="qbt-week", kind="csv", settings={"path": str(SAMPLE)})
    )
    service.connections.save(
        ConnectionRecord(name="wfn-paydata", kind="ndjson", settings={"path": str(output)})
    )
    panel = open_panel(store_window)
    select(panel, CODE)
    click(qtbot, panel.use_button)
    dialog = panel.use_dialog
    assert dialog is not None
    offered = [dialog.target_connection.itemText(i) for i in range(3)]
    assert offered == ["(the template's)", "qbt-week", "wfn-paydata"]
    qtbot.keyClicks(dialog.client, "acme")
    _pick(qtbot, dialog.source_connection, "qbt-week")
    _pick(qtbot, dialog.target_connection, "wfn-paydata")
    if os.environ.get("FW_SHOTS"):
        _shots(store_window, dialog, "use_dialog")
    with qtbot.waitSignal(panel.pipelineCreated) as created:
        click(qtbot, dialog.create_button)
    [key] = created.args
    pipeline = service.pipelines.open(key)
    assert pipeline.source.connector is not None and pipeline.target.connector is not None
    assert (pipeline.source.connector.connection, pipeline.source.connector.settings) == (
        "qbt-week",
        {"path": str(SAMPLE)},
    )
    assert pipeline.target.connector.connection == "wfn-paydata"
    result = service.start_run(key).wait()  # runs with the connections chosen on use
    assert (result.counts.read, result.counts.written, result.counts.failed) == (9, 4, 1)
    assert len(output.read_text(encoding="utf-8").splitlines()) == 4

    # The library lists what the template made: two mappings and the pipeline, as made.
    open_panel(store_window)
    panel.refresh(select=CODE)
    details = panel.details.toPlainText()
    assert "Made from it (3)" in details
    assert f"pipeline {key} · version 1 · as the template made it" in details
    assert f"mapping {key.replace('pipeline_', 'mapping_')}_PAYLINE · version 1" in details

    # The analyst changes the pipeline: the library says so, and that upgrades are refused.
    changed = service.pipelines.open(key)
    step = next(s for s in changed.steps if isinstance(s, FilterStep))
    step.predicate = "seconds > `60`"
    service.pipelines.save(changed, 1)
    panel.refresh(select=CODE)
    assert (
        f"pipeline {key} · version 1 · customised: steps {step.name} "
        "(an upgrade is refused until undone)"
    ) in panel.details.toPlainText()
    if os.environ.get("FW_SHOTS"):
        _shots(store_window, None, "library_instances")


def _shots(window: MainWindow, dialog: QWidget | None, name: str) -> None:
    out = Path("/tmp/shots/pipedesign")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for theme, shade in ((LIGHT, "light"), (DARK, "dark")):
        apply_theme(app, theme)
        for width, height in ((1280, 820), (1024, 700)):
            window.resize(width, height)
            QApplication.processEvents()
            window.grab().save(str(out / f"{name}_window_{shade}_{width}.png"))
        if dialog is not None:
            dialog.grab().save(str(out / f"{name}_{shade}.png"))
    apply_theme(app, LIGHT)
