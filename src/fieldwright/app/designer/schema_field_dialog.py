"""The field dialog of the schema editor: name, type, required, description and example."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.shell.forms import Form
from fieldwright.domain import FieldType, SchemaField

__all__ = ["FieldDialog", "parse_example"]

#: Types whose examples are text as typed; the others read JSON (42, true, [1, 2]) first.
_TEXT_TYPES = {FieldType.STRING, FieldType.DATE, FieldType.DATETIME}


def parse_example(text: str, kind: FieldType) -> Any:
    """The example value typed as `text` for a field of type `kind` (None when empty)."""
    text = text.strip()
    if not text:
        return None
    if kind in _TEXT_TYPES:
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _example_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class FieldDialog(QDialog):
    """Edit one schema field; `changes()` and `name()` say what the analyst changed."""

    def __init__(self, path: str, field: SchemaField, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("schema_field_dialog")
        self.setWindowTitle(f"Field {field.name}")
        self.field = field
        self.form = Form("schema_field_dialog.ui")
        self.name_edit = self.form.child(QLineEdit, "field_name")
        self.type_combo = self.form.child(QComboBox, "field_type")
        self.required = self.form.child(QCheckBox, "field_required")
        self.description = self.form.child(QLineEdit, "field_description")
        self.example = self.form.child(QLineEdit, "field_example")
        self.problem = self.form.child(QLabel, "field_problem")
        self.buttons = self.form.child(QDialogButtonBox, "field_buttons")
        self.form.child(QLabel, "field_path").setText(path)
        for kind in FieldType:
            self.type_combo.addItem(kind.value, kind)
        self.name_edit.setText(field.name)
        self.type_combo.setCurrentIndex(self.type_combo.findData(field.type))
        self.required.setChecked(field.required)
        self.description.setText(field.description)
        self.example.setText(_example_text(field.example))
        self.problem.hide()
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name_edit.textChanged.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form.widget)
        self.setMinimumWidth(420)

    def _check(self, text: str) -> None:
        ok = bool(text.strip())
        self.problem.setText("" if ok else "A field needs a name.")
        self.problem.setVisible(not ok)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def kind(self) -> FieldType:
        return FieldType(self.type_combo.currentData())

    def name(self) -> str:
        return self.name_edit.text().strip()

    def changes(self) -> dict[str, Any]:
        """The properties that differ from the field's."""
        wanted = {
            "type": self.kind(),
            "required": self.required.isChecked(),
            "description": self.description.text().strip(),
            "example": parse_example(self.example.text(), self.kind()),
        }
        return {name: value for name, value in wanted.items() if getattr(self.field, name) != value}
