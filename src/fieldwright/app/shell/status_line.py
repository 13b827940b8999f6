"""The status bar's permanent labels: where the mapping lives, its save state, the scheduler."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QStatusBar

__all__ = ["StatusLabels"]


def _separator() -> QFrame:
    separator = QFrame()
    separator.setFrameShape(QFrame.Shape.VLine)
    separator.setFrameShadow(QFrame.Shadow.Sunken)
    return separator


class StatusLabels:
    """Adds the labels to `bar`, separated; the scheduler's shows once it has something to say."""

    def __init__(self, bar: QStatusBar) -> None:
        self.store_label = QLabel()
        self.store_label.setObjectName("store_label")
        self.save_label = QLabel("Not saved yet")
        self.save_label.setObjectName("save_label")
        self.scheduler_label = QLabel()
        self.scheduler_label.setObjectName("scheduler_label")
        self.scheduler_separator = _separator()
        for label in (self.store_label, self.save_label, self.scheduler_label):
            label.setContentsMargins(10, 0, 10, 0)
        bar.addPermanentWidget(self.store_label)
        bar.addPermanentWidget(_separator())
        bar.addPermanentWidget(self.save_label)
        bar.addPermanentWidget(self.scheduler_separator)
        bar.addPermanentWidget(self.scheduler_label)
        self.scheduler_separator.hide()
        self.scheduler_label.hide()

    def show_where(self, text: str, tooltip: str) -> None:
        """Where the open mapping lives (a file, the store)."""
        self.store_label.setText(text)
        self.store_label.setToolTip(tooltip)

    def show_scheduler(self, text: str, tooltip: str | None = None) -> None:
        self.scheduler_label.setText(text)
        if tooltip is not None:
            self.scheduler_label.setToolTip(tooltip)
        self.scheduler_label.show()
        self.scheduler_separator.show()
