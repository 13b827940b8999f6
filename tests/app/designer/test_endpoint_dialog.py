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
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.endpoint_dialog import EndpointDialog
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.domain import ConnectorRef
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import ConnectionRecord
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
    with qtbot.waitSignal(window.preview.sampleLoaded, timeout=10_000):
        window.actions_by_name["source_endpoint"].trigger()
    assert window.preview.sample_name == "people.csv"  # the Preview reads the new source
    assert seen["tested"] == [True, "Read 2 records."]
    assert (seen["rows"], seen["columns"]) == (2, ["id", "first", "email"])
    assert window.session.document.source.connector == ConnectorRef(
        kind="csv", settings={"path": "people.csv", "delimiter": ";"}
    )
    assert window.session.dirty
    with qtbot.waitSignal(window.preview.sampleLoaded, timeout=10_000):
        window.actions_by_name["undo"].trigger()
    assert window.session.document.source.connector == before
    assert window.preview.sample_name == "contacts.json"


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
    messages: list[str] = []
    window.run_now.message.connect(messages.append)
    with qtbot.waitSignal(window.run_now.finished, timeout=30_000) as finished:
        window.actions_by_name["run_now"].trigger()
    _summary, result = finished.args
    assert isinstance(result, RunResult) and result.status is RunStatus.COMPLETED
    assert asked and "Where should the run write?" in asked[0]
    assert output.read_text().startswith("crm_id,")
    assert messages[-1].endswith(f"; output: {output}")  # the status bar says where it went
    assert sorted(os.listdir(HUBSPOT.parent)) == before  # nothing written into the examples
    target = window.session.document.target.connector
    assert target is not None and target.settings["path"] == str(output)  # remembered
    window.actions_by_name["undo"].trigger()
    target = window.session.document.target.connector
    assert target is not None and target.settings["path"] == "crm_contacts.csv"


def test_a_saved_connection_as_the_source(
    store_window: MainWindow, tmp_path: Path, qtbot: QtBot
) -> None:
    people = tmp_path / "people.ndjson"
    people.write_text('{"id": 1, "name": "Ann"}\n', encoding="utf-8")
    window = store_window
    assert window.store is not None
    window.store.service.connections.save(
        ConnectionRecord(name="people_feed", kind="ndjson", settings={"path": str(people)})
    )
    assert window.documents.open_path(_copy(tmp_path), asked=True)
    seen: list[object] = []

    def choose() -> None:
        dialog = _dialog()
        qtbot.mouseClick(_child(dialog, QRadioButton, "endpoint_use_connection"), Left)
        assert not _child(dialog, QLineEdit, "endpoint_path").isVisible()
        assert _child(dialog, QComboBox, "endpoint_connection").currentText() == "people_feed"
        with qtbot.waitSignal(dialog.tested, timeout=10_000) as tested:
            qtbot.mouseClick(_child(dialog, QPushButton, "endpoint_test"), Left)
        seen.extend(tested.args)
        _apply(qtbot, dialog)

    QTimer.singleShot(0, choose)
    window.actions_by_name["source_endpoint"].trigger()
    assert seen == [True, "Read 1 record."]
    connector = window.session.document.source.connector
    assert connector is not None and connector.connection == "people_feed"


def test_saving_a_file_mapping_into_the_store_makes_its_paths_absolute(
    store_window: MainWindow, tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = store_window
    mapping = _copy(tmp_path)
    assert window.documents.open_path(mapping, asked=True)
    assert window.documents.save_to_store(window.session.document, None)
    source = window.session.document.source.connector
    assert source is not None and source.settings["path"] == str(mapping.parent / "contacts.json")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # Run now of the stored mapping from another folder
    with qtbot.waitSignal(window.run_now.finished, timeout=30_000) as finished:
        window.actions_by_name["run_now"].trigger()
    assert finished.args[1].status is RunStatus.COMPLETED
    assert (mapping.parent / "crm_contacts.csv").exists()
    assert list(elsewhere.iterdir()) == []


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(HUBSPOT.parent, folder)
    return folder / HUBSPOT.name
