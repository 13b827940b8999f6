"""The Integration Hub's item models: a tree of integrations and what each holds, and the
table of integration kinds. Thin adapters over the service's records, never copies into
standard items.

The tree has two levels: an integration (client: source → target), and under it its
mappings and pipelines, schedules and saved connections (`Node`s). A child's index
carries its integration's row + 1 as internal id; an integration's carries 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from fieldwright.app.shell.theme import current_theme
from fieldwright.domain.runs import RunStatus
from fieldwright.service import HubHealth, HubItem, HubSchedule, Integration, IntegrationKind

__all__ = ["COLUMNS", "HEALTH_COLUMN", "IntegrationTreeModel", "KindsModel", "Node", "nodes_of"]

AnyIndex = QModelIndex | QPersistentModelIndex
COLUMNS = ("Integration", "State", "Health", "Last run", "Next run")
#: The column of the health badge.
HEALTH_COLUMN = 2
_BADGE = "●"
_RUN_MARKS = {
    RunStatus.COMPLETED: "✓",
    RunStatus.FAILED: "✗",
    RunStatus.RUNNING: "…",
    RunStatus.CANCELLED: "–",
}


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%d %b %H:%M") if moment is not None else "–"


@dataclass(frozen=True, slots=True)
class Node:
    """One row of the tree: an integration, a mapping or pipeline, a schedule or a connection."""

    #: "integration", "mapping", "pipeline", "schedule" or "connection".
    kind: str
    #: The integration's label, the item's or schedule's key, the connection's name.
    key: str
    cells: tuple[str, str, str, str, str]
    health: HubHealth | None
    tip: str
    record: Integration | HubItem | HubSchedule | str


def _item_node(item: HubItem) -> Node:
    state = item.state.label if item.state is not None else ""
    if item.active_version is not None and item.active_version != item.latest_version:
        state += f" (v{item.active_version} active)"
    status = item.last_run_status
    last = f"{_RUN_MARKS.get(status, '·')} {_when(item.last_run_at)}" if status else "never"
    rate = "" if item.success_rate is None else f", {item.success_rate:.0%} succeeded"
    tip = (
        f"{item.kind} {item.name} ({item.key}), version {item.latest_version}\n"
        f"{item.runs} run(s) in the window{rate}"
        + (f"\nlast run {status.value} ({item.last_run_key})" if status else "")
        + "".join(f"\n• {p}" for p in item.problems)
    )
    return Node(
        item.kind,
        item.key,
        (
            f"{item.kind}: {item.name}",
            f"v{item.latest_version} {state}".rstrip(),
            item.health.label,
            last,
            "",
        ),
        item.health,
        tip,
        item,
    )


def _schedule_node(schedule: HubSchedule) -> Node:
    active = "active" if schedule.active else "paused"
    return Node(
        "schedule",
        schedule.key,
        (
            f"schedule: {schedule.name}",
            f"{schedule.kind}, {active}",
            "",
            _when(schedule.last_run_at),
            _when(schedule.next_run_at) if schedule.active else "paused",
        ),
        None,
        f"{schedule.key} runs {schedule.mapping_key}",
        schedule,
    )


def nodes_of(integration: Integration) -> list[Node]:
    """An integration's children: its mappings and pipelines, schedules, connections."""
    children = [_item_node(item) for item in integration.items]
    children += [_schedule_node(s) for s in integration.schedules]
    children += [
        Node("connection", name, (f"connection: {name}", "", "", "", ""), None, name, name)
        for name in integration.connections
    ]
    return children


def _integration_node(integration: Integration) -> Node:
    last = integration.last_run
    mappings = sum(1 for i in integration.items if i.kind == "mapping")
    pipelines = len(integration.items) - mappings
    counts = f"{mappings} mapping(s)" + (f", {pipelines} pipeline(s)" if pipelines else "")
    names = ""
    if integration.source_name or integration.target_name:
        names = f"{integration.source_name or '?'} → {integration.target_name or '?'}\n"
    states = sorted({i.state.label for i in integration.items if i.state is not None})
    return Node(
        "integration",
        integration.label,
        (
            integration.label,
            ", ".join(states) or "–",
            integration.health.label,
            (
                f"{_RUN_MARKS.get(last.last_run_status, '·')} {_when(last.last_run_at)}"
                if last is not None and last.last_run_status is not None
                else "never"
            ),
            _when(integration.next_run_at),
        ),
        integration.health,
        names + counts,
        integration,
    )


class IntegrationTreeModel(QAbstractItemModel):
    """Integrations, each with its items, schedules and connections as children."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tops: list[Node] = []
        self.members: list[list[Node]] = []

    def set_integrations(self, integrations: Sequence[Integration]) -> None:
        self.beginResetModel()
        self.tops = [_integration_node(i) for i in integrations]
        self.members = [nodes_of(i) for i in integrations]
        self.endResetModel()

    def node(self, index: AnyIndex) -> Node | None:
        if not index.isValid():
            return None
        parent = index.internalId()
        if parent == 0:
            return self.tops[index.row()]
        return self.members[parent - 1][index.row()]

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self.tops)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self.members[parent.row()])
        return 0

    def columnCount(self, _parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self.node(index)
        if node is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            text = node.cells[column]
            if column == HEALTH_COLUMN and node.health is not None:
                return f"{_BADGE} {text}"
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            return node.tip
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == HEALTH_COLUMN and node.health is not None:
                return health_colour(node.health)
            if column == 3 and node.cells[3].startswith(_RUN_MARKS[RunStatus.FAILED]):
                return QColor(current_theme().error)
        if role == Qt.ItemDataRole.FontRole and node.kind == "integration" and column == 0:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def find(self, kind: str, key: str) -> QModelIndex:
        """The index of the first node of `kind` called `key`, or an invalid one."""
        for row, node in enumerate(self.tops):
            if node.kind == kind and node.key == key:
                return self.index(row, 0)
            for child_row, child in enumerate(self.members[row]):
                if child.kind == kind and child.key == key:
                    return self.index(child_row, 0, self.index(row, 0))
        return QModelIndex()


def health_colour(health: HubHealth) -> QColor:
    theme = current_theme()
    return QColor(
        {
            HubHealth.OK: theme.valid,
            HubHealth.WARNING: theme.untested,
            HubHealth.FAILING: theme.error,
            HubHealth.NO_RUNS: theme.muted,
        }[health]
    )


KIND_COLUMNS = ("Code", "System", "Auth", "Connector", "Saved")


class KindsModel(QAbstractTableModel):
    """The registry of integration kinds."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.kinds: list[IntegrationKind] = []

    def set_kinds(self, kinds: Sequence[IntegrationKind]) -> None:
        self.beginResetModel()
        self.kinds = list(kinds)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.kinds)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(KIND_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return KIND_COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        kind = self.kinds[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                kind.code,
                kind.name,
                kind.auth.label,
                kind.connector,
                str(len(kind.connections)) if kind.connections else "–",
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() == len(KIND_COLUMNS) - 1:
                return "Saved connections to it: " + (", ".join(kind.connections) or "none")
            return kind.auth_detail or kind.name
        return None
