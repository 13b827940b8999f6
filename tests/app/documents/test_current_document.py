"""The panels always show the current document: New, Open, Use template and Undo refresh
or clear the Preview, its Lineage, the Inspector and the Tests, never keeping the previous
document's sample, values or results.

Each journey opens the HubSpot example, looks at a panel, then replaces the document (or
undoes an edit) through the window's actions, and asserts what the panel shows.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from fieldwright.app.documents.asker import UnsavedAnswer
from fieldwright.app.preview.model import FIXED_COLUMNS
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.authoring.documents import new_document
from fieldwright.authoring.store_documents import StoreDocuments
from fieldwright.domain import MappingDocument, load
from fieldwright.resources import examples_dir
from fieldwright.service import Service
from tests.app.conftest import HUBSPOT

Factory = Callable[..., MainWindow]
TIMEOUT = 10_000
QBT = examples_dir() / "qbt_to_wfn" / "mapping.fwmap.json"
NO_SAMPLE = "No sample for this mapping"


class OpensFile:
    """An asker that opens one file and discards unsaved changes."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path

    def unsaved_changes(self, name: str) -> UnsavedAnswer:
        return UnsavedAnswer.DISCARD

    def file_to_open(self, title: str) -> Path | None:
        return self.path

    def template_mapping(self, service: Service) -> str | None:
        return self.path.name if self.path is not None else None

    def new_mapping(self, service: Service | None, taken: Set[str]) -> MappingDocument | None:
        """The New mapping guide's answer: an empty mapping."""
        return new_document()

    def warn(self, title: str, text: str) -> None:
        raise AssertionError(f"{title}: {text}")


def _hubspot(make_window: Factory, qtbot: QtBot, **kwargs: object) -> MainWindow:
    window = make_window(**kwargs)
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        assert window.documents.open_path(HUBSPOT)
    return window


def _column(window: MainWindow, target: str) -> int:
    return window.preview.model.targets.index(target) + len(FIXED_COLUMNS)


def _click_cell(window: MainWindow, qtbot: QtBot, row: int, target: str) -> None:
    table = window.preview.table
    index = window.preview.model.index(row, _column(window, target))
    table.scrollTo(index)
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center()
    )
    assert table.currentIndex() == index


def _lineage(window: MainWindow) -> list[tuple[str, str]]:
    tree = window.preview.lineage
    items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    return [(item.text(0), item.text(1)) for item in items if item is not None]


def _records(window: MainWindow) -> list[object]:
    return [row.item.record for row in window.preview.model.rows]


def _inspector_values(window: MainWindow) -> dict[str, object]:
    """What each field of the inspector shows, by widget name."""
    shown: dict[str, object] = {}
    for widget in window.designer.inspector.form.findChildren(QWidget):
        name = widget.objectName()
        if isinstance(widget, QLineEdit) and name.startswith(("field_", "rule_")):
            shown[name] = widget.text()
        elif isinstance(widget, QCheckBox) and name.startswith(("field_", "rule_")):
            shown[name] = widget.isChecked()
        elif isinstance(widget, QComboBox) and name.startswith(("field_", "rule_")):
            shown[name] = widget.currentText()
    return shown


def _settle(window: MainWindow, qtbot: QtBot) -> None:
    """Wait until the preview's and the tests' workers are idle and their results handled."""
    pools = [window.preview.pool, window.tests_panel.runner.pool, window.session.compiled.pool]
    qtbot.waitUntil(lambda: all(p.activeThreadCount() == 0 for p in pools), timeout=TIMEOUT)
    qtbot.wait(0)  # deliver the queued results of the idle workers (no sleep: one pass)


# -- File → New -----------------------------------------------------------------------


