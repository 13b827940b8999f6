"""The pipeline's steps as a tree: route branches under their route step, their steps under them.

The tree mirrors the document; it is redrawn from it after each edit and never edited
as Qt items. A drop (a step dragged to another place, or a step type dragged from the
palette) asks for an edit by signal: `moveRequested(source, container, index)` or
`addRequested(kind, container, index)`, addresses as in `authoring/pipeline_edits.py`.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QDrag, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from fieldwright.app.pipelines.step_editor import target_label
from fieldwright.authoring.pipeline_edits import Container, StepAt
from fieldwright.domain.pipeline import PipelineDocument, PipelineStep, RouteStep

__all__ = ["STEP_TYPE_MIME", "StepTree", "step_summary"]

#: A step type dragged from the palette: the type's name as UTF-8.
STEP_TYPE_MIME = "application/vnd.fieldwright.pipeline-step-type"
_STEP_MIME = "application/vnd.fieldwright.pipeline-step"

_KIND = Qt.ItemDataRole.UserRole  #: "step" or "branch"
_WHERE = Qt.ItemDataRole.UserRole + 1  #: a step's StepAt, a branch's Container

Index = QModelIndex | QPersistentModelIndex


def step_summary(step: PipelineStep) -> str:
    """A step's settings in a few words, for its row."""
    match step.type:
        case "map":
            mapping = step.mapping
            return mapping if isinstance(mapping, str) else f"inline: {mapping.name}"
        case "filter":
            return step.predicate
        case "validate":
            return ", ".join(c.field for c in step.checks)
        case "unwind":
            return step.path
        case "enrich":
            path = step.source.settings.get("path", step.source.kind)
            return f"{path} on {', '.join(step.on)}"
        case "aggregate":
            keys = ", ".join(step.group_by) or "all records"
            return f"by {keys}: " + ", ".join(
                f"{a.fn.value}" + (f"({a.field})" if a.field else "") for a in step.aggregates
            )
        case "sort":
            return ", ".join(k.field + (" desc" if k.descending else "") for k in step.keys)
        case "dedupe":
            return f"{step.keep.value} per {', '.join(step.keys)}"
    assert isinstance(step, RouteStep)
    return f"{step.mode.value} of {len(step.branches)} branches"


