"""The periodic check's notices: an expiring certificate raises a notice once, whose Open
lands on Connections with the connection selected; SLA breaches and reviews come too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.notice_watch import NoticeKind, find_notices
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service import Service
from fieldwright.store import Store
from fieldwright.store.sample_activity import generate_activity
from tests.certs import write_certificate
from tests.service.helpers import MAPPING_KEY, simple_document


def test_an_expiring_certificate_raises_one_notice_that_opens_connections(
    store_window: MainWindow, service: Service, qtbot: QtBot, tmp_path: Path
) -> None:
    for name in ("aaa_files", "crm_api"):
        service.connections.save(ConnectionRecord(name=name, kind="http", settings={}))
    end = datetime.now(UTC) + timedelta(days=6, hours=2)
    write_certificate(tmp_path / "crm.pem", not_after=end)
    key = service.connections.attach_certificate(
        "crm_api", tmp_path / "crm.pem", client="ACME", system="CRM"
    ).key
    window, watch, bar = store_window, store_window.notice_watch, store_window.notice_bar
    assert watch is not None and watch.timer.isActive() and not bar.isVisible()
    with qtbot.waitSignal(watch.checked, timeout=10_000) as checked:
        watch.check_now()
    assert checked.args == [1]
    qtbot.waitUntil(bar.isVisible)
    assert bar.label.text().startswith(f"The certificate {key} of connection 'crm_api' expires")
    assert bar.open_button.text() == "Open Connections"
    # the next tick remembers it: nothing new, the bar is not raised again
    qtbot.mouseClick(bar.dismiss_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(watch.checked, timeout=10_000) as again:
        watch.check_now()
    assert again.args == [0] and not bar.isVisible()
    # a new stage is a new notice: expired now
    service.connections.set_expiry(
        "crm_api", expires_at=datetime.now(UTC) - timedelta(hours=1), rotate_by=None
    )
    with qtbot.waitSignal(watch.checked, timeout=10_000) as third:
        watch.check_now()
    assert third.args == [1]
    assert "secret of connection 'crm_api' expired on" in bar.label.text()
    qtbot.mouseClick(bar.open_button, Qt.MouseButton.LeftButton)
    panel = window.connections_panel
    assert panel is not None and window.current_page() is panel
    assert panel.selected_name() == "crm_api" and panel.editor.name.text() == "crm_api"
    assert not bar.isVisible()
    assert panel.table.item(1, 0).text() == "crm_api  ✗ expired"


def test_sla_breaches_and_reviews_are_found_and_keyed_once(
    db_url: str, service: Service, tmp_path: Path
) -> None:
    with Store.open(db_url, user="gen") as store:
        generate_activity(store, runs=200, dead_letters=10, days=1)
    notices = find_notices(service)
    sla = [n for n in notices if n.kind is NoticeKind.SLA]
    assert sla and all(n.page == "Monitoring" for n in sla)
    assert any("missed" in n.text for n in sla)
    assert len({n.key for n in notices}) == len(notices)
    assert find_notices(service) == notices  # the same state gives the same keys
    assert not [n for n in notices if n.kind is NoticeKind.REVIEW]
    service.save_mapping(simple_document(), None)
    service.approvals.submit_for_review(MAPPING_KEY)
    [review] = [n for n in find_notices(service) if n.kind is NoticeKind.REVIEW]
    assert review.page == "Review queue" and review.text.startswith("1 version(s) await")
    assert f"{MAPPING_KEY}@1" in review.key


def test_the_watch_stops_with_the_window(store_window: MainWindow) -> None:
    watch = store_window.notice_watch
    assert watch is not None
    store_window.shutdown_workers()
    assert not watch.timer.isActive()
    watch.check_now()  # after stop: no check starts
    assert not watch.busy
