"""The Settings page's "Approvals before production" group: the store's `require_approval`.

It is a setting of the store, not of this user's app: it is read from and
written to the store through `Service.approvals`, and audited there.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from fieldwright.app.shell.forms import Form
from fieldwright.service import Service, ServiceError

__all__ = ["ApprovalSetting"]


class ApprovalSetting(QWidget):
    #: A line for the status bar.
    message = Signal(str)

    def __init__(self, service: Service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("approval_setting")
        self.service = service
        self.form = Form("approval_setting.ui")
        self.required = self.form.child(QCheckBox, "require_approval")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.form.widget)
        self.load()
        self.required.toggled.connect(self._toggled)

    def load(self) -> None:
        try:
            required = self.service.approvals.require_approval
        except ServiceError as exc:
            self.required.setEnabled(False)
            self.message.emit(f"Cannot read the store's approval setting: {exc}")
            return
        self.required.setChecked(required)

    def _toggled(self, required: bool) -> None:
        try:
            self.service.approvals.set_require_approval(required)
        except ServiceError as exc:
            self.message.emit(f"Cannot change the store's approval setting: {exc}")
            self.required.blockSignals(True)
            self.required.setChecked(not required)
            self.required.blockSignals(False)
            return
        self.message.emit(
            "Schedules now run only approved, active versions."
            if required
            else "Schedules now run the latest saved version."
        )
