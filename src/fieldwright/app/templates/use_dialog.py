"""New mapping from a template: pick a certified template, name the client, get a mapping."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldwright.service.errors import ServiceError

if TYPE_CHECKING:
    from fieldwright.service import Service
    from fieldwright.service.templates import TemplateSummary

__all__ = ["TemplateDialog"]

COLUMNS = ("Template", "Category", "Version", "Mappings", "Tests", "Certified")


class TemplateDialog(QDialog):
    """Lists the library's templates; accepting instantiates one for a client (`created_key`)."""

    def __init__(self, service: Service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New mapping from a template")
        self.resize(760, 440)
        self.service = service
        self.created_key: str | None = None
        self.templates: list[TemplateSummary] = service.templates.list_templates()

        self.table = QTableWidget(len(self.templates), len(COLUMNS))
        self.table.setObjectName("templates")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        for row, template in enumerate(self.templates):
            cells = (
                template.name,
                template.category,
                str(template.version),
                str(template.mapping_count),
                str(template.test_count),
                "✔ certified" if template.certified else "✘ tests fail",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{template.code}\n{template.description}")
                if column >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        if self.templates:
            self.table.selectRow(0)

        self.client = QLineEdit()
        self.client.setObjectName("client")
        self.client.setPlaceholderText("e.g. ACME — becomes part of the mapping's key")
        self.name = QLineEdit()
        self.name.setObjectName("mapping_name")
        self.name.setPlaceholderText("optional; default: the template's name and the client")
        form = QFormLayout()
        form.addRow("Client code", self.client)
        form.addRow("Mapping name", self.name)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.create_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("Create mapping")
        buttons.accepted.connect(self.create_mapping)
        buttons.rejected.connect(self.reject)
        self.client.textChanged.connect(self._update)
        self.table.itemSelectionChanged.connect(self._update)

        layout = QVBoxLayout(self)
        hint = QLabel(
            "Certified means the template's whole test suite passes on this version; "
            "the mapping starts with its field mappings and tests."
        )
        hint.setWordWrap(True)
        hint.setProperty("role", "muted")
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._update()

    def selected(self) -> TemplateSummary | None:
        rows = self.table.selectionModel().selectedRows()
        return self.templates[rows[0].row()] if rows else None

    def _update(self) -> None:
        template = self.selected()
        usable = template is not None and template.certified
        self.create_button.setEnabled(usable and bool(self.client.text().strip()))

    def create_mapping(self) -> None:
        template = self.selected()
        if template is None:
            return
        try:
            document = self.service.templates.instantiate(
                template.code, self.client.text(), name=self.name.text().strip() or None
            )
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot create the mapping", str(exc))
            return
        self.created_key = document.key
        self.accept()
