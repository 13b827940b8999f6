"""The expression editors: a field's value computed from other fields, and the step's argument.

A monospace box for the expression (JSONata, docs/expressions.md) with the
problem under it, checked on every key press through the service
(`check_expression`: it parses, never evaluates). The text is committed when
the box loses focus or on Ctrl+Enter; an empty box removes the expression.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeyEvent
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from fieldwright.app.designer.arg_editors import LineArgEditor
from fieldwright.service import check_expression

__all__ = ["ExpressionArgEditor", "ExpressionEditor"]

HINT = (
    "e.g. qty * price, $decimal(price) * qty for exact money, @.qty for the current item; "
    "Ctrl+Enter to apply. `fieldwright functions --expressions` lists the rest."
)


class ExpressionEditor(QWidget):
    """Edits one expression; `committed` carries the text (None for an empty box)."""

    committed = Signal(object)  #: str | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("expression_editor")
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("expression_text")
        self.edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.edit.setTabChangesFocus(True)
        self.edit.setPlaceholderText("qty * price")
        self.edit.setToolTip(HINT)
        line = self.edit.fontMetrics().lineSpacing()
        self.edit.setFixedHeight(line * 3 + 12)
        self.message = QLabel()
        self.message.setObjectName("expression_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.message)
        self._shown: str | None = None
        self._dirty = False
        self.edit.textChanged.connect(self._changed)
        self.edit.installEventFilter(self)
        self._check()

    # -- what the document holds ---------------------------------------------------------

    def show_expression(self, text: str | None) -> None:
        """Show the field's expression (None: it has none), dropping what was typed."""
        self._shown = text
        self.edit.blockSignals(True)
        self.edit.setPlainText(text or "")
        self.edit.blockSignals(False)
        self._dirty = False
        self._check()

    def typing(self) -> bool:
        """Whether the analyst has typed text not committed yet."""
        return self._dirty

    def text(self) -> str | None:
        text = self.edit.toPlainText().strip()
        return text or None

    def commit(self) -> None:
        """Emit `committed` when the text differs from what the field holds."""
        if not self._dirty:
            return
        self._dirty = False
        text = self.text()
        if text != self._shown:
            self.committed.emit(text)

    # -- as you type ----------------------------------------------------------------------

    def _changed(self) -> None:
        self._dirty = True
        self._check()

    def _check(self) -> None:
        text = self.text()
        problem = None if text is None else check_expression(text)
        if problem is None:
            self.message.setProperty("role", "muted")
            self.message.setText(HINT if text is None else "Valid expression.")
            self.message.setToolTip("")
        else:
            self.message.setProperty("role", "error")
            self.message.setText(str(problem))
            self.message.setToolTip(str(problem))
        self.edit.setProperty("invalid", problem is not None)
        for widget in (self.message, self.edit):
            widget.style().unpolish(widget)
            widget.style().polish(widget)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit:
            if event.type() == QEvent.Type.FocusOut:
                self.commit()
            elif event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
                enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                    self.commit()
                    return True
        return super().eventFilter(watched, event)


class ExpressionArgEditor(LineArgEditor):
    """The `expression` step's argument: one line of JSONata, checked as it is typed."""

    expects = "an expression, e.g. $value * price"

    def __init__(self, param: Any, *, optional: bool, parent: QWidget | None = None) -> None:
        super().__init__(param, optional=optional, parent=parent)
        self.line.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.line.setToolTip(HINT)

    def parse(self, text: str) -> Any:
        problem = check_expression(text)
        if problem is not None:
            raise ValueError(f"{self.param.name}: {problem}")
        return text
