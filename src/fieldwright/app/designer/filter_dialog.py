"""Mapping → Filter…: the record filter, checked as it is typed.

A problem shows at once in the error colour and OK waits until the
expression compiles; a valid one says what it does to the Preview's sample
records. OK pushes one undoable `SetFilter` (nothing when the filter is
unchanged). An empty expression removes the filter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
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
from fieldwright.service import FilterCounts, check_filter, sample_filter

__all__ = ["FilterDialog", "open_filter_dialog", "sample_text"]


def sample_text(counts: FilterCounts, total: int) -> str:
    """What a valid filter does to the sample, in words."""
    text = f"Valid: keeps {counts.kept} of the {total} sample records, drops {counts.dropped}"
    if counts.failed:
        text += f"; it cannot be evaluated on {counts.failed} (they would fail)"
    return text + "."


class FilterDialog(QDialog):
    def __init__(
        self,
        session: DocumentSession,
        parent: QWidget | None = None,
        records: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(parent)
        #: The Preview's sample records, to say what the filter would do to them.
        self.records = list(records)
        self.setObjectName("filter_dialog")
        self.setWindowTitle("Record filter")
        self.session = session
        self.form = Form("filter_dialog.ui")
        self.expression = self.form.child(QPlainTextEdit, "filter_expression")
        self.problem = self.form.child(QLabel, "filter_problem")
        self.buttons = self.form.child(QDialogButtonBox, "filter_buttons")
        self.expression.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
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
        elif text and self.records:
            message, role = (
                sample_text(sample_filter(text, self.records), len(self.records)),
                "muted",
            )
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


def open_filter_dialog(
    session: DocumentSession, parent: QWidget, records: Sequence[Mapping[str, Any]] = ()
) -> FilterDialog:
    """Show the dialog (window-modal, without blocking); OK pushes the filter."""
    dialog = FilterDialog(session, parent, records)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def accepted() -> None:
        session.push(dialog.edit())

    dialog.accepted.connect(accepted)
    dialog.open()
    return dialog
