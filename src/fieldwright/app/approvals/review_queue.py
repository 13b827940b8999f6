"""Mapping → Review queue…: the versions waiting for review, and what each still needs.

Review… (or a double-click) opens the version's `ApprovalsDialog`; the queue
reads itself again when that dialog changes something.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.approvals.lifecycle_dialog import ApprovalsDialog
from fieldwright.app.approvals.tables import fill_table, when
from fieldwright.app.shell.forms import Form
from fieldwright.domain.approvals import ReviewItem
from fieldwright.service import Service, ServiceError

__all__ = ["ReviewQueueDialog", "open_review_queue"]

HEADERS = ["Mapping", "Version", "Submitted by", "Submitted", "Signed", "Waiting for"]
#: The mapping's name and key take the room the other columns leave.
MAPPING_COLUMN = 0


class ReviewQueueDialog(QDialog):
    def __init__(self, service: Service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("review_queue_dialog")
        self.setWindowTitle("Review queue")
        self.service = service
        self.items: list[ReviewItem] = []
        #: The lifecycle dialog opened from the queue, if one is open.
        self.reviewing: ApprovalsDialog | None = None
        self.form = Form("review_queue_dialog.ui")
        self.mine = self.form.child(QCheckBox, "queue_mine")
        self.table = self.form.child(QTableWidget, "queue_table")
        self.message = self.form.child(QLabel, "queue_message")
        self.open_button = self.form.child(QPushButton, "queue_open")
        self.form.child(QPushButton, "queue_refresh").clicked.connect(self.reload)
        self.form.child(QDialogButtonBox, "queue_close").rejected.connect(self.reject)
        self.mine.toggled.connect(self.reload)
        self.open_button.clicked.connect(self.review_selected)
        self.table.itemDoubleClicked.connect(self.review_selected)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form.widget)
        self.resize(900, 420)
        self.reload()

    def reload(self) -> None:
        user = self.service.user if self.mine.isChecked() else None
        try:
            self.items = self.service.approvals.review_queue(user)
        except ServiceError as exc:
            self.items = []
            self.message.setText(str(exc))
        rows = [
            [
                f"{item.mapping_name} ({item.mapping_key})",
                str(item.version),
                item.submitted_by or "",
                when(item.submitted_at),
                ", ".join(r.label for r in item.signed_roles) or "none yet",
                ", ".join(r.label for r in item.missing_roles) or "approval",
            ]
            for item in self.items
        ]
        fill_table(self.table, HEADERS, rows, stretch=MAPPING_COLUMN)
        if self.items:
            self.table.selectRow(0)
            self.message.setText(f"{len(self.items)} waiting for review.")
        else:
            self.message.setText("Nothing waits for you." if user else "Nothing waits for review.")
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.open_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def review_selected(self) -> ApprovalsDialog | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.items[rows[0].row()]
        dialog = ApprovalsDialog(self.service, item.mapping_key, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.reload(select=item.version)
        dialog.changed.connect(lambda _lifecycle: self.reload())
        dialog.finished.connect(lambda _result: setattr(self, "reviewing", None))
        self.reviewing = dialog
        dialog.open()
        return dialog


def open_review_queue(service: Service, parent: QWidget) -> ReviewQueueDialog:
    dialog = ReviewQueueDialog(service, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
