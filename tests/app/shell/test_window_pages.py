"""The window hosts every page over the same document and store: the Tests page marks the
Designer, Settings reaches the Preview, a schedule's run shows on the Runs page."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.schema_model import TEST_MARK_ROLE
from fieldwright.app.schedules.editor import ScheduleEditor
from fieldwright.app.shell.main import FileOpener
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.authoring.store_documents import StoreDocuments
from fieldwright.authoring.suite_status import FieldMark
from fieldwright.service import Service
from tests.app.conftest import HUBSPOT


def test_opening_a_mapping_runs_its_tests_and_marks_the_designer(
    make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window()
    with qtbot.waitSignal(window.tests_panel.resultsReady, timeout=10_000):
        assert window.documents.open_path(HUBSPOT)
    panel = window.tests_panel
    suite = panel.last_suite
    assert suite is not None and suite.passed == len(window.session.document.tests)
    model = window.designer.target.model
    marks = {
        mapping.target: model.data(model.index_for_path(mapping.target), TEST_MARK_ROLE)
        for mapping in window.session.document.fields
    }
    assert marks and set(marks.values()) <= {FieldMark.TESTED, FieldMark.UNTESTED}
    assert FieldMark.TESTED in marks.values()
    window.show_page("Tests")
    assert window.pages.currentWidget() is panel
    assert panel.coverage is not None
    assert f"{panel.coverage.ratio:.0%}" in panel.coverage_label.text()


def test_the_sample_size_setting_limits_the_preview_sample(
    make_window: Callable[..., MainWindow], qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window()
    window.show_page("Settings")
    spin = window.settings_panel.sample_size
    spin.selectAll()
    qtbot.keyClicks(spin, "25")
    qtbot.keyClick(spin, Qt.Key.Key_Enter)
    assert window.preview.sample_size == 25
    assert window.settings.preview_sample_size() == 25
    sample = tmp_path / "many.ndjson"
    sample.write_text("".join(json.dumps({"id": n}) + "\n" for n in range(100)))
    with qtbot.waitSignal(window.preview.sampleLoaded, timeout=10_000):
        window.preview.load_sample(sample)
    assert len(window.preview.items) == 25
    # A new window reads the saved size.
    assert make_window().preview.sample_size == 25


def test_new_schedules_start_in_the_default_time_zone_of_the_settings(
    store_window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = store_window
    window.show_page("Settings")
    zone = window.settings_panel.time_zone
    zone.setFocus()
    zone.lineEdit().selectAll()
    qtbot.keyClicks(zone, "Pacific/Auckland")
    with qtbot.waitSignal(window.settings_panel.timeZoneChanged):
        qtbot.keyClick(zone, Qt.Key.Key_Return)
    assert window.settings.time_zone() == "Pacific/Auckland"
    offered: list[str] = []

    def look(editor: ScheduleEditor) -> int:
        offered.append(editor.combo("timezone").currentText())
        editor.reject()
        return int(editor.result())

    monkeypatch.setattr(ScheduleEditor, "exec", look)
    window.show_page("Schedules")
    panel = window.schedules_panel
    assert panel is not None
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    assert offered == ["Pacific/Auckland"]


def test_the_view_menu_and_the_settings_page_agree_on_the_theme(
    make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window()
    combo = window.settings_panel.theme
    window.actions_by_name["dark"].trigger()
    assert combo.currentData() == "dark" and window.settings.theme() == "dark"
    window.show_page("Settings")
    combo.setCurrentIndex(combo.findData("light"))
    assert not window.actions_by_name["dark"].isChecked()
    assert window.settings.theme() == "light"
    app = QApplication.instance()
    assert app is not None and app.property("fieldwright_theme") == "light"


def test_run_tests_from_the_menu_shows_the_tests_page_with_the_results(
    make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window()
    with qtbot.waitSignal(window.tests_panel.resultsReady, timeout=10_000):
        assert window.documents.open_path(HUBSPOT)  # the background run after opening
    action = window.actions_by_name["run_tests"]
    assert action.shortcut().toString() == "Ctrl+T"
    with qtbot.waitSignal(window.tests_panel.resultsReady, timeout=10_000):
        action.trigger()
    assert window.pages.currentWidget() is window.tests_panel
    count = len(window.session.document.tests)
    assert window.tests_panel.counts.text().startswith(f"{count} tests · {count} passed")


def test_the_recent_card_title_stays_at_the_top_when_nothing_is_recent(
    make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window()
    window.resize(1280, 820)
    welcome = window.welcome
    welcome.set_recent([])
    qtbot.waitUntil(lambda: welcome.no_recent.isVisible())
    headings = {
        label.text(): label.mapTo(welcome, label.rect().topLeft()).y()
        for label in welcome.findChildren(QLabel)
        if label.property("role") == "heading"
    }
    assert headings["RECENT MAPPINGS"] == headings["START"]
    note = welcome.no_recent.mapTo(welcome, welcome.no_recent.rect().topLeft()).y()
    text_top = note + welcome.no_recent.contentsRect().top()
    assert text_top - headings["START"] < 40  # the note sits right under the title


START_PROBE = """
import os, sys, tempfile
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QSettings
from fieldwright.app.shell.main import create_app
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.settings.app_settings import AppSettings
app = create_app([])
ini = os.path.join(tempfile.mkdtemp(), "s.ini")
window = MainWindow(AppSettings(QSettings(ini, QSettings.Format.IniFormat)))
window.show()
app.processEvents()
heavy = ["openpyxl", "httpx", "fieldwright.app.settings.panel", "fieldwright.app.runs.panel",
         "fieldwright.app.schedules.panel", "fieldwright.app.connections.panel"]
print("loaded=" + ",".join(name for name in heavy if name in sys.modules))
window.show_page("Settings")
app.processEvents()
print("settings_after_show=" + str("fieldwright.app.settings.panel" in sys.modules))
"""


def test_the_window_appears_without_loading_the_pages_it_does_not_show() -> None:
    # Start-up time: pages the analyst has not opened, and the connectors behind them
    # (httpx, openpyxl), are loaded when first shown, not before the window appears.
    done = subprocess.run(
        [sys.executable, "-c", START_PROBE], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    said = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert said == {"loaded": "", "settings_after_show": "True"}


def test_a_file_open_event_opens_the_mapping(
    make_window: Callable[..., MainWindow], qapp: QApplication
) -> None:
    # What macOS Finder sends for a double-clicked *.fwmap.json (elsewhere: an argument).
    window = make_window()
    opener = FileOpener(window.documents.open_path, window)
    qapp.installEventFilter(opener)
    try:
        QApplication.sendEvent(qapp, QFileOpenEvent(str(HUBSPOT)))
    finally:
        qapp.removeEventFilter(opener)
    assert window.session.location == HUBSPOT
    assert window.session.document.name == "HubSpot contacts → CRM contacts"


def test_every_page_of_a_store_window_fits_a_1024_pixel_screen(
    qtbot: QtBot, service: Service, make_window: Callable[..., MainWindow]
) -> None:
    """The stacked pages' widest minimum sets the window's: once every page has been built
    (each is built when first shown), the window still narrows to 1024 pixels."""
    window = make_window(store=StoreDocuments(service))
    for name in window.page_names:
        window.show_page(name)
        qtbot.waitUntil(lambda: window.current_page().isVisible())
    assert window.minimumSizeHint().width() <= 1024
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024)
