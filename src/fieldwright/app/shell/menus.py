"""The main window's menus, actions and shortcuts, and the small dialogs of the Help menu."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from fieldwright import __version__
from fieldwright.app.designer.automap_dialog import AutoMapDialog
from fieldwright.app.designer.function_palette import FunctionPalette
from fieldwright.app.documents import store_actions
from fieldwright.app.shell.theme import THEMES, apply_theme

if TYPE_CHECKING:
    from fieldwright.app.shell.main_window import MainWindow

__all__ = ["build_menus"]

Key = QKeySequence.StandardKey


def _action(
    window: MainWindow, text: str, slot: object, *keys: QKeySequence | Key | str
) -> QAction:
    action = QAction(text, window)
    if keys:
        action.setShortcuts([QKeySequence(k) for k in keys])
    action.triggered.connect(slot)
    return action


def build_menus(window: MainWindow) -> dict[str, QAction]:
    """Create the menu bar; returns every action by name (tests and the shortcut list use it)."""
    bar = window.menuBar()
    actions: dict[str, QAction] = {}
    importer = window.schema_importer
    importer.finished.connect(lambda text, ok: _schema_loaded(window, text, ok))

    file_menu = bar.addMenu("&File")
    actions["new"] = _action(window, "&New mapping", window.new_mapping, Key.New)
    actions["open"] = _action(window, "&Open…", window.open_dialog, Key.Open)
    actions["save"] = _action(window, "&Save", window.save, Key.Save)
    actions["save_as"] = _action(window, "Save &As…", window.save_as, Key.SaveAs, "Ctrl+Shift+S")
    actions["open_file"] = _action(window, "Open &file…", window.open_file_dialog)
    for name in ("new", "open", "open_file", "save", "save_as"):
        file_menu.addAction(actions[name])
    window.recent_menu = file_menu.addMenu("Open &Recent")
    file_menu.addSeparator()
    import_menu = file_menu.addMenu("&Import")
    for side in ("source", "target"):
        for json_schema, kind in ((False, "sample file"), (True, "JSON Schema")):
            action = import_menu.addAction(f"{side.title()} schema from {kind}…")
            action.triggered.connect(
                lambda _c=False, s=side, j=json_schema: importer.choose(window, s, json_schema=j)
            )
            actions[f"import_{side}_{'json_schema' if json_schema else 'sample'}"] = action
    for side in ("source", "target"):
        action = import_menu.addAction(f"{side.title()} schema from a database table…")
        action.triggered.connect(lambda _c=False, s=side: importer.choose_table(window, s))
        actions[f"import_{side}_table"] = action
    if window.store is not None:
        import_menu.addSeparator()
        actions["import_mapping"] = _action(
            window, "Mapping file into the store…", lambda: store_actions.import_from_file(window)
        )
        import_menu.addAction(actions["import_mapping"])
    actions["export"] = _action(window, "&Export mapping to a file…", window.export_copy, "Ctrl+E")
    file_menu.addAction(actions["export"])
    file_menu.addSeparator()
    actions["quit"] = _action(window, "&Quit", window.close, Key.Quit, "Ctrl+Q")
    file_menu.addAction(actions["quit"])

    edit_menu = bar.addMenu("&Edit")
    undo = window.session.stack.createUndoAction(window, "&Undo")
    undo.setShortcuts([QKeySequence(Key.Undo)])
    redo = window.session.stack.createRedoAction(window, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence(Key.Redo)])
    actions["undo"], actions["redo"] = undo, redo
    actions["delete"] = _action(window, "&Delete mapping", window.delete_selected, Key.Delete)
    actions["find"] = _action(window, "&Find field", window.focus_find, Key.Find)
    actions["automap"] = _action(window, "&Auto-map…", lambda: _automap(window), "Ctrl+M")
    for name in ("undo", "redo", "delete", "find", "automap"):
        edit_menu.addAction(actions[name])

    run_menu = bar.addMenu("&Run")
    actions["preview"] = _action(window, "&Preview", window.preview.refresh_now, "F5")
    actions["run_tests"] = _action(window, "Run &tests", lambda: _run_tests(window), "Ctrl+T")
    actions["run_now"] = _action(window, "&Run now", window.run_now.start, "Ctrl+R")
    actions["run_with"] = _action(window, "Run &with…", window.run_now.choose, "Ctrl+Shift+R")
    actions["cancel_run"] = _action(window, "&Cancel run", window.run_now.cancel)
    run_menu.addAction(actions["preview"])
    run_menu.addAction(actions["run_now"])
    run_menu.addAction(actions["run_with"])
    run_menu.addAction(actions["cancel_run"])
    run_menu.addAction(actions["run_tests"])

    view_menu = bar.addMenu("&View")
    actions["dark"] = _action(window, "&Dark theme", lambda on: _set_theme(window, on))
    actions["dark"].setCheckable(True)
    actions["dark"].setChecked(window.settings.theme() == "dark")
    view_menu.addAction(actions["dark"])

    help_menu = bar.addMenu("&Help")
    actions["functions"] = _action(
        window, "&Function reference", lambda: _functions(window), Key.HelpContents
    )
    actions["shortcuts"] = _action(
        window, "&Keyboard shortcuts", lambda: _shortcuts(window, actions)
    )
    actions["about"] = _action(window, "&About Fieldwright", lambda: _about(window))
    for name in ("functions", "shortcuts", "about"):
        help_menu.addAction(actions[name])
    return actions


def _schema_loaded(window: MainWindow, text: str, ok: bool) -> None:
    window.show_message(text)
    if not ok:
        QMessageBox.warning(window, "Cannot load schema", text)


def _automap(window: MainWindow) -> None:
    window.show_page("Designer")
    dialog = AutoMapDialog(window.session, window)
    try:
        dialog.exec()
        if dialog.accepted_count:
            window.show_message(f"Auto-mapped {dialog.accepted_count} fields")
    finally:
        dialog.deleteLater()


def _run_tests(window: MainWindow) -> None:
    """Show the Tests page and run every test of the open mapping (off the GUI thread)."""
    window.show_page("Tests")
    window.tests_panel.run_all()


def _set_theme(window: MainWindow, dark: bool) -> None:
    name = "dark" if dark else "light"
    window.settings.set_theme(name)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        apply_theme(app, THEMES[name])
    window.theme_applied(name)


def _functions(window: MainWindow) -> None:
    palette = FunctionPalette(window, choose=False)
    try:
        palette.exec()
    finally:
        palette.deleteLater()


def _shortcuts(window: MainWindow, actions: dict[str, QAction]) -> None:
    dialog = QDialog(window)
    dialog.setWindowTitle("Keyboard shortcuts")
    shown = [(a.text().replace("&", ""), window.shortcut_text(a)) for a in actions.values()]
    shown = [(text, keys) for text, keys in shown if keys]
    table = QTableWidget(len(shown), 2)
    table.setHorizontalHeaderLabels(["Action", "Shortcut"])
    table.verticalHeader().hide()
    for row, (text, keys) in enumerate(shown):
        table.setItem(row, 0, QTableWidgetItem(text))
        table.setItem(row, 1, QTableWidgetItem(keys))
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    layout = QVBoxLayout(dialog)
    layout.addWidget(table)
    dialog.resize(440, 460)
    try:
        dialog.exec()
    finally:
        dialog.deleteLater()


def _about(window: MainWindow) -> None:
    QMessageBox.about(
        window,
        "About Fieldwright",
        f"<b>Fieldwright {__version__}</b><p>A desktop mapping designer: map records of one "
        "system onto another, preview every transform step, test, schedule and run.</p>",
    )
