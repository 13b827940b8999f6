"""Run now from the window: the open mapping runs through its connectors, logged in the store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from fieldwright.app.shell.main_window import MainWindow
from fieldwright.domain.runs import RunStatus
from fieldwright.service import RunResult
from tests.app.conftest import HUBSPOT


def test_run_now_writes_the_target_and_logs_the_run(
    store_window: MainWindow, tmp_path: Path, qtbot: object
) -> None:
    folder = tmp_path / "example"
    shutil.copytree(HUBSPOT.parent, folder)
    window = store_window
    assert window.documents.open_path(folder / "mapping.fwmap.json", asked=True)
    with qtbot.waitSignal(window.run_now.finished, timeout=30_000) as finished:  # type: ignore[attr-defined]
        window.actions_by_name["run_now"].trigger()
    summary, result = finished.args
    assert isinstance(result, RunResult)
    assert result.status is RunStatus.COMPLETED
    assert "read 8, written 7, failed 0, filtered 1" in summary
    assert (folder / "crm_contacts.csv").read_text().startswith("crm_id,")
    assert window.store is not None
    assert window.store.service.run_detail(result.key).record.status is RunStatus.COMPLETED


def test_run_now_explains_a_mapping_without_connectors(
    store_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "information", lambda _parent, _title, text: shown.append(text)
    )
    store_window.actions_by_name["run_now"].trigger()
    assert shown and "no source and no target connector" in shown[0]
    assert store_window.run_now.handle is None


def test_run_now_stops_at_the_documents_timeout(
    store_window: MainWindow, tmp_path: Path, qtbot: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run now is bounded by the document's run.timeout_seconds (an hour unless set)."""
    folder = tmp_path / "example"
    shutil.copytree(HUBSPOT.parent, folder)
    window = store_window
    assert window.documents.open_path(folder / "mapping.fwmap.json", asked=True)
    assert window.session.document.run.timeout_seconds == 3600
    asked: list[float | None] = []
    real = type(window.store.service).start_run  # type: ignore[union-attr]

    def spy(self: object, *args: object, **kwargs: object) -> object:
        asked.append(kwargs.get("timeout"))  # type: ignore[arg-type]
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(type(window.store.service), "start_run", spy)  # type: ignore[union-attr]
    with qtbot.waitSignal(window.run_now.finished, timeout=30_000):  # type: ignore[attr-defined]
        window.actions_by_name["run_now"].trigger()
    assert asked == [3600]  # the service enforces it (tests/service/test_runs.py: timeout)
