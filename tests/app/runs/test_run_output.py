"""A run's detail says where its records came from and went, with an Open folder link."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QTextCursor
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from fieldwright.app.runs.run_detail import endpoint_text
from fieldwright.app.runs.run_dialog import RunDialog
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.domain.document import ConnectorRef
from fieldwright.domain.store_models import ConnectionRecord
from tests.app.runs.test_runs_panel import run_qbt, runs_panel
from tests.service.helpers import simple_document


def test_the_detail_shows_the_output_file_and_opens_its_folder(
    store_window: MainWindow, tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QMessageBox, "warning", lambda *_args: QMessageBox.StandardButton.Ok)
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    panel = runs_panel(store_window, qtbot)
    result = run_qbt(store_window, tmp_path, qtbot)
    qtbot.waitUntil(lambda: panel.detail is not None and panel.detail.record.key == result.key)
    output = tmp_path / "qbt" / "wfn_paydata.csv"
    shown = panel.detail_view.toPlainText()
    assert f"Output\n{output} · Open folder" in shown
    assert f"Source\n{tmp_path / 'qbt' / 'timesheets.csv'}" in shown
    # Click the Output row's "Open folder" link, as a user does.
    view = panel.detail_view
    found = view.document().find("Open folder", view.document().find("Output"))
    assert not found.isNull()
    found.movePosition(QTextCursor.MoveOperation.Left)
    center = view.cursorRect(found).center()
    center.setX(center.x() + 4)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    assert [url.toLocalFile() for url in opened] == [str(output.parent)]


def test_endpoint_texts_name_tables_and_connections() -> None:
    sql = {"kind": "sql", "settings": {"table": "crm"}, "connection": "warehouse"}
    assert endpoint_text(sql) == "sql table crm through connection warehouse"
    assert endpoint_text({"kind": "dead_letters", "run": "proc_x"}) == (
        "the dead letters of run proc_x"
    )
    assert endpoint_text(None) is None


def test_run_with_never_offers_the_mappings_own_source_connection_as_target(
    qtbot: QtBot,
) -> None:
    document = simple_document()
    document.source.connector = ConnectorRef(
        kind="sqlite", settings={"table": "contacts"}, connection="crm_db"
    )
    connections = [
        ConnectionRecord(name="crm_db", kind="sqlite", settings={"table": "contacts"}),
        ConnectionRecord(name="drop", kind="csv", settings={"path": "/tmp/out.csv"}),
    ]
    dialog = RunDialog(document, connections)
    qtbot.addWidget(dialog)
    target = dialog.combos["target"]
    assert dialog.combos["source"].currentData() is None  # as in the mapping: crm_db
    assert [target.itemData(i) for i in range(target.count())] == ["drop"]
