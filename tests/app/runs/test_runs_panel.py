"""The Runs panel: history with filters, a run's detail and dead letters, export, reprocess."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QUrl
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from fieldwright.app.runs.panel import RunsPanel
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.resources import examples_dir
from fieldwright.service import RunResult

QBT = examples_dir() / "qbt_to_wfn" / "mapping.fwmap.json"


def runs_panel(window: MainWindow, qtbot: QtBot) -> RunsPanel:
    """The window's Runs page, shown (as the user opens it), following its Run now."""
    window.resize(1320, 760)
    window.show_page("Runs")
    panel = window.current_page()
    assert isinstance(panel, RunsPanel) and panel is window.runs_panel
    qtbot.waitUntil(lambda: panel.loaded)
    return panel


def run_qbt(window: MainWindow, tmp_path: Path, qtbot: QtBot) -> RunResult:
    folder = tmp_path / "qbt"
    shutil.copytree(QBT.parent, folder)
    assert window.documents.open_path(folder / QBT.name, asked=True)
    with qtbot.waitSignal(window.run_now.finished, timeout=30_000) as finished:
        window.actions_by_name["run_now"].trigger()
    result = finished.args[1]
    assert isinstance(result, RunResult)
    return result


def texts(panel: RunsPanel, row: int) -> dict[str, str]:
    model = panel.model
    return {
        model.columns[column]: str(model.data(model.index(row, column)))
        for column in range(model.columnCount())
    }


