"""The Template Library's two small forms: use a template for a client, save a mapping as one."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldwright.domain import MappingDocument
from fieldwright.domain.template import TemplateCategory

__all__ = ["SaveAsTemplateDialog", "UseTemplateDialog"]


def _buttons(dialog: QDialog, ok_text: str) -> tuple[QDialogButtonBox, QPushButton]:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


class UseTemplateDialog(QDialog):
    """Asks the client code (and optionally a name) for a new mapping from one template.

    Accepting only closes the form; the panel instantiates the template."""

    #: The connection choice that keeps the template's own connector.
    KEEP = "(the template's)"

    def __init__(
        self, template_name: str, connections: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("use_template_dialog")
        self.setWindowTitle("Use template")
        self.resize(480, 240)
        intro = QLabel(f"A new mapping from “{template_name}”, with its field mappings and tests.")
        intro.setWordWrap(True)
        self.client = QLineEdit()
        self.client.setObjectName("client")
        self.client.setPlaceholderText("e.g. ACME — becomes part of the mapping's key")
        self.name = QLineEdit()
        self.name.setObjectName("mapping_name")
        self.name.setPlaceholderText("optional; default: the template's name and the client")
        self.source_connection = QComboBox()
        self.source_connection.setObjectName("source_connection")
        self.target_connection = QComboBox()
        self.target_connection.setObjectName("target_connection")
        for combo in (self.source_connection, self.target_connection):
            combo.addItems([self.KEEP, *connections])
        form = QFormLayout()
        form.addRow("Client code", self.client)
        form.addRow("Mapping name", self.name)
        form.addRow("Source connection", self.source_connection)
        form.addRow("Target connection", self.target_connection)
        buttons, self.create_button = _buttons(self, "Create mapping")
        buttons.accepted.connect(self.accept)
        self.client.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._update()

    def _update(self) -> None:
        self.create_button.setEnabled(bool(self.client.text().strip()))

    def chosen_connection(self, side: str) -> str | None:
        """The saved connection chosen for "source" or "target", or None to keep the template's."""
        combo = self.source_connection if side == "source" else self.target_connection
        text = combo.currentText()
        return None if text == self.KEEP else text


def _systems_guess(key: str) -> tuple[str, str]:
    """mapping_{SRC}_{TGT}_… → (SRC, TGT); empty when the key does not follow the pattern."""
    parts = key.split("_")
    if len(parts) >= 3 and parts[0] == "mapping":
        return parts[1].upper(), parts[2].upper()
    return "", ""


class SaveAsTemplateDialog(QDialog):
    """Asks code, version, category and systems for saving a mapping as a template."""

    def __init__(self, document: MappingDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("save_template_dialog")
        self.setWindowTitle("Save mapping as template")
        self.resize(520, 300)
        source, target = _systems_guess(document.key)
        self.code = QLineEdit(f"template_{source}_{target}" if source else "template_")
        self.code.setObjectName("template_code")
        self.code.setPlaceholderText("template_{SRC}_{TGT}, e.g. template_QBT_WFN")
        self.version = QSpinBox()
        self.version.setObjectName("template_version")
        self.version.setRange(1, 9999)
        self.category = QComboBox()
        self.category.setObjectName("template_category")
        for category in TemplateCategory:
            self.category.addItem(
                "HR" if category is TemplateCategory.HR else category.value.capitalize(),
                category.value,
            )
        self.category.setCurrentIndex(self.category.findData(TemplateCategory.CUSTOM.value))
        self.source_system = QLineEdit(source)
        self.source_system.setObjectName("source_system")
        self.target_system = QLineEdit(target)
        self.target_system.setObjectName("target_system")
        self.name = QLineEdit(document.name)
        self.name.setObjectName("template_name")
        form = QFormLayout()
        form.addRow("Template code", self.code)
        form.addRow("Version", self.version)
        form.addRow("Category", self.category)
        form.addRow("Source system", self.source_system)
        form.addRow("Target system", self.target_system)
        form.addRow("Name", self.name)
        buttons, self.save_button = _buttons(self, "Save template")
        buttons.accepted.connect(self.accept)
        for edit in (self.code, self.source_system, self.target_system, self.name):
            edit.textChanged.connect(self._update)
        hint = QLabel(
            f"“{document.name}” becomes a template with its {len(document.fields)} field "
            f"mappings and {len(document.tests)} tests; it is usable once every test passes."
        )
        hint.setWordWrap(True)
        hint.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._update()

    def _update(self) -> None:
        filled = all(
            edit.text().strip()
            for edit in (self.code, self.source_system, self.target_system, self.name)
        )
        self.save_button.setEnabled(filled)

    def chosen_category(self) -> str:
        return str(self.category.currentData())
