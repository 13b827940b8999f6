"""One schema tree with its filter box and tools: the source (drag from) or target (drop onto)
side. Fields move within their parent by a drag onto a sibling; F2 renames in place."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QDrag, QFontMetrics, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.designer.schema_model import PATH_ROLE, SchemaTreeModel
from fieldwright.domain import SchemaField

__all__ = ["FieldTree", "SchemaPanel"]


#: Narrower than this (px), a tree hides its Example column so that names stay readable.
EXAMPLE_MIN_WIDTH = 380


class FieldTree(QTreeView):
    """A schema tree whose drags show the field's name beside the cursor."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.header().count() > 2:
            self.setColumnHidden(2, event.size().width() < EXAMPLE_MIN_WIDTH)

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        indexes = [i for i in self.selectedIndexes() if i.column() == 0]
        model = self.model()
        if not indexes or model is None:
            return
        mime = model.mimeData(indexes)
        drag = QDrag(self)
        drag.setMimeData(mime)
        label = str(indexes[0].data(Qt.ItemDataRole.DisplayRole) or "")
        metrics = QFontMetrics(self.font())
        pixmap = QPixmap(metrics.horizontalAdvance(label) + 16, metrics.height() + 8)
        pixmap.fill(self.palette().highlight().color())
        painter = QPainter(pixmap)
        painter.setPen(self.palette().highlightedText().color())
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, label)
        painter.end()
        drag.setPixmap(pixmap)
        drag.exec(supportedActions & Qt.DropAction.CopyAction, Qt.DropAction.CopyAction)


class SchemaPanel(QWidget):
    """A titled, filterable tree over a `SchemaTreeModel`."""

    #: The JSONPath of the field the user selected ("" when none).
    fieldSelected = Signal(str)

    def __init__(self, side: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{side}_panel")
        self.model = SchemaTreeModel(side, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(0)

        self.title = QLabel(title)
        self.title.setProperty("role", "heading")
        self.filter = QLineEdit()
        self.filter.setObjectName(f"{side}_filter")
        self.filter.setPlaceholderText(f"Filter {side} fields…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter_changed)

        self.tree = FieldTree()
        self.tree.setObjectName(f"{side}_tree")
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setDragEnabled(True)  # source onto target maps; onto a sibling moves
        self.tree.setAcceptDrops(True)
        self.tree.setDropIndicatorShown(True)
        self.tree.setDragDropOverwriteMode(True)  # a drop always lands *on* a field
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.tree.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)  # F2 renames
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        # The field column takes the width there is (long names elide, with a tooltip);
        # type and example keep theirs: the tree never scrolls sideways.
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        if header.count() > 2:
            header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(2, 90)
        self.tree.selectionModel().currentChanged.connect(self._current_changed)

        #: The title row; the schema editor adds its buttons at its right end.
        self.heading = QHBoxLayout()
        self.heading.setContentsMargins(0, 0, 0, 0)
        self.heading.setSpacing(2)
        self.heading.addWidget(self.title, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(self.heading)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)

    def set_fields(self, fields: list[SchemaField]) -> None:
        """Show `fields`; a small schema shown first opens one level deep, a changed one keeps
        what the analyst expanded and selected."""
        first = self.model.rowCount() == 0
        self.model.set_fields(fields)
        if first and self.proxy.rowCount() <= 50:
            self.tree.expandToDepth(0)

    def _filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if text.strip():
            self.tree.expandAll()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        path = current.data(PATH_ROLE) if current.isValid() else ""
        self.fieldSelected.emit(str(path or ""))

    def view_index(self, path: str) -> QModelIndex:
        """The proxy index showing `path`, or its nearest visible ancestor (invalid if none).

        A field inside a collapsed parent, or hidden by the filter, is shown by
        the nearest ancestor the view displays.
        """
        source = self.model.index_for_path(path)
        index = self.proxy.mapFromSource(source)
        while source.isValid() and not index.isValid():
            source = source.parent()
            index = self.proxy.mapFromSource(source)
        chain: list[QModelIndex] = []
        parent = index.parent()
        while parent.isValid():
            chain.append(parent)
            parent = parent.parent()
        for ancestor in reversed(chain):  # outermost first
            if not self.tree.isExpanded(ancestor):
                return ancestor
        return index

    def current_path(self) -> str:
        """The JSONPath of the current field ("" when none)."""
        index = self.tree.currentIndex()
        return str(index.data(PATH_ROLE) or "") if index.isValid() else ""

    def select_path(self, path: str) -> None:
        index = self.view_index(path)
        if index.isValid():
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index)