class StepTree(QTreeWidget):
    """The steps; drag to reorder (into and out of branches), drop palette types to add."""

    moveRequested = Signal(object, object, int)  #: (StepAt, Container, index)
    addRequested = Signal(str, object, int)  #: (step type, Container, index)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pipeline_steps")
        self.setColumnCount(2)
        self.setHeaderLabels(["Step", "Settings"])
        self.setColumnWidth(0, 190)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setAlternatingRowColors(True)

    # -- drawing ---------------------------------------------------------------------------

    def show_document(self, document: PipelineDocument, select: StepAt | None = None) -> None:
        """Redraw every row from `document`; select the step at `select` (or keep the
        selected place)."""
        keep = select if select is not None else self.selected_step()
        self.blockSignals(True)
        try:
            self.clear()
            self._add_steps(None, document.steps, ())
            self.expandAll()
        finally:
            self.blockSignals(False)
        item = self.item_at(keep) if keep else None
        if item is None and keep and document.steps:
            item = self.topLevelItem(min(keep[0], self.topLevelItemCount() - 1))
        if item is not None:
            self.setCurrentItem(item)
        else:
            self.setCurrentIndex(QModelIndex())
            self.itemSelectionChanged.emit()

    def _add_steps(
        self, parent: QTreeWidgetItem | None, steps: list[PipelineStep], container: Container
    ) -> None:
        for index, step in enumerate(steps):
            at = (*container, index)
            item = QTreeWidgetItem([f"{step.name}  ·  {step.type}", step_summary(step)])
            item.setData(0, _KIND, "step")
            item.setData(0, _WHERE, at)
            item.setToolTip(1, step_summary(step))
            if parent is None:
                self.addTopLevelItem(item)
            else:
                parent.addChild(item)
            if isinstance(step, RouteStep):
                for b, branch in enumerate(step.branches):
                    when = branch.when or "every record left"
                    goes = (
                        f" → {target_label(branch.target.model_dump(mode='json'))}"
                        if branch.target is not None and branch.target.connector is not None
                        else ""
                    )
                    child = QTreeWidgetItem([f"⤷ {branch.name}", f"when {when}{goes}"])
                    child.setData(0, _KIND, "branch")
                    child.setData(0, _WHERE, (*at, b))
                    child.setFlags(child.flags() & ~Qt.ItemFlag.ItemIsDragEnabled)
                    item.addChild(child)
                    self._add_steps(child, branch.steps, (*at, b))

    def item_at(self, at: StepAt) -> QTreeWidgetItem | None:
        """The row of the step at `at`."""
        items = [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        found: QTreeWidgetItem | None = None
        while items:
            item = items.pop()
            if item is None:
                continue
            if item.data(0, _KIND) == "step" and tuple(item.data(0, _WHERE)) == at:
                found = item
                break
            items += [item.child(i) for i in range(item.childCount())]
        return found

    def selected_step(self) -> StepAt | None:
        item = self.currentItem()
        if item is None or item.data(0, _KIND) != "step":
            return None
        return tuple(item.data(0, _WHERE))

    def selected_branch(self) -> Container | None:
        """The branch row selected, as the container of its steps."""
        item = self.currentItem()
        if item is None or item.data(0, _KIND) != "branch":
            return None
        return tuple(item.data(0, _WHERE))

    def insertion_point(self) -> tuple[Container, int | None]:
        """Where a step added from the palette goes: after the selected step, into the
        selected branch (at its end), or at the end of the pipeline."""
        if (at := self.selected_step()) is not None:
            return at[:-1], at[-1] + 1
        if (branch := self.selected_branch()) is not None:
            return branch, None
        return (), None

    # -- dragging --------------------------------------------------------------------------

    def mimeTypes(self) -> list[str]:
        return [_STEP_MIME, STEP_TYPE_MIME]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # type: ignore[override]
        mime = QMimeData()
        steps = [i for i in items if i.data(0, _KIND) == "step"]
        if steps:
            at = ",".join(str(n) for n in steps[0].data(0, _WHERE))
            mime.setData(_STEP_MIME, at.encode())
        return mime

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        """Drag the selected step; the drop asks for the move (no Qt item moves itself)."""
        items = [i for i in self.selectedItems() if i.data(0, _KIND) == "step"]
        if items:
            drag = QDrag(self)
            drag.setMimeData(self.mimeData(items))
            drag.exec(Qt.DropAction.MoveAction | Qt.DropAction.CopyAction)

    def _accepts(self, mime: QMimeData | None) -> bool:
        return mime is not None and (mime.hasFormat(_STEP_MIME) or mime.hasFormat(STEP_TYPE_MIME))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
            super().dragEnterEvent(event)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._accepts(event.mimeData()):
            super().dragMoveEvent(event)
            event.accept()
        else:
            event.ignore()

    def drop_place(
        self, item: QTreeWidgetItem | None, below: bool, on: bool
    ) -> tuple[Container, int]:
        """Where a drop on `item` puts a step: before it, after it (`below`), or for a
        branch row (or `on` a route step's branch) at the end of that branch."""
        if item is None:
            return (), self.topLevelItemCount()
        where = tuple(item.data(0, _WHERE))
        if item.data(0, _KIND) == "branch":
            return where, item.childCount()
        return where[:-1], where[-1] + (1 if below or on else 0)

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if not self._accepts(mime):
            event.ignore()
            return
        point = event.position().toPoint()
        item = self.itemAt(point)
        position = self.dropIndicatorPosition()
        Indicator = QAbstractItemView.DropIndicatorPosition
        if item is not None and position == Indicator.OnViewport:
            item = None
        container, index = self.drop_place(
            item, position == Indicator.BelowItem, position == Indicator.OnItem
        )
        # The tree is redrawn from the document after the edit: Qt moves no item itself.
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        if mime.hasFormat(_STEP_MIME):
            text = bytes(mime.data(_STEP_MIME).data()).decode()
            source = tuple(int(n) for n in text.split(","))
            self.moveRequested.emit(source, container, index)
        else:
            kind = bytes(mime.data(STEP_TYPE_MIME).data()).decode()
            self.addRequested.emit(kind, container, index)
