"""The inspector of the selected field mapping: a `.ui` form bound by widget names.

Widgets named `field_<attr>` edit that attribute of the `FieldMapping`,
`rule_<attr>` an attribute of its validation rules. Every change becomes an
edit emitted through `editRequested`; the designer pushes it on the undo stack.

The fields always show the shown mapping as the document holds it now (after
an undo or redo too, even in the field that has the focus), except a field
whose text the analyst is still typing; with no mapping they are blank.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.designer.chains import ChainTools, describe_step, library_of
from fieldwright.app.designer.expression_editor import ExpressionEditor
from fieldwright.app.designer.field_help import HELP_PROPERTY, install_field_help
from fieldwright.app.designer.function_palette import FunctionPalette, describe_function
from fieldwright.app.designer.step_editor import StepArgsEditor
from fieldwright.app.shell.forms import Form
from fieldwright.authoring.edits import AddFieldMapping, Edit, edit_mapping
from fieldwright.domain import (
    FieldMapping,
    FieldType,
    MappingDocument,
    Missing,
    OnError,
    TransformStep,
)

__all__ = ["Inspector"]

#: Fields written as JSON in their line edit (the others are plain text or numbers).
JSON_FIELDS = {"field_constant", "field_default", "rule_enum"}
NUMBER_FIELDS = {"rule_min": float, "rule_max": float, "rule_max_length": int}


def _step_text(index: int, step: TransformStep) -> str:
    args = ", ".join(json.dumps(a, ensure_ascii=False) for a in step.args)
    return f"{index + 1}. {step.fn}({args})"


class Inspector(QWidget):
    editRequested = Signal(object)  #: an `Edit`
    message = Signal(str)  #: a problem to show the user

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.ui = Form("inspector.ui")
        self.form = self.ui.widget
        scroll = self.scroll_area = QScrollArea()
        scroll.setObjectName("inspector_scroll")
        scroll.setWidgetResizable(True)
        # The form follows the pane's width (its fields shrink and long values elide with a
        # tooltip): an inspector that scrolls sideways hides the value being edited.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.form)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        # The selected field's name and its problems stay in view above the scrolling form.
        header = QWidget()
        header.setObjectName("inspector_header")
        header_layout = QVBoxLayout(header)
        header_layout.setContentsMargins(9, 6, 9, 6)
        self.title = self.ui.child(QLabel, "title")
        self.problems = self.ui.child(QLabel, "problems")
        header_layout.addWidget(self.title)
        header_layout.addWidget(self.problems)
        layout.addWidget(header)
        layout.addWidget(scroll, 1)
        sources = self.ui.child(QLabel, "field_sources")
        sources.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for combo in self.form.findChildren(QComboBox):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(6)
        self.document: MappingDocument | None = None
        self.target = ""
        self.problems.setProperty("role", "error")
        self.steps = self.ui.child(QListWidget, "transform_list")
        # A long step elides (its tooltip has it whole) rather than scrolling the list sideways.
        self.steps.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.steps.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.step_doc = self.ui.child(QLabel, "step_doc")
        self.step_doc.setProperty("role", "muted")
        self.args = StepArgsEditor()
        self.args.setObjectName("step_args")
        host = self.ui.child(QWidget, "args_host")
        host_layout = QVBoxLayout(host)
        host_layout.setContentsMargins(0, 0, 0, 0)
        host_layout.addWidget(self.args)
        self.args.argsCommitted.connect(self._args_committed)
        #: (found, the value a target's step receives) from the Preview, for live examples.
        self.sample_provider: Callable[[str, int], tuple[bool, Any]] | None = None
        self.steps.currentRowChanged.connect(lambda _row: self._show_step())
        self.ui.child(QAbstractButton, "add_step").clicked.connect(self.add_step)
        self.ui.child(QAbstractButton, "step_up").clicked.connect(lambda: self.move_step(-1))
        self.ui.child(QAbstractButton, "step_down").clicked.connect(lambda: self.move_step(1))
        self.ui.child(QAbstractButton, "remove_step").clicked.connect(self.remove_step)
        self._notes_timer = QTimer(self)
        self._notes_timer.setSingleShot(True)
        self._notes_timer.setInterval(500)
        self._notes_timer.timeout.connect(self._commit_notes)
        self._bind()
        install_field_help(self.form)
        chain_layout = self.form.findChild(QVBoxLayout, "chain_layout")
        step_buttons = self.form.findChild(QHBoxLayout, "step_buttons")
        assert chain_layout is not None and step_buttons is not None, "inspector.ui changed"
        self.chains = ChainTools(
            self,
            chain_layout,
            chain_layout.indexOf(step_buttons) + 1,
            lambda: (self.document, self.target),
            self.editRequested.emit,
            self.message.emit,
        )
        self._add_expression_editor()
        self.set_mapping(None, "", [])

    # -- binding by naming convention ---------------------------------------------------

    def _bind(self) -> None:
        on_error = self.ui.child(QComboBox, "field_on_error")
        on_error.addItems([o.value for o in OnError])
        self.ui.child(QComboBox, "field_missing").addItems([m.value for m in Missing])
        rule_type = self.ui.child(QComboBox, "rule_type")
        rule_type.addItems(["", *(t.value for t in FieldType)])
        for widget in self.form.findChildren(QWidget):
            name = widget.objectName()
            if not name.startswith(("field_", "rule_")):
                continue
            if isinstance(widget, QCheckBox):
                widget.toggled.connect(lambda on, n=name: self._commit(n, on))
            elif isinstance(widget, QComboBox):
                widget.textActivated.connect(lambda text, n=name: self._commit(n, text or None))
            elif isinstance(widget, QLineEdit):
                widget.textEdited.connect(lambda _t, w=widget: self._parse(w))
                widget.editingFinished.connect(lambda w=widget: self._commit_line(w))
            elif isinstance(widget, QPlainTextEdit):
                widget.textChanged.connect(self._notes_timer.start)

    def _parse(self, edit: QLineEdit) -> tuple[bool, Any]:
        name, text = edit.objectName(), edit.text().strip()
        value: Any = text
        ok = True
        if not text:
            value = None
        elif name in JSON_FIELDS:
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                ok = False
            if name == "rule_enum" and ok and not isinstance(value, list):
                ok = False
        elif name in NUMBER_FIELDS:
            try:
                value = NUMBER_FIELDS[name](text)
            except ValueError:
                ok = False
        if edit.property("invalid") != (not ok):
            edit.setProperty("invalid", not ok)
            edit.style().unpolish(edit)
            edit.style().polish(edit)
        help_text = str(edit.property(HELP_PROPERTY) or "")
        edit.setToolTip(
            help_text if ok else 'Not a valid value: JSON for values, e.g. "text", 3, true'
        )
        return ok, value

    def _commit_line(self, edit: QLineEdit) -> None:
        ok, value = self._parse(edit)
        if ok:
            self._commit(edit.objectName(), value)
            edit.setModified(False)  # committed: what the document holds may show again

    def _commit_notes(self) -> None:
        self._commit("field_notes", self.ui.child(QPlainTextEdit, "field_notes").toPlainText())

    def _current(self) -> Any:
        return self.document.field(self.target) if self.document and self.target else None

    def _commit(self, name: str, value: Any) -> None:
        mapping = self._current()
        if mapping is None:
            return
        attr = name.split("_", 1)[1]
        if name.startswith("rule_"):
            rules = mapping.rules.model_dump()
            if rules.get(attr) == value:
                return
            rules[attr] = value
            changes: dict[str, Any] = {"rules": rules}
        else:
            if getattr(mapping, attr) == value:
                return
            changes = {attr: value}
        label = f"Set {attr.replace('_', ' ')} of {self.target}"
        self._request(label, changes)

    def _request(self, label: str, changes: dict[str, Any]) -> None:
        assert self.document is not None
        try:
            edit: Edit = edit_mapping(self.document, self.target, label, **changes)
        except (ValidationError, KeyError) as exc:
            text = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            self.problems.setText(text.removeprefix("Value error, "))
            self.message.emit(text)
            return
        self.editRequested.emit(edit)

    # -- expression (app/designer/expression_editor.py) ---------------------------------

    def _add_expression_editor(self) -> None:
        """An Expression group after the Mapping group (an expression replaces the sources
        shown there); it also maps a target nothing maps yet."""
        self.expression = ExpressionEditor()
        group = QGroupBox("Expression")
        group.setObjectName("expression_group")
        group.setToolTip("The field's value computed from other fields; replaces its sources")
        QVBoxLayout(group).addWidget(self.expression)
        layout = self.form.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(self.ui.child(QGroupBox, "chain_group")), group)
        self.expression.committed.connect(self._commit_expression)

    def _commit_expression(self, text: str | None) -> None:
        mapping = self._current()
        if mapping is None:
            if self.document is None or not self.target or text is None:
                return
            try:
                added = FieldMapping(target=self.target, expression=text)
            except ValidationError as exc:
                self.problems.setText(str(exc.errors()[0]["msg"]))
                return
            self.editRequested.emit(AddFieldMapping(added))
            return
        changes: dict[str, Any] = {"expression": text}
        if text is not None:
            changes.update(sources=[], constant=None)
        self._request(f"Set expression of {self.target}", changes)

    # -- transform chain ----------------------------------------------------------------

    def _transforms(self) -> list[dict[str, Any]]:
        mapping = self._current()
        return [s.model_dump() for s in mapping.transforms] if mapping is not None else []

    def add_step(self) -> None:
        if self._current() is None:
            return
        palette = FunctionPalette(self, chains=library_of(self.document))
        try:
            if palette.exec() != FunctionPalette.DialogCode.Accepted.value:
                return
            name = palette.chosen()
        finally:
            palette.deleteLater()
        if name is not None:
            self.append_step(name)

    def append_step(self, name: str, args: list[Any] | None = None) -> None:
        steps = [*self._transforms(), {"fn": name, "args": list(args or [])}]
        self._request(f"Add step {name} to {self.target}", {"transforms": steps})
        self.steps.setCurrentRow(len(steps) - 1)
        # The new step's arguments are what the analyst fills next: bring them into view
        # (at 1024×700 they sit below the fold), once the layout has their new height.
        QTimer.singleShot(0, lambda: self.scroll_area.ensureWidgetVisible(self.args, 0, 0))

    def move_step(self, delta: int) -> None:
        row, steps = self.steps.currentRow(), self._transforms()
        other = row + delta
        if 0 <= row < len(steps) and 0 <= other < len(steps):
            steps[row], steps[other] = steps[other], steps[row]
            self._request(f"Reorder steps of {self.target}", {"transforms": steps})
            self.steps.setCurrentRow(other)

    def remove_step(self) -> None:
        row, steps = self.steps.currentRow(), self._transforms()
        if 0 <= row < len(steps):
            removed = steps.pop(row)
            self._request(f"Remove step {removed['fn']} from {self.target}", {"transforms": steps})

    def _args_committed(self, args: list[Any]) -> None:
        row, steps = self.steps.currentRow(), self._transforms()
        if 0 <= row < len(steps) and steps[row]["args"] != args:
            steps[row]["args"] = args
            self._request(f"Edit arguments of {steps[row]['fn']}", {"transforms": steps})

    def _show_step(self) -> None:
        mapping, row = self._current(), self.steps.currentRow()
        if mapping is None or not 0 <= row < len(mapping.transforms):
            self.args.clear()
            self.step_doc.setText("Select a step to edit its arguments.")
            return
        step = mapping.transforms[row]
        if (chain := describe_step(self.document, step.fn)) is not None:
            self.args.clear()  # a named chain's call takes no arguments
            self.step_doc.setText(chain)
            return
        self.step_doc.setText(describe_function(step.fn, brief=True))
        assert self.document is not None
        self.args.show_step((self.target, row, step.fn), list(step.args), self.document.lookups)
        self.refresh_sample()

    def refresh_sample(self) -> None:
        """Give the shown step's editors the value it receives in the Preview, if there is one."""
        row = self.steps.currentRow()
        if self.args.spec is None or self.sample_provider is None or not self.target:
            return
        found, value = self.sample_provider(self.target, row)
        self.args.set_sample(found, value)

    # -- showing a mapping --------------------------------------------------------------

    def show_problems(self, problems: list[str]) -> None:
        """The problems of the shown mapping (a new compile found them), nothing else."""
        self.problems.setText("\n".join(problems))
        self.problems.setVisible(bool(problems))

    def set_mapping(
        self, document: MappingDocument | None, target: str, problems: list[str]
    ) -> None:
        another = document is not self.document or target != self.target
        if another and self._notes_timer.isActive():
            self._notes_timer.stop()
            if document is self.document:
                self._commit_notes()  # the notes typed last are the previous mapping's
        if another and document is self.document and self.expression.typing():
            self.expression.commit()  # so is an expression typed last
        self.document, self.target = document, target
        mapping = self._current()
        self._enable(mapping is not None, bool(document is not None and target))
        if another or not self.expression.typing():
            self.expression.show_expression(None if mapping is None else mapping.expression)
        self.show_problems(problems)
        if mapping is None:
            self.title.setText(
                f"<b>{target}</b><br>Not mapped: drag a source field onto it, or write "
                "an expression."
                if target
                else "<b>No mapping selected</b><br>Drag a source field onto a target "
                "field, or select a mapping line."
            )
            self._clear_values()
            self.steps.clear()
            self.args.clear()
            return
        self.title.setText(f"<b>{target}</b>")
        for widget in self.form.findChildren(QWidget):
            name = widget.objectName()
            if name.startswith(("field_", "rule_")) and (another or not self._typing(widget)):
                self._show_value(widget, name, mapping)
        row = self.steps.currentRow()
        self.steps.blockSignals(True)
        self.steps.clear()
        for index, step in enumerate(mapping.transforms):
            self.steps.addItem(_step_text(index, step))
            item = self.steps.item(index)
            item.setToolTip(item.text())
        self.steps.setCurrentRow(min(max(row, 0), len(mapping.transforms) - 1))
        self.steps.blockSignals(False)
        self._show_step()

    def _enable(self, mapped: bool, targeted: bool) -> None:
        """The whole form for a mapping; only the expression for a target nothing maps."""
        self.form.setEnabled(mapped or targeted)
        for group in self.form.findChildren(QGroupBox):
            if group.objectName() != "expression_group":
                group.setEnabled(mapped)

    def _typing(self, widget: QWidget) -> bool:
        """Whether the analyst is editing `widget`'s text and has not committed it yet."""
        if not widget.hasFocus():
            return False
        if isinstance(widget, QLineEdit):
            return widget.isModified()
        if isinstance(widget, QPlainTextEdit):
            return self._notes_timer.isActive()
        return False

    def _clear_values(self) -> None:
        """No mapping is shown: no field keeps the values of the last one."""
        for widget in self.form.findChildren(QWidget):
            if not widget.objectName().startswith(("field_", "rule_")):
                continue
            widget.blockSignals(True)
            try:
                if isinstance(widget, QCheckBox):
                    widget.setChecked(False)
                elif isinstance(widget, QComboBox):
                    widget.setCurrentIndex(-1)
                elif isinstance(widget, QLineEdit):
                    widget.clear()
                    self._parse(widget)
                elif isinstance(widget, QPlainTextEdit | QLabel):
                    widget.clear()
                    widget.setToolTip("")
            finally:
                widget.blockSignals(False)

    def _show_value(self, widget: QWidget, name: str, mapping: Any) -> None:
        attr = name.split("_", 1)[1]
        owner = mapping.rules if name.startswith("rule_") else mapping
        value = getattr(owner, attr, None)
        widget.blockSignals(True)
        try:
            if isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QComboBox):
                widget.setCurrentText("" if value is None else str(value))
            elif isinstance(widget, QLineEdit):
                if name == "field_constant":
                    widget.setEnabled(not mapping.sources and mapping.expression is None)
                text = "" if value is None else value if name == "rule_regex" else json.dumps(value)
                widget.setText(str(text))
                widget.setCursorPosition(0)
                self._parse(widget)
            elif isinstance(widget, QPlainTextEdit):
                if widget.toPlainText() != value:
                    widget.setPlainText(str(value))
            elif isinstance(widget, QLabel):
                fallback = "(constant)" if mapping.expression is None else "(expression)"
                widget.setText("\n".join(mapping.sources) or fallback)
                widget.setToolTip(widget.text())
        finally:
            widget.blockSignals(False)
