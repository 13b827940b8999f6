"""Ask for a database table to read a schema from: SQLAlchemy URL, password, table name.

The password is a separate field, used for this one connection and never stored.
"""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

__all__ = ["TableDialog"]


class TableDialog(QDialog):
    def __init__(self, side: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("table_dialog")
        self.setWindowTitle(f"Load the {side} schema from a database table")
        self.url = QLineEdit()
        self.url.setObjectName("table_url")
        self.url.setPlaceholderText("postgresql+psycopg://user@host:5432/dbname")
        self.password = QLineEdit()
        self.password.setObjectName("table_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("only if the database asks for one; never stored")
        self.table = QLineEdit()
        self.table.setObjectName("table_name")
        self.table.setPlaceholderText("contacts")
        hint = QLabel(
            "A SQLAlchemy URL, e.g. sqlite:///C:/data/crm.db or "
            "postgresql+psycopg://analyst@db.example.com/crm. Each column becomes a field."
        )
        hint.setWordWrap(True)
        hint.setProperty("role", "muted")
        form = QFormLayout()
        form.addRow("Database URL", self.url)
        form.addRow("Password", self.password)
        form.addRow("Table", self.table)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Load columns")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.url.textChanged.connect(self._update)
        self.table.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(560, 0)
        self._update()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._update()  # the button box makes its accept button the default when shown

    def _update(self) -> None:
        ready = bool(self.url.text().strip() and self.table.text().strip())
        load = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        load.setEnabled(ready)
        # A disabled default button would be drawn as a primary one with grey text.
        load.setDefault(ready)
        load.setAutoDefault(ready)
