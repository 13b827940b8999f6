"""The schedule editor's run policy: what happens when a schedule fires — retries and
their back-off, the timeout, missed fire times, overlapping runs and the failure notice.

`RunPolicyFields` binds those widgets of `ui/schedule_editor.ui` by name: it loads a
schedule's policy into them and reads it back as the record's fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QSpinBox

from fieldwright.app.shell.forms import Form
from fieldwright.domain.store_models import Backoff, MissedRunPolicy, RetryPolicy, ScheduleRecord

__all__ = ["BACKOFFS", "MISSED", "RunPolicyFields"]

MISSED = {
    MissedRunPolicy.RUN_ONCE: "Run once when back",
    MissedRunPolicy.RUN_ALL: "Run every missed time",
    MissedRunPolicy.SKIP: "Skip them",
}
BACKOFFS = {
    Backoff.EXPONENTIAL_JITTER: "Exponential with jitter",
    Backoff.LINEAR: "Linear",
    Backoff.FIXED: "Fixed",
}
_SPINS = ("retry_attempts", "retry_base", "retry_max", "timeout")
_CHECKS = ("concurrent", "notify")


class RunPolicyFields:
    """The run policy's widgets in the editor's form."""

    def __init__(self, ui: Form) -> None:
        self.ui = ui
        for policy, text in MISSED.items():
            self.combo("missed").addItem(text, policy.value)
        for backoff, text in BACKOFFS.items():
            self.combo("retry_backoff").addItem(text, backoff.value)

    def combo(self, name: str) -> QComboBox:
        return self.ui.child(QComboBox, name)

    def spin(self, name: str) -> QSpinBox:
        return self.ui.child(QSpinBox, name)

    def check(self, name: str) -> QCheckBox:
        return self.ui.child(QCheckBox, name)

    def load(self, record: ScheduleRecord) -> None:
        self.spin("retry_attempts").setValue(record.retry.max_attempts)
        backoff = self.combo("retry_backoff")
        backoff.setCurrentIndex(backoff.findData(record.retry.backoff.value))
        self.spin("retry_base").setValue(round(record.retry.base_delay_seconds))
        self.spin("retry_max").setValue(round(record.retry.max_delay_seconds))
        self.spin("timeout").setValue(record.timeout_seconds)
        self.combo("missed").setCurrentIndex(
            self.combo("missed").findData(record.missed_run_policy.value)
        )
        self.check("concurrent").setChecked(record.concurrent_runs)
        self.check("notify").setChecked(record.notify_on_failure)

    def connect(self, changed: Callable[[], None]) -> None:
        """Call `changed` on any edit of the policy."""
        for name in ("missed", "retry_backoff"):
            self.combo(name).currentIndexChanged.connect(changed)
        for name in _SPINS:
            self.spin(name).valueChanged.connect(changed)
        for name in _CHECKS:
            self.check(name).toggled.connect(changed)

    def problem(self) -> str:
        """What is wrong with the retry delays ("" when nothing)."""
        if self.spin("retry_max").value() < self.spin("retry_base").value():
            return "The longest delay is shorter than the first delay."
        return ""

    def values(self) -> dict[str, Any]:
        """The record's fields of the policy."""
        return {
            "retry": RetryPolicy(
                max_attempts=self.spin("retry_attempts").value(),
                base_delay_seconds=self.spin("retry_base").value(),
                max_delay_seconds=self.spin("retry_max").value(),
                backoff=Backoff(str(self.combo("retry_backoff").currentData())),
            ),
            "timeout_seconds": self.spin("timeout").value(),
            "concurrent_runs": self.check("concurrent").isChecked(),
            "missed_run_policy": MissedRunPolicy(str(self.combo("missed").currentData())),
            "notify_on_failure": self.check("notify").isChecked(),
        }
