"""A variadic argument as a list of rows (add, remove), each an editor of the parameter's kind.

`make_editor` chooses the editor of one value of any parameter, so a list's
rows are the same editors as a single argument (a date format row shows its
live example too).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QToolButton, QVBoxLayout, QWidget

from fieldwright.app.designer.arg_editors import LINE_EDITORS, UNSET, ArgEditor, DateFormatEditor
from fieldwright.app.designer.arg_pickers import PICKERS
from fieldwright.service import ArgHint

__all__ = ["ArgList", "make_editor"]


def make_editor(
    param: Any, lookups: list[str], *, optional: bool, parent: QWidget | None = None
) -> ArgEditor:
    """The editor of one value of `param`, by its kind; `lookups` are the document's tables."""
    kind: ArgHint = param.kind
    if kind in PICKERS:
        editor: ArgEditor = PICKERS[kind](param, lookups, optional=optional, parent=parent)
        return editor
    return LINE_EDITORS[kind](param, optional=optional, parent=parent)


class ArgList(QWidget):
    """The values of a variadic parameter, one row each, in order."""

    edited = Signal()
    committed = Signal()

    def __init__(self, param: Any, lookups: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self.lookups = lookups
        self.setObjectName(f"list_{param.name}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        self.rows_layout = QVBoxLayout()
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setSpacing(2)
        outer.addLayout(self.rows_layout)
        self.add_button = QPushButton(f"Add {_singular(param.name)}", self)
        self.add_button.setObjectName(f"add_{param.name}")
        self.add_button.setToolTip(param.doc)
        self.add_button.clicked.connect(self._add_clicked)
        outer.addWidget(self.add_button)
        self.rows: list[tuple[QWidget, ArgEditor]] = []
        #: Passed to each row's editor (a date format formats or reads it in its example).
        self.sample: Any = None

    # -- rows ----------------------------------------------------------------------

    def add_row(self) -> ArgEditor:
        holder = QWidget(self)
        line = QHBoxLayout(holder)
        line.setContentsMargins(0, 0, 0, 0)
        editor = make_editor(self.param, self.lookups, optional=False, parent=holder)
        if isinstance(editor, DateFormatEditor):
            editor.sample = self.sample
        editor.setObjectName(f"row_{self.param.name}_{len(self.rows)}")
        line.addWidget(editor, 1)
        remove = QToolButton(holder)
        remove.setObjectName("remove_row")
        remove.setText("✕")
        remove.setToolTip(f"Remove this {_singular(self.param.name)}")
        remove.setAutoRaise(True)
        remove.clicked.connect(lambda: self._remove(holder))
        line.addWidget(remove)
        editor.edited.connect(self.edited)
        editor.committed.connect(self.committed)
        self.rows_layout.addWidget(holder)
        self.rows.append((holder, editor))
        return editor

    def _remove(self, holder: QWidget) -> None:
        self.rows = [(h, e) for h, e in self.rows if h is not holder]
        holder.hide()
        holder.deleteLater()
        self.edited.emit()
        self.committed.emit()

    def _add_clicked(self) -> None:
        editor = self.add_row()
        editor.setFocus()
        focus = editor.focusProxy() or editor
        for child in editor.findChildren(QWidget):
            if child.objectName().startswith("arg_"):
                focus = child
                break
        focus.setFocus()
        self.edited.emit()

    def editors(self) -> list[ArgEditor]:
        return [editor for _holder, editor in self.rows]

    # -- values --------------------------------------------------------------------

    def values(self) -> list[Any]:
        """The rows' values in order; ValueError names the first row that is wrong."""
        values: list[Any] = []
        for number, editor in enumerate(self.editors(), start=1):
            try:
                value = editor.value()
            except ValueError as exc:
                raise ValueError(f"{self.param.name} #{number}: {exc}") from None
            if value is not UNSET:
                values.append(value)
        return values

    def set_values(self, values: list[Any]) -> None:
        while len(self.rows) > len(values):
            holder, _editor = self.rows.pop()
            holder.hide()
            holder.deleteLater()
        while len(self.rows) < len(values):
            self.add_row()
        for editor, value in zip(self.editors(), values, strict=True):
            editor.set_value(value)

    def set_sample(self, sample: Any) -> None:
        self.sample = sample
        for editor in self.editors():
            if isinstance(editor, DateFormatEditor):
                editor.sample = sample
                editor.validate()

    def has_problem(self) -> bool:
        """Whether a row shows a problem under itself."""
        return any(editor.has_problem() for editor in self.editors())

    def is_editing(self) -> bool:
        return any(editor.is_editing() for editor in self.editors())

    def validate(self) -> str | None:
        problems = [p for editor in self.editors() if (p := editor.validate()) is not None]
        return problems[0] if problems else None


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") and len(name) > 3 else name
