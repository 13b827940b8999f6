"""The schedule editor's service levels: expected duration, latest finish, late start and
the failures in a row that alert (`ui/schedule_sla.ui`), kept with
`Service.set_schedule_sla` once the schedule is saved. Zero in a spin box means not set
(its special text says so, and what the default is)."""

from __future__ import annotations

from PySide6.QtCore import QTime
from PySide6.QtWidgets import QCheckBox, QSpinBox, QTimeEdit, QVBoxLayout, QWidget

from fieldwright.app.shell.forms import Form
from fieldwright.service import ScheduleSla

__all__ = ["SlaFields"]


class SlaFields(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("schedule_sla")
        self.ui = Form("schedule_sla.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        self.expected = self.ui.child(QSpinBox, "sla_expected")
        self.finish_enabled = self.ui.child(QCheckBox, "sla_finish_enabled")
        self.finish = self.ui.child(QTimeEdit, "sla_finish")
        self.late = self.ui.child(QSpinBox, "sla_late")
        self.alert = self.ui.child(QSpinBox, "sla_alert")
        self.finish_enabled.toggled.connect(self.finish.setEnabled)
        self.load(ScheduleSla())

    def load(self, sla: ScheduleSla) -> None:
        self.expected.setValue(sla.expected_seconds or 0)
        self.late.setValue(sla.late_after_seconds or 0)
        self.alert.setValue(sla.failures_alert or 0)
        finish = sla.latest_finish
        self.finish_enabled.setChecked(finish is not None)
        self.finish.setEnabled(finish is not None)
        self.finish.setTime(
            QTime.fromString(finish, "HH:mm") if finish is not None else QTime(6, 0)
        )

    def value(self) -> ScheduleSla:
        return ScheduleSla(
            expected_seconds=self.expected.value() or None,
            latest_finish=self.finish.time().toString("HH:mm")
            if self.finish_enabled.isChecked()
            else None,
            late_after_seconds=self.late.value() or None,
            failures_alert=self.alert.value() or None,
        )
