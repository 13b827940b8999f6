"""The menu bar: every action, its shortcuts, and the small dialogs of the Help menu.

`build_menus` gets what each entry does as `MenuCommands` (plain callables the
window wires to its controller and pages); it never sees the window itself.
Each key sequence belongs to one action only: a sequence bound twice is
ambiguous to Qt, which then runs neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence, QUndoGroup, QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QMenu,
    QMenuBar,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldwright import __version__
from fieldwright.app.designer.field_help import ReferenceDialog
from fieldwright.app.designer.function_palette import FunctionPalette
from fieldwright.authoring.edits import Side

__all__ = ["MenuCommands", "build_menus", "shortcut_text"]

Key = QKeySequence.StandardKey
Command = Callable[[], object]
SIDES: tuple[Side, ...] = ("source", "target")


@dataclass(frozen=True)
class MenuCommands:
    """What the menu entries do; `import_mapping` is None without a store."""

    new: Command
    open: Command
    open_file: Command
    save: Command
    save_as: Command
    import_schema: Callable[[Side, bool], object]  #: (side, from a JSON Schema)
    import_table: Callable[[Side], object]  #: (side)
    import_mapping: Command | None
    export: Command
    quit: Command
    delete: Command
    find: Command
    automap: Command
    preview: Command
    run_tests: Command
    run_now: Command
    run_with: Command
    cancel_run: Command
    dark_theme: Callable[[bool], object]
    # The Mapping menu: each entry appears when its command is given.
    properties: Command | None = None  #: name, key, description, client and systems
    source_endpoint: Command | None = None  #: where records come from
    target_endpoint: Command | None = None  #: where records go
    lookups: Command | None = None  #: value-map tables
    record_filter: Command | None = None  #: which records the mapping keeps
    approvals: Command | None = None  #: lifecycle and sign-offs of the stored mapping
    review_queue: Command | None = None  #: versions waiting for review
    # The File menu's pipeline entries (the Pipelines page).
    new_pipeline: Command | None = None
    open_pipeline: Command | None = None
    import_pipeline: Command | None = None  #: a pipeline file into the store (store windows)


def shortcut_text(action: QAction) -> str:
    """The action's shortcuts as this platform writes them ("Ctrl+Shift+Z, Ctrl+Y")."""
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())


def _action(parent: QWidget, text: str, slot: Callable[..., object], *keys: Key | str) -> QAction:
    action = QAction(text, parent)
    if keys:
        action.setShortcuts([QKeySequence(k) for k in keys])
    action.triggered.connect(slot)
    return action


def build_menus(
    bar: QMenuBar,
    commands: MenuCommands,
    stack: QUndoStack | QUndoGroup,
    recent: QMenu,
    *,
    dark: bool,
) -> dict[str, QAction]:
    """Fill the menu bar; returns every action by name (tests and the shortcut list use it)."""
    actions: dict[str, QAction] = {}
    _file_menu(bar, commands, recent, actions)
    _edit_menu(bar, commands, stack, actions)
    _mapping_menu(bar, commands, actions)

    run_menu = bar.addMenu("&Run")
    actions["preview"] = _action(bar, "&Preview", commands.preview, "F5")
    actions["run_tests"] = _action(bar, "Run &tests", commands.run_tests, "Ctrl+T")
    actions["run_now"] = _action(bar, "&Run now", commands.run_now, "Ctrl+R")
    actions["run_with"] = _action(bar, "Run &with…", commands.run_with, "Ctrl+Shift+R")
    actions["cancel_run"] = _action(bar, "&Cancel run", commands.cancel_run)
    for name in ("preview", "run_now", "run_with", "cancel_run", "run_tests"):
        run_menu.addAction(actions[name])

    view_menu = bar.addMenu("&View")
    actions["dark"] = _action(bar, "&Dark theme", commands.dark_theme)
    actions["dark"].setCheckable(True)
    actions["dark"].setChecked(dark)
    view_menu.addAction(actions["dark"])

    help_menu = bar.addMenu("&Help")
    window = bar.window()
    actions["functions"] = _action(
        bar, "&Function reference", lambda: _functions(window), Key.HelpContents
    )
    actions["reference"] = _action(
        bar, "Mapping &reference", lambda: ReferenceDialog(window).open()
    )
    actions["shortcuts"] = _action(bar, "&Keyboard shortcuts", lambda: _shortcuts(window, actions))
    actions["about"] = _action(bar, "&About Fieldwright", lambda: _about(window))
    for name in ("functions", "reference", "shortcuts", "about"):
        help_menu.addAction(actions[name])
    return actions


