"""The Template Library's two small forms: use a template for a client, save a mapping as one."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.shell.forms import Form
from fieldwright.domain import MappingDocument
from fieldwright.domain.template import TemplateCategory

__all__ = ["SaveAsTemplateDialog", "UseTemplateDialog"]


def _load(dialog: QDialog, form: str, ok_text: str) -> tuple[Form, QPushButton]:
    """`ui/<form>` as the dialog's content (the style's window margins); its renamed OK button."""
    ui = Form(form)
    QVBoxLayout(dialog).addWidget(ui.widget)
    buttons = ui.child(QDialogButtonBox, "buttons")
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return ui, ok


class UseTemplateDialog(QDialog):
    """Asks the client code (and optionally a name) for a new mapping from one template.

    Accepting only closes the form; the panel instantiates the template."""

    #: The connection choice that keeps the template's own connector.
    KEEP = "(the template's)"

    def __init__(
        self,
        template_name: str,
        connections: list[str],
        parent: QWidget | None = None,
        *,
        pipeline_steps: int = 0,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("use_template_dialog")
        self.setWindowTitle("Use template")
        self.resize(520 if pipeline_steps else 480, 240)
        made = "pipeline" if pipeline_steps else "mapping"
        self.ui, self.create_button = _load(self, "use_template_dialog.ui", f"Create {made}")
        self.ui.child(QLabel, "use_template_intro").setText(
            f"A new pipeline from “{template_name}”: its {pipeline_steps} steps, the mappings "
            "its map steps use, and the tests of each. Its keys end with the client code "
            "and today's date."
            if pipeline_steps
            else f"A new mapping from “{template_name}”, with its field mappings and tests."
        )
        self.client = self.ui.child(QLineEdit, "client")
        self.name = self.ui.child(QLineEdit, "mapping_name")
        if pipeline_steps:
            self.ui.child(QLabel, "mapping_name_label").setText("Pipeline name")
            self.client.setPlaceholderText("e.g. ACME — becomes part of every key")
        self.source_connection = self.ui.child(QComboBox, "source_connection")
        self.target_connection = self.ui.child(QComboBox, "target_connection")
        for combo in (self.source_connection, self.target_connection):
            combo.addItems([self.KEEP, *connections])
        if pipeline_steps:  # the pipeline's own endpoints: what its runs read and write
            self.ui.child(QLabel, "source_connection_label").setText("Pipeline reads from")
            self.ui.child(QLabel, "target_connection_label").setText("Pipeline writes to")
            for combo in (self.source_connection, self.target_connection):
                combo.setToolTip(
                    "A saved connection, or the template's own (set it later on the "
                    "Pipelines page or in Run with…)"
                )
        self.client.textChanged.connect(self._update)
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
        self.ui, self.save_button = _load(self, "save_template_dialog.ui", "Save template")
        self.ui.child(QLabel, "save_template_hint").setText(
            f"“{document.name}” becomes a template with its {len(document.fields)} field "
            f"mappings and {len(document.tests)} tests; it is usable once every test passes."
        )
        source, target = _systems_guess(document.key)
        self.code = self._line(
            "template_code", f"template_{source}_{target}" if source else "template_"
        )
        self.version = self.ui.child(QSpinBox, "template_version")
        self.category = self.ui.child(QComboBox, "template_category")
        for category in TemplateCategory:
            self.category.addItem(
                "HR" if category is TemplateCategory.HR else category.value.capitalize(),
                category.value,
            )
        self.category.setCurrentIndex(self.category.findData(TemplateCategory.CUSTOM.value))
        self.source_system = self._line("source_system", source)
        self.target_system = self._line("target_system", target)
        self.name = self._line("template_name", document.name)
        self._update()

    def _line(self, name: str, text: str) -> QLineEdit:
        """The form's line edit `name`, showing `text`; every edit re-checks the form."""
        edit = self.ui.child(QLineEdit, name)
        edit.setText(text)
        edit.textChanged.connect(self._update)
        return edit

    def _update(self) -> None:
        filled = all(
            edit.text().strip()
            for edit in (self.code, self.source_system, self.target_system, self.name)
        )
        self.save_button.setEnabled(filled)

    def chosen_category(self) -> str:
        return str(self.category.currentData())
