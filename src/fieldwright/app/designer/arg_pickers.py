"""Argument editors that pick from a list: a choice, true/false, a lookup table of the document.

An optional argument's list starts with "default (…)", which leaves it unset.
The lookup picker lists the document's lookup tables (the lookups editor owns
the tables; this only names one) and still takes a typed name, which it flags
when no table has it.
"""

from __future__ import annotations

import json
from typing import Any, Final

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from fieldwright.app.designer.arg_editors import UNSET, ArgEditor, show_default
from fieldwright.service import ArgHint

__all__ = ["PICKERS", "BooleanPicker", "ChoicePicker", "LookupPicker", "Picker"]


class Picker(ArgEditor):
    """A combo box of values; item data holds the value, the first item is the default."""

    def __init__(self, param: Any, *, optional: bool, parent: QWidget | None = None) -> None:
        super().__init__(param, optional=optional, parent=parent)
        self.combo = QComboBox(self)
        self.combo.setObjectName(f"arg_{param.name}")
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(6)
        self.combo.setToolTip(f"{param.name} ({param.kind.value}): {param.doc}")
        self.row.addWidget(self.combo, 1)
        if optional:
            self.combo.addItem(f"default ({show_default(param.default)})", UNSET)
        self.combo.activated.connect(self._picked)

    def add_values(self, values: list[Any]) -> None:
        for value in values:
            self.combo.addItem(value if isinstance(value, str) else json.dumps(value), value)

    def value(self) -> Any:
        if self.combo.currentIndex() < 0:
            if self.optional:
                return UNSET
            raise ValueError(f"{self.param.name}: pick one")
        return self.combo.currentData()

    def index_of(self, value: Any) -> int:
        for index in range(self.combo.count()):
            data = self.combo.itemData(index)
            if data is not UNSET and data == value and type(data) is type(value):
                return index
        return -1

    def set_value(self, value: Any) -> None:
        index = self.index_of(value)
        if index < 0:
            self.combo.addItem(f"{show_default(value)} (not allowed)", value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)
        self.validate()

    def unset(self) -> None:
        self.combo.setCurrentIndex(0 if self.optional else -1)
        self.validate()

    def _line(self) -> QLineEdit:
        line = self.combo.lineEdit()
        assert line is not None, "only an editable picker has a line edit"
        return line

    def is_editing(self) -> bool:
        return self.combo.isEditable() and self._line().isModified()

    def _picked(self, _index: int) -> None:
        self.validate()
        self.edited.emit()
        self.committed.emit()


class ChoicePicker(Picker):
    def __init__(
        self, param: Any, lookups: list[str], *, optional: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(param, optional=optional, parent=parent)
        self.add_values(list(param.choices))
        self.unset()


class BooleanPicker(Picker):
    def __init__(
        self, param: Any, lookups: list[str], *, optional: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(param, optional=optional, parent=parent)
        self.add_values([True, False])
        self.unset()


class LookupPicker(Picker):
    """The name of one of the document's lookup tables; a typed name no table has is flagged."""

    def __init__(
        self, param: Any, lookups: list[str], *, optional: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(param, optional=optional, parent=parent)
        self.tables = sorted(lookups)
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._line().setPlaceholderText(
            "a lookup table of this mapping" if self.tables else "no lookup tables yet"
        )
        self._line().textEdited.connect(self._typed)
        self._line().editingFinished.connect(self._finished)
        self.add_values(list(self.tables))
        self.unset()

    def value(self) -> Any:
        text = self.combo.currentText().strip()
        if not text:
            if self.optional:
                return UNSET
            raise ValueError(f"{self.param.name}: pick a lookup table")
        if text not in self.tables:
            known = ", ".join(self.tables) or "none yet; add one under Mapping → Lookups"
            raise ValueError(
                f"{self.param.name}: no lookup table is named {text!r} (tables: {known})"
            )
        return text

    def set_value(self, value: Any) -> None:
        index = self.index_of(value)
        if index >= 0:
            self.combo.setCurrentIndex(index)
        else:
            self.combo.setEditText(str(value))
        self._line().setModified(False)
        self.validate()

    def unset(self) -> None:
        self.combo.setCurrentIndex(-1)
        self.combo.setEditText("")
        self.validate()

    def _typed(self, _text: str) -> None:
        self.validate()
        self.edited.emit()

    def _finished(self) -> None:
        line = self._line()
        if line.isModified():
            line.setModified(False)
            self.committed.emit()

    def validate(self) -> str | None:
        problem = super().validate()
        line = self._line()
        invalid = problem is not None
        if line.property("invalid") != invalid:
            line.setProperty("invalid", invalid)
            line.style().unpolish(line)
            line.style().polish(line)
        return problem


#: The picker of each kind chosen from a list.
PICKERS: Final[dict[ArgHint, Any]] = {
    ArgHint.CHOICE: ChoicePicker,
    ArgHint.BOOLEAN: BooleanPicker,
    ArgHint.LOOKUP: LookupPicker,
}
