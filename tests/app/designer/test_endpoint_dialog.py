"""Mapping → Source/Target endpoint…: choose a file by typing its path, Test, Apply, Undo;
and Run now of a bundled example asks where to write instead of writing into it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.endpoint_dialog import EndpointDialog
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.domain import ConnectorRef
from fieldwright.domain.runs import RunStatus
from fieldwright.service import RunResult
from tests.app.conftest import HUBSPOT

Left = Qt.MouseButton.LeftButton


def _dialog() -> EndpointDialog:
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, EndpointDialog), dialog
    return dialog


W = TypeVar("W", bound=QWidget)


def _child(dialog: EndpointDialog, kind: type[W], name: str) -> W:
    widget = dialog.findChild(kind, name)
    assert widget is not None, name
    return widget


def _type(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _apply(qtbot: QtBot, dialog: EndpointDialog) -> None:
    buttons = _child(dialog, QDialogButtonBox, "endpoint_buttons")
    qtbot.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Ok), Left)


def test_choose_a_csv_source_test_it_apply_and_undo(
    store_window: MainWindow, tmp_path: Path, qtbot: QtBot
) -> None:
    folder = tmp_path / "example"
    shutil.copytree(HUBSPOT.parent, folder)
    (folder / "people.csv").write_text(
        "id;first;email\n1;Ann;ann@example.com\n2;Bob;bob@example.com\n", encoding="utf-8"
    )
    window = store_window
    assert window.documents.open_path(folder / "mapping.fwmap.json", asked=True)
    before = window.session.document.source.connector
    seen: dict[str, object] = {}

    def choose() -> None:
        dialog = _dialog()
        path = _child(dialog, QLineEdit, "endpoint_path")
        assert path.text() == "contacts.json"  # the current endpoint is shown
        _type(qtbot, path, "people.csv")
        delimiter = _child(dialog, QLineEdit, "endpoint_delimiter")
        assert delimiter.isVisible()  # a CSV takes a delimiter …
        assert not _child(dialog, QLineEdit, "endpoint_records_path").isVisible()  # … no path
        _type(qtbot, delimiter, ";")
        with qtbot.waitSignal(dialog.tested, timeout=10_000) as tested:
            qtbot.mouseClick(_child(dialog, QPushButton, "endpoint_test"), Left)
        seen["tested"] = tested.args
        table = _child(dialog, QTableWidget, "endpoint_preview")
        seen["rows"] = table.rowCount()
        seen["columns"] = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
        seen["status"] = _child(dialog, QLabel, "endpoint_status").text()
        _apply(qtbot, dialog)

    QTimer.singleShot(0, choose)
    window.actions_by_name["source_endpoint"].trigger()
    assert seen["tested"] == [True, "Read 2 records."]
    assert (seen["rows"], seen["columns"]) == (2, ["id", "first", "email"])
    assert window.session.document.source.connector == ConnectorRef(
        kind="csv", settings={"path": "people.csv", "delimiter": ";"}
    )
    assert window.session.dirty
    window.actions_by_name["undo"].trigger()
    assert window.session.document.source.connector == before


def test_the_target_test_refuses_the_bundled_examples(make_window: object, qtbot: QtBot) -> None:
    window = make_window(HUBSPOT)  # type: ignore[operator]
    seen: list[object] = []

    def check() -> None:
        dialog = _dialog()
        assert not _child(dialog, QTableWidget, "endpoint_preview").isVisible()
        with qtbot.waitSignal(dialog.tested, timeout=10_000) as tested:
            qtbot.mouseClick(_child(dialog, QPushButton, "endpoint_test"), Left)
        seen.extend(tested.args)
        dialog.reject()

    QTimer.singleShot(0, check)
    window.actions_by_name["target_endpoint"].trigger()
    ok, message = seen
    assert ok is False and "bundled examples" in str(message)


def test_run_now_of_a_bundled_example_asks_where_to_write(
    store_window: MainWindow, tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = store_window
    assert window.documents.open_path(HUBSPOT, asked=True)
    before = sorted(os.listdir(HUBSPOT.parent))
    output = tmp_path / "chosen" / "crm_contacts.csv"
    output.parent.mkdir()
    asked: list[str] = []

    def save_file_name(_parent: object, caption: str, _start: str, *_a: object) -> tuple[str, str]:
        asked.append(caption)
        return str(output), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_file_name)
    with qtbot.waitSignal(window.run_now.finished, timeout=30_000) as finished:
        window.actions_by_name["run_now"].trigger()
    _summary, result = finished.args
    assert isinstance(result, RunResult) and result.status is RunStatus.COMPLETED
    assert asked and "Where should the run write?" in asked[0]
    assert output.read_text().startswith("crm_id,")
    assert sorted(os.listdir(HUBSPOT.parent)) == before  # nothing written into the examples
    target = window.session.document.target.connector
    assert target is not None and target.settings["path"] == str(output)  # remembered
    window.actions_by_name["undo"].trigger()
    target = window.session.document.target.connector
    assert target is not None and target.settings["path"] == "crm_contacts.csv"
