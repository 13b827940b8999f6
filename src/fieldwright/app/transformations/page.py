"""The Transformations page, the Transformation Builder (issue 19, item 5).

Its layout is a form (`ui/transformation_page.ui`); the designer's argument
editors are added below the steps in code.

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

from PySide6.QtCore import QEvent, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.designer.function_palette import FunctionPalette
from fieldwright.app.designer.step_editor import StepArgsEditor
from fieldwright.app.shell.forms import Form
from fieldwright.app.shell.theme import current_theme
from fieldwright.app.shell.workers import Task, TaskSignals
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
        #: Test runs go to a pool thread; only the newest run's result is shown.
        self.test_generation = 0
        self.pool = QThreadPool.globalInstance()
        self.test_signals = TaskSignals(self)
        self.test_signals.done.connect(self._tests_done)
        self.test_signals.failed.connect(self._tests_failed)
        self.history: list[TransformationVersionInfo] = []
        self._showing = False  # filling the widgets: their signals are not edits
        self._build()
        self.refresh_list()
        self.show_document(None)

    # -- building -----------------------------------------------------------------------

    def _build(self) -> None:
        """Load the form (ui/transformation_page.ui), bind its widgets, connect them."""
        self.form = Form("transformation_page.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.form.widget)
        self._bind_list()
        self._bind_properties()
        self._bind_steps()
        self._bind_tests()
        self._bind_history()
        self.title = self.form.child(QLabel, "transformation_title")
        self.save_button = self.form.child(QPushButton, "transformation_save")
        self.save_button.clicked.connect(self.save)
        self.problems = self.form.child(QLabel, "transformation_problems")
        splitter = self.form.child(QSplitter, "transformation_splitter")
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([200, 900])
        self.form.child(QSplitter, "transformation_middle").setSizes([320, 560])
        body = self.form.child(QSplitter, "transformation_body")
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 1)
        body.setSizes([420, 160])

    def _bind_list(self) -> None:
        column = self.form.child(QWidget, "transformation_list_column")
        column.setMinimumWidth(150)
        column.setMaximumWidth(320)
        self.search = self.form.child(QLineEdit, "transformation_search")
        self.search.textChanged.connect(lambda _text: self.refresh_list())
        self.list = self.form.child(QListWidget, "transformation_list")
        self.list.itemActivated.connect(self._open_item)
        self.list.itemClicked.connect(self._open_item)
        self.new_button = self.form.child(QPushButton, "transformation_new")
        self.new_button.clicked.connect(self.new)
        self.delete_button = self.form.child(QPushButton, "transformation_delete")
        self.delete_button.clicked.connect(self.delete)

    def _bind_properties(self) -> None:
        self.name_edit = self.form.child(QLineEdit, "transformation_name")
        self.type_combo = self.form.child(QComboBox, "transformation_type")
        self.type_combo.addItems([kind.value for kind in TransformationType])
        self.description_edit = self.form.child(QLineEdit, "transformation_description")
        self.input_type_edit = self.form.child(QLineEdit, "transformation_input_type")
        self.output_type_edit = self.form.child(QLineEdit, "transformation_output_type")
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

    def _bind_steps(self) -> None:
        box = self.form.child(QGroupBox, "transformation_steps_box")
        box.setMinimumWidth(270)  # its four buttons in a row, unclipped at 1024 px
        self.steps = self.form.child(QListWidget, "transformation_steps")
        self.steps.currentRowChanged.connect(self._step_selected)
        self.add_step_button = self.form.child(QPushButton, "transformation_add_step")
        self.add_step_button.clicked.connect(self.add_step)
        self.step_up = self.form.child(QPushButton, "transformation_step_up")
        self.step_up.clicked.connect(lambda: self.move_step(-1))
        self.step_down = self.form.child(QPushButton, "transformation_step_down")
        self.step_down.clicked.connect(lambda: self.move_step(1))
        for button in (self.step_up, self.step_down):
            button.setFixedWidth(32)
        self.remove_step_button = self.form.child(QPushButton, "transformation_remove_step")
        self.remove_step_button.clicked.connect(self.remove_step)
        self.call_note = self.form.child(QLabel, "transformation_call_note")
        # The designer's argument editors, which a form cannot hold: below the steps.
        self.args = StepArgsEditor(box)
        self.args.setObjectName("transformation_step_args")
        self.args.argsCommitted.connect(self._args_committed)
        steps_layout = box.layout()
        assert isinstance(steps_layout, QVBoxLayout), "transformation_page.ui changed"
        steps_layout.addWidget(self.args)

    def _bind_tests(self) -> None:
        self.summary = self.form.child(QLabel, "transformation_test_summary")
        self.table = self.form.child(QTableWidget, "transformation_tests")
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column, title in enumerate(COLUMNS):
            mode = (
                QHeaderView.ResizeMode.ResizeToContents
                if title == "Result"
                else QHeaderView.ResizeMode.Stretch
            )
            header.setSectionResizeMode(column, mode)
        self.table.currentCellChanged.connect(lambda row, *_: self._case_selected(row))
        self.case_name = self.form.child(QLineEdit, "case_name")
        self.case_input = self.form.child(QLineEdit, "case_input")
        self.case_expected = self.form.child(QLineEdit, "case_expected")
        self.case_record = self.form.child(QLineEdit, "case_record")
        self.case_note = self.form.child(QLineEdit, "case_note")
        self.case_error = self.form.child(QCheckBox, "case_expect_error")
        for edit in (
            self.case_name,
            self.case_input,
            self.case_expected,
            self.case_record,
            self.case_note,
        ):
            edit.editingFinished.connect(self._case_edited)
        self.case_error.toggled.connect(lambda _on: self._case_edited())
        self.add_case_button = self.form.child(QPushButton, "transformation_add_test")
        self.add_case_button.clicked.connect(self.add_case)
        self.remove_case_button = self.form.child(QPushButton, "transformation_remove_test")
        self.remove_case_button.clicked.connect(self.remove_case)

    def _bind_history(self) -> None:
        self.versions = self.form.child(QListWidget, "transformation_versions")
        self.versions.currentRowChanged.connect(self._version_selected)
        self.diff = self.form.child(QPlainTextEdit, "transformation_diff")

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
        if not self.open_key(key):  # kept the open one: the list shows it again
            self.list.clearSelection()
            self.refresh_list()

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
        # A case's last actual value and verdict stay shown until its rerun reports (the
        # tests run on a pool thread), so an edit does not blank the table meanwhile.
        shown = {
            self._cell(row, 0): (self._cell(row, 3), self._cell(row, 4))
            for row in range(self.table.rowCount())
        }
        self.table.setRowCount(len(cases))
        for index, case in enumerate(cases):
            expected = "an error" if case.expect_error else show_cell(case.expected)
            actual, verdict = shown.get(case.name, ("", ""))
            texts = (case.name, show_cell(case.input), expected, actual, verdict)
            for column, text in enumerate(texts):
                self.table.setItem(index, column, QTableWidgetItem(text))
        if cases:
            target = min(case_row, len(cases) - 1) if case_row >= 0 else 0
            self.table.setCurrentCell(target, 0)
        self._case_selected(self.table.currentRow() if cases else -1)

    def _cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def _show_title(self) -> None:
        document = self.document
        if document is None:
            self.title.setText("No transformation open: choose one, or New… to start one.")
            return
        saved = f"version {self.base_version}" if self.base_version else "not saved yet"
        self.title.setText(f"<b>@{document.name}</b>  ·  {document.key}  ·  {saved}")

    def run_tests(self) -> None:
        """Run the open transformation's tests on a pool thread (a chain with many cases or
        a slow step does not hold the window); `_tests_done` shows each case's actual
        value. An edit made meanwhile starts a newer run, and the older result is dropped."""
        self.test_generation += 1
        document = self.document
        if document is None:
            self.run = None
            self.problems.hide()
            self.summary.setText("")
            return
        self.summary.setText("Running the tests…")
        transformations = self.service.transformations
        self.pool.start(
            Task(
                self.test_generation,
                lambda: (document, transformations.test(document)),
                self.test_signals,
            )
        )

    def _tests_failed(self, generation: int, message: str) -> None:
        if generation != self.test_generation:
            return
        self.problems.setText(message)
        self.problems.show()
        self.summary.setText("")

    def _tests_done(self, generation: int, result: object) -> None:
        if generation != self.test_generation or not isinstance(result, tuple):
            return
        document, run = result
        if not isinstance(document, TransformationDocument) or not isinstance(run, ChainTestRun):
            return
        self.run = run
        text = "\n".join(f"{p.pointer}: {p.message}" for p in run.problems)
        self.problems.setText(text)
        self.problems.setVisible(bool(text))
        outcomes = {outcome.name: outcome for outcome in run.results}
        for row, case in enumerate(document.tests):
            outcome = outcomes.get(case.name)
            if outcome is None:
                actual, verdict, tip = "", "not run", "the chain has problems (above)"
            else:
                actual = (
                    f"error: {outcome.error}"
                    if outcome.error is not None
                    else show_cell(outcome.actual)
                )
                verdict = "pass" if outcome.passed else "FAIL"
                tip = outcome.message or actual
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
        """The theme's valid or error colour (light or dark)."""
        theme = current_theme()
        return QColor(theme.valid if passed else theme.error)

    def changeEvent(self, event: QEvent) -> None:
        """A theme change recolours the verdicts."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            for row in range(self.table.rowCount()):
                item = self.table.item(row, 4)
                if item is not None and item.text() in ("pass", "FAIL"):
                    item.setForeground(self._verdict_colour(item.text() == "pass"))
        super().changeEvent(event)

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
