"""The schema editor of one side: add, rename, delete, move and describe fields.

Every gesture becomes an edit of `fieldwright.authoring.schema_edits` pushed
on the session's undo stack: the "+" button and Insert add a field after the
current one (then its name is typed in place), F2 renames in place, Delete
asks and deletes the field with the mappings that point at it, a drag onto a
sibling moves a field, double-click opens the field dialog (type, required,
description, example). "Update from sample…" adds the fields a sample file
has and marks the ones it no longer has; the analyst deletes those.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from PySide6.QtCore import QObject, QPoint, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QToolButton

from fieldwright.app.designer.schema_field_dialog import FieldDialog
from fieldwright.app.designer.schema_import import SAMPLE_FILTER
from fieldwright.app.designer.schema_view import SchemaPanel
from fieldwright.app.documents.session import DocumentSession
from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.authoring.edits import Batch, Edit
from fieldwright.authoring.events import Side
from fieldwright.authoring.schema_edits import (
    AddSchemaField,
    DeleteSchemaField,
    MoveSchemaField,
    RenameSchemaField,
    SetFieldProperties,
    UpdateFromSample,
    mappings_of,
)
from fieldwright.domain import FieldType, SchemaField
from fieldwright.service import infer_schema_from_file

__all__ = ["FieldKind", "SchemaEditor"]

FieldKind = Literal["field", "object", "array"]
_NEW: dict[FieldKind, SchemaField] = {
    "field": SchemaField(name="field"),
    "object": SchemaField(name="object", type=FieldType.OBJECT),
    "array": SchemaField(name="items", type=FieldType.ARRAY, items=FieldType.OBJECT),
}
_STRUCTURED = {FieldType.OBJECT, FieldType.ARRAY}


class SchemaEditor(QObject):
    """Edits the schema of `panel`'s side of the session's document."""

    message = Signal(str)

    def __init__(self, session: DocumentSession, panel: SchemaPanel) -> None:
        super().__init__(panel)
        self.session = session
        self.panel = panel
        self.side: Side = "source" if panel.model.side == "source" else "target"
        self._sample: UpdateFromSample | None = None
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = TaskSignals(self)
        self.signals.done.connect(self._sample_read)
        self.signals.failed.connect(lambda _g, text: self.message.emit(text))
        panel.model.on_rename = self.rename
        panel.model.on_move = self.move
        panel.tree.customContextMenuRequested.connect(self._context_menu)
        panel.tree.doubleClicked.connect(lambda _index: self.edit_field())
        session.changed.connect(self._changed)
        session.replaced.connect(self._forget_sample)
        self.menu = self._build_menu()
        self._build_buttons()

    # -- the menu and buttons --------------------------------------------------------------

    def _action(self, name: str, text: str, slot: object) -> QAction:
        action = QAction(text, self.menu)
        action.setObjectName(f"{self.side}_{name}")
        action.triggered.connect(slot)
        self.actions[name] = action
        return action

    def _build_menu(self) -> QMenu:
        self.menu = QMenu(self.panel)
        self.menu.setObjectName(f"{self.side}_schema_menu")
        self.actions: dict[str, QAction] = {}
        # The keys after a tab are shown, not bound: Insert and Delete are the designer's.
        add = self.menu.addAction
        add(self._action("add_field", "Add field\tIns", lambda: self.add("field")))
        add(self._action("add_child", "Add child field", lambda: self.add("field", child=True)))
        add(self._action("add_object", "Add object", lambda: self.add("object")))
        add(self._action("add_array", "Add array of objects", lambda: self.add("array")))
        self.menu.addSeparator()
        add(self._action("rename", "Rename\tF2", self.start_rename))
        add(self._action("edit", "Type, required, description…", self.edit_field))
        add(self._action("move_up", "Move up", lambda: self.move_by(-1)))
        add(self._action("move_down", "Move down", lambda: self.move_by(1)))
        add(self._action("delete", "Delete field…\tDel", self.delete))
        self.menu.addSeparator()
        add(self._action("update", "Update from sample…", self.choose_sample))
        self.menu.aboutToShow.connect(self._enable)
        return self.menu

    def _build_buttons(self) -> None:
        add = QToolButton()
        add.setObjectName(f"{self.side}_add_field")
        add.setText("+")
        add.setToolTip("Add a field after the selected one (Insert)")
        add.clicked.connect(lambda: self.add("field"))
        more = QToolButton()
        more.setObjectName(f"{self.side}_schema_button")
        more.setText("Schema")
        more.setToolTip(f"Edit the {self.side} schema")
        more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        more.setMenu(self.menu)
        self.panel.heading.addWidget(add)
        self.panel.heading.addWidget(more)

    def _enable(self) -> None:
        path = self.panel.current_path()
        found = self._field(path)
        structured = found is not None and found.type in _STRUCTURED
        for name in ("rename", "edit", "move_up", "move_down", "delete"):
            self.actions[name].setEnabled(found is not None)
        self.actions["add_child"].setEnabled(structured)

    def _context_menu(self, point: QPoint) -> None:
        self.menu.popup(self.panel.tree.viewport().mapToGlobal(point))

    # -- gestures --------------------------------------------------------------------------

    def _field(self, path: str) -> SchemaField | None:
        return getattr(self.session.document, self.side).paths().get(path) if path else None

    def _push(self, edit: Edit) -> bool:
        """Push `edit`; False (and the reason shown) when the document refuses it."""
        failures: list[str] = []
        self.session.editFailed.connect(failures.append)
        try:
            self.session.push(edit)
        finally:
            self.session.editFailed.disconnect(failures.append)
        for failure in failures:
            self.message.emit(failure)
        return not failures

    def add(self, kind: FieldKind, *, child: bool = False) -> str:
        """Add a field of `kind` after the current one (`child`: inside it); start typing
        its name. Returns its path ("" when nothing was added)."""
        current = self.panel.current_path()
        found = self._field(current)
        if child and (found is None or found.type not in _STRUCTURED):
            self.message.emit("Select an object or an array to add a field inside it")
            return ""
        if child or found is None:
            parent, index = (current if child else "$"), None
        else:
            parent, index = self._parent_of(current), self._row(current) + 1
        siblings = self._siblings(parent)
        new = _NEW[kind].model_copy(update={"name": _free_name(_NEW[kind].name, siblings)})
        edit = AddSchemaField(self.side, parent=parent, new=new, index=index)
        if not self._push(edit):
            return ""
        self.reveal(edit.path)
        self.start_rename()
        return edit.path

    def _row(self, path: str) -> int:
        """The position of the field at `path` among its siblings."""
        return self.panel.model.index_for_path(path).row()

    def _parent_of(self, path: str) -> str:
        """The path of the parent of the field at `path` ("$" at the top level)."""
        model = self.panel.model
        node = model.node(model.index_for_path(path)).parent
        return node.path if node is not None else "$"

    def _siblings(self, parent: str) -> list[SchemaField]:
        if parent == "$":
            return list(getattr(self.session.document, self.side).fields)
        found = self._field(parent)
        return list(found.fields) if found is not None else []

    def reveal(self, path: str) -> None:
        """Expand the parents of the field at `path`, and make it current."""
        index = self.panel.proxy.mapFromSource(self.panel.model.index_for_path(path))
        parent = index.parent()
        while parent.isValid():
            self.panel.tree.expand(parent)
            parent = parent.parent()
        self.panel.select_path(path)

    def start_rename(self) -> None:
        """Type the current field's name in place (once a menu that asked has closed)."""
        QTimer.singleShot(0, self._edit_name)

    def _edit_name(self) -> None:
        index = self.panel.tree.currentIndex()
        if index.isValid():
            if not self.panel.tree.isActiveWindow():  # a menu that closed took activation along
                self.panel.tree.activateWindow()
            self.panel.tree.setFocus()
            self.panel.tree.edit(index.siblingAtColumn(0))

    def rename(self, path: str, name: str) -> None:
        edit = RenameSchemaField(self.side, path=path, name=name)
        if self._push(edit):
            self.panel.select_path(edit.new_path)

    def delete(self) -> bool:
        """Ask, then delete the current field with the mappings that point at it."""
        path = self.panel.current_path()
        if self._field(path) is None:
            return False
        taken = mappings_of(self.session.document, self.side, path)
        text = f"Delete the {self.side} field {path}?"
        if taken:
            listed = "\n".join(f"  • {target}" for target in taken)
            text += f"\n\nIts {len(taken)} field mapping(s) go with it:\n{listed}"
        answer = QMessageBox.question(self.panel, "Delete field", text)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        return self._push(DeleteSchemaField(self.side, path=path))

    def move(self, path: str, index: int) -> None:
        if self._push(MoveSchemaField(self.side, path=path, index=index)):
            self.panel.select_path(path)

    def move_by(self, offset: int) -> None:
        path = self.panel.current_path()
        row = self._row(path) if path else -1
        if row >= 0 and 0 <= row + offset < len(self._siblings(self._parent_of(path))):
            self.move(path, row + offset)

    def edit_field(self) -> None:
        """The field dialog of the current field; what it changed is one undo step."""
        path = self.panel.current_path()
        found = self._field(path)
        if found is None:
            return
        dialog = FieldDialog(path, found, self.panel)
        try:
            if not dialog.exec():
                return
            edits: list[Edit] = []
            if dialog.changes():
                edits.append(SetFieldProperties(self.side, path=path, changes=dialog.changes()))
            if dialog.name() != found.name:
                edits.append(RenameSchemaField(self.side, path=path, name=dialog.name()))
            if edits:
                self._push(edits[0] if len(edits) == 1 else Batch(f"Edit field {path}", edits))
        finally:
            dialog.deleteLater()

    # -- update from sample ----------------------------------------------------------------

    def choose_sample(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self.panel, f"Update the {self.side} schema from a sample", "", SAMPLE_FILTER
        )
        if path:
            self.update_from_sample(Path(path))

    def update_from_sample(self, path: Path) -> None:
        """Read the sample's schema off the GUI thread, then merge it."""
        self.pool.start(Task(0, lambda: infer_schema_from_file(path), self.signals))

    def _sample_read(self, _generation: int, fields: object) -> None:
        if not isinstance(fields, list):
            return
        edit = UpdateFromSample(self.side, sample=fields)
        if not self._push(edit):
            return
        self._sample = edit
        self._changed()
        gone = f", {len(edit.vanished)} missing (marked)" if edit.vanished else ""
        self.message.emit(f"Sample: {len(edit.added)} new {self.side} fields{gone}")

    def _forget_sample(self) -> None:
        self._sample = None
        self.panel.model.set_vanished(set())

    def _changed(self) -> None:
        sample = self._sample
        if sample is None:
            return
        if not sample.applied:  # undone: its marks go with it
            self._forget_sample()
            return
        paths = getattr(self.session.document, self.side).paths()
        self.panel.model.set_vanished({p for p in sample.vanished if p in paths})

    def shutdown(self) -> None:
        self.pool.clear()
        self.pool.waitForDone()


def _free_name(base: str, siblings: list[SchemaField]) -> str:
    taken = {f.name for f in siblings}
    if base not in taken:
        return base
    number = 2
    while f"{base}_{number}" in taken:
        number += 1
    return f"{base}_{number}"
