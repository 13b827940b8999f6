"""A thin, lazy `QAbstractItemModel` over one side's schema tree.

Nodes are created only when the view asks for them, so a 10,000-field schema
opens as fast as its first screen. Drags carry the field's JSONPath under the
vendor MIME type; a drop never edits the model: a source field dropped on the
target asks the designer to map it, a field dropped on a sibling asks the
schema editor to move it there, and a name typed over a field's asks it to
rename it (each pushes an undo command on the document). When the document's
schema changes, the model inserts, removes and updates the rows that changed
(matched by field name; a row replaced by one row is the same field renamed),
so selection and expansion of the others survive.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap

from fieldwright.app.shell.theme import current_theme
from fieldwright.domain import FieldType, SchemaField, member_path

__all__ = [
    "FIELD_PATH_MIME",
    "PATH_ROLE",
    "TEST_MARK_ROLE",
    "SchemaTreeModel",
    "decode_field_path",
    "test_mark_icon",
]

FIELD_PATH_MIME = "application/vnd.fieldwright.field-path"
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
TYPE_ROLE = Qt.ItemDataRole.UserRole + 2
#: "tested", "untested" or "failing" for a mapped target field; None otherwise.
TEST_MARK_ROLE = Qt.ItemDataRole.UserRole + 3

#: Fields the last "update from sample" did not find: a mark and this tip.
VANISHED_TIP = "Not in the last sample: delete it if it is gone for good"

_MARK_TIPS = {
    "tested": "Checked by a test",
    "untested": "No test checks this field",
    "failing": "A test fails on this field",
}

ModelIndex = QModelIndex | QPersistentModelIndex
COLUMNS = ("Field", "Type", "Example")


class _Node:
    __slots__ = ("_children", "field", "parent", "path", "row")

    def __init__(self, field: SchemaField | None, path: str, parent: _Node | None, row: int):
        self.field = field
        self.path = path
        self.parent = parent
        self.row = row
        self._children: list[_Node] | None = None

    def fields(self) -> Sequence[SchemaField]:
        return self.field.fields if self.field is not None else ()

    def children(self, roots: Sequence[SchemaField]) -> list[_Node]:
        if self._children is None:
            source = roots if self.field is None else self.field.fields
            base = self.path
            if self.field is not None and self.field.type is FieldType.ARRAY:
                base = f"{self.path}[*]"
            self._children = [
                _Node(f, member_path(base, f.name), self, row) for row, f in enumerate(source)
            ]
        return self._children

    def count(self, roots: Sequence[SchemaField]) -> int:
        if self._children is not None:
            return len(self._children)
        return len(roots) if self.field is None else len(self.field.fields)


def _shape(field: SchemaField | None) -> tuple[str, bool]:
    """What makes a row the same row: its name, and whether its children sit under `[*]`."""
    assert field is not None
    return field.name, field.type is FieldType.ARRAY


def encode_field_path(side: str, path: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(FIELD_PATH_MIME, json.dumps({"side": side, "path": path}).encode("utf-8"))
    mime.setText(path)
    return mime


def decode_field_path(mime: QMimeData) -> tuple[str, str] | None:
    """(side, path) of a field-path payload, or None if it is not one."""
    if not mime.hasFormat(FIELD_PATH_MIME):
        return None
    try:
        payload = json.loads(bytes(mime.data(FIELD_PATH_MIME).data()).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(payload, dict):
        return None
    side, path = payload.get("side"), payload.get("path")
    if isinstance(side, str) and isinstance(path, str) and path.startswith("$"):
        return side, path
    return None


def test_mark_icon(mark: str, size: int = 12) -> QIcon:
    """A dot for a target field: green tested, red failing, an amber ring untested."""
    theme = current_theme()
    color = QColor({"tested": theme.valid, "failing": theme.error}.get(mark, theme.untested))
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    if mark not in _MARK_TIPS:
        return QIcon(pixmap)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    rect = QRectF(2.0, 2.0, size - 4.0, size - 4.0)
    if mark == "untested":
        painter.setPen(QPen(color, 1.8))
        painter.setBrush(Qt.BrushStyle.NoBrush)
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
    painter.drawEllipse(rect)
    painter.end()
    return QIcon(pixmap)


def vanished_icon(size: int = 12) -> QIcon:
    """A hollow red diamond: a field the last sample no longer has."""
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(current_theme().error), 1.6))
    half = size / 2 - 1
    painter.translate(half + 0.5, half + 0.5)
    painter.rotate(45)
    painter.drawRect(QRectF(-half / 1.6, -half / 1.6, half * 1.25, half * 1.25))
    painter.end()
    return QIcon(pixmap)


def _example(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"


class SchemaTreeModel(QAbstractItemModel):
    """The fields of the source or the target schema."""

    def __init__(self, side: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.side = side
        self._roots: list[SchemaField] = []
        self._root = _Node(None, "$", None, 0)
        self._mapped: set[str] = set()
        self._marks: dict[str, str] = {}
        self._mark_icons: dict[str, QIcon] = {}
        self._vanished: set[str] = set()
        #: Called with (source path, target path) when a field is dropped on this model.
        self.on_drop: Callable[[str, str], None] | None = None
        #: Called with (path, index among its siblings) when a field is dropped on a sibling.
        self.on_move: Callable[[str, int], None] | None = None
        #: Called with (path, new name) when a name is typed over a field's.
        self.on_rename: Callable[[str, str], None] | None = None

    # -- data ---------------------------------------------------------------------------

    def set_fields(self, fields: list[SchemaField]) -> None:
        """Show `fields`: rows of fields that stay (by name and shape) are kept and updated."""
        if self._root._children is None:  # nothing shown yet: the first fields
            self.beginResetModel()
            self._roots = fields
            self._root = _Node(None, "$", None, 0)
            self.endResetModel()
            return
        self._roots = fields
        self._sync(self._root, QModelIndex(), fields)

    def _sync(self, node: _Node, parent: QModelIndex, fields: Sequence[SchemaField]) -> None:
        old = node._children
        if old is None:
            return  # never shown: its rows are read from the fields when asked
        matcher = SequenceMatcher(None, [_shape(n.field) for n in old], [_shape(f) for f in fields])
        array = node.field is not None and node.field.type is FieldType.ARRAY
        base = f"{node.path}[*]" if array else node.path
        # From the end, so that the rows of each step are still where the matcher saw them.
        for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
            if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
                # The same rows, or as many rows renamed in place: keep them and their state.
                for offset in range(i2 - i1):
                    field = fields[j1 + offset]
                    self._update(old[i1 + offset], field, member_path(base, field.name))
                continue
            if i2 > i1:
                self.beginRemoveRows(parent, i1, i2 - 1)
                del old[i1:i2]
                self.endRemoveRows()
            if j2 > j1:
                self.beginInsertRows(parent, i1, i1 + j2 - j1 - 1)
                old[i1:i1] = [
                    _Node(f, member_path(base, f.name), node, i1 + k)
                    for k, f in enumerate(fields[j1:j2])
                ]
                self.endInsertRows()
            for row, child in enumerate(old):
                child.row = row

    def _update(self, node: _Node, field: SchemaField, path: str) -> None:
        index = self.createIndex(node.row, 0, node)
        changed = field != node.field or path != node.path
        node.field = field
        node.path = path
        if changed:
            self.dataChanged.emit(index, self.createIndex(node.row, len(COLUMNS) - 1, node))
        self._sync(node, index, field.fields)

    def set_mapped(self, paths: set[str]) -> None:
        """Mark the fields that take part in a mapping (bold)."""
        changed = paths ^ self._mapped
        self._mapped = set(paths)
        for path in changed:
            index = self.index_for_path(path, create=False)
            if index.isValid():
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.FontRole])

    def set_test_marks(self, marks: dict[str, str]) -> None:
        """Mark target fields "tested", "untested" or "failing" (a dot before the name)."""
        changed = {
            p for p in marks.keys() | self._marks.keys() if marks.get(p) != self._marks.get(p)
        }
        self._marks = dict(marks)
        self._mark_icons = {}  # the theme may have changed
        roles = [Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole, TEST_MARK_ROLE]
        for path in changed:
            index = self.index_for_path(path, create=False)
            if index.isValid():
                self.dataChanged.emit(index, index, roles)

    def set_vanished(self, paths: set[str]) -> None:
        """Mark the fields the last sample no longer has (a red diamond and a tip)."""
        changed = paths ^ self._vanished
        self._vanished = set(paths)
        for path in changed:
            index = self.index_for_path(path, create=False)
            if index.isValid():
                self.dataChanged.emit(index, index)

    def vanished(self) -> set[str]:
        return set(self._vanished)

    def test_mark(self, path: str) -> str | None:
        return self._marks.get(path)

    def _mark_icon(self, mark: str) -> QIcon:
        if mark not in self._mark_icons:
            icon = vanished_icon() if mark == "vanished" else test_mark_icon(mark)
            self._mark_icons[mark] = icon
        return self._mark_icons[mark]

    def node(self, index: ModelIndex) -> _Node:
        if not index.isValid():
            return self._root
        node = index.internalPointer()
        assert isinstance(node, _Node)
        return node

    def index_for_path(self, path: str, *, create: bool = True) -> QModelIndex:
        """The index of the field at `path` (column 0), descending by path prefix."""
        node = self._root
        while node.path != path:
            if node._children is None and not create:
                return QModelIndex()
            nxt = None
            for child in node.children(self._roots):
                if path == child.path or path.startswith((child.path + ".", child.path + "[")):
                    nxt = child
                    break
            if nxt is None:
                return QModelIndex()
            node = nxt
        if node is self._root:
            return QModelIndex()
        return self.createIndex(node.row, 0, node)

    # -- QAbstractItemModel -------------------------------------------------------------

    def index(self, row: int, column: int, parent: ModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self.node(parent)
        children = node.children(self._roots)
        if 0 <= row < len(children) and 0 <= column < len(COLUMNS):
            return self.createIndex(row, column, children[row])
        return QModelIndex()

    def parent(self, index: ModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008  # the stubs merge QObject.parent() into this overload
        if not index.isValid():
            return QModelIndex()
        parent = self.node(index).parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(parent.row, 0, parent)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return self.node(parent).count(self._roots)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def hasChildren(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return self.rowCount(parent) > 0

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        node = self.node(index)
        field = node.field
        assert field is not None
        column = index.column()
        if role == Qt.ItemDataRole.EditRole and column == 0:
            return field.name
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return f"{field.name} *" if field.required else field.name
            if column == 1:
                if field.type is FieldType.ARRAY and field.items is not None:
                    return f"array of {field.items.value}"
                return field.type.value
            return _example(field.example)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [node.path, f"type: {field.type.value}"]
            if field.required:
                lines.append("required")
            if field.description:
                lines.append(field.description)
            if field.example is not None:
                lines.append(f"example: {_example(field.example)}")
            if node.path in self._marks:
                lines.append(_MARK_TIPS[self._marks[node.path]])
            if node.path in self._vanished:
                lines.append(VANISHED_TIP)
            return "\n".join(lines)
        if (
            role == Qt.ItemDataRole.DecorationRole
            and column == 0
            and (self._marks or self._vanished)
        ):
            # Unmarked fields get a blank icon so that the names stay aligned.
            if node.path in self._vanished:
                return self._mark_icon("vanished")
            return self._mark_icon(self._marks.get(node.path, ""))
        if role == TEST_MARK_ROLE:
            return self._marks.get(node.path)
        if role == Qt.ItemDataRole.FontRole and column == 0 and node.path in self._mapped:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column > 0:
            return QColor(current_theme().muted)
        if role == PATH_ROLE:
            return node.path
        if role == TYPE_ROLE:
            return field.type.value
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemIsDropEnabled
        )
        if index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: ModelIndex, value: Any, role: int = 2) -> bool:
        """A name typed over a field's asks for a rename; the document changes, not the row."""
        if not index.isValid() or index.column() != 0 or role != Qt.ItemDataRole.EditRole:
            return False
        node = self.node(index)
        name = str(value).strip()
        if node.field is None or not name or name == node.field.name:
            return False
        if self.on_rename is not None:
            self.on_rename(node.path, name)
        return True

    # -- drag and drop ------------------------------------------------------------------

    def mimeTypes(self) -> list[str]:
        return [FIELD_PATH_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        valid = [i for i in indexes if i.isValid()]
        path = self.node(valid[0]).path if valid else "$"
        return encode_field_path(self.side, path)

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def _drop_target(self, row: int, parent: ModelIndex) -> QModelIndex:
        # A drop between rows (row >= 0) lands on the row under the cursor.
        if row >= 0:
            return self.index(min(row, max(self.rowCount(parent) - 1, 0)), 0, parent)
        return self.index(parent.row(), 0, parent.parent()) if parent.isValid() else QModelIndex()

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: ModelIndex
    ) -> bool:
        payload = decode_field_path(data)
        if payload is None:
            return False
        target = self._drop_target(row, parent)
        if payload[0] == self.side:
            return self._move_to(payload[1], target) is not None
        return self.side == "target" and payload[0] == "source" and target.isValid()

    def _move_to(self, path: str, target: QModelIndex) -> int | None:
        """The position a field dropped on `target` moves to: a sibling's, else None."""
        if not target.isValid():
            return None
        moved = self.index_for_path(path, create=False)
        if not moved.isValid() or moved == target or moved.parent() != target.parent():
            return None
        return target.row()

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: ModelIndex
    ) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        payload = decode_field_path(data)
        assert payload is not None
        target = self._drop_target(row, parent)
        if payload[0] == self.side:
            position = self._move_to(payload[1], target)
            if self.on_move is not None and position is not None:
                self.on_move(payload[1], position)
            return True
        if self.on_drop is not None:
            self.on_drop(payload[1], self.node(target).path)
        # Copy semantics (the only drag action): the source tree keeps its rows.
        return True
