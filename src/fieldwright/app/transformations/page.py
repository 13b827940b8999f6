"""The Transformations page, the Transformation Builder (issue 19, item 5).

The stored transformations (named reusable chains) are listed on the left with a
search. The editor on the right holds the open one: its chain name, type,
description and type hints; its steps (added from the designer's function
palette, each step's arguments in the designer's step editor); its test cases in
a table (input, expected, actual, pass or fail) that runs again after every edit;
and its saved versions with what changed in each. Every edit is one undo step on
the page's undo stack (Edit → Undo while the page is shown). New, Save and
Delete go through the service; the questions they ask go through a
`TransformationAsker` that tests replace.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.designer.function_palette import FunctionPalette
from fieldwright.app.designer.step_editor import StepArgsEditor
from fieldwright.domain import TransformStep
from fieldwright.domain.chains import CHAIN_NAME, LIBRARY_PREFIX, chain_called
from fieldwright.service import (
    ChainTestCase,
    ChainTestRun,
    Service,
    ServiceError,
    TransformationDocument,
    TransformationType,
    TransformationVersionInfo,
    new_transformation,
)

__all__ = ["TransformationAsker", "TransformationPage", "parse_cell", "show_cell"]

#: The test table's columns.
COLUMNS = ("Test", "Input", "Expected", "Actual", "Result")


def parse_cell(text: str) -> Any:
    """A value as typed: JSON when it is JSON (``42``, ``null``, ``"a b"``, ``[1]``), else the
    text itself; nothing typed is null."""
    stripped = text.strip()
    if not stripped:
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return text


def show_cell(value: Any) -> str:
    """A value as the table shows it (JSON, so text and numbers can be told apart)."""
    return json.dumps(value, ensure_ascii=False, default=str)


class TransformationAsker:
    """The questions the page asks; tests replace it."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def new_name(self) -> str | None:
        name, ok = QInputDialog.getText(
            self.parent,
            "New transformation",
            "Chain name (mappings call it as @name), e.g. clean_phone:",
        )
        return name.strip() if ok and name.strip() else None

    def confirm_delete(self, name: str, versions: int) -> bool:
        answer = QMessageBox.question(
            self.parent,
            "Delete transformation",
            f"Delete @{name} and its {versions} version(s) from the store? Mappings that "
            "copied it keep their copy. This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def discard_changes(self, name: str) -> bool:
        answer = QMessageBox.question(
            self.parent,
            "Unsaved transformation",
            f"@{name} has unsaved changes. Discard them?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard


class _Change(QUndoCommand):
    """One edit of the open transformation: the document before and after."""

    def __init__(
        self,
        page: TransformationPage,
        before: TransformationDocument,
        after: TransformationDocument,
        text: str,
    ) -> None:
        super().__init__(text)
        self.page, self.before, self.after = page, before, after

    def redo(self) -> None:
        self.page.show_document(self.after)

    def undo(self) -> None:
        self.page.show_document(self.before)


def _step_text(index: int, fn: str, args: list[Any]) -> str:
    inside = ", ".join(show_cell(arg) for arg in args)
    return f"{index + 1}. {fn}({inside})"


class TransformationPage(QWidget):
    """The Transformation Builder."""

    message = Signal(str)
    #: The tests ran again (after an edit): the run.
    testsRan = Signal(object)

    def __init__(
        self, service: Service, stack: QUndoStack | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("transformation_page")
        self.service = service
        self.stack = stack if stack is not None else QUndoStack(self)
        self.asker = TransformationAsker(self)
        #: The open transformation (None: nothing open) and the version it was loaded as.
        self.document: TransformationDocument | None = None
        self.base_version: int | None = None
        self.run: ChainTestRun | None = None
        self.history: list[TransformationVersionInfo] = []
        self._showing = False  # filling the widgets: their signals are not edits
        self._build()
        self.refresh_list()
        self.show_document(None)

    # -- building -----------------------------------------------------------------------

    def _build(self) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("transformation_splitter")
        splitter.addWidget(self._build_list())
        splitter.addWidget(self._build_editor())
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([200, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

    def _build_list(self) -> QWidget:
        box = QWidget()
        box.setMinimumWidth(150)
        box.setMaximumWidth(320)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setObjectName("transformation_search")
        self.search.setPlaceholderText("Search name, key, description…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self.refresh_list())
        self.list = QListWidget()
        self.list.setObjectName("transformation_list")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.itemActivated.connect(self._open_item)
        self.list.itemClicked.connect(self._open_item)
        buttons = QHBoxLayout()
        self.new_button = QPushButton("New…")
        self.new_button.setObjectName("transformation_new")
        self.new_button.clicked.connect(self.new)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("transformation_delete")
        self.delete_button.clicked.connect(self.delete)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.delete_button)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        return box

    def _build_editor(self) -> QWidget:
        editor = QWidget()
        editor.setObjectName("transformation_editor")
        layout = QVBoxLayout(editor)
        layout.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("transformation_title")
        self.title.setProperty("role", "heading")
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("transformation_save")
        self.save_button.clicked.connect(self.save)
        header.addWidget(self.title, 1)
        header.addWidget(self.save_button)
        layout.addLayout(header)
        layout.addLayout(self._build_properties())
        self.problems = QLabel()
        self.problems.setObjectName("transformation_problems")
        self.problems.setProperty("role", "error")
        self.problems.setWordWrap(True)
        self.problems.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.problems)
        middle = QSplitter(Qt.Orientation.Horizontal)
        middle.setObjectName("transformation_middle")
        middle.addWidget(self._build_steps())
        middle.addWidget(self._build_tests())
        middle.setSizes([320, 560])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(middle)
        body.addWidget(self._build_history())
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 1)
        body.setSizes([420, 160])
        layout.addWidget(body, 1)
        return editor

    def _build_properties(self) -> QGridLayout:
        grid = QGridLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("transformation_name")
        self.name_edit.setToolTip("The chain name mappings call it by: @name")
        self.type_combo = QComboBox()
        self.type_combo.setObjectName("transformation_type")
        self.type_combo.addItems([kind.value for kind in TransformationType])
        self.description_edit = QLineEdit()
        self.description_edit.setObjectName("transformation_description")
        self.description_edit.setPlaceholderText("What the chain does, for the next analyst")
        self.input_type_edit = QLineEdit()
        self.input_type_edit.setObjectName("transformation_input_type")
        self.input_type_edit.setPlaceholderText("e.g. string")
        self.output_type_edit = QLineEdit()
        self.output_type_edit.setObjectName("transformation_output_type")
        self.output_type_edit.setPlaceholderText("e.g. string")
        grid.addWidget(QLabel("Name:"), 0, 0)
        grid.addWidget(self.name_edit, 0, 1)
        grid.addWidget(QLabel("Type:"), 0, 2)
        grid.addWidget(self.type_combo, 0, 3)
        grid.addWidget(QLabel("Description:"), 1, 0)
        grid.addWidget(self.description_edit, 1, 1, 1, 3)
        grid.addWidget(QLabel("Input:"), 2, 0)
        grid.addWidget(self.input_type_edit, 2, 1)
        grid.addWidget(QLabel("Output:"), 2, 2)
        grid.addWidget(self.output_type_edit, 2, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(3, 1)
        self.name_edit.editingFinished.connect(self._name_edited)
        self.description_edit.editingFinished.connect(
            lambda: self._set("description", self.description_edit.text().strip())
        )
        self.input_type_edit.editingFinished.connect(
            lambda: self._set("input_type", self.input_type_edit.text().strip())
        )
        self.output_type_edit.editingFinished.connect(
            lambda: self._set("output_type", self.output_type_edit.text().strip())
        )
        self.type_combo.activated.connect(
            lambda _row: self._set("type", TransformationType(self.type_combo.currentText()))
        )
        return grid

    def _build_steps(self) -> QWidget:
        box = QGroupBox("Steps")
        box.setObjectName("transformation_steps_box")
        box.setMinimumWidth(270)  # its four buttons in a row, unclipped at 1024 px
        layout = QVBoxLayout(box)
        self.steps = QListWidget()
        self.steps.setObjectName("transformation_steps")
        self.steps.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.steps.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.steps.currentRowChanged.connect(self._step_selected)
        buttons = QHBoxLayout()
        self.add_step_button = QPushButton("Add step…")
        self.add_step_button.setObjectName("transformation_add_step")
        self.add_step_button.clicked.connect(self.add_step)
        self.step_up = QPushButton("↑")
        self.step_up.setObjectName("transformation_step_up")
        self.step_up.setToolTip("Move the step up")
        self.step_up.clicked.connect(lambda: self.move_step(-1))
        self.step_down = QPushButton("↓")
        self.step_down.setObjectName("transformation_step_down")
        self.step_down.setToolTip("Move the step down")
        self.step_down.clicked.connect(lambda: self.move_step(1))
        self.remove_step_button = QPushButton("Remove")
        self.remove_step_button.setObjectName("transformation_remove_step")
        self.remove_step_button.clicked.connect(self.remove_step)
        for button in (self.step_up, self.step_down):
            button.setFixedWidth(32)
        buttons.addWidget(self.add_step_button)
        buttons.addWidget(self.step_up)
        buttons.addWidget(self.step_down)
        buttons.addWidget(self.remove_step_button)
        buttons.addStretch(1)
        self.args = StepArgsEditor(box)
        self.args.setObjectName("transformation_step_args")
        self.args.argsCommitted.connect(self._args_committed)
        self.call_note = QLabel()
        self.call_note.setObjectName("transformation_call_note")
        self.call_note.setProperty("role", "muted")
        self.call_note.setWordWrap(True)
        layout.addWidget(self.steps, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.call_note)
        layout.addWidget(self.args)
        return box

    def _build_tests(self) -> QWidget:
        box = QGroupBox("Test cases")
        box.setObjectName("transformation_tests_box")
        layout = QVBoxLayout(box)
        self.summary = QLabel()
        self.summary.setObjectName("transformation_test_summary")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("transformation_tests")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            mode = (
                QHeaderView.ResizeMode.ResizeToContents
                if COLUMNS[column] == "Result"
                else QHeaderView.ResizeMode.Stretch
            )
            header.setSectionResizeMode(column, mode)
        self.table.currentCellChanged.connect(lambda row, *_: self._case_selected(row))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.case_name = QLineEdit()
        self.case_name.setObjectName("case_name")
        self.case_input = QLineEdit()
        self.case_input.setObjectName("case_input")
        self.case_input.setPlaceholderText('JSON or text: "  Ada ", 42, null')
        self.case_expected = QLineEdit()
        self.case_expected.setObjectName("case_expected")
        self.case_expected.setPlaceholderText("what the chain must give")
        self.case_record = QLineEdit()
        self.case_record.setObjectName("case_record")
        self.case_record.setPlaceholderText('the record, for steps reading fields: {"last": "L"}')
        self.case_error = QCheckBox("The chain must fail on this input")
        self.case_error.setObjectName("case_expect_error")
        self.case_note = QLineEdit()
        self.case_note.setObjectName("case_note")
        form.addRow("Name:", self.case_name)
        form.addRow("Input:", self.case_input)
        form.addRow("Expected:", self.case_expected)
        form.addRow("Record:", self.case_record)
        form.addRow("Note:", self.case_note)
        form.addRow("", self.case_error)
        for edit in (
            self.case_name,
            self.case_input,
            self.case_expected,
            self.case_record,
            self.case_note,
        ):
            edit.editingFinished.connect(self._case_edited)
        self.case_error.toggled.connect(lambda _on: self._case_edited())
        buttons = QHBoxLayout()
        self.add_case_button = QPushButton("Add test")
        self.add_case_button.setObjectName("transformation_add_test")
        self.add_case_button.clicked.connect(self.add_case)
        self.remove_case_button = QPushButton("Remove test")
        self.remove_case_button.setObjectName("transformation_remove_test")
        self.remove_case_button.clicked.connect(self.remove_case)
        buttons.addWidget(self.add_case_button)
        buttons.addWidget(self.remove_case_button)
        buttons.addStretch(1)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addLayout(form)
        return box

    def _build_history(self) -> QWidget:
        box = QGroupBox("Versions")
        box.setObjectName("transformation_history_box")
        layout = QHBoxLayout(box)
        self.versions = QListWidget()
        self.versions.setObjectName("transformation_versions")
        self.versions.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.versions.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.versions.currentRowChanged.connect(self._version_selected)
        self.diff = QPlainTextEdit()
        self.diff.setObjectName("transformation_diff")
        self.diff.setReadOnly(True)
        self.diff.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.diff.setPlaceholderText("Choose a version to see what changed in it.")
        layout.addWidget(self.versions, 2)
        layout.addWidget(self.diff, 3)
        return box

    # -- the list -------------------------------------------------------------------------

    def refresh_list(self) -> None:
        try:
            found = self.service.transformations.list_transformations(self.search.text() or None)
        except ServiceError as exc:
            self.message.emit(str(exc))
            return
        self.list.clear()
        for summary in found:
            item = QListWidgetItem(f"@{summary.name}  v{summary.latest_version}")
            item.setData(Qt.ItemDataRole.UserRole, summary.key)
            tip = summary.description or summary.key
            item.setToolTip(
                f"{tip}\n{summary.type.value}; {summary.step_count} steps, "
                f"{summary.test_count} tests"
            )
            self.list.addItem(item)
            if self.document is not None and summary.key == self.document.key:
                self.list.setCurrentItem(item)

    def _open_item(self, item: QListWidgetItem) -> None:
        key = str(item.data(Qt.ItemDataRole.UserRole))
        if self.document is not None and key == self.document.key:
            return
        self.open_key(key)

    def maybe_discard(self) -> bool:
        """Whether the open transformation may be closed (saved, or the user said so)."""
        if self.document is None or self.stack.isClean():
            return True
        return self.asker.discard_changes(self.document.name)

    def open_key(self, key: str) -> bool:
        if not self.maybe_discard():
            return False
        try:
            document = self.service.transformations.open(key)
        except ServiceError as exc:
            self.message.emit(str(exc))
            return False
        self._load(document, document.version)
        return True

    def _load(self, document: TransformationDocument | None, base: int | None) -> None:
        self.base_version = base
        self.stack.clear()
        self.show_document(document)
        self._load_history()
        self.stack.setClean()

    def new(self) -> None:
        if not self.maybe_discard():
            return
        name = self.asker.new_name()
        if name is None:
            return
        if not CHAIN_NAME.fullmatch(name):
            self.message.emit(
                f"{name!r} is not a chain name: use letters, digits and _, "
                "not starting with a digit (e.g. clean_phone)"
            )
            return
        try:
            if any(s.name == name for s in self.service.transformations.list_transformations()):
                self.message.emit(f"The store already has a transformation called @{name}.")
                return
            document = new_transformation(name)
        except ServiceError as exc:
            self.message.emit(str(exc))
            return
        self._load(document, None)
        self.stack.resetClean()  # a new one is unsaved until saved
        self.list.clearSelection()

    def delete(self) -> None:
        document = self.document
        if document is None or self.base_version is None:
            return
        if not self.asker.confirm_delete(document.name, self.base_version):
            return
        try:
            self.service.transformations.delete(document.key)
        except ServiceError as exc:
            self.message.emit(str(exc))
            return
        self._load(None, None)
        self.refresh_list()
        self.message.emit(f"Deleted @{document.name}.")

    def save(self) -> TransformationVersionInfo | None:
        document = self.document
        if document is None:
            return None
        try:
            info = self.service.transformations.save(document, self.base_version)
        except ServiceError as exc:
            self.message.emit(str(exc))
            return None
        unchanged = self.base_version == info.version
        self.base_version = info.version
        self._showing = True
        try:
            self.document = document.model_copy(update={"version": info.version})
        finally:
            self._showing = False
        self.stack.setClean()
        self._load_history()
        self._show_title()
        self.refresh_list()
        self.message.emit(
            f"@{info.name}: no changes since version {info.version}."
            if unchanged
            else f"Saved @{info.name} as version {info.version}."
        )
        return info

    # -- showing the document -------------------------------------------------------------

    def show_document(self, document: TransformationDocument | None) -> None:
        """Show `document` in every part of the editor and run its tests."""
        self.document = document
        self._showing = True
        try:
            self._fill(document)
        finally:
            self._showing = False
        self.run_tests()

    def _fill(self, document: TransformationDocument | None) -> None:
        editable = document is not None
        for widget in (
            self.name_edit,
            self.type_combo,
            self.description_edit,
            self.input_type_edit,
            self.output_type_edit,
            self.add_step_button,
            self.add_case_button,
            self.save_button,
        ):
            widget.setEnabled(editable)
        self.delete_button.setEnabled(editable and self.base_version is not None)
        self._show_title()
        self.name_edit.setText(document.name if document else "")
        self.type_combo.setCurrentText(document.type.value if document else "map")
        self.description_edit.setText(document.description if document else "")
        self.input_type_edit.setText(document.input_type if document else "")
        self.output_type_edit.setText(document.output_type if document else "")
        row = self.steps.currentRow()
        self.steps.clear()
        for index, step in enumerate(document.steps if document else []):
            self.steps.addItem(_step_text(index, step.fn, list(step.args)))
        count = self.steps.count()
        self.steps.setCurrentRow(min(row, count - 1) if row >= 0 else (0 if count else -1))
        self._step_selected(self.steps.currentRow())
        case_row = self.table.currentRow()
        cases = document.tests if document else []
        self.table.setRowCount(len(cases))
        for index, case in enumerate(cases):
            expected = "an error" if case.expect_error else show_cell(case.expected)
            for column, text in enumerate((case.name, show_cell(case.input), expected, "", "")):
                self.table.setItem(index, column, QTableWidgetItem(text))
        if cases:
            target = min(case_row, len(cases) - 1) if case_row >= 0 else 0
            self.table.setCurrentCell(target, 0)
        self._case_selected(self.table.currentRow() if cases else -1)

    def _show_title(self) -> None:
        document = self.document
        if document is None:
            self.title.setText("No transformation open: choose one, or New… to start one.")
            return
        saved = f"version {self.base_version}" if self.base_version else "not saved yet"
        self.title.setText(f"<b>@{document.name}</b>  ·  {document.key}  ·  {saved}")

    def run_tests(self) -> None:
        """Run the open transformation's tests and show each case's actual value."""
        document = self.document
        if document is None:
            self.run = None
            self.problems.hide()
            self.summary.setText("")
            return
        try:
            run = self.service.transformations.test(document)
        except ServiceError as exc:
            self.problems.setText(str(exc))
            self.problems.show()
            return
        self.run = run
        text = "\n".join(f"{p.pointer}: {p.message}" for p in run.problems)
        self.problems.setText(text)
        self.problems.setVisible(bool(text))
        results = {result.name: result for result in run.results}
        for row, case in enumerate(document.tests):
            result = results.get(case.name)
            if result is None:
                actual, verdict, tip = "", "not run", "the chain has problems (above)"
            else:
                actual = (
                    f"error: {result.error}"
                    if result.error is not None
                    else show_cell(result.actual)
                )
                verdict = "pass" if result.passed else "FAIL"
                tip = result.message or actual
            for column, text in ((3, actual), (4, verdict)):
                item = self.table.item(row, column)
                if item is None:
                    continue
                item.setText(text)
                item.setToolTip(tip)
                if column == 4:
                    item.setForeground(self._verdict_colour(verdict == "pass"))
        if run.problems:
            self.summary.setText("The chain cannot run: see its problems above.")
        elif document.tests:
            self.summary.setText(f"{run.passed} passed, {run.failed} failed")
        else:
            self.summary.setText("No test cases yet: Add test.")
        self.testsRan.emit(run)

    def _verdict_colour(self, passed: bool) -> QColor:
        """Green or red that read on the theme's base colour (light or dark)."""
        dark = self.table.palette().base().color().lightness() < 128
        if passed:
            return QColor("#81c784" if dark else "#2e7d32")
        return QColor("#ef9a9a" if dark else "#c62828")

    # -- edits ----------------------------------------------------------------------------

    def change(self, text: str, **update: Any) -> None:
        """One undoable edit of the open transformation: its parts in `update`."""
        before = self.document
        if before is None or self._showing:
            return
        after = before.model_copy(update=update)
        if after == before:
            return
        self.stack.push(_Change(self, before, after, text))

    def _set(self, part: str, value: Any) -> None:
        if self.document is not None and getattr(self.document, part) != value:
            self.change(f"Set {part.replace('_', ' ')}", **{part: value})

    def _name_edited(self) -> None:
        if self._showing or self.document is None:
            return
        name = self.name_edit.text().strip()
        if name == self.document.name:
            return
        if not CHAIN_NAME.fullmatch(name):
            self.problems.setText(
                f"{name!r} is not a chain name: use letters, digits and _, "
                "not starting with a digit."
            )
            self.problems.show()
            return
        self.change(f"Rename to @{name}", name=name)

    def _steps(self) -> list[dict[str, Any]]:
        return (
            [step.model_dump(mode="json") for step in self.document.steps] if self.document else []
        )

    def _set_steps(self, text: str, steps: list[dict[str, Any]], select: int) -> None:
        if self.document is None:
            return
        self.change(text, steps=[TransformStep.model_validate(step) for step in steps])
        self.steps.setCurrentRow(select)

    def add_step(self) -> None:
        if self.document is None:
            return
        try:
            chains = {
                name: steps
                for name, steps in self.service.transformations.chains().items()
                if name != self.document.name
            }
        except ServiceError as exc:
            self.message.emit(str(exc))
            chains = {}
        palette = FunctionPalette(self, chains=chains)
        try:
            if palette.exec() != FunctionPalette.DialogCode.Accepted.value:
                return
            name = palette.chosen()
        finally:
            palette.deleteLater()
        if name is not None:
            steps = [*self._steps(), {"fn": name, "args": []}]
            self._set_steps(f"Add step {name}", steps, len(steps) - 1)

    def move_step(self, delta: int) -> None:
        row, steps = self.steps.currentRow(), self._steps()
        other = row + delta
        if 0 <= row < len(steps) and 0 <= other < len(steps):
            steps[row], steps[other] = steps[other], steps[row]
            self._set_steps("Reorder steps", steps, other)

    def remove_step(self) -> None:
        row, steps = self.steps.currentRow(), self._steps()
        if 0 <= row < len(steps):
            removed = steps.pop(row)
            self._set_steps(f"Remove step {removed['fn']}", steps, min(row, len(steps) - 1))

    def _step_selected(self, row: int) -> None:
        steps = self.document.steps if self.document else []
        self.step_up.setEnabled(0 < row < len(steps))
        self.step_down.setEnabled(0 <= row < len(steps) - 1)
        self.remove_step_button.setEnabled(0 <= row < len(steps))
        if not 0 <= row < len(steps):
            self.args.clear()
            self.call_note.hide()
            return
        step = steps[row]
        called = chain_called(step)
        if called is not None:
            self.args.clear()
            self.call_note.setText(
                f"{LIBRARY_PREFIX}{called} calls the stored transformation of that name: "
                "its steps run here."
            )
            self.call_note.show()
            return
        self.call_note.hide()
        self.args.show_step(("transformation", row, step.fn), list(step.args), {})

    def _args_committed(self, args: list[Any]) -> None:
        row, steps = self.steps.currentRow(), self._steps()
        if 0 <= row < len(steps) and steps[row].get("args", []) != args:
            steps[row]["args"] = args
            self._set_steps(f"Set the arguments of {steps[row]['fn']}", steps, row)

    # -- test cases -----------------------------------------------------------------------

    def _cases(self) -> list[ChainTestCase]:
        return list(self.document.tests) if self.document else []

    def add_case(self) -> None:
        if self.document is None:
            return
        cases = self._cases()
        names = {case.name for case in cases}
        number = len(cases) + 1
        while f"test {number}" in names:
            number += 1
        cases.append(ChainTestCase(name=f"test {number}"))
        self.change(f"Add test {number}", tests=cases)
        self.table.setCurrentCell(len(cases) - 1, 0)
        self.case_input.setFocus()

    def remove_case(self) -> None:
        row, cases = self.table.currentRow(), self._cases()
        if 0 <= row < len(cases):
            removed = cases.pop(row)
            self.change(f"Remove test {removed.name}", tests=cases)

    def _case_selected(self, row: int) -> None:
        cases = self._cases()
        case = cases[row] if 0 <= row < len(cases) else None
        for widget in (
            self.case_name,
            self.case_input,
            self.case_expected,
            self.case_record,
            self.case_note,
            self.case_error,
            self.remove_case_button,
        ):
            widget.setEnabled(case is not None)
        showing, self._showing = self._showing, True
        try:
            self.case_name.setText(case.name if case else "")
            self.case_input.setText(show_cell(case.input) if case else "")
            self.case_expected.setText(
                show_cell(case.expected) if case and not case.expect_error else ""
            )
            self.case_record.setText(show_cell(case.record) if case and case.record else "")
            self.case_note.setText(case.note if case else "")
            self.case_error.setChecked(bool(case and case.expect_error))
        finally:
            self._showing = showing

    def _case_edited(self) -> None:
        if self._showing:
            return
        row, cases = self.table.currentRow(), self._cases()
        if not 0 <= row < len(cases):
            return
        record = parse_cell(self.case_record.text())
        if record is not None and not isinstance(record, dict):
            self.problems.setText('A test\'s record is a JSON object, e.g. {"last": "L"}.')
            self.problems.show()
            return
        name = self.case_name.text().strip() or cases[row].name
        if any(case.name == name for i, case in enumerate(cases) if i != row):
            self.problems.setText(f"Another test is named {name!r}; choose another name.")
            self.problems.show()
            return
        expect_error = self.case_error.isChecked()
        edited = ChainTestCase(
            name=name,
            input=parse_cell(self.case_input.text()),
            record=record or {},
            expected=None if expect_error else parse_cell(self.case_expected.text()),
            expect_error=expect_error,
            note=self.case_note.text().strip(),
        )
        if edited != cases[row]:
            cases[row] = edited
            self.change(f"Edit test {name}", tests=cases)
            self.table.setCurrentCell(row, 0)

    # -- history --------------------------------------------------------------------------

    def _load_history(self) -> None:
        self.versions.clear()
        self.diff.clear()
        self.history = []
        document = self.document
        if document is None or self.base_version is None:
            return
        try:
            self.history = self.service.transformations.history(document.key)
        except ServiceError as exc:
            self.message.emit(str(exc))
            return
        for info in self.history:
            item = QListWidgetItem(
                f"v{info.version} · {info.saved_by} · {info.saved_at:%Y-%m-%d %H:%M} · "
                f"{info.content_sha256[:10]}"
            )
            item.setToolTip(f"{info.comment or 'no comment'}\nsha256 {info.content_sha256}")
            self.versions.addItem(item)

    def _version_selected(self, row: int) -> None:
        if not 0 <= row < len(self.history) or self.document is None:
            self.diff.clear()
            return
        info = self.history[row]
        if info.version == 1:
            self.diff.setPlainText(
                f"Version 1, saved by {info.saved_by}: the first version ({info.step_count} steps)."
            )
            return
        try:
            diff = self.service.transformations.diff(
                self.document.key, info.version - 1, info.version
            )
        except ServiceError as exc:
            self.diff.setPlainText(str(exc))
            return
        lines = [f"Version {diff.old_version} → {diff.new_version}:", *diff.lines(), ""]
        self.diff.setPlainText("\n".join([*lines, *diff.text]))
