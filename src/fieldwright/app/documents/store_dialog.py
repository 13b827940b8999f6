"""Open a mapping from the store: a searchable list (key, name, version, updated by/at)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.shell.forms import Form
from fieldwright.domain.store_models import MappingSummary
from fieldwright.service import ServiceError

__all__ = ["StoreOpenDialog"]

COLUMNS = ("Key", "Name", "Version", "Updated by", "Updated at")
SEARCH_DELAY_MS = 250


class StoreOpenDialog(QDialog):
    """Run it modally; afterwards `chosen_key` is the mapping to open, or `wants_file` is True."""

    def __init__(
        self,
        lister: Callable[[str | None], list[MappingSummary]],
        where: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("store_open_dialog")
        self.setWindowTitle("Open mapping")
        self.lister = lister
        self.chosen_key: str | None = None
        self.wants_file = False
        self.ui = Form("store_open_dialog.ui")
        QVBoxLayout(self).addWidget(self.ui.widget)  # the dialog's margins, from the style
        self.ui.child(QLabel, "store_where").setText(f"Mappings in {where}")
        self.search = self.ui.child(QLineEdit, "store_search")
        # Ask the store once the typing pauses, not on every keystroke (a remote
        # PostgreSQL answers in tens of milliseconds, on the GUI thread).
        self.search_delay = QTimer(self)
        self.search_delay.setObjectName("store_search_delay")
        self.search_delay.setSingleShot(True)
        self.search_delay.setInterval(SEARCH_DELAY_MS)
        self.search_delay.timeout.connect(self.refresh)
        self.search.textChanged.connect(self.search_delay.start)
        self.table = self.ui.child(QTableWidget, "store_mappings")
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self._open_selected())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.empty = self.ui.child(QLabel, "store_empty")
        self._bind_buttons()
        self.resize(760, 440)
        self.refresh()

    def _bind_buttons(self) -> None:
        """Open and Open file… join the form's Cancel."""
        self.buttons = self.ui.child(QDialogButtonBox, "store_buttons")
        self.open_button = self.buttons.addButton("Open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setObjectName("store_open")
        self.file_button = QPushButton("Open file…")
        self.file_button.setObjectName("store_open_file")
        self.buttons.addButton(self.file_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.clicked.connect(self._open_selected)
        self.file_button.clicked.connect(self._open_file)
        self.buttons.rejected.connect(self.reject)

    def refresh(self) -> None:
        """List the stored mappings matching the search (now; typing waits for a pause)."""
        self.search_delay.stop()
        text = self.search.text().strip()
        try:
            mappings = self.lister(text or None)
        except ServiceError as exc:
            mappings = []
            self.empty.setText(f"Cannot list the stored mappings: {exc}")
        else:
            self.empty.setText(
                f"No stored mapping matches “{text}”."
                if text
                else "No mapping is stored yet: save one, or import a mapping file."
            )
        self.table.setRowCount(len(mappings))
        for row, mapping in enumerate(mappings):
            updated = mapping.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
            cells = (mapping.key, mapping.name, str(mapping.latest_version), mapping.updated_by)
            for column, text_value in enumerate((*cells, updated)):
                item = QTableWidgetItem(text_value)
                item.setData(Qt.ItemDataRole.UserRole, mapping.key)
                item.setToolTip(text_value)
                if column == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, column, item)
        self.empty.setVisible(not mappings)
        if mappings:
            self.table.selectRow(0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        selected = bool(self.table.selectedItems())
        self.open_button.setEnabled(selected)
        # A disabled default button would be drawn as a primary one with grey text.
        self.open_button.setDefault(selected)
        self.open_button.setAutoDefault(selected)

    def _open_selected(self) -> None:
        items = self.table.selectedItems()
        if items:
            self.chosen_key = str(items[0].data(Qt.ItemDataRole.UserRole))
            self.accept()

    def _open_file(self) -> None:
        self.wants_file = True
        self.accept()
