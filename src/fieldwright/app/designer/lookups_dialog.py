"""Mapping → Lookups…: the document's lookup tables, each a key/value grid with a default.

The dialog edits a copy of the document: every gesture (add, rename or delete
a table, a grid change, the default) is an `Edit` applied to the copy at once.
OK pushes them, in order, as one undo step onto the session; Cancel drops them.
The grid's rows become the table whenever they can (no repeated or empty key);
until then the dialog names the problem and OK waits.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.designer.lookup_model import LookupRowsModel, value_text
from fieldwright.app.documents.session import DocumentSession
from fieldwright.app.shell.forms import Form
from fieldwright.authoring.edits import Batch, Edit
from fieldwright.authoring.lookup_edits import (
    AddLookup,
    DeleteLookup,
    SetLookupDefault,
    SetLookupRows,
    rename_lookup,
)
from fieldwright.authoring.lookup_rows import (
    Row,
    as_table,
    first_problem,
    parse_pasted_rows,
    rows_problem,
)
from fieldwright.domain import MappingDocument
from fieldwright.service import ServiceError, read_table_file

__all__ = ["TABLE_FILES", "LookupsDialog", "open_lookups_dialog"]

TABLE_FILES = "Tables (*.csv *.tsv *.xlsx);;All files (*)"


class LookupsDialog(QDialog):
    def __init__(self, session: DocumentSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lookups_dialog")
        self.setWindowTitle("Lookup tables")
        self.session = session
        self.working: MappingDocument = session.document.model_copy(deep=True)
        #: The edits made so far, applied to `working`; OK pushes them as one.
        self.edits: list[Edit] = []
        self.current: str | None = None
        self.form = Form("lookups_dialog.ui")
        self._bind()
        self._connect()
        layout = QVBoxLayout(self)
        layout.addWidget(self.form.widget)
        self.resize(760, 500)
        self._fill_tables(next(iter(self.working.lookups), None))

    def _bind(self) -> None:
        child = self.form.child
        self.tables = child(QListWidget, "lookup_tables")
        self.new_name = child(QLineEdit, "lookup_new_name")
        self.add_table_button = child(QPushButton, "lookup_add_table")
        self.rename_button = child(QPushButton, "lookup_rename_table")
        self.delete_button = child(QPushButton, "lookup_delete_table")
        self.title = child(QLabel, "lookup_table_title")
        self.grid = child(QTableView, "lookup_grid")
        self.add_row_button = child(QPushButton, "lookup_add_row")
        self.delete_rows_button = child(QPushButton, "lookup_delete_rows")
        self.paste_button = child(QPushButton, "lookup_paste")
        self.import_button = child(QPushButton, "lookup_import")
        self.default = child(QLineEdit, "lookup_default")
        self.problem = child(QLabel, "lookup_problem")
        self.buttons = child(QDialogButtonBox, "lookup_buttons")
        self.splitter = child(QSplitter, "lookups_splitter")
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([230, 530])
        form_layout = self.form.widget.layout()
        if isinstance(form_layout, QBoxLayout):  # the grid takes the height, not the intro
            form_layout.setStretch(form_layout.indexOf(self.splitter), 1)
        self.model = LookupRowsModel(self)
        self.grid.setModel(self.model)
        self.grid.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        header = self.grid.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.problem.hide()

    def _connect(self) -> None:
        self.tables.currentItemChanged.connect(self._table_chosen)
        self.tables.itemChanged.connect(self._table_renamed)
        self.new_name.returnPressed.connect(self.add_table)
        self.new_name.textChanged.connect(self._update)
        self.add_table_button.clicked.connect(self.add_table)
        self.rename_button.clicked.connect(self._start_rename)
        self.delete_button.clicked.connect(self.delete_table)
        self.add_row_button.clicked.connect(self.add_row)
        self.delete_rows_button.clicked.connect(self.delete_rows)
        self.paste_button.clicked.connect(self.paste)
        self.import_button.clicked.connect(self.choose_import)
        self.default.textEdited.connect(self._default_edited)
        self.model.rowsEdited.connect(self._rows_edited)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    # -- applying edits to the copy -----------------------------------------------------

    def _do(self, edit: Edit, *, replaces: type | None = None) -> bool:
        """Apply `edit` to the copy; with `replaces`, it takes the place of the last edit
        when that is the same kind on the same table (one edit per grid or default, not
        one per keystroke). Shows why when the edit is refused."""
        replaced: Edit | None = None
        last = self.edits[-1] if self.edits else None
        if (
            last is not None
            and replaces is not None
            and isinstance(last, replaces)
            and getattr(last, "name", None) == self.current
        ):
            last.revert(self.working)
            replaced = self.edits.pop()
        try:
            edit.apply(self.working)
        except (KeyError, ValueError) as exc:
            if replaced is not None:  # put back the edit it would have replaced
                replaced.apply(self.working)
                self.edits.append(replaced)
            self._show_problem(str(exc).strip("\"'"))
            return False
        self.edits.append(edit)
        self._show_problem("")
        return True

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        self._update()

    # -- tables -------------------------------------------------------------------------

    def _fill_tables(self, select: str | None) -> None:
        self.tables.blockSignals(True)
        self.tables.clear()
        for name in self.working.lookups:
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            self.tables.addItem(item)
        self.tables.blockSignals(False)
        names = list(self.working.lookups)
        if select in names:
            self.tables.setCurrentRow(names.index(select))
        else:
            self._show_table(None)

    def _table_chosen(self, item: QListWidgetItem | None, _previous: object) -> None:
        self._show_table(None if item is None else str(item.data(Qt.ItemDataRole.UserRole)))

    def _show_table(self, name: str | None) -> None:
        self.current = name
        table = self.working.lookups.get(name, {}) if name is not None else {}
        self.model.set_rows(list(table.items()))
        default = self.working.lookup_defaults.get(name) if name is not None else None
        self.default.setText(value_text(default))
        if name is None:
            self.title.setText("No table yet: name one and Add table")
        else:
            self.title.setText(f"{name}: {len(table)} keys")
        self._update()

    def add_table(self) -> None:
        name = self.new_name.text().strip()
        if name and self._do(AddLookup(name=name)):
            self.new_name.clear()
            self._fill_tables(name)
            self.grid.setFocus()

    def _start_rename(self) -> None:
        item = self.tables.currentItem()
        if item is not None:
            self.tables.editItem(item)

    def _table_renamed(self, item: QListWidgetItem) -> None:
        old = str(item.data(Qt.ItemDataRole.UserRole))
        new = item.text().strip()
        if new == old:
            return
        try:
            edit = rename_lookup(self.working, old, new)
        except (KeyError, ValueError) as exc:
            self._show_problem(str(exc).strip("\"'"))
            self._fill_tables(old)
            return
        self._fill_tables(new if self._do(edit) else old)

    def delete_table(self) -> None:
        if self.current is not None and self._do(DeleteLookup(name=self.current)):
            self._fill_tables(next(iter(self.working.lookups), None))

    # -- rows and default ---------------------------------------------------------------

    def add_row(self) -> None:
        if self.current is None:
            return
        row = self.model.add_row()
        index = self.model.index(row, 0)
        self.grid.setCurrentIndex(index)
        self.grid.edit(index)

    def delete_rows(self) -> None:
        rows = {index.row() for index in self.grid.selectionModel().selectedIndexes()}
        current = self.grid.currentIndex()
        if not rows and current.isValid():
            rows = {current.row()}
        self.model.remove(sorted(rows))

    def paste(self) -> None:
        try:
            rows = parse_pasted_rows(QGuiApplication.clipboard().text())
        except ValueError as exc:
            self._show_problem(str(exc))
            return
        self._merge(rows, "the clipboard")

    def choose_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import two columns (key, value)", "", TABLE_FILES
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Add the (key, value) rows of a CSV or XLSX file's first two columns."""
        try:
            rows = read_table_file(path)
        except ServiceError as exc:
            self._show_problem(str(exc))
            return
        self._merge(rows, path.name)

    def _merge(self, rows: list[Row], origin: str) -> None:
        if self.current is None:
            self._show_problem("Add a table first, then paste or import its rows.")
            return
        if not rows:
            self._show_problem(f"No rows in {origin}.")
            return
        self.model.merge(rows)

    def _rows_edited(self) -> None:
        if self.current is None:
            return
        found = first_problem(self.model.rows)
        if found is not None:
            row, problem = found
            self._show_problem(f"{self.current}: {problem}")
            self.grid.scrollTo(self.model.index(row, 0))
            return
        table = as_table(self.model.rows)
        if list(table.items()) != list(self.working.lookups.get(self.current, {}).items()):
            self._do(SetLookupRows(name=self.current, rows=table), replaces=SetLookupRows)
        else:
            self._show_problem("")
        self.title.setText(f"{self.current}: {len(table)} keys")

    def _default_edited(self, text: str) -> None:
        if self.current is not None:
            edit = SetLookupDefault(name=self.current, default=text or None)
            self._do(edit, replaces=SetLookupDefault)

    def _update(self) -> None:
        has_table = self.current is not None
        invalid = has_table and rows_problem(self.model.rows) is not None
        for widget in (self.add_row_button, self.delete_rows_button, self.paste_button):
            widget.setEnabled(has_table)
        self.import_button.setEnabled(has_table)
        self.default.setEnabled(has_table)
        self.rename_button.setEnabled(has_table and not invalid)
        self.delete_button.setEnabled(has_table)
        self.tables.setEnabled(not invalid)
        self.add_table_button.setEnabled(bool(self.new_name.text().strip()) and not invalid)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not invalid)

    def edit(self) -> Edit | None:
        """What OK changes in the document, as one undo step; None when nothing changed."""
        if not self.edits:
            return None
        if len(self.edits) == 1:
            return self.edits[0]
        return Batch("Edit lookup tables", list(self.edits))


def open_lookups_dialog(session: DocumentSession, parent: QWidget) -> LookupsDialog:
    """Show the dialog (window-modal, without blocking); OK pushes its edits."""
    dialog = LookupsDialog(session, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def accepted() -> None:
        session.push(dialog.edit())

    dialog.accepted.connect(accepted)
    dialog.open()
    return dialog
