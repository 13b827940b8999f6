"""The palette of step types: double-click one (or press Enter) to add it after the selected
step, or drag it into the steps tree where it should go."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

from fieldwright.app.pipelines.step_tree import STEP_TYPE_MIME
from fieldwright.authoring.pipeline_edits import STEP_TYPES

__all__ = ["StepPalette"]

_TYPE = Qt.ItemDataRole.UserRole


class StepPalette(QListWidget):
    """One chip per step type; `chosen(kind)` on a double-click or Enter."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pipeline_palette")
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setSpacing(2)
        self.setUniformItemSizes(False)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        for kind, does in STEP_TYPES:
            item = QListWidgetItem(kind)
            item.setData(_TYPE, kind)
            item.setToolTip(f"{kind}: {does}")
            item.setSizeHint(QSize(self.fontMetrics().horizontalAdvance(kind) + 22, 22))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.addItem(item)
        self.setMaximumHeight(60)
        self.itemActivated.connect(self._activated)

    def _activated(self, item: QListWidgetItem) -> None:
        self.chosen.emit(str(item.data(_TYPE)))

    def item_for(self, kind: str) -> QListWidgetItem:
        for row in range(self.count()):
            item = self.item(row)
            if item is not None and item.data(_TYPE) == kind:
                return item
        raise KeyError(kind)

    def mimeTypes(self) -> list[str]:
        return [STEP_TYPE_MIME]

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:  # type: ignore[override]
        mime = QMimeData()
        if items:
            mime.setData(STEP_TYPE_MIME, str(items[0].data(_TYPE)).encode())
        return mime

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        items = self.selectedItems()
        if items:
            drag = QDrag(self)
            drag.setMimeData(self.mimeData(items))
            drag.exec(Qt.DropAction.CopyAction)
