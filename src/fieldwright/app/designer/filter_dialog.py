"""Mapping → Filter…: the record filter, checked as it is typed.

A problem shows at once in the error colour and OK waits until the
expression compiles; OK pushes one undoable `SetFilter` (nothing when the
filter is unchanged). An empty expression removes the filter.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.documents.session import DocumentSession
from fieldwright.app.shell.forms import Form
from fieldwright.authoring.lookup_edits import SetFilter
from fieldwright.service import check_filter

__all__ = ["FilterDialog", "open_filter_dialog"]


class FilterDialog(QDialog):
    def __init__(self, session: DocumentSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filter_dialog")
        self.setWindowTitle("Record filter")
        self.session = session
        self.form = Form("filter_dialog.ui")
        self.expression = self.form.child(QPlainTextEdit, "filter_expression")
        self.problem = self.form.child(QLabel, "filter_problem")
        self.buttons = self.form.child(QDialogButtonBox, "filter_buttons")
        self.expression.setPlainText(session.document.filter or "")
        self.expression.textChanged.connect(self._check)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form.widget)
        self.resize(560, 300)
        self._check()

    def text(self) -> str:
        return self.expression.toPlainText().strip()

    def _check(self) -> None:
        text = self.text()
        problem = check_filter(text)
        if problem is not None:
            message, role = problem[0].upper() + problem[1:], "error"
        elif text:
            message, role = "Valid: records for which it is false or null are dropped.", "muted"
        else:
            message, role = "No filter: every record is kept.", "muted"
        self.problem.setText(message)
        if self.problem.property("role") != role:
            self.problem.setProperty("role", role)
            self.problem.style().unpolish(self.problem)
            self.problem.style().polish(self.problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)

    def edit(self) -> SetFilter | None:
        """The edit OK makes; None when the filter is as it was."""
        text = self.text() or None
        return None if text == self.session.document.filter else SetFilter(text)


def open_filter_dialog(session: DocumentSession, parent: QWidget) -> FilterDialog:
    """Show the dialog (window-modal, without blocking); OK pushes the filter."""
    dialog = FilterDialog(session, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def accepted() -> None:
        session.push(dialog.edit())

    dialog.accepted.connect(accepted)
    dialog.open()
    return dialog
