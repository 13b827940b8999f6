"""The argument editors of one transform step, built from the function registry's parameters.

Each parameter gets the editor of its kind (`arg_lists.make_editor`; a variadic
one a list of rows). Editors validate as you type; when the analyst finishes an
edit and every argument is valid, `argsCommitted` carries the step's complete
argument list, which the inspector writes through the undoable edit. A live
example under the editors shows the function's documented example value run
through the arguments as typed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from fieldwright.app.designer.arg_editors import UNSET, ArgEditor, DateFormatEditor, show_default
from fieldwright.app.designer.arg_lists import ArgList, make_editor
from fieldwright.service import InvalidRequest, call_function, function_library

__all__ = ["StepArgsEditor"]

Editor = ArgEditor | ArgList


class StepArgsEditor(QWidget):
    """One editor per parameter of the step's function."""

    #: The step's complete, valid argument list after the user finished an edit.
    argsCommitted = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.form = QFormLayout()
        # Labels above their editors: the inspector pane is narrow, and notes need the width.
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addLayout(self.form)
        self.message = self._label("step_message", "error")
        outer.addWidget(self.message)
        self.example = self._label("step_example", "muted")
        outer.addWidget(self.example)
        self.editors: list[tuple[Any, Editor]] = []
        self.spec: Any = None
        self.lookups: dict[str, Any] = {}
        self.key: tuple[str, int, str] | None = None
        #: (found, value): the value the step receives in the Preview, when there is one.
        self.current: tuple[bool, Any] = (False, None)

    def _label(self, name: str, role: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setProperty("role", role)
        label.setWordWrap(True)
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        label.hide()
        return label

    def clear(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.message.hide()
        self.example.hide()
        self.editors = []
        self.spec = None
        self.key = None
        self.current = (False, None)

    def show_step(
        self, key: tuple[str, int, str], args: list[Any], lookups: dict[str, Any]
    ) -> None:
        """Show the arguments of step `key` = (target, index, fn); keeps focus on a re-show."""
        if key == self.key and set(lookups) == set(self.lookups):
            self.lookups = lookups
            self._refresh(args)
            return
        self.clear()
        self.lookups = lookups
        self.key = key
        self.spec = next((s for s in function_library() if s.name == key[2]), None)
        if self.spec is None:
            self.form.addRow(QLabel(f"Unknown function {key[2]!r}."))
            return
        names = sorted(lookups)
        for param in self.spec.params:
            editor: Editor
            if param.variadic:
                editor = ArgList(param, names, self)
            else:
                editor = make_editor(param, names, optional=not param.required, parent=self)
            editor.edited.connect(self._validate)
            editor.committed.connect(self._commit)
            label = QLabel(f"{param.name}:" if not param.variadic else f"{param.name} (list):")
            label.setToolTip(f"{param.name} ({param.kind.value}): {param.doc}")
            self.form.addRow(label, editor)
            self.editors.append((param, editor))
        self._give_sample()
        self._refresh(args)

    def set_sample(self, found: bool, value: Any) -> None:
        """The value the step receives in the Preview (`found` False: none), for live examples."""
        if (found, value) == self.current:
            return
        self.current = (found, value)
        self._give_sample()
        self._validate()

    def _give_sample(self) -> None:
        """Date formats format or read the Preview's value, else the function's example value."""
        found, value = self.current
        if not found and self.spec is not None and self.spec.examples:
            value = self.spec.examples[0].value
        for _param, editor in self.editors:
            if isinstance(editor, ArgList):
                editor.set_sample(value)
            elif isinstance(editor, DateFormatEditor):
                editor.sample = value
                editor.validate()

    def _refresh(self, args: list[Any]) -> None:
        index = 0
        for param, editor in self.editors:
            if editor.is_editing():
                index = len(args) if param.variadic else index + 1
                continue
            if isinstance(editor, ArgList):
                editor.set_values(list(args[index:]))
                index = len(args)
            elif index < len(args):
                editor.set_value(args[index])
                index += 1
            else:
                editor.unset()
                index += 1
        self._validate()

    def current_args(self) -> tuple[list[Any], list[tuple[Editor | None, str]]]:
        """The arguments as typed and the problems: (editor or None for the step, message).

        An optional argument left unset keeps its default; when a later one is set,
        the unset one is written as its default, so the later one keeps its place.
        """
        values: list[tuple[Any, Editor, Any]] = []
        problems: list[tuple[Editor | None, str]] = []
        wrong: set[int] = set()  # editors whose value is wrong (each says so under itself)
        for param, editor in self.editors:
            try:
                value = editor.values() if isinstance(editor, ArgList) else editor.value()
            except ValueError as exc:
                problems.append((editor, str(exc)))
                wrong.add(id(editor))
                value = UNSET
            values.append((param, editor, value))
        while values and values[-1][2] is UNSET:
            values.pop()
        args: list[Any] = []
        owners: list[Editor] = []
        for param, editor, value in values:
            if isinstance(editor, ArgList):
                args.extend(value)
                owners.extend([editor] * len(value))
                continue
            if value is UNSET:
                if param.required and id(editor) not in wrong:
                    problems.append((editor, f"{param.name} is required"))
                    continue
                value = param.default
            args.append(value)
            owners.append(editor)
        if self.spec is not None and not problems:
            _prepared, found = self.spec.prepare(args, self.lookups)
            for where, message in found:
                owner = owners[where] if where is not None and where < len(owners) else None
                problems.append((owner, message))
        return args, problems

    def _validate(self) -> bool:
        args, problems = self.current_args()
        # A wrong value is said under its editor; here go the step's other problems.
        shown = {id(editor) for editor in self._editors_with_notes()}
        rest = [message for owner, message in problems if id(owner) not in shown]
        self.message.setText("\n".join(rest))
        self.message.setVisible(bool(rest))
        self._show_example(args if not problems else None)
        return not problems

    def _editors_with_notes(self) -> list[Editor]:
        """The editors showing a problem of their own under themselves."""
        return [editor for _param, editor in self.editors if editor.has_problem()]

    def _show_example(self, args: list[Any] | None) -> None:
        """The first documented example value the arguments as typed can handle, and its result."""
        self.example.hide()
        if self.spec is None or args is None:
            return
        found, value = self.current
        if found:
            try:
                result = show_default(call_function(self.spec.name, value, args, self.lookups))
            except InvalidRequest as exc:
                result = str(exc)
            self._say_example(f"In the Preview: {show_default(value)} → {result}")
            return
        for example in self.spec.examples:
            lookups = {**example.lookups, **self.lookups}
            try:
                result = call_function(self.spec.name, example.value, args, lookups, example.record)
            except InvalidRequest:
                continue  # this example's value is not one these arguments handle
            self._say_example(f"Example: {show_default(example.value)} → {show_default(result)}")
            return

    def _say_example(self, text: str) -> None:
        self.example.setText(text)
        self.example.setToolTip(text)
        self.example.show()

    def _commit(self) -> None:
        args, problems = self.current_args()
        self._validate()
        if not problems:
            self.argsCommitted.emit(args)
