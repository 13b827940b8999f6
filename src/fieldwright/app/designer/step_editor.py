"""Typed argument editors for one transform step, validated as you type."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from fieldwright.service import check_expression, function_library

__all__ = ["StepArgsEditor", "format_arg", "parse_arg", "parse_variadic"]

#: Argument types written as plain text; the others are JSON (numbers, true/false, lists …).
TEXT_TYPES = frozenset({"string", "regex", "lookup", "expression", "timezone", "jsonata"})


def format_arg(kind: str, value: Any) -> str:
    if kind in TEXT_TYPES and isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def parse_arg(kind: str, text: str) -> Any:
    """The argument value typed as `text`; ValueError says what is wrong."""
    if kind == "jsonata" and (problem := check_expression(text)) is not None:
        raise ValueError(str(problem))  # the expression step's: line, column and why
    if kind in TEXT_TYPES:
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = ' (text goes in quotes: "abc")' if kind == "any" else ""
        raise ValueError(f"not a valid {kind} value: {exc.msg}{hint}") from exc


def parse_variadic(kind: str, text: str) -> list[Any]:
    """The values of a variadic parameter typed as `text`: a JSON list (`["%m/%d/%Y",
    "%Y-%m-%d"]`), or one value on its own (`%m/%d/%Y` for text kinds)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if kind in TEXT_TYPES:
            return [text]
        raise ValueError(f"a JSON list of {kind} values, e.g. [1, 2] ({exc.msg})") from exc
    return value if isinstance(value, list) else [value]


class StepArgsEditor(QWidget):
    """One line edit per parameter of the step's function."""

    #: The step's complete, valid argument list after the user finished an edit.
    argsCommitted = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.form = QFormLayout()
        outer.addLayout(self.form)
        self.message = QLabel(self)
        self.message.setObjectName("step_message")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.message.hide()
        outer.addWidget(self.message)
        self.edits: list[tuple[Any, QLineEdit]] = []
        self.spec: Any = None
        self.lookups: dict[str, Any] = {}
        self.key: tuple[str, int, str] | None = None

    def clear(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.message.hide()
        self.edits = []
        self.spec = None
        self.key = None

    def show_step(
        self, key: tuple[str, int, str], args: list[Any], lookups: dict[str, Any]
    ) -> None:
        """Show the arguments of step `key` = (target, index, fn); keeps focus on a re-show."""
        self.lookups = lookups
        if key == self.key:
            self._refresh(args)
            return
        self.clear()
        self.key = key
        self.spec = next((s for s in function_library() if s.name == key[2]), None)
        if self.spec is None:
            self.form.addRow(QLabel(f"Unknown function {key[2]!r}."))
            return
        for param in self.spec.params:
            edit = QLineEdit()
            edit.setObjectName(f"arg_{param.name}")
            hint = param.doc
            if param.choices:
                hint += " — one of " + ", ".join(json.dumps(c) for c in param.choices)
            if not param.required:
                hint += f" (default {json.dumps(param.default, default=str)})"
            edit.setPlaceholderText(hint)
            edit.setToolTip(f"{param.name}: {param.type.value}\n{hint}")
            edit.textEdited.connect(self._validate)
            edit.editingFinished.connect(self._commit)
            label = f"*{param.name}" if param.variadic else param.name
            self.form.addRow(label, edit)
            self.edits.append((param, edit))
        self._refresh(args)

    def _refresh(self, args: list[Any]) -> None:
        index = 0
        for param, edit in self.edits:
            if param.variadic:
                rest = args[index:]
                text = json.dumps(rest, ensure_ascii=False) if rest else ""
                index = len(args)
            else:
                text = format_arg(param.type.value, args[index]) if index < len(args) else ""
                index += 1
            if not edit.hasFocus():
                edit.setText(text)
        self._validate()

    def current_args(self) -> tuple[list[Any], list[tuple[QLineEdit | None, str]]]:
        """The arguments typed so far and the problems: (editor or None, message)."""
        args: list[Any] = []
        problems: list[tuple[QLineEdit | None, str]] = []
        owners: list[QLineEdit] = []
        for param, edit in self.edits:
            text = edit.text()
            if not text:
                if param.required and not param.variadic:
                    problems.append((edit, f"{param.name} is required"))
                break  # later optional arguments keep their defaults
            if param.variadic:
                try:
                    values = parse_variadic(param.type.value, text)
                except ValueError as exc:
                    problems.append((edit, f"{param.name}: {exc}"))
                    continue
                args.extend(values)
                owners.extend([edit] * len(values))
                continue
            try:
                value = parse_arg(param.type.value, text)
            except ValueError as exc:
                problems.append((edit, f"{param.name}: {exc}"))
                continue
            args.append(value)
            owners.append(edit)
        if self.spec is not None and not problems:
            _prepared, found = self.spec.prepare(args, self.lookups)
            for where, message in found:
                owner = owners[where] if where is not None and where < len(owners) else None
                problems.append((owner, message))
        return args, problems

    def _validate(self, _text: str = "") -> bool:
        _args, problems = self.current_args()
        bad = {id(owner) for owner, _ in problems if owner is not None}
        for _param, edit in self.edits:
            invalid = id(edit) in bad
            if edit.property("invalid") != invalid:
                edit.setProperty("invalid", invalid)
                edit.style().unpolish(edit)
                edit.style().polish(edit)
        self.message.setText("\n".join(message for _, message in problems))
        self.message.setVisible(bool(problems))
        return not problems

    def _commit(self) -> None:
        args, problems = self.current_args()
        if not problems:
            self.argsCommitted.emit(args)
