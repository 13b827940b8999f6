"""New mapping from a template: pick a certified template, name the client, get a mapping."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.shell.forms import Form
from fieldwright.service import ServiceError

if TYPE_CHECKING:
    from fieldwright.service import Service, TemplateSummary

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
        # A template that carries a pipeline makes a pipeline: the Template Library uses it.
        self.templates: list[TemplateSummary] = [
            t for t in service.templates.list_templates() if not t.pipeline_steps
        ]
        self.ui = Form("template_dialog.ui")
        QVBoxLayout(self).addWidget(self.ui.widget)  # the dialog's margins, from the style
        self.table = self.ui.child(QTableWidget, "templates")
        self._fill_table()
        self.client = self.ui.child(QLineEdit, "client")
        self.name = self.ui.child(QLineEdit, "mapping_name")
        buttons = self.ui.child(QDialogButtonBox, "buttons")
        self.create_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("Create mapping")
        buttons.accepted.connect(self.create_mapping)
        buttons.rejected.connect(self.reject)
        self.client.textChanged.connect(self._update)
        self.table.itemSelectionChanged.connect(self._update)
        self._update()

    def _fill_table(self) -> None:
        """A row per template, the first one selected."""
        self.table.setRowCount(len(self.templates))
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
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
