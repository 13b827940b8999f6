"""Issue 16 item 6 in the Connections editor: a secret typed into a URL is refused under the
URL field before anything is saved (a database password with / # ?, an access token)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from fieldwright.app.connections.panel import ConnectionsPanel
from fieldwright.service import Service
from tests.app.helpers import choose
from tests.conftest import MemoryKeyring


@pytest.fixture
def panel(service: Service, qtbot: QtBot) -> Iterator[ConnectionsPanel]:
    widget = ConnectionsPanel(service)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    yield widget
    widget.shutdown()


def _error_under(panel: ConnectionsPanel, name: str) -> QLabel:
    label = panel.editor.findChild(QLabel, f"{name}_error")
    assert label is not None
    return label


@pytest.mark.parametrize("password", ["a/b", "c#d", "e?f"])
def test_a_database_password_in_the_url_is_refused_under_the_url(
    panel: ConnectionsPanel,
    service: Service,
    qtbot: QtBot,
    memory_keyring: MemoryKeyring,
    password: str,
) -> None:
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.editor.name, "warehouse")
    choose(qtbot, panel.editor.kind, "sql")
    qtbot.keyClicks(panel.editor.sql.url, f"postgresql+psycopg://etl:{password}@db/fw")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    error = _error_under(panel, "sql_url")
    assert error.isVisible() and "Password field" in error.text()
    assert password not in error.text()
    assert service.connections.list() == []
    assert memory_keyring.entries == {}


def test_an_access_token_in_an_api_url_is_refused_under_the_url(
    panel: ConnectionsPanel, service: Service, qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.editor.name, "crm_api")
    choose(qtbot, panel.editor.kind, "http")
    qtbot.keyClicks(panel.editor.http.url, "https://crm.example/v2?access_token=t0k3n&page=1")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    error = _error_under(panel, "http_url")
    assert error.isVisible()
    assert "holds a secret, the query parameter 'access_token':" in error.text()
    assert "keyring" in error.text()
    assert "t0k3n" not in error.text()
    assert service.connections.list() == []