def _file_menu(
    bar: QMenuBar, commands: MenuCommands, recent: QMenu, actions: dict[str, QAction]
) -> None:
    file_menu = bar.addMenu("&File")
    actions["new"] = _action(bar, "&New mapping…", commands.new, Key.New)
    actions["open"] = _action(bar, "&Open…", commands.open, Key.Open)
    actions["save"] = _action(bar, "&Save", commands.save, Key.Save)
    actions["save_as"] = _action(bar, "Save &As…", commands.save_as, "Ctrl+Shift+S")
    actions["open_file"] = _action(bar, "Open &file…", commands.open_file)
    for name in ("new", "open", "open_file", "save", "save_as"):
        file_menu.addAction(actions[name])
    file_menu.addMenu(recent)
    if commands.new_pipeline is not None and commands.open_pipeline is not None:
        file_menu.addSeparator()
        actions["new_pipeline"] = _action(bar, "New &pipeline", commands.new_pipeline)
        actions["open_pipeline"] = _action(bar, "Open p&ipeline…", commands.open_pipeline)
        file_menu.addAction(actions["new_pipeline"])
        file_menu.addAction(actions["open_pipeline"])
        if commands.import_pipeline is not None:
            actions["import_pipeline"] = _action(
                bar, "Import pipeline file…", commands.import_pipeline
            )
            file_menu.addAction(actions["import_pipeline"])
    file_menu.addSeparator()
    import_menu = file_menu.addMenu("&Import")
    for side in SIDES:
        for json_schema, kind in ((False, "sample file"), (True, "JSON Schema")):
            action = import_menu.addAction(f"{side.title()} schema from {kind}…")
            action.triggered.connect(
                lambda _c=False, s=side, j=json_schema: commands.import_schema(s, j)
            )
            actions[f"import_{side}_{'json_schema' if json_schema else 'sample'}"] = action
    for side in SIDES:
        action = import_menu.addAction(f"{side.title()} schema from a database table…")
        action.triggered.connect(lambda _c=False, s=side: commands.import_table(s))
        actions[f"import_{side}_table"] = action
    if commands.import_mapping is not None:
        import_menu.addSeparator()
        actions["import_mapping"] = _action(
            bar, "Mapping file into the store…", commands.import_mapping
        )
        import_menu.addAction(actions["import_mapping"])
    actions["export"] = _action(bar, "&Export mapping to a file…", commands.export, "Ctrl+E")
    file_menu.addAction(actions["export"])
    file_menu.addSeparator()
    actions["quit"] = _action(bar, "&Quit", commands.quit, "Ctrl+Q")
    file_menu.addAction(actions["quit"])


def _edit_menu(
    bar: QMenuBar,
    commands: MenuCommands,
    stack: QUndoStack | QUndoGroup,
    actions: dict[str, QAction],
) -> None:
    edit_menu = bar.addMenu("&Edit")
    undo = stack.createUndoAction(bar, "&Undo")
    undo.setShortcuts([QKeySequence(Key.Undo)])
    redo = stack.createRedoAction(bar, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    actions["undo"], actions["redo"] = undo, redo
    # Delete: the selected mapping, or the current schema field when a tree has focus.
    actions["delete"] = _action(bar, "&Delete", commands.delete, Key.Delete)
    actions["find"] = _action(bar, "&Find field", commands.find, Key.Find)
    actions["automap"] = _action(bar, "&Auto-map…", commands.automap, "Ctrl+M")
    for name in ("undo", "redo", "delete", "find", "automap"):
        edit_menu.addAction(actions[name])


MAPPING_ENTRIES: tuple[tuple[str, str], ...] = (
    ("properties", "&Properties…"),
    ("source_endpoint", "&Source endpoint…"),
    ("target_endpoint", "&Target endpoint…"),
    ("lookups", "&Lookups…"),
    ("record_filter", "&Filter…"),
    ("approvals", "&Approvals…"),
    ("review_queue", "&Review queue…"),
)


def _mapping_menu(bar: QMenuBar, commands: MenuCommands, actions: dict[str, QAction]) -> None:
    mapping_menu = bar.addMenu("&Mapping")
    for name, text in MAPPING_ENTRIES:
        command = getattr(commands, name)
        if command is not None:
            actions[name] = _action(bar, text, command)
            mapping_menu.addAction(actions[name])
    mapping_menu.menuAction().setVisible(not mapping_menu.isEmpty())


def _functions(window: QWidget) -> None:
    palette = FunctionPalette(window, choose=False)
    try:
        palette.exec()
    finally:
        palette.deleteLater()


def _shortcuts(window: QWidget, actions: dict[str, QAction]) -> None:
    dialog = QDialog(window)
    dialog.setWindowTitle("Keyboard shortcuts")
    shown = [(a.text().replace("&", ""), shortcut_text(a)) for a in actions.values()]
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


def _about(window: QWidget) -> None:
    QMessageBox.about(
        window,
        "About Fieldwright",
        f"<b>Fieldwright {__version__}</b><p>A desktop mapping designer: map records of one "
        "system onto another, preview every transform step, test, schedule and run.</p>",
    )
