"""The Integration Hub page: every integration (a client's source system → target system)
with its mappings, pipelines, schedules and connections, their lifecycle state and
health; search and filters; a detail panel; Open on any item; and the registry of
integration kinds with Test connection.

The overview is read off the GUI thread (`Service.integrations`, `integration_kinds`)
and arrives through `loaded`; search and filters then apply on the GUI thread to what
was read (`filter_integrations`, the service's own rule), announced by `filtered`.
Open asks the window to show the item in its page through a signal: a mapping in the
designer, a schedule on Schedules, a connection on Connections, a run on Runs, an
integration on Monitoring, a pipeline wherever the window routes `openPipeline`.
A connection test reuses the Connections page's worker function (`timed_test`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelection, QModelIndex, QThreadPool, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.connections.connection_test import TestOutcome, outcome_html, timed_test
from fieldwright.app.hub.detail import (
    connection_html,
    integration_html,
    item_html,
    kind_html,
    schedule_html,
)
from fieldwright.app.hub.models import IntegrationTreeModel, KindsModel, Node
from fieldwright.app.shell.forms import Form
from fieldwright.app.shell.theme import current_theme
from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.domain.approvals import LifecycleState
from fieldwright.service import (
    HubHealth,
    HubItem,
    HubSchedule,
    Integration,
    IntegrationFilter,
    IntegrationKind,
    IntegrationOverview,
    Window,
    filter_integrations,
)

if TYPE_CHECKING:
    from fieldwright.service import RunEnded, Service

__all__ = ["HubPanel"]

WINDOW_LABELS = {
    Window.DAY: "Health: last 24 hours",
    Window.WEEK: "Health: last 7 days",
    Window.MONTH: "Health: last 30 days",
}
SEARCH_DELAY_MS = 150
#: Runs ending in a burst re-read the overview once, this long after the last.
LIVE_DELAY_MS = 2000
#: The detail panels never get narrower than this, so their tables stay readable.
DETAIL_MIN_WIDTH = 280


class HubPanel(QWidget):
    """The hub; `refresh()` reads the integrations and kinds again."""

    #: A line for the status bar.
    message = Signal(str)
    #: The overview read (an IntegrationOverview, unfiltered).
    loaded = Signal(object)
    #: Search or filters were applied: how many integrations are shown.
    filtered = Signal(int)
    openMapping = Signal(str)
    openPipeline = Signal(str)
    openSchedule = Signal(str)
    openConnection = Signal(str)
    openRun = Signal(str)
    #: Show an integration on the Monitoring page: a mapping key and the integration's label.
    openMonitoring = Signal(str, str)
    #: A connection test ended (a TestOutcome).
    tested = Signal(object)

    def __init__(self, service: Service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hub_panel")
        self.service = service
        self.overview: IntegrationOverview | None = None
        self.kinds: list[IntegrationKind] = []
        self.generation = 0
        self.test_generation = 0
        self.pool = QThreadPool.globalInstance()
        self.signals = TaskSignals(self)
        self.test_signals = TaskSignals(self)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        #: A run ended while the page was hidden: re-read when it is shown.
        self.stale = False
        self.live_refresh = QTimer(self)
        self.live_refresh.setSingleShot(True)
        self.live_refresh.setInterval(LIVE_DELAY_MS)
        self.live_refresh.timeout.connect(self.refresh)
        self.ui = Form("hub_panel.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        self._bind_filters()
        self._bind_tree()
        self._bind_kinds()
        self._connect()

    # -- binding ----------------------------------------------------------------------------

    def _bind_filters(self) -> None:
        ui = self.ui
        self.window_choice = ui.child(QComboBox, "hub_window")
        for window, label in WINDOW_LABELS.items():
            self.window_choice.addItem(label, window.value)
        self.window_choice.setCurrentIndex(1)
        self.refresh_button = ui.child(QPushButton, "refresh_hub")
        self.counts_label = ui.child(QLabel, "hub_counts")
        self.status_label = ui.child(QLabel, "hub_status")
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.search = ui.child(QLineEdit, "hub_search")
        self.client_choice = ui.child(QComboBox, "hub_client")
        self.client_choice.addItem("All clients", None)
        self.system_choice = ui.child(QComboBox, "hub_system")
        self.system_choice.addItem("All systems", None)
        self.state_choice = ui.child(QComboBox, "hub_state")
        self.state_choice.addItem("Any state", None)
        for state in LifecycleState:
            self.state_choice.addItem(state.label.capitalize(), state.value)
        self.health_choice = ui.child(QComboBox, "hub_health")
        self.health_choice.addItem("Any health", None)
        for health in HubHealth:
            self.health_choice.addItem(health.label.capitalize(), health.value)

    def _bind_tree(self) -> None:
        self.tree = self.ui.child(QTreeView, "hub_tree")
        self.model = IntegrationTreeModel(self)
        self.tree.setModel(self.model)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.detail = self.ui.child(QTextBrowser, "hub_detail")
        self.open_button = self.ui.child(QPushButton, "hub_open")
        self.second_button = self.ui.child(QPushButton, "hub_second")
        splitter = self.ui.child(QSplitter, "hub_splitter")
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        self.ui.child(QWidget, "hub_detail_box").setMinimumWidth(DETAIL_MIN_WIDTH)
        self.tabs = self.ui.child(QTabWidget, "hub_tabs")
        self._show_node(None)

    def _bind_kinds(self) -> None:
        self.kinds_table = self.ui.child(QTableView, "kinds_table")
        self.kinds_model = KindsModel(self)
        self.kinds_table.setModel(self.kinds_model)
        self.kinds_table.verticalHeader().setVisible(False)
        self.kinds_table.setWordWrap(False)
        header = self.kinds_table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.kind_detail = self.ui.child(QTextBrowser, "kind_detail")
        self.kind_connection = self.ui.child(QComboBox, "kind_connection")
        self.test_button = self.ui.child(QPushButton, "test_kind")
        self.test_result = self.ui.child(QLabel, "kind_test_result")
        kinds_splitter = self.ui.child(QSplitter, "kinds_splitter")
        kinds_splitter.setStretchFactor(0, 3)
        kinds_splitter.setStretchFactor(1, 2)
        self.ui.child(QWidget, "kind_detail_box").setMinimumWidth(DETAIL_MIN_WIDTH)
        self._show_kind(None)

    def _connect(self) -> None:
        self.signals.done.connect(self._loaded)
        self.signals.failed.connect(self._failed)
        self.test_signals.done.connect(self._test_done)
        self.test_signals.failed.connect(self._test_failed)
        self.refresh_button.clicked.connect(self.refresh)
        self.window_choice.currentIndexChanged.connect(self.refresh)
        self.search.textChanged.connect(self.search_timer.start)
        self.search_timer.timeout.connect(self.apply_filters)
        for choice in (
            self.client_choice,
            self.system_choice,
            self.state_choice,
            self.health_choice,
        ):
            choice.currentIndexChanged.connect(self.apply_filters)
        selection = self.tree.selectionModel()
        selection.selectionChanged.connect(self._selection_changed)
        # double-click, or Enter on the keyboard
        self.tree.activated.connect(self._activated)
        self.open_button.clicked.connect(self.open_selected)
        self.second_button.clicked.connect(self.second_action)
        self.kinds_table.selectionModel().selectionChanged.connect(self._kind_selected)
        self.kind_connection.currentIndexChanged.connect(self._update_test_button)
        self.test_button.clicked.connect(self.test_kind_connection)

    def showEvent(self, event: QShowEvent) -> None:
        if (self.overview is None and self.generation == 0) or self.stale:
            self.stale = False
            self.refresh()
        super().showEvent(event)

    def run_ended(self, _event: RunEnded) -> None:
        """A run ended (the window's live events): health and last runs are re-read shortly
        if the page is shown, else when it is shown next."""
        if self.isVisible():
            self.live_refresh.start()
        else:
            self.stale = True

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._show_node(self.selected_node())
            self._show_kind(self.selected_kind())
        super().changeEvent(event)

    # -- reading ----------------------------------------------------------------------------

    @property
    def chosen_window(self) -> Window:
        return Window(str(self.window_choice.currentData()))

    def refresh(self, *_args: object) -> None:
        """Read the integrations (health over the chosen window) and the kinds, off the GUI
        thread."""
        self.generation += 1
        window = self.chosen_window
        service = self.service
        self.status_label.setText("Reading the integrations…")
        self.refresh_button.setEnabled(False)
        self.pool.start(
            Task(
                self.generation,
                lambda: (service.integrations(window=window), service.integration_kinds()),
                self.signals,
            )
        )

    def _failed(self, generation: int, text: str) -> None:
        if generation != self.generation:
            return
        self.refresh_button.setEnabled(True)
        self.status_label.setText("Could not read the integrations")
        self.message.emit(text)

    def _loaded(self, generation: int, result: object) -> None:
        if generation != self.generation or not isinstance(result, tuple):
            return  # an older request, superseded
        overview, kinds = result
        assert isinstance(overview, IntegrationOverview)
        self.refresh_button.setEnabled(True)
        self.overview = overview
        self.kinds = list(kinds)
        self.status_label.setText(f"read in {overview.elapsed:.2f} s")
        self._offer(self.client_choice, overview.clients)
        self._offer(self.system_choice, overview.systems)
        self.kinds_model.set_kinds(self.kinds)
        if self.kinds and not self.kinds_table.selectionModel().hasSelection():
            self.kinds_table.selectRow(0)
        self.apply_filters()
        self.loaded.emit(overview)

    @staticmethod
    def _offer(choice: QComboBox, values: list[str]) -> None:
        """Every value once after the "all" entry, keeping the current choice."""
        current = choice.currentData()
        blocked = choice.blockSignals(True)
        while choice.count() > 1:
            choice.removeItem(1)
        for value in values:
            choice.addItem(value, value)
        index = choice.findData(current) if current is not None else 0
        choice.setCurrentIndex(max(index, 0))
        choice.blockSignals(blocked)

    # -- filtering --------------------------------------------------------------------------

    def selection(self) -> IntegrationFilter:
        """The search words and filters as chosen in the page."""
        state = self.state_choice.currentData()
        health = self.health_choice.currentData()
        return IntegrationFilter(
            search=self.search.text(),
            client=self.client_choice.currentData(),
            system=self.system_choice.currentData(),
            state=LifecycleState(state) if state else None,
            health=HubHealth(health) if health else None,
        )

    def apply_filters(self, *_args: object) -> None:
        if self.overview is None:
            return
        keep = self.selected_node()
        shown = filter_integrations(self.overview.integrations, self.selection())
        self.model.set_integrations(shown)
        self.tree.expandAll()
        self.counts_label.setText(f"{len(shown)} of {self.overview.total} integrations")
        index = self.model.find(keep.kind, keep.key) if keep is not None else QModelIndex()
        if not index.isValid() and self.model.rowCount():
            index = self.model.index(0, 0)
        if index.isValid():
            self.tree.setCurrentIndex(index)
        else:
            self._show_node(None)
            if self.overview.total:
                self.detail.setHtml(
                    "<p>No integration matches the search and filters: clear the search "
                    "box or choose <i>All</i> in a filter.</p>"
                )
        self.filtered.emit(len(shown))

    # -- selection and detail ---------------------------------------------------------------

    def selected_node(self) -> Node | None:
        return self.model.node(self.tree.currentIndex())

    def select(self, kind: str, key: str) -> bool:
        """Select the node of `kind` called `key` (True when it is shown)."""
        index = self.model.find(kind, key)
        if index.isValid():
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index)
        return index.isValid()

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_node(self.selected_node())

    def _integration_of(self, node: Node) -> Integration | None:
        index = self.model.find(node.kind, node.key)
        parent = index.parent() if index.isValid() else QModelIndex()
        top = self.model.node(parent if parent.isValid() else index)
        return top.record if top is not None and isinstance(top.record, Integration) else None

    def _show_node(self, node: Node | None) -> None:
        theme = current_theme()
        self.open_button.setEnabled(node is not None)
        self.second_button.setVisible(False)
        if node is None:
            self.detail.setHtml(
                "<p>Choose an integration, or one of its mappings, pipelines, schedules or "
                "connections, to see it here and open it in its page.</p>"
            )
            self.open_button.setText("Open")
            return
        record = node.record
        if isinstance(record, Integration):
            self.detail.setHtml(integration_html(record, theme))
            self.open_button.setText("Open in Monitoring")
            mappings = [i for i in record.items if i.kind == "mapping"]
            self.open_button.setEnabled(bool(record.items))
            if mappings:
                self.second_button.setText("Open mapping")
                self.second_button.setVisible(True)
        elif isinstance(record, HubItem):
            self.detail.setHtml(item_html(record, theme))
            self.open_button.setText(
                "Open in Designer" if record.kind == "mapping" else "Open pipeline"
            )
            if record.last_run_key is not None:
                self.second_button.setText("Open last run")
                self.second_button.setVisible(True)
        elif isinstance(record, HubSchedule):
            self.detail.setHtml(schedule_html(record, theme))
            self.open_button.setText("Open in Schedules")
        else:
            integration = self._integration_of(node)
            users = [
                i.key
                for i in (integration.items if integration is not None else [])
                if record in i.connections
            ]
            self.detail.setHtml(connection_html(record, users, theme))
            self.open_button.setText("Open in Connections")

    def _activated(self, index: QModelIndex) -> None:
        if self.model.node(index) is not None:
            self.open_selected()

    def open_selected(self, *_args: object) -> None:
        """Open the selected node in its page (through the open… signals)."""
        node = self.selected_node()
        if node is None:
            return
        record = node.record
        if isinstance(record, Integration):
            if record.items:
                self.openMonitoring.emit(record.items[0].key, record.label)
        elif isinstance(record, HubItem):
            if record.kind == "mapping":
                self.openMapping.emit(record.key)
            else:
                self.openPipeline.emit(record.key)
        elif isinstance(record, HubSchedule):
            self.openSchedule.emit(record.key)
        else:
            self.openConnection.emit(record)

    def second_action(self, *_args: object) -> None:
        """An integration: open its first mapping; an item: open its last run."""
        node = self.selected_node()
        if node is None:
            return
        record = node.record
        if isinstance(record, Integration):
            first = next((i for i in record.items if i.kind == "mapping"), None)
            if first is not None:
                self.openMapping.emit(first.key)
        elif isinstance(record, HubItem) and record.last_run_key is not None:
            self.openRun.emit(record.last_run_key)

    # -- integration kinds ------------------------------------------------------------------

    def selected_kind(self) -> IntegrationKind | None:
        rows = self.kinds_table.selectionModel().selectedRows()
        return self.kinds[rows[0].row()] if rows and rows[0].row() < len(self.kinds) else None

    def select_kind(self, code: str) -> bool:
        row = next((n for n, k in enumerate(self.kinds) if k.code == code), None)
        if row is not None:
            self.kinds_table.selectRow(row)
        return row is not None

    def _kind_selected(self, *_args: object) -> None:
        self._show_kind(self.selected_kind())

    def _show_kind(self, kind: IntegrationKind | None) -> None:
        self.test_result.setText("")
        blocked = self.kind_connection.blockSignals(True)
        self.kind_connection.clear()
        if kind is None:
            self.kind_detail.setHtml("<p>Choose a kind of system to see what it needs.</p>")
        else:
            self.kind_detail.setHtml(kind_html(kind, current_theme()))
            for name in kind.connections:
                self.kind_connection.addItem(name, name)
            if not kind.connections:
                self.kind_connection.addItem("No saved connection to it", None)
        self.kind_connection.blockSignals(blocked)
        self._update_test_button()

    def _update_test_button(self, *_args: object) -> None:
        self.test_button.setEnabled(isinstance(self.kind_connection.currentData(), str))

    def test_kind_connection(self, *_args: object) -> None:
        """Test the chosen saved connection, on a pool thread (the Connections page's test)."""
        name = self.kind_connection.currentData()
        if not isinstance(name, str):
            return
        self.test_generation += 1
        self.test_button.setEnabled(False)
        self.test_result.setText(f"Testing {name}…")
        service = self.service
        self.pool.start(
            Task(self.test_generation, lambda: timed_test(service, name), self.test_signals)
        )

    def _test_done(self, generation: int, outcome: object) -> None:
        if generation != self.test_generation or not isinstance(outcome, TestOutcome):
            return
        self._update_test_button()
        self.test_result.setText(outcome_html(outcome, current_theme()))
        self.tested.emit(outcome)

    def _test_failed(self, generation: int, message: str) -> None:
        if generation != self.test_generation:
            return
        self._update_test_button()
        self.test_result.setText(message)
        self.message.emit(message)
