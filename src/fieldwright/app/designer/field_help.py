"""The inspector's help tooltips: the mapping reference's own texts, by widget name.

A widget named `field_<option>` shows the reference topic `<option>` (on_error,
required, default, missing), `rule_<rule>` the topic `rules.<rule>`; its form
label shows the same text. The texts are the ones `fieldwright functions
--markdown` writes to docs/reference.md (`service.field_help`), so the GUI and
the documentation never disagree.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldwright.service import field_help, reference_markdown

__all__ = ["HELP_PROPERTY", "ReferenceDialog", "help_topic", "install_field_help"]

#: The widget property holding its help text (a line edit shows it again once valid).
HELP_PROPERTY = "help"
#: Containers of the inspector and the topic each explains.
_GROUPS = {"rules_group": "rules", "chain_group": "order"}


def help_topic(name: str) -> str | None:
    """The reference topic of an inspector widget name, or None."""
    if name.startswith("field_"):
        return name.removeprefix("field_")
    if name.startswith("rule_"):
        return "rules." + name.removeprefix("rule_")
    return _GROUPS.get(name)


def install_field_help(form: QWidget) -> int:
    """Give every widget of `form` with a topic its help tooltip; the number of widgets."""
    installed = 0
    for widget in form.findChildren(QWidget):
        topic = help_topic(widget.objectName())
        text = field_help(topic) if topic is not None else ""
        if not text:
            continue
        widget.setToolTip(text)
        widget.setProperty(HELP_PROPERTY, text)
        installed += 1
        parent = widget.parentWidget()
        layout = parent.layout() if parent is not None else None
        if isinstance(layout, QFormLayout) and (label := layout.labelForField(widget)):
            label.setToolTip(text)
    return installed


class ReferenceDialog(QDialog):
    """Help → Mapping reference: docs/reference.md as the app shows it, with a search."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reference_dialog")
        self.setWindowTitle("Mapping reference")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(820, 600)
        self.search = QLineEdit()
        self.search.setObjectName("reference_search")
        self.search.setPlaceholderText("Find in the reference (Enter for the next match)…")
        self.search.setClearButtonEnabled(True)
        self.text = QTextBrowser()
        self.text.setObjectName("reference_text")
        self.text.setMarkdown(reference_markdown())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.search.returnPressed.connect(self.find_next)

    def find_next(self) -> bool:
        """Select the next match of the search text, wrapping once; whether one was found."""
        words = self.search.text()
        if not words:
            return False
        if self.text.find(words):
            return True
        cursor = self.text.textCursor()
        cursor.movePosition(cursor.MoveOperation.Start)
        self.text.setTextCursor(cursor)
        return self.text.find(words)
