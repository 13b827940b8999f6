"""File ▸ Open Recent: the stored mappings and the files opened last, as a menu."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QWidget

from fieldwright.domain.store_models import MappingSummary

__all__ = ["RecentMenu"]


class RecentMenu(QMenu):
    """Lists what `set_recent` is given; choosing an entry emits `openStored` or `openPath`."""

    openPath = Signal(Path)
    openStored = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Open &Recent", parent)
        self.setObjectName("recent_menu")
        self.setEnabled(False)

    def set_recent(self, paths: list[Path], stored: list[MappingSummary]) -> None:
        self.clear()
        for mapping in stored:
            action = self.addAction(f"{mapping.name} ({mapping.key}, v{mapping.latest_version})")
            action.triggered.connect(lambda _c=False, k=mapping.key: self.openStored.emit(k))
        if stored and paths:
            self.addSeparator()
        for path in paths:
            action = self.addAction(str(path))
            action.triggered.connect(lambda _c=False, p=path: self.openPath.emit(p))
        self.setEnabled(bool(paths or stored))
