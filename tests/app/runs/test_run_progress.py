"""A run the user watches: progress bar with rate and ETA, Cancel, Run with…, date filters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from fieldwright.app.runs.panel import RunsPanel
from fieldwright.app.runs.periods import PERIODS, period_bounds
from fieldwright.app.runs.progress import eta_text, progress_text
from fieldwright.app.runs.run_dialog import RunDialog, describe_connector
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.authoring.store_documents import StoreDocuments
from fieldwright.domain.document import ConnectorRef
from fieldwright.domain.runs import RunCounts, RunStatus
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service import RunProgress, RunResult, Service
from tests.service.helpers import GeneratedSource, TestConnectors, simple_document, test_source


@pytest.fixture
def connectors() -> TestConnectors:
    return TestConnectors()


@pytest.fixture
def slow_service(db_url: str, connectors: TestConnectors) -> Iterator[Service]:
    Path(db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    connectors.sources["slow"] = lambda: GeneratedSource(1_000_000, delay=0.0005)
    connectors.sources["small"] = lambda: GeneratedSource(50)
    with Service.open(db_url, user="alice", connectors=connectors) as opened:
        yield opened


@pytest.fixture
def window(slow_service: Service, make_window: Callable[..., MainWindow]) -> MainWindow:
    made = make_window(store=StoreDocuments(slow_service))
    made.documents.load_document(simple_document())
    return made


def progress(records: int, total: int | None, rate: float, attempt: int = 1) -> RunProgress:
    return RunProgress("run_x", attempt, records, RunCounts(), 1.0, rate, total)


def test_progress_text_gives_records_rate_and_eta() -> None:
    assert progress_text(progress(1234, 5000, 812.0)) == (
        "1,234 of 5,000 records · 812/s · about 5 s left"
    )
    assert progress_text(progress(10, None, 3.0)) == "10 records · 3/s"
    assert "attempt 2" in progress_text(progress(10, None, 3.0, attempt=2))
    assert [eta_text(s) for s in (None, 4.6, 125, 4800)] == ["", "5 s", "2 min 5 s", "1 h 20 min"]


def test_run_now_shows_progress_and_cancel_stops_the_run(
    window: MainWindow, tmp_path: Path, qtbot: QtBot
) -> None:
    out = tmp_path / "out.csv"
    bar = window.run_progress
    assert not bar.isVisible()
    with qtbot.waitSignal(window.run_now.started, timeout=10_000):
        window.run_now.start(
            source=test_source("slow"), target=ConnectorRef(kind="csv", settings={"path": str(out)})
        )
    assert bar.isVisible() and bar.cancel_button.isEnabled()
    # A snapshot with records flowing: a determinate bar and an ETA (the source knows its size).
    qtbot.waitUntil(lambda: bar.bar.maximum() == 1000 and "left" in bar.label.text())
    assert "of 1,000,000 records" in bar.label.text()
    with qtbot.waitSignal(window.run_now.finished, timeout=10_000) as finished:
        qtbot.mouseClick(bar.cancel_button, Qt.MouseButton.LeftButton)
    result = finished.args[1]
    assert isinstance(result, RunResult) and result.status is RunStatus.CANCELLED
    assert result.counts.read > 0 and result.counts.written == 0
    assert not bar.isVisible()
    # Completion (here: cancelled) is told in the status bar, with no message box to dismiss.
    assert "cancelled" in window.statusBar().currentMessage()
    assert not out.exists()


def test_run_with_uses_the_chosen_saved_connections(
    window: MainWindow, slow_service: Service, tmp_path: Path, qtbot: QtBot
) -> None:
    out = tmp_path / "chosen.csv"
    slow_service.connections.save(
        ConnectionRecord(name="generator", kind="test", settings={"name": "small"})
    )
    slow_service.connections.save(
        ConnectionRecord(
            name="crm_drop", kind="csv", description="CRM drop folder", settings={"path": str(out)}
        )
    )
    offered: list[list[str]] = []

    def choose() -> None:  # runs inside the dialog's exec(): never leave it open
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, RunDialog))
        source, target = dialog.combos["source"], dialog.combos["target"]
        offered.append([source.itemText(i) for i in range(source.count())])
        source.setCurrentIndex(source.findData("generator"))
        target.setCurrentIndex(target.findData("crm_drop"))
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, choose)
    with qtbot.waitSignal(window.run_now.finished, timeout=20_000) as finished:
        window.actions_by_name["run_with"].trigger()
    # The mapping has no connectors: only the saved connections are offered.
    assert offered == [
        ["Connection crm_drop (csv) — CRM drop folder", "Connection generator (test)"]
    ]
    result = finished.args[1]
    assert result.status is RunStatus.COMPLETED and result.counts.read == 50
    assert result.counts.read == (
        result.counts.written + result.counts.failed + result.counts.filtered
    )
    assert out.read_text().startswith("id,name")
    assert window.session.document.source.connector is None  # the document is not changed


def test_run_dialog_says_when_a_side_has_nothing_to_choose(qtbot: QtBot) -> None:
    dialog = RunDialog(simple_document(), [])
    qtbot.addWidget(dialog)
    assert not dialog.run_button.isEnabled()
    assert "no source and no target" in dialog.problem.text()
    ref = ConnectorRef(kind="sql", settings={"url": "postgresql://bob:hunter2@db.local/crm"})
    assert describe_connector(ref) == "sql · postgresql://…@db.local/crm"


def test_run_with_never_offers_the_source_connection_as_the_target(qtbot: QtBot) -> None:
    connections = [
        ConnectionRecord(name="crm_db", kind="sqlite", settings={"table": "contacts"}),
        ConnectionRecord(name="drop", kind="csv", settings={"path": "/tmp/out.csv"}),
    ]
    dialog = RunDialog(simple_document(), connections)
    qtbot.addWidget(dialog)
    source, target = dialog.combos["source"], dialog.combos["target"]

    def offered() -> list[object]:
        return [target.itemData(i) for i in range(target.count())]

    assert source.currentData() == "crm_db"
    assert offered() == ["drop"]
    source.setCurrentIndex(source.findData("drop"))
    assert offered() == ["crm_db"]
    assert dialog.choice() == {"source": "drop", "target": "crm_db"}
    assert dialog.run_button.isEnabled()


def test_period_bounds_are_whole_local_days() -> None:
    today = date(2026, 3, 29)  # Europe's DST change: still whole local days
    since, until = period_bounds(6, today, today, today=today)
    assert since == datetime(2026, 3, 23).astimezone() and until is None
    since, until = period_bounds(-1, date(2026, 3, 1), date(2026, 3, 31))
    assert since == datetime(2026, 3, 1).astimezone()
    assert until == datetime(2026, 4, 1).astimezone()
    assert period_bounds(None, today, today) == (None, None)
    assert PERIODS[0] == ("Any time", None)


def test_the_date_filter_narrows_the_history(
    window: MainWindow, slow_service: Service, tmp_path: Path, qtbot: QtBot
) -> None:
    for _ in range(2):
        slow_service.start_run(
            simple_document(),
            source=test_source("small"),
            target=ConnectorRef(kind="csv", settings={"path": str(tmp_path / "o.csv")}),
        ).wait(20)
    panel = RunsPanel(slow_service)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.model.rowCount() == 2
    panel.period_filter.setCurrentIndex(panel.period_filter.findText("Between…"))
    assert panel.from_date.isVisible() and panel.to_date.isVisible()
    yesterday = QDate.currentDate().addDays(-1)
    panel.from_date.setDate(yesterday.addDays(-5))
    panel.to_date.setDate(yesterday)
    assert panel.model.rowCount() == 0
    panel.to_date.setDate(QDate.currentDate())
    assert panel.model.rowCount() == 2
    panel.period_filter.setCurrentIndex(panel.period_filter.findText("Today"))
    assert not panel.from_date.isVisible()
    filters = panel.filters()
    assert filters.since is not None and filters.since.date() == date.today()
    assert panel.model.rowCount() == 2
    assert datetime.now().astimezone() - filters.since < timedelta(days=1)


def test_reprocess_shows_its_progress_until_it_ends(
    slow_service: Service,
    connectors: TestConnectors,
    tmp_path: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    # A run whose records all fail (every one lacks its name) leaves dead letters to reprocess.
    connectors.sources["bad"] = lambda: GeneratedSource(400, every_bad=1)
    slow_service.save_mapping(simple_document(), None)  # reprocess takes the stored mapping
    result = slow_service.start_run(
        simple_document().key,
        source=test_source("bad"),
        target=ConnectorRef(kind="csv", settings={"path": str(tmp_path / "o.csv")}),
    ).wait(20)
    assert result is not None and result.dead_letters > 0
    panel = RunsPanel(slow_service)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.reprocess_button.isEnabled()
    shown: list[tuple[str, bool, bool]] = []
    panel.message.connect(
        lambda text: shown.append(
            (text, panel.reprocess_progress.isVisible(), panel.reprocess_button.isEnabled())
        )
    )
    with qtbot.waitSignal(panel.reprocessed, timeout=5_000) as done:
        qtbot.mouseClick(panel.reprocess_button, Qt.MouseButton.LeftButton)
        assert not warned, warned
    text, bar_visible, button_enabled = shown[0]
    assert text.startswith("Reprocessing the failed records") and bar_visible
    assert not button_enabled
    reprocessed = done.args[1]
    assert isinstance(reprocessed, RunResult)
    assert reprocessed.counts.read == result.dead_letters  # the same records, still failing
    assert not panel.reprocess_progress.isVisible()
    assert panel.reprocess_progress.cancel_button.isEnabled()  # ready for the next one
    assert panel.detail is not None


def test_a_failed_run_is_still_reported_in_a_message_box(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    missing = ConnectorRef(kind="csv", settings={"path": "/nonexistent/dir/in.csv"})
    with qtbot.waitSignal(window.run_now.finished, timeout=20_000):
        window.run_now.start(source=missing, target=test_source("small"))
    assert warned and "failed" in warned[0]
