"""The connection editor's expiry group: dates saved with the connection, a certificate
attached from a file (subject, expiry, cert_ key shown), badges in the list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from fieldwright.app.connections.panel import ConnectionsPanel
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service import Service
from tests.certs import write_certificate


@pytest.fixture
def panel(service: Service, qtbot: QtBot) -> Iterator[ConnectionsPanel]:
    service.connections.save(
        ConnectionRecord(name="crm_api", kind="http", settings={"url": "https://crm.test"})
    )
    widget = ConnectionsPanel(service)
    qtbot.addWidget(widget)
    widget.resize(1280, 820)
    widget.show()
    qtbot.waitUntil(lambda: widget.table.rowCount() == 1)
    widget.table.selectRow(0)
    yield widget
    widget.shutdown()


def test_a_certificate_attached_in_the_editor_shows_its_facts_and_badges_the_list(
    panel: ConnectionsPanel,
    service: Service,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    end = datetime.now(UTC) + timedelta(days=5, hours=1)
    path = tmp_path / "crm.pem"
    write_certificate(path, common_name="crm.acme.test", not_after=end, with_key=True)
    box = panel.editor.expiry
    assert box.attach_button.isEnabled()
    assert not box.list.isEnabled() and "Attach the connection's" in box.detail.text()
    box.choose_file = lambda _parent: str(path)
    # the codes of the key come first
    qtbot.mouseClick(box.attach_button, Qt.MouseButton.LeftButton)
    assert "client and system codes" in box.error.text()
    qtbot.keyClicks(box.client, "acme")
    qtbot.keyClicks(box.system, "CRM")
    qtbot.mouseClick(box.attach_button, Qt.MouseButton.LeftButton)

    key = f"cert_ACME_CRM_{end:%Y%m%d}"
    assert [c.key for c in service.connections.certificates("crm_api")] == [key]
    assert box.list.count() == 1 and box.list.itemText(0).startswith(key)
    assert box.list.itemText(0).endswith("≤ 7 d")
    assert "(expires within 7 days)" in box.detail.text()
    detail = box.detail.text()
    assert "CN=crm.acme.test" in detail and f"{end:%Y-%m-%d}" in detail
    assert key in box.detail.toolTip()
    assert panel.table.item(0, 0).text() == "crm_api  ⚠ 5 d"

    # a file that is no certificate: the error names it, nothing is kept
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    box.choose_file = lambda _parent: str(bad)
    qtbot.mouseClick(box.attach_button, Qt.MouseButton.LeftButton)
    assert "notes.txt" in box.error.text() and box.error.isVisible()
    assert len(service.connections.certificates()) == 1

    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(box.remove_button, Qt.MouseButton.LeftButton)
    assert service.connections.certificates() == [] and not box.list.isEnabled()
    assert panel.table.item(0, 0).text() == "crm_api"


def test_the_secrets_dates_are_saved_with_the_connection(
    panel: ConnectionsPanel, service: Service, qtbot: QtBot
) -> None:
    box = panel.editor.expiry
    assert not box.expires_on.isEnabled()
    qtbot.mouseClick(box.expires, Qt.MouseButton.LeftButton)
    assert box.expires_on.isEnabled()
    yesterday = QDate.currentDate().addDays(-1)
    box.expires_on.setDate(yesterday)
    assert panel.dirty
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    saved = service.connections.get("crm_api")
    assert saved.expires_at == datetime(
        yesterday.year(), yesterday.month(), yesterday.day(), tzinfo=UTC
    )
    assert saved.rotate_by is None
    assert panel.table.item(0, 0).text() == "crm_api  ✗ expired"
    # cleared again: the date is gone
    qtbot.mouseClick(box.expires, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert service.connections.get("crm_api").expires_at is None
    assert panel.table.item(0, 0).text() == "crm_api"
