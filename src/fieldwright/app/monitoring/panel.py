"""The Monitoring page: how the integrations are doing over the last 24 h, 7 d or 30 d.

KPI tiles (runs, success rate, records, failures in a row, late and missed
starts), runs per day stacked by status, the integrations, schedules, health
checks and problems, and the error patterns; choosing a pattern lists its latest
dead letters (the Runs page's dead-letter table), and double-clicking a letter
opens its run. The summary is computed off the GUI thread (`Service.monitoring`)
and arrives through `loaded`; a newer request supersedes an older one. When runs
end (the window's live events) it is recomputed, once per burst.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.monitoring.chart import KpiTile, RunsChart
from fieldwright.app.monitoring.models import (
    Row,
    RowsModel,
    TrendDelegate,
    check_rows,
    integration_rows,
    pattern_rows,
    schedule_rows,
)
from fieldwright.app.runs.models import DeadLetterModel
from fieldwright.app.shell.forms import Form
from fieldwright.app.shell.theme import current_theme
from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.domain.runs import RunStatus
from fieldwright.service import Health, MonitoringSummary, Window

if TYPE_CHECKING:
    from fieldwright.service import RunEnded, Service

__all__ = ["MonitoringPanel"]

WINDOW_LABELS = {
    Window.DAY: "Last 24 hours",
    Window.WEEK: "Last 7 days",
    Window.MONTH: "Last 30 days",
}
LETTERS = 200
LIVE_DELAY_MS = 2000


class MonitoringPanel(QWidget):
    """The dashboard; `refresh()` recomputes it for the chosen window."""

    #: A line for the status bar.
    message = Signal(str)
    #: The summary shown now (a MonitoringSummary), once it has arrived.
    loaded = Signal(object)
    #: The dead letters of the chosen pattern are listed (how many).
    lettersLoaded = Signal(int)
    #: Open this run in the Runs page.
    openRun = Signal(str)

    def __init__(self, service: Service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("monitoring_panel")
        self.service = service
        self.summary: MonitoringSummary | None = None
        self.generation = 0
        self.pool = QThreadPool.globalInstance()
        self.signals = TaskSignals(self)
        self.letter_signals = TaskSignals(self)
        #: A run ended while the page was hidden: recompute when it is shown.
        self.stale = False
        #: Runs ending in a burst recompute the summary once, this long after the last.
        self.live_refresh = QTimer(self)
        self.live_refresh.setSingleShot(True)
        self.live_refresh.setInterval(LIVE_DELAY_MS)
        self.live_refresh.timeout.connect(self.refresh)
        self.ui = Form("monitoring_panel.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        self._bind()
        self._connect()

    def _table(self, name: str, model: RowsModel, stretch: int) -> QTableView:
        """A table whose columns fit their contents but `stretch`, which takes the rest."""
        table = self.ui.child(QTableView, name)
        table.setModel(model)
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        return table

    def _bind(self) -> None:
        self.window_choice = self.ui.child(QComboBox, "monitoring_window")
        for window, label in WINDOW_LABELS.items():
            self.window_choice.addItem(label, window.value)
        self.integration_choice = self.ui.child(QComboBox, "monitoring_integration")
        self.integration_choice.addItem("All integrations", None)
        # Long integration names and the status line must not widen the page past 1024 px.
        self.integration_choice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.integration_choice.setMinimumContentsLength(18)
        self.refresh_button = self.ui.child(QPushButton, "refresh_monitoring")
        self.health_label = self.ui.child(QLabel, "monitoring_health")
        self.status_label = self.ui.child(QLabel, "monitoring_status")
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        tiles = self.ui.child(QWidget, "kpi_tiles").layout()
        assert isinstance(tiles, QHBoxLayout)  # as the form lays it out
        self.tiles: dict[str, KpiTile] = {}
        for caption in (
            "Runs",
            "Success",
            "Records read",
            "Records failed",
            "In a row",
            "Late / missed",
        ):
            tile = KpiTile(caption)
            self.tiles[caption] = tile
            tiles.addWidget(tile)
        self.chart = RunsChart()
        chart_box = self.ui.child(QWidget, "runs_chart_box").layout()
        assert isinstance(chart_box, QVBoxLayout)  # as the form lays it out
        chart_box.addWidget(self.chart, 1)
        self.integrations = RowsModel(
            ["", "Integration", "Runs", "Success", "In a row", "Failed", "Last start"],
            self,
            health=True,
        )
        self.integration_table = self._table("integrations_table", self.integrations, 1)
        self.schedules = RowsModel(
            ["", "Schedule", "Fired", "Missed", "Late", "Longest", "Expected", "Finish by"],
            self,
            health=True,
        )
        self.schedule_table = self._table("schedules_table", self.schedules, 1)
        self.checks = RowsModel(["", "Check", "For", "Detail"], self, health=True)
        self.check_table = self._table("checks_table", self.checks, 3)
        self.problems = self.ui.child(QListWidget, "problems_list")
        self.tabs = self.ui.child(QTabWidget, "health_tabs")
        self.patterns = RowsModel(["Letters", "Trend", "Field", "Reason"], self)
        self.pattern_table = self._table("patterns_table", self.patterns, 3)
        self.pattern_table.setItemDelegateForColumn(1, TrendDelegate(self.pattern_table))
        header = self.pattern_table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self.pattern_table.setColumnWidth(1, 100)
        self.letters = DeadLetterModel(self)
        self.letter_table = self.ui.child(QTableView, "pattern_letters_table")
        self.letter_table.setModel(self.letters)
        header = self.letter_table.horizontalHeader()
        header.setStretchLastSection(False)
        for column, mode in enumerate(
            (QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.ResizeToContents,
             QHeaderView.ResizeMode.Stretch, QHeaderView.ResizeMode.Fixed)
        ):  # fmt: skip
            header.setSectionResizeMode(column, mode)
        self.letter_table.setColumnWidth(3, 120)
        self.letters_title = self.ui.child(QLabel, "pattern_letters_title")
        # A long pattern must not widen its pane: the title is cut, its tooltip says it all.
        self.letters_title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.letters_title.installEventFilter(self)
        self.letters_text = ""
        self.ui.child(QSplitter, "monitoring_splitter").setSizes([330, 300])
        self.ui.child(QSplitter, "monitoring_upper").setSizes([380, 640])
        self.ui.child(QSplitter, "monitoring_lower").setSizes([600, 420])

    def _connect(self) -> None:
        self.window_choice.currentIndexChanged.connect(self.refresh)
        self.integration_choice.currentIndexChanged.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.signals.done.connect(self._summary_ready)
        self.signals.failed.connect(self._failed)
        self.letter_signals.done.connect(self._letters_ready)
        self.letter_signals.failed.connect(self._failed)
        self.pattern_table.selectionModel().selectionChanged.connect(self._pattern_chosen)
        self.letter_table.doubleClicked.connect(self._open_letter_run)

    def showEvent(self, event: QShowEvent) -> None:
        if (self.summary is None and self.generation == 0) or self.stale:
            self.stale = False
            self.refresh()
        super().showEvent(event)

    def run_ended(self, _event: RunEnded) -> None:
        """A run ended (the service's live events): the summary is recomputed shortly if the
        page is shown, else when it is shown next."""
        if self.isVisible():
            self.live_refresh.start()
        else:
            self.stale = True

    @property
    def chosen_window(self) -> Window:
        return Window(str(self.window_choice.currentData()))

    def refresh(self, *_args: object) -> None:
        """Compute the summary of the chosen window on a pool thread."""
        self.generation += 1
        window = self.chosen_window
        mapping = self.integration_choice.currentData()
        key = mapping if isinstance(mapping, str) else None
        self.status_label.setText(f"Computing the last {window.value}…")
        self.refresh_button.setEnabled(False)
        self.pool.start(
            Task(
                self.generation,
                lambda: self.service.monitoring(window, mapping_key=key),
                self.signals,
            )
        )

    def _failed(self, _generation: int, text: str) -> None:
        self.refresh_button.setEnabled(True)
        self.status_label.setText("Could not compute the summary")
        self.message.emit(text)

    def _summary_ready(self, generation: int, summary: object) -> None:
        if generation != self.generation or not isinstance(summary, MonitoringSummary):
            return  # an older request, superseded
        self.refresh_button.setEnabled(True)
        self.show_summary(summary)
        self.loaded.emit(summary)

    def _offer_integrations(self, summary: MonitoringSummary) -> None:
        """Integrations seen so far stay in the chooser (a filtered summary holds one)."""
        known = {
            self.integration_choice.itemData(n) for n in range(self.integration_choice.count())
        }
        for item in summary.integrations:
            if item.mapping_key not in known:
                self.integration_choice.addItem(item.label, item.mapping_key)
                index = self.integration_choice.count() - 1
                self.integration_choice.setItemData(
                    index, f"{item.name} ({item.mapping_key})", Qt.ItemDataRole.ToolTipRole
                )

    def show_summary(self, summary: MonitoringSummary) -> None:
        self.summary = summary
        blocked = self.integration_choice.blockSignals(True)
        self._offer_integrations(summary)
        self.integration_choice.blockSignals(blocked)
        theme = current_theme()
        colour = {Health.OK: theme.valid, Health.WARNING: theme.untested}.get(
            summary.health, theme.error
        )
        self.health_label.setText(summary.health.value.upper())
        self.health_label.setStyleSheet(f"color: {colour}; font-weight: 700; padding: 0 8px;")
        since, until = summary.since.astimezone(), summary.until.astimezone()
        self.status_label.setText(
            f"{since:%d %b} – {until:%d %b %H:%M} · {summary.elapsed * 1000:.0f} ms"
        )
        period = f"{since:%d %b %H:%M} – {until:%d %b %H:%M}"
        tip = f"{period}, computed in {summary.elapsed * 1000:.0f} ms"
        self.status_label.setToolTip(tip)
        self.health_label.setToolTip(tip)
        self._fill_tiles(summary)
        self.chart.set_data(summary.days, summary.runs_by_day)
        self.integrations.set_rows(integration_rows(summary.integrations))
        self.schedules.set_rows(schedule_rows(summary.schedules))
        self.checks.set_rows(
            check_rows(summary.checks)
            or [Row(("ok", "–", "–", "No input folder or staging table to check"))]
        )
        self.problems.clear()
        for problem in summary.problems or ["Nothing to report: every integration is healthy."]:
            self.problems.addItem(QListWidgetItem(problem))
        self.tabs.setTabText(3, f"Problems ({len(summary.problems)})")
        self.patterns.set_rows(pattern_rows(summary.error_patterns))
        self.letters.reset([], False)
        self._title_letters("Dead letters: choose an error pattern")

    def _restyle(self) -> None:
        """Theme colours of the health word and the tiles (again when the theme changes)."""
        theme = current_theme()
        health = self.summary.health if self.summary is not None else Health.OK
        colour = {Health.OK: theme.valid, Health.WARNING: theme.untested}.get(health, theme.error)
        self.health_label.setStyleSheet(f"color: {colour}; font-weight: 700; padding: 0 8px;")
        for tile in self.tiles.values():
            tile.restyle()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._restyle()
        super().changeEvent(event)

    def _fill_tiles(self, summary: MonitoringSummary) -> None:
        totals = summary.totals
        runs = sum(totals.runs.values())
        failed = totals.runs.get(RunStatus.FAILED, 0)
        self.tiles["Runs"].set_value(f"{runs:,}", f"{failed:,} failed")
        rate = totals.success_rate
        self.tiles["Success"].set_value(
            "–" if rate is None else f"{rate:.1%}",
            "completed among completed and failed runs",
            alert=rate is not None and rate < 0.9,
        )
        self.tiles["Records read"].set_value(
            f"{totals.records_read:,}",
            "" if totals.throughput is None else f"{totals.throughput:,.0f} records/s",
        )
        self.tiles["Records failed"].set_value(
            f"{totals.records_failed:,}",
            "records sent to the dead letters",
            alert=totals.records_failed > 0,
        )
        worst = max((i.consecutive_failures for i in summary.integrations), default=0)
        self.tiles["In a row"].set_value(
            str(worst), "the most failures in a row of one integration", alert=worst > 0
        )
        late = sum(s.late for s in summary.schedules)
        missed = sum(s.missed for s in summary.schedules)
        self.tiles["Late / missed"].set_value(
            f"{late} / {missed}",
            "scheduled starts that were late / missed",
            alert=late + missed > 0,
        )

    def _pattern_chosen(self, *_args: object) -> None:
        rows = self.pattern_table.selectionModel().selectedRows()
        if not rows or self.summary is None:
            return
        summary = self.summary
        pattern = summary.error_patterns[rows[0].row()]
        self._title_letters(f"Dead letters: {pattern.field or '–'}: {pattern.pattern}")
        self.pool.start(
            Task(
                self.generation,
                lambda: self.service.pattern_letters(summary, pattern, limit=LETTERS),
                self.letter_signals,
            )
        )

    def _title_letters(self, text: str) -> None:
        """The letters' title, cut with an ellipsis to its width (whole in the tooltip)."""
        self.letters_text = text
        self.letters_title.setToolTip(text)
        self._elide_title()

    def _elide_title(self) -> None:
        metrics = self.letters_title.fontMetrics()
        width = max(40, self.letters_title.width())
        elided = metrics.elidedText(self.letters_text, Qt.TextElideMode.ElideRight, width)
        self.letters_title.setText(elided)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.letters_title and event.type() == QEvent.Type.Resize:
            self._elide_title()
        return super().eventFilter(watched, event)

    def _letters_ready(self, generation: int, letters: object) -> None:
        if generation != self.generation or not isinstance(letters, list):
            return
        self.letters.reset(letters, False)
        self.lettersLoaded.emit(len(letters))

    def _open_letter_run(self, index: QModelIndex) -> None:
        if index.isValid():
            self.openRun.emit(self.letters.items[index.row()].run_key)
