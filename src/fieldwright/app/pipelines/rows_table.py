"""A small editable table of rows for a step's lists (keys, aggregates, join keys, branches).

Columns are text, a check box or a choice; + adds a row, − removes the selected
one. Each row may carry a payload the editor keeps with it (a route branch's steps
ride along with its row). `changed(column)` fires on every cell edit and row change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

__all__ = ["Column", "RowsTable"]

_PAYLOAD = Qt.ItemDataRole.UserRole


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: str = "text"  #: "text", "bool" or "choice"
    choices: tuple[str, ...] = ()
    default: Any = ""


class RowsTable(QWidget):
    changed = Signal(int)  #: the column edited (-1: rows added or removed)

    def __init__(self, name: str, columns: list[Column], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.columns = columns
        self._filling = False
        self.table = QTableWidget(0, len(columns))
        self.table.setObjectName(f"{name}_table")
        self.table.setHorizontalHeaderLabels([c.header for c in columns])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.itemChanged.connect(self._item_changed)
        self.add_button = QToolButton()
        self.add_button.setObjectName(f"{name}_add")
        self.add_button.setText("+")
        self.add_button.setToolTip("Add a row")
        self.remove_button = QToolButton()
        self.remove_button.setObjectName(f"{name}_remove")
        self.remove_button.setText("−")
        self.remove_button.setToolTip("Remove the selected row")
        self.add_button.clicked.connect(self._add_clicked)
        self.remove_button.clicked.connect(self._remove_clicked)
        buttons = QVBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._fit()

    def set_rows(self, rows: list[list[Any]], payloads: list[Any] | None = None) -> None:
        self._filling = True
        try:
            self.table.setRowCount(0)
            for n, row in enumerate(rows):
                self._append(row, payloads[n] if payloads is not None else None)
        finally:
            self._filling = False
        self._fit()

    def _append(self, row: list[Any], payload: Any) -> None:
        at = self.table.rowCount()
        self.table.insertRow(at)
        for column, (spec, value) in enumerate(zip(self.columns, row, strict=True)):
            if spec.kind == "choice":
                combo = QComboBox()
                combo.setObjectName(f"{self.objectName()}_{at}_{column}")
                combo.addItems(list(spec.choices))
                combo.setCurrentIndex(max(combo.findText(str(value)), 0))
                combo.currentIndexChanged.connect(lambda _i, c=column: self._emit(c))
                self.table.setCellWidget(at, column, combo)
                item = QTableWidgetItem()
            elif spec.kind == "bool":
                item = QTableWidgetItem()
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setCheckState(Qt.CheckState.Checked if value else Qt.CheckState.Unchecked)
            else:
                item = QTableWidgetItem("" if value is None else str(value))
            if column == 0:
                item.setData(_PAYLOAD, payload)
            self.table.setItem(at, column, item)

    def rows(self) -> list[list[Any]]:
        out: list[list[Any]] = []
        for row in range(self.table.rowCount()):
            values: list[Any] = []
            for column, spec in enumerate(self.columns):
                if spec.kind == "choice":
                    combo = self.table.cellWidget(row, column)
                    values.append(combo.currentText() if isinstance(combo, QComboBox) else "")
                    continue
                item = self.table.item(row, column)
                if spec.kind == "bool":
                    values.append(item is not None and item.checkState() == Qt.CheckState.Checked)
                else:
                    values.append(item.text().strip() if item is not None else "")
            out.append(values)
        return out

    def payloads(self) -> list[Any]:
        items = [self.table.item(row, 0) for row in range(self.table.rowCount())]
        return [item.data(_PAYLOAD) if item is not None else None for item in items]

    def set_text(self, row: int, column: int, text: str) -> None:
        """Put `text` in a text cell without `changed` (the caller edits the step itself)."""
        item = self.table.item(row, column)
        if item is None:
            return
        self._filling = True
        try:
            item.setText(text)
        finally:
            self._filling = False

    def set_payload(self, row: int, payload: Any) -> None:
        item = self.table.item(row, 0)
        if item is None:
            return
        self._filling = True
        try:
            item.setData(_PAYLOAD, payload)
        finally:
            self._filling = False

    def _add_clicked(self) -> None:
        self._filling = True
        try:
            self._append([c.default for c in self.columns], None)
        finally:
            self._filling = False
        self._fit()
        self.table.setCurrentCell(self.table.rowCount() - 1, 0)
        self._emit(-1)

    def _remove_clicked(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            row = self.table.rowCount() - 1
        if row < 0:
            return
        self.table.removeRow(row)
        self._fit()
        self._emit(-1)

    def _item_changed(self, _item: QTableWidgetItem) -> None:
        if not self._filling:
            self._emit(_item.column())

    def _emit(self, column: int) -> None:
        if not self._filling:
            self.changed.emit(column)

    def _fit(self) -> None:
        """Tall enough for its rows (up to six), so the editor's form scrolls, not the table."""
        header = max(self.table.horizontalHeader().sizeHint().height(), 30)
        rows = max(min(self.table.rowCount(), 6), 1)
        self.table.setFixedHeight(header + rows * 31 + 10)