@pytest.fixture
def ran(
    store_window: MainWindow, tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> tuple[RunsPanel, RunResult]:
    # One timesheet line fails: Run now says so in a message box; never block on it.
    monkeypatch.setattr(QMessageBox, "warning", lambda *_args: QMessageBox.StandardButton.Ok)
    panel = runs_panel(store_window, qtbot)
    assert panel.model.rowCount() == 0
    result = run_qbt(store_window, tmp_path, qtbot)
    return panel, result


def test_a_run_now_shows_up_with_its_counts_detail_and_dead_letter(
    ran: tuple[RunsPanel, RunResult],
) -> None:
    panel, result = ran
    assert panel.model.keys() == [result.key]
    row = texts(panel, 0)
    assert row["Status"] == "completed"
    assert row["Trigger"] == "manual"
    assert (row["Read"], row["Written"], row["Failed"], row["Filtered"]) == ("9", "7", "1", "1")
    assert panel.selected_key() == result.key
    shown = panel.detail_view.toPlainText()
    assert result.key in shown
    assert "mapping_QBT_WFN_ACME_20250724" in shown
    assert "read 9 · written 7 · failed 1 · filtered 1" in shown
    assert panel.letters.rowCount() == 1
    letter = panel.letters
    assert letter.data(letter.index(0, 1)) == "$.file_number"
    assert letter.data(letter.index(0, 2))
    raw_input = str(letter.data(letter.index(0, 3)))
    assert raw_input.startswith("{") and ", " not in raw_input.split('"')[0]
    assert panel.export_button.isEnabled()
    # The run came from a file: its mapping is not in the store, so nothing to reprocess with.
    assert not panel.reprocess_button.isEnabled()


def test_export_writes_the_dead_letters_as_ndjson(
    ran: tuple[RunsPanel, RunResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel, result = ran
    target = tmp_path / "letters.ndjson"
    monkeypatch.setattr(
        "fieldwright.app.runs.panel.QFileDialog.getSaveFileName",
        lambda *_args: (str(target), ""),
    )
    messages: list[str] = []
    panel.message.connect(messages.append)
    panel.export_button.click()
    lines = target.read_text().splitlines()
    assert len(lines) == 1
    letter = json.loads(lines[0])
    assert letter["run_key"] == result.key
    assert letter["field"] == "$.file_number"
    assert messages and "Exported 1 dead letters" in messages[0]


def test_the_filters_narrow_the_list(ran: tuple[RunsPanel, RunResult]) -> None:
    panel, result = ran
    failed = panel.status_filter.findData(RunStatus.FAILED.value)
    panel.status_filter.setCurrentIndex(failed)
    assert panel.model.rowCount() == 0
    assert panel.letters.rowCount() == 0
    assert not panel.export_button.isEnabled()
    panel.status_filter.setCurrentIndex(panel.status_filter.findData(RunStatus.COMPLETED.value))
    assert panel.model.keys() == [result.key]
    panel.status_filter.setCurrentIndex(0)
    panel.trigger_filter.setCurrentIndex(panel.trigger_filter.findData(RunTrigger.SCHEDULE.value))
    assert panel.model.rowCount() == 0
    panel.trigger_filter.setCurrentIndex(0)
    panel.mapping_filter.setText("mapping_nothing_like_it")
    panel.mapping_filter.returnPressed.emit()
    assert panel.model.rowCount() == 0
    panel.mapping_filter.clear()
    assert panel.model.keys() == [result.key]


def save_to_store(panel: RunsPanel, window: MainWindow) -> None:
    """Reprocess runs the stored mapping's current version: the run came from a file.
    Refresh (as the analyst would) reads the shown run again."""
    panel.service.save_mapping(window.session.document, None)
    panel.refresh_button.click()
    assert panel.reprocess_button.isEnabled()


def test_reprocess_of_a_mapping_not_in_the_store_is_disabled_and_says_why(
    ran: tuple[RunsPanel, RunResult],
) -> None:
    panel, _result = ran
    assert not panel.reprocess_button.isEnabled()
    assert panel.reprocess_button.toolTip() == (
        "Cannot reprocess: its mapping mapping_QBT_WFN_ACME_20250724 is not in the store: "
        "save it there to reprocess its failed records"
    )
    panel.reprocess_button.click()  # disabled: nothing starts
    assert panel.handle is None


def test_reprocess_runs_the_failed_record_again_and_links_the_runs(
    ran: tuple[RunsPanel, RunResult], store_window: MainWindow, qtbot: QtBot
) -> None:
    panel, result = ran
    save_to_store(panel, store_window)
    with qtbot.waitSignal(panel.reprocessed, timeout=30_000) as done:
        panel.reprocess_button.click()
    child = done.args[1]
    assert isinstance(child, RunResult)
    assert panel.model.keys()[0] == child.key  # newest first
    assert panel.selected_key() == result.key  # the selection stays on the original
    assert child.key in panel.detail_view.toPlainText()
    panel._link_clicked(QUrl(f"run:{child.key}"))
    assert panel.selected_key() == child.key
    assert panel.detail is not None
    assert panel.detail.parent_key == result.key
    assert panel.detail.record.trigger is RunTrigger.REPROCESS


def test_the_history_loads_a_page_at_a_time(
    ran: tuple[RunsPanel, RunResult],
    store_window: MainWindow,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    panel, result = ran
    save_to_store(panel, store_window)
    with qtbot.waitSignal(panel.reprocessed, timeout=30_000) as done:
        panel.reprocess_button.click()
    monkeypatch.setattr("fieldwright.app.runs.panel.PAGE_SIZE", 1)
    panel.table.hide()  # a shown view fetches pages until its viewport is full
    panel.refresh()
    assert panel.model.keys() == [done.args[1].key]
    assert panel.more_button.isEnabled() and panel.shown_label.text() == "1 run+"
    assert panel.model.canFetchMore(QModelIndex())
    panel.more_button.click()
    assert panel.model.keys() == [done.args[1].key, result.key]
    assert not panel.more_button.isEnabled() and panel.shown_label.text() == "2 runs"
    assert not panel.model.canFetchMore(QModelIndex())
    panel.refresh()
    panel.table.show()  # scrolling to the end (here: the viewport not full) loads the next
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2)


def test_errors_show_in_a_message_box(
    ran: tuple[RunsPanel, RunResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fieldwright.service.errors import ServiceError

    panel, _result = ran
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text: shown.append(title))

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ServiceError("the store is gone")

    monkeypatch.setattr(panel.service, "export_dead_letters", broken)
    assert panel.export_dead_letters(path="/nonexistent/x.ndjson") is None
    monkeypatch.setattr(panel.service, "list_runs", broken)
    panel.refresh()
    assert shown == ["Cannot export the dead letters", "Cannot list the runs"]
    assert panel.model.rowCount() == 0