def test_new_clears_the_preview_and_says_there_is_no_sample(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = _hubspot(make_window, qtbot)
    _click_cell(window, qtbot, 0, "$.email")
    assert ("Target", "$.email") in _lineage(window)
    window.documents.asker = OpensFile()
    window.actions_by_name["new"].trigger()
    _settle(window, qtbot)
    preview = window.preview
    assert preview.model.rowCount() == 0
    assert _lineage(window) == []
    assert "contacts.json" not in preview.sample_label.text()
    assert "records" not in preview.counts.text()
    assert preview.message.isVisibleTo(window)
    assert preview.message.text() == f"{NO_SAMPLE}: Load sample… or Paste JSON…"


def test_new_while_the_sample_is_still_read_never_shows_it(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = make_window()
    assert window.documents.open_path(HUBSPOT)  # its sample is being read on a worker
    window.documents.asker = OpensFile()
    window.actions_by_name["new"].trigger()
    _settle(window, qtbot)
    assert window.preview.model.rowCount() == 0
    assert NO_SAMPLE in window.preview.message.text()


def test_new_clears_the_inspector(make_window: Factory, qtbot: QtBot) -> None:
    window = _hubspot(make_window, qtbot)
    window.designer.select_mapping("$.email")
    inspector = window.designer.inspector
    default = inspector.ui.child(QLineEdit, "field_default")
    default.setFocus()  # the analyst was in a field of the inspector
    assert _inspector_values(window)["field_on_error"] == "fail"
    window.documents.asker = OpensFile()
    window.actions_by_name["new"].trigger()
    assert "No mapping selected" in inspector.title.text()
    assert not inspector.form.isEnabled()
    shown = _inspector_values(window)
    assert all(value in ("", False) for value in shown.values()), shown
    assert inspector.steps.count() == 0


# -- Open another mapping ---------------------------------------------------------------


def test_opening_another_example_previews_only_its_own_sample(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = _hubspot(make_window, qtbot)
    hubspot_records = _records(window)
    _click_cell(window, qtbot, 0, "$.email")
    shown: list[list[object]] = []
    window.preview.previewUpdated.connect(lambda: shown.append(_records(window)))
    window.preview.refresh_now()  # a trace of the HubSpot sample is in flight
    window.documents.asker = OpensFile(QBT)
    with qtbot.waitSignal(window.preview.sampleLoaded, timeout=TIMEOUT):
        window.actions_by_name["open"].trigger()
    assert _lineage(window) == []
    qtbot.waitUntil(lambda: bool(shown) and len(shown[-1]) == 9, timeout=TIMEOUT)
    _settle(window, qtbot)
    assert all(not any(r in hubspot_records for r in records) for records in shown), shown
    assert "timesheets.csv" in window.preview.sample_label.text()
    assert window.preview.model.counts()["records"] == 9
    assert "$.pay_date" in window.preview.model.targets


def test_a_stored_template_mapping_never_previews_the_previous_sample(
    make_window: Factory, service: Service, qtbot: QtBot
) -> None:
    window = _hubspot(make_window, qtbot, store=StoreDocuments(service))
    key = service.templates.instantiate("template_QBT_WFN", "acme").key
    assert key == f"mapping_QBT_WFN_ACME_{date.today():%Y%m%d}"
    assert window.documents.open_stored(key, asked=True)
    _settle(window, qtbot)
    preview = window.preview
    assert preview.model.rowCount() == 0
    assert "failed" not in preview.counts.text()
    text = preview.message.text()
    assert text.startswith(NO_SAMPLE) and "qbt_to_wfn.sample.csv" in text, text


def test_a_stored_mapping_whose_sample_path_is_absolute_previews_it(
    make_window: Factory, service: Service, qtbot: QtBot
) -> None:
    document = load(QBT)
    assert document.source.connector is not None
    document.source.connector.settings["path"] = str(QBT.parent / "timesheets.csv")
    store = StoreDocuments(service)
    store.save(document, None)
    window = make_window(store=store)
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        assert window.documents.open_stored(document.key, asked=True)
    _settle(window, qtbot)
    assert window.preview.model.counts()["records"] == 9


def test_opening_clears_the_inspector_of_the_previous_mapping(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = _hubspot(make_window, qtbot)
    window.designer.select_mapping("$.email")
    window.documents.asker = OpensFile(QBT)
    window.actions_by_name["open"].trigger()
    inspector = window.designer.inspector
    assert "No mapping selected" in inspector.title.text()
    assert inspector.ui.child(QLineEdit, "field_default").text() == ""


def test_tests_of_the_previous_mapping_never_show_against_the_opened_one(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = _hubspot(make_window, qtbot)
    panel = window.tests_panel
    qtbot.waitUntil(lambda: window.session.compiled.current is not None, timeout=TIMEOUT)
    panel.run_all()  # a run of HubSpot's tests is in flight
    window.documents.asker = OpensFile(QBT)
    window.actions_by_name["open"].trigger()
    qbt_names = [t.name for t in window.session.document.tests]
    with qtbot.waitSignal(panel.resultsReady, timeout=TIMEOUT):
        pass
    assert panel.last_suite is not None
    assert [r.name for r in panel.last_suite.results] == qbt_names
    assert [panel.model.tests[r].name for r in range(panel.model.rowCount())] == qbt_names
    for row in range(panel.model.rowCount()):
        result = panel.model.result(row)
        assert result is not None and result.name == qbt_names[row]


def test_new_clears_the_tests_and_their_result(make_window: Factory, qtbot: QtBot) -> None:
    window = _hubspot(make_window, qtbot)
    panel = window.tests_panel
    with qtbot.waitSignal(panel.resultsReady, timeout=TIMEOUT):
        panel.run_all()
    panel.select_test(0)
    assert panel.editor.original is not None
    window.documents.asker = OpensFile()
    window.actions_by_name["new"].trigger()
    _settle(window, qtbot)
    assert panel.model.rowCount() == 0
    assert panel.editor.original is None
    assert panel.counts.text() == "0 tests"
    assert panel.status is None


# -- Undo and redo ------------------------------------------------------------------------


def test_undo_of_a_removed_mapping_keeps_the_lineage_on_the_clicked_field(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = _hubspot(make_window, qtbot)
    _click_cell(window, qtbot, 0, "$.email")
    assert ("Target", "$.email") in _lineage(window)
    window.designer.select_mapping("$.email")
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.actions_by_name["delete"].trigger()
    current = window.preview.table.currentIndex()
    assert current == window.preview.model.index(0, _column(window, "$.email"))
    assert ("Target", "$.email") in _lineage(window)
    assert ("Not mapped", "Drag a source field onto it") in _lineage(window)
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.actions_by_name["undo"].trigger()
    current = window.preview.table.currentIndex()
    assert current == window.preview.model.index(0, _column(window, "$.email"))
    labels = [label for label, _value in _lineage(window)]
    assert "Source $.properties.email" in labels
    assert ("Target", "$.email") in _lineage(window)


def test_undo_with_the_focus_in_the_inspector_shows_the_value_undone(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = _hubspot(make_window, qtbot)
    window.designer.select_mapping("$.email")
    default = window.designer.inspector.ui.child(QLineEdit, "field_default")
    default.setFocus()
    qtbot.waitUntil(default.hasFocus, timeout=TIMEOUT)
    qtbot.keyClicks(default, '"nobody@example.com"')
    qtbot.keyClick(default, Qt.Key.Key_Return)
    assert window.session.document.field("$.email").default == "nobody@example.com"  # type: ignore[union-attr]
    window.actions_by_name["undo"].trigger()
    assert window.session.document.field("$.email").default is None  # type: ignore[union-attr]
    assert default.text() == ""
    window.actions_by_name["redo"].trigger()
    assert default.text() == '"nobody@example.com"'


def test_deleting_the_mapping_shown_clears_the_inspector(
    make_window: Factory, qtbot: QtBot
) -> None:
    window = _hubspot(make_window, qtbot)
    inspector = window.designer.inspector
    window.designer.select_mapping("$.phone")
    assert _inspector_values(window)["field_on_error"]
    window.actions_by_name["delete"].trigger()
    assert window.session.document.field("$.phone") is None
    assert "No mapping selected" in inspector.title.text()
    shown = _inspector_values(window)
    assert all(value in ("", False) for value in shown.values()), shown
    assert inspector.steps.count() == 0
    window.actions_by_name["undo"].trigger()
    window.designer.select_mapping("$.phone")
    assert _inspector_values(window)["field_on_error"]


def test_no_sample_is_a_hint_and_a_broken_sample_an_error(
    make_window: Factory, qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window()
    message = window.preview.message
    assert message.text().startswith(NO_SAMPLE) and message.property("role") == "muted"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is not a workbook")
    with qtbot.waitSignal(window.preview.sampleLoaded, timeout=TIMEOUT):
        window.preview.load_sample(broken)
    assert "broken.xlsx" in message.text() and message.property("role") == "error"
