"""Mapping → Properties…: name, key, description, client and system codes.

The dialog only gathers the values; `edit()` is the authoring layer's undoable
`SetProperties` edit of what changed (None when nothing did), which the window
pushes on the session's undo stack. OK stays disabled while a value would be
refused (no name or key, a code that is not 2 to 16 upper-case letters, digits or _).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.documents.session import DocumentSession
from fieldwright.app.shell.forms import Form
from fieldwright.authoring.edits import SetProperties
from fieldwright.authoring.new_mapping import code_problem, properties_edit, typed_code
from fieldwright.domain import MappingDocument

__all__ = ["PropertiesDialog", "edit_properties"]

_CODES = (
    ("client", "client"),
    ("source_system", "source system"),
    ("target_system", "target system"),
)


class PropertiesDialog(QDialog):
    """Edit a mapping's properties; `edit()` says what changed as an undoable edit."""

    def __init__(self, document: MappingDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mapping_properties_dialog")
        self.setWindowTitle(f"Properties of {document.name}")
        self.document = document
        self.ui = Form("mapping_properties_dialog.ui")
        QVBoxLayout(self).addWidget(self.ui.widget)
        child = self.ui.child
        self.name = child(QLineEdit, "properties_name")
        self.key = child(QLineEdit, "properties_key")
        self.description = child(QPlainTextEdit, "properties_description")
        self.codes = {name: child(QLineEdit, f"properties_{name}") for name, _what in _CODES}
        self.problem = child(QLabel, "properties_problem")
        buttons = child(QDialogButtonBox, "properties_buttons")
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.name.setText(document.name)
        self.key.setText(document.key)
        self.description.setPlainText(document.description)
        self.description.setFixedHeight(self.description.fontMetrics().lineSpacing() * 4 + 12)
        for name, edit in self.codes.items():
            edit.setText(getattr(document, name))
            edit.textEdited.connect(lambda _t, e=edit: self._code_typed(e))
        for edit in (self.name, self.key):
            edit.textChanged.connect(self._check)
        self.setMinimumWidth(520)
        self._check()

    def _code_typed(self, edit: QLineEdit) -> None:
        position = edit.cursorPosition()
        edit.setText(typed_code(edit.text()))
        edit.setCursorPosition(min(position, len(edit.text())))
        self._check()

    def problems(self) -> list[str]:
        found = []
        if not self.name.text().strip():
            found.append("A mapping needs a name.")
        key = self.key.text().strip()
        if not key:
            found.append("A mapping needs a key.")
        elif any(ch.isspace() for ch in key):
            found.append("A mapping key has no spaces (use _).")
        for name, what in _CODES:
            if (problem := code_problem(self.codes[name].text(), what)) is not None:
                found.append(problem)
        return found

    def _check(self) -> None:
        problems = self.problems()
        self.problem.setText("\n".join(problems))
        self.problem.setVisible(bool(problems))
        self.ok_button.setEnabled(not problems)

    def edit(self) -> SetProperties | None:
        """The undoable edit of what changed; None when nothing did."""
        return properties_edit(
            self.document,
            name=self.name.text(),
            key=self.key.text(),
            description=self.description.toPlainText(),
            **{name: edit.text() for name, edit in self.codes.items()},
        )


def edit_properties(session: DocumentSession, parent: QWidget) -> PropertiesDialog:
    """Open the dialog over `parent` (window-modal, without a nested event loop); OK pushes
    the edit of what changed on the session's undo stack. Returns the open dialog."""
    dialog = PropertiesDialog(session.document, parent)

    def done(result: int) -> None:
        if result == QDialog.DialogCode.Accepted:
            session.push(dialog.edit())
        dialog.deleteLater()

    dialog.finished.connect(done)
    dialog.open()
    return dialog
