"""The Monitoring page's health checks list a connection's expiring certificate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from fieldwright.app.shell.main_window import MainWindow
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service import Health, Service
from tests.certs import write_certificate


def test_an_expired_certificate_fails_the_health_list(
    qtbot: QtBot, service: Service, store_window: MainWindow, tmp_path: Path
) -> None:
    service.connections.save(ConnectionRecord(name="crm_api", kind="http", settings={}))
    end = datetime.now(UTC) - timedelta(hours=2)
    write_certificate(tmp_path / "c.pem", not_after=end, not_before=end - timedelta(days=30))
    key = service.connections.attach_certificate(
        "crm_api", tmp_path / "c.pem", client="ACME", system="CRM"
    ).key
    store_window.show_page("Monitoring")
    panel = store_window.monitoring_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.summary is not None, timeout=10_000)
    assert panel.health_label.text() == "FAILING"
    [row] = [r for r in panel.checks.rows if r.cells[1] == "credential expiry"]
    assert row.health is Health.FAILING and row.cells[2] == "crm_api"
    assert f"certificate {key}" in row.cells[3] and "expired on" in row.cells[3]
