"""The live preview: updates after an edit off the GUI thread, failed cells, lineage, errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fieldwright.app.preview.model import FIXED_COLUMNS
from fieldwright.app.shell.main_window import MainWindow
from tests.app.conftest import HUBSPOT

Factory = Callable[..., MainWindow]
TIMEOUT = 10_000


def _opened(make_window: Factory, qtbot: QtBot) -> MainWindow:
    window = make_window()
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.documents.open_path(HUBSPOT)
    return window


def _column(window: MainWindow, target: str) -> int:
    return window.preview.model.targets.index(target) + len(FIXED_COLUMNS)


def test_opening_the_example_previews_its_sample(make_window: Factory, qtbot: QtBot) -> None:
    window = _opened(make_window, qtbot)
    counts = window.preview.model.counts()
    assert counts["records"] == 8
    assert counts["ok"] + counts["failed"] + counts["filtered"] == 8
    assert "8 records" in window.preview.counts.text()


def test_the_preview_updates_after_an_edit(make_window: Factory, qtbot: QtBot) -> None:
    window = _opened(make_window, qtbot)
    column = _column(window, "$.first_name")
    model = window.preview.model
    assert model.index(0, column).data() == "Ada"
    window.designer.select_mapping("$.first_name")
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.designer.inspector.append_step("upper")
    assert model.index(0, _column(window, "$.first_name")).data() == "ADA"
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.session.stack.undo()
    assert model.index(0, _column(window, "$.first_name")).data() == "Ada"


def test_a_failed_cell_says_why_and_the_lineage_shows_each_step(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = _opened(make_window, qtbot)
    window.designer.select_mapping("$.email")
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.designer.inspector._commit("rule_max_length", 3)
    model = window.preview.model
    failed = model.failed_cell()
    assert failed.isValid()
    assert "email" in model.headerData(failed.column(), Qt.Orientation.Horizontal)
    assert "longer than 3 characters" in str(failed.data(Qt.ItemDataRole.ToolTipRole))
    assert model.index(failed.row(), 1).data() == "failed"
    assert "$.email" in str(model.index(failed.row(), 1).data(Qt.ItemDataRole.ToolTipRole))
    window.preview.table.setCurrentIndex(failed)
    labels = [
        window.preview.lineage.topLevelItem(i).text(0)  # type: ignore[union-attr]
        for i in range(window.preview.lineage.topLevelItemCount())
    ]
    assert "Source $.properties.email" in labels
    assert any(label.startswith("1. trim(") for label in labels)
    assert any(label.startswith("2. lower(") for label in labels)
    assert "Error" in labels


def test_a_broken_sample_file_shows_a_message_in_the_panel(
    make_window: Factory, qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window(HUBSPOT)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is not a workbook")
    with qtbot.waitSignal(window.preview.sampleLoaded, timeout=TIMEOUT):
        window.preview.load_sample(broken)
    message = window.preview.message
    assert message.isVisibleTo(window) and "broken.xlsx" in message.text()
    assert "Traceback" not in message.text()


def test_a_parquet_sample_previews(make_window: Factory, qtbot: QtBot, tmp_path: Path) -> None:
    window = _opened(make_window, qtbot)
    contacts = pl.read_json(HUBSPOT.parent / "contacts.json")
    sample = tmp_path / "contacts.parquet"
    contacts.with_columns(pl.col("id").str.replace("101", "901")).write_parquet(sample)
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.preview.load_sample(sample)
    assert window.preview.sample_label.text() == "8 records from contacts.parquet"
    model = window.preview.model
    assert model.counts()["records"] == 8
    assert model.index(0, _column(window, "$.first_name")).data() == "Ada"
    assert model.index(0, _column(window, "$.crm_id")).data() == "901"
    assert not window.preview.message.isVisibleTo(window)


def test_pasted_json_becomes_the_sample(make_window: Factory, qtbot: QtBot) -> None:
    window = make_window(HUBSPOT)
    window.preview.paste_box.setPlainText('{"id": "7", "properties": {"firstname": "Ann"}}')
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.preview.use_pasted()
    assert window.preview.model.index(0, _column(window, "$.first_name")).data() == "Ann"
    window.preview.paste_box.setPlainText("[1, 2")
    window.preview.use_pasted()
    assert "Not valid JSON" in window.preview.message.text()


def test_the_paste_button_opens_the_box_whose_records_become_the_sample(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = make_window(HUBSPOT)
    preview = window.preview
    assert not preview.paste_area.isVisibleTo(window)
    qtbot.mouseClick(preview.paste_button, Qt.MouseButton.LeftButton)
    assert preview.paste_area.isVisibleTo(window)
    preview.paste_box.setPlainText('[{"id": "8", "properties": {"firstname": "Bo"}}]')
    with qtbot.waitSignal(preview.previewUpdated, timeout=TIMEOUT):
        qtbot.mouseClick(preview.use_button, Qt.MouseButton.LeftButton)
    assert preview.model.index(0, _column(window, "$.first_name")).data() == "Bo"
    assert preview.sample_label.text() == "1 records from pasted records"
    qtbot.mouseClick(preview.paste_button, Qt.MouseButton.LeftButton)
    assert not preview.paste_area.isVisibleTo(window)
