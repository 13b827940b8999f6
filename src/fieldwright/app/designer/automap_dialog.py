"""Review auto-map suggestions: accept all, accept the checked ones, or reject."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.documents.session import DocumentSession
from fieldwright.authoring import automap
from fieldwright.authoring.automap import Suggestion, suggest_mappings

__all__ = ["AutoMapDialog", "accept_suggestions"]


def accept_suggestions(session: DocumentSession, suggestions: list[Suggestion]) -> int:
    """Map every suggestion as one undoable edit (one change); returns how many were mapped."""
    edit = automap.accept_suggestions(session.document, suggestions)
    session.push(edit)
    return 0 if edit is None else len(edit.edits)


class AutoMapDialog(QDialog):
    def __init__(self, session: DocumentSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("automap_dialog")
        self.setWindowTitle("Auto-map fields")
        self.resize(760, 420)
        self.session = session
        self.suggestions = suggest_mappings(session.document)
        self.accepted_count = 0
        intro = QLabel(
            f"{len(self.suggestions)} suggestions for unmapped target fields, by name similarity "
            "and type compatibility. Uncheck the ones you do not want."
            if self.suggestions
            else "No suggestions: every target field is mapped, or no names are alike."
        )
        intro.setWordWrap(True)
        self.list = QTreeWidget()
        self.list.setObjectName("suggestions")
        self.list.setHeaderLabels(["Source", "Target", "Confidence", "Why"])
        self.list.setRootIsDecorated(False)
        for suggestion in self.suggestions:
            item = QTreeWidgetItem(
                [
                    suggestion.source,
                    suggestion.target,
                    f"{suggestion.confidence:.0%}",
                    suggestion.reason,
                ]
            )
            item.setCheckState(0, Qt.CheckState.Checked)
            self.list.addTopLevelItem(item)
        for column, width in enumerate((230, 150, 90)):
            self.list.setColumnWidth(column, width)
        accept_all = QPushButton("Accept all")
        accept_all.setObjectName("accept_all")
        accept_all.setProperty("primary", True)
        accept_checked = QPushButton("Accept checked")
        accept_checked.setObjectName("accept_checked")
        reject = QPushButton("Reject")
        reject.setObjectName("reject")
        accept_all.clicked.connect(lambda: self._accept(self.suggestions))
        accept_checked.clicked.connect(lambda: self._accept(self.checked()))
        reject.clicked.connect(self.reject)
        for button in (accept_all, accept_checked):
            button.setEnabled(bool(self.suggestions))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(reject)
        buttons.addWidget(accept_checked)
        buttons.addWidget(accept_all)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

    def checked(self) -> list[Suggestion]:
        chosen = []
        for row, suggestion in enumerate(self.suggestions):
            item = self.list.topLevelItem(row)
            if item is not None and item.checkState(0) == Qt.CheckState.Checked:
                chosen.append(suggestion)
        return chosen

    def _accept(self, suggestions: list[Suggestion]) -> None:
        self.accepted_count = accept_suggestions(self.session, suggestions)
        self.accept()
