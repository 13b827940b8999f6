"""Save a field's chain as a named chain, use it in another field: the preview agrees (issue 15)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTextBrowser,
    QToolButton,
)
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.chains import SaveChainDialog
from fieldwright.app.designer.function_palette import FunctionPalette
from fieldwright.app.preview.model import FIXED_COLUMNS
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.service import field_help
from tests.app.conftest import HUBSPOT

Factory = Callable[..., MainWindow]
TIMEOUT = 10_000


def _opened(make_window: Factory, qtbot: QtBot) -> MainWindow:
    window = make_window()
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        window.documents.open_path(HUBSPOT)
    return window


def _column(window: MainWindow, target: str) -> list[object]:
    model = window.preview.model
    column = model.targets.index(target) + len(FIXED_COLUMNS)
    return [model.index(row, column).data() for row in range(model.rowCount())]


def _save_chain_as(window: MainWindow, qtbot: QtBot, name: str) -> None:
    inspector = window.designer.inspector
    qtbot.mouseClick(inspector.findChild(QPushButton, "save_chain"), Qt.MouseButton.LeftButton)
    dialog = inspector.findChild(SaveChainDialog)
    assert dialog is not None and dialog.isVisible()
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled()  # no name yet
    qtbot.keyClicks(dialog.findChild(QLineEdit, "chain_name"), "1bad")
    problem = dialog.findChild(QLabel, "chain_problem")
    assert problem is not None and "not a chain name" in problem.text()
    assert not save.isEnabled()
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, name)
    assert save.isEnabled() and problem.isHidden()
    assert dialog.findChild(QCheckBox, "chain_use_in_field").isChecked()
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)


def _add_from_palette(window: MainWindow, qtbot: QtBot, call: str) -> None:
    seen: list[str] = []

    def choose() -> None:
        palette = QApplication.activeModalWidget()
        assert isinstance(palette, FunctionPalette)
        qtbot.keyClicks(palette.search, call.removeprefix("@"))
        listing = palette.findChild(QListWidget, "function_list")
        assert listing is not None and palette.chosen() == call
        doc = palette.findChild(QTextBrowser, "function_doc")
        assert doc is not None
        seen.append(doc.toPlainText())
        ok = palette.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, choose)
    with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
        qtbot.mouseClick(
            window.designer.inspector.findChild(QPushButton, "add_step"),
            Qt.MouseButton.LeftButton,
        )
    assert seen and "named chain" in seen[0] and "normalize_whitespace → title" in seen[0]


def test_save_a_chain_and_use_it_in_another_field(make_window: Factory, qtbot: QtBot) -> None:
    window = _opened(make_window, qtbot)
    document = window.session.document
    first_before = _column(window, "$.first_name")
    last_before = _column(window, "$.last_name")
    window.designer.select_mapping("$.first_name")
    _save_chain_as(window, qtbot, "clean_name")
    document = window.session.document
    assert [s.fn for s in document.library["clean_name"]] == ["normalize_whitespace", "title"]
    assert [s.fn for s in document.field("$.first_name").transforms] == ["@clean_name"]  # type: ignore[union-attr]
    assert _column(window, "$.first_name") == first_before
    inspector = window.designer.inspector
    assert "named chain: normalize_whitespace → title" in inspector.step_doc.text()

    window.designer.select_mapping("$.last_name")
    remove = inspector.form.findChild(QToolButton, "remove_step")
    assert remove is not None
    for _ in range(2):
        inspector.steps.setCurrentRow(0)
        with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
            qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert window.session.document.field("$.last_name").transforms == []  # type: ignore[union-attr]
    _add_from_palette(window, qtbot, "@clean_name")
    steps = window.session.document.field("$.last_name").transforms  # type: ignore[union-attr]
    assert [s.fn for s in steps] == ["@clean_name"]
    assert _column(window, "$.last_name") == last_before

    # Undo takes back the use, the removals and the save, one gesture at a time.
    for _ in range(4):
        with qtbot.waitSignal(window.preview.previewUpdated, timeout=TIMEOUT):
            window.session.stack.undo()
    assert window.session.document.library == {}
    assert _column(window, "$.first_name") == first_before


def test_inspector_tooltips_are_the_reference_texts(make_window: Factory, qtbot: QtBot) -> None:
    window = _opened(make_window, qtbot)
    window.designer.select_mapping("$.email")
    inspector = window.designer.inspector
    regex = inspector.form.findChild(QLineEdit, "rule_regex")
    on_error = inspector.form.findChild(QComboBox, "field_on_error")
    missing = inspector.form.findChild(QComboBox, "field_missing")
    assert regex is not None and on_error is not None and missing is not None
    assert regex.toolTip() == field_help("rules.regex")
    assert "A search, not a full match" in regex.toolTip()
    assert on_error.toolTip() == field_help("on_error")
    assert missing.toolTip() == field_help("missing")
    assert [missing.itemText(i) for i in range(missing.count())] == ["null", "skip"]
    missing.setFocus()
    with qtbot.waitSignal(window.session.changed, timeout=TIMEOUT):
        qtbot.keyClick(missing, Qt.Key.Key_Down)
    assert window.session.document.field("$.email").missing.value == "skip"  # type: ignore[union-attr]


def test_help_shows_the_mapping_reference(make_window: Factory, qtbot: QtBot) -> None:
    from fieldwright.app.designer.field_help import ReferenceDialog

    window = make_window()
    window.actions_by_name["reference"].trigger()
    dialog = window.findChild(ReferenceDialog)
    assert dialog is not None and dialog.isVisible()
    assert "A search, not a full match" in dialog.text.toPlainText()
    qtbot.keyClicks(dialog.search, "rules.enum")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.text.textCursor().selectedText() == "rules.enum"
    dialog.close()
