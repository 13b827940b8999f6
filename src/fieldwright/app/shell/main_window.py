"""The main window: it composes the pages, the menus and the status bar, and wires them.

The navigation list and the stacked pages are a `PageStack` (page_stack.py), under
the notice bar of failed scheduled runs (notifications.py).

With a store, the service's events (live_events.py) keep the Runs and Schedules
pages and the status bar up to date as runs start, progress and end and as
schedules fire, on the GUI thread after the code that started a run has returned.

What happens to the open mapping as a whole (new, open, save, the store, recent
files, the title) is the `DocumentController`'s; the window shows what it says.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QAction, QCloseEvent, QUndoGroup, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.approvals.commands import open_mapping_approvals, review_reminder
from fieldwright.app.approvals.review_queue import open_review_queue
from fieldwright.app.approvals.setting import ApprovalSetting
from fieldwright.app.designer.automap_dialog import AutoMapDialog
from fieldwright.app.designer.endpoint_dialog import edit_endpoint
from fieldwright.app.designer.filter_dialog import open_filter_dialog
from fieldwright.app.designer.lookups_dialog import open_lookups_dialog
from fieldwright.app.designer.panel import MappingDesigner
from fieldwright.app.designer.schema_import import SchemaImporter
from fieldwright.app.documents.asker import DialogAsker
from fieldwright.app.documents.controller import DocumentController
from fieldwright.app.documents.properties_dialog import edit_properties
from fieldwright.app.documents.recent_menu import RecentMenu
from fieldwright.app.documents.session import DocumentSession
from fieldwright.app.home.welcome import WelcomePage
from fieldwright.app.pipelines.session import PipelineSession
from fieldwright.app.preview.panel import PreviewPanel
from fieldwright.app.runs.activity import RunActivity
from fieldwright.app.runs.progress import RunProgressWidget
from fieldwright.app.runs.run_now import RunNow
from fieldwright.app.settings.app_settings import AppSettings
from fieldwright.app.shell.live_events import LiveEvents
from fieldwright.app.shell.menus import MenuCommands, build_menus
from fieldwright.app.shell.notice_watch import Notice, NoticeWatch
from fieldwright.app.shell.notifications import FailureNotifier, NoticeBar
from fieldwright.app.shell.page_stack import PageStack
from fieldwright.app.shell.scheduler_status import SchedulerStatus
from fieldwright.app.shell.status_line import StatusLabels
from fieldwright.app.shell.theme import THEMES, apply_theme
from fieldwright.app.shell.widgets import LazyPage
from fieldwright.app.templates.panel import TemplatePanel
from fieldwright.app.testing.panel import TestsPanel
from fieldwright.authoring.documents import DocumentFiles, new_document
from fieldwright.authoring.events import Side
from fieldwright.authoring.store_documents import StoreDocuments

if TYPE_CHECKING:
    from fieldwright.app.connections.panel import ConnectionsPanel
    from fieldwright.app.hub.panel import HubPanel
    from fieldwright.app.monitoring.panel import MonitoringPanel
    from fieldwright.app.pipelines.page import PipelinePage
    from fieldwright.app.runs.panel import RunsPanel
    from fieldwright.app.schedules.panel import SchedulesPanel
    from fieldwright.app.settings.panel import SettingsPanel
    from fieldwright.app.transformations.page import TransformationPage
    from fieldwright.service import RunEnded, RunProgressed, RunResult, RunStarted, ScheduleFired

__all__ = ["MainWindow"]


class MainWindow(QMainWindow):
    def __init__(
        self,
        settings: AppSettings,
        files: DocumentFiles | None = None,
        *,
        store: StoreDocuments | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.settings = settings
        #: The mapping store (None: the app works on files only).
        self.store = store
        self.scheduler = SchedulerStatus(self)
        self.session = DocumentSession(new_document(), None, self)
        self.documents = DocumentController(
            self.session, settings, DialogAsker(self), files=files, store=store, parent=self
        )
        #: The open pipeline (the Pipelines page, built on first use, edits it).
        self.pipeline_session = PipelineSession(self)
        #: Edit → Undo and Redo act on the stack of the page shown: the pipeline's on the
        #: Pipelines page, the mapping's everywhere else.
        self.undo_group = QUndoGroup(self)
        self.undo_group.addStack(self.session.stack)
        self.undo_group.addStack(self.pipeline_session.stack)
        #: The Transformations page's edits (the page is built on first use).
        self.transformation_stack = QUndoStack(self)
        self.undo_group.addStack(self.transformation_stack)
        self.undo_group.setActiveStack(self.session.stack)
        self._build_pages()
        self.status = StatusLabels(self.statusBar())
        self.run_progress = RunProgressWidget()
        self.statusBar().insertPermanentWidget(0, self.run_progress)
        self.run_activity = RunActivity()
        self.run_activity.watched_elsewhere = lambda key: key == self.run_progress.key
        self.statusBar().insertPermanentWidget(0, self.run_activity)
        self.notifier = FailureNotifier(self.notice_bar, self)
        #: The service's events on the GUI thread (None without a store).
        self.live = LiveEvents(store.service, self) if store is not None else None
        #: SLA breaches, reviews and expiring credentials, checked on a timer (store only).
        self.notice_watch = NoticeWatch(store.service, self) if store is not None else None
        self.schema_importer = SchemaImporter(self.session, self)
        self.run_now = RunNow(self.session, store.service if store else None, self)
        self.recent_menu = RecentMenu(self)
        self.actions_by_name: dict[str, QAction] = build_menus(
            self.menuBar(),
            self._menu_commands(),
            self.undo_group,
            self.recent_menu,
            dark=settings.theme() == "dark",
        )
        self._connect_documents()
        self._connect_pages()
        self._connect_live()
        self.resize(1280, 820)
        self._restore_settings()
        self.documents.refresh_recent()
        self.documents.describe()
        self.show_page("Home")
        if store is not None and (reminder := review_reminder(store.service)):
            self.show_message(reminder)

    # -- composition --------------------------------------------------------------------

    def _build_pages(self) -> None:
        self.welcome = WelcomePage()
        self.welcome.template_button.setVisible(self.store is not None)
        self.designer = MappingDesigner(self.session)
        self.preview = PreviewPanel(self.session)
        self.preview.sample_size = self.settings.preview_sample_size()
        self.work_splitter = QSplitter(Qt.Orientation.Vertical)
        self.work_splitter.setObjectName("work_splitter")
        self.work_splitter.addWidget(self.designer)
        self.work_splitter.addWidget(self.preview)
        self.work_splitter.setStretchFactor(0, 3)
        self.work_splitter.setStretchFactor(1, 2)
        self.tests_panel = TestsPanel(
            self.session,
            record_provider=self.preview.selected_record,
            service=self.store.service if self.store is not None else None,
        )
        # The step editor's live examples use the value a step receives in the Preview.
        self.designer.inspector.sample_provider = self.preview.step_input
        self.preview.previewUpdated.connect(self.designer.inspector.refresh_sample)
        if self.store is not None:  # Insert from / Publish to Transformations
            self.designer.inspector.chains.set_store(self.store.service.transformations)
        stack = self.page_stack = PageStack()
        stack.add("Home", self.welcome)
        stack.add("Designer", self.work_splitter)
        stack.add("Tests", self.tests_panel)
        self._pipelines_page = stack.add_lazy("Pipelines", self._make_pipelines_page)
        stack.navigation.currentRowChanged.connect(self._page_changed)
        store = self.store
        self.template_panel: TemplatePanel | None = None
        self._runs_page: LazyPage[RunsPanel] | None = None
        self._schedules_page: LazyPage[SchedulesPanel] | None = None
        self._connections_page: LazyPage[ConnectionsPanel] | None = None
        self._monitoring_page: LazyPage[MonitoringPanel] | None = None
        self._hub_page: LazyPage[HubPanel] | None = None
        self._transformations_page: LazyPage[TransformationPage] | None = None
        if store is not None:  # the store's pages
            self.template_panel = TemplatePanel(store.service, lambda: self.session.document)
            stack.add("Templates", self.template_panel)
            self._transformations_page = stack.add_lazy(
                "Transformations", self._make_transformations_page
            )
            self._hub_page = stack.add_lazy("Integrations", self._make_hub_panel)
            # The next three are built the first time they are shown (or asked for): start-up
            # pays for neither the pages nor their imports (the connectors behind Connections).
            self._runs_page = stack.add_lazy("Runs", self._make_runs_panel)
            self._schedules_page = stack.add_lazy("Schedules", self._make_schedules_panel)
            self._monitoring_page = stack.add_lazy("Monitoring", self._make_monitoring_panel)
            self._connections_page = stack.add_lazy("Connections", self._make_connections_panel)
        self._settings_page = stack.add_lazy("Settings", self._make_settings_panel)
        #: The pages this window shows, in navigation order, and the stack's parts.
        self.page_names = stack.page_names
        self.navigation, self.pages = stack.navigation, stack.pages
        self.notice_bar = NoticeBar()
        central = QWidget()
        central.setObjectName("central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.notice_bar)
        layout.addWidget(stack, 1)
        self.setCentralWidget(central)

    def _menu_commands(self) -> MenuCommands:
        documents, importer, run_now = self.documents, self.schema_importer, self.run_now
        return MenuCommands(
            new=documents.guided_new_mapping,
            open=documents.open_dialog,
            open_file=documents.open_file_dialog,
            save=documents.save,
            save_as=documents.save_as,
            import_schema=lambda side, json: importer.choose(self, side, json_schema=json),
            import_table=lambda side: importer.choose_table(self, side),
            import_mapping=documents.import_into_store if self.store is not None else None,
            export=documents.export_copy,
            quit=self.close,
            delete=self.delete_selected,
            find=self.focus_find,
            automap=self.automap,
            preview=self.preview.refresh_now,
            run_tests=self.run_tests,
            run_now=run_now.start,
            run_with=run_now.choose,
            cancel_run=run_now.cancel,
            dark_theme=self.set_dark_theme,
            properties=lambda: edit_properties(self.session, self),
            source_endpoint=lambda: self.edit_endpoint("source"),
            target_endpoint=lambda: self.edit_endpoint("target"),
            lookups=lambda: open_lookups_dialog(self.session, self),
            record_filter=lambda: open_filter_dialog(
                self.session, self, [i.record for i in self.preview.items if i.record is not None]
            ),
            new_pipeline=lambda: self._pipelines().new(),
            open_pipeline=lambda: self._pipelines().open_dialog(),
            import_pipeline=(
                (lambda: self._pipelines().import_dialog()) if self.store is not None else None
            ),
            approvals=self._approvals_command(),
            review_queue=self._review_queue_command(),
        )

    def _approvals_command(self) -> Callable[[], object] | None:
        if self.store is None:
            return None
        service = self.store.service
        return lambda: open_mapping_approvals(service, self.session, self, self.show_message)

    def _review_queue_command(self) -> Callable[[], object] | None:
        if self.store is None:
            return None
        service = self.store.service
        return lambda: open_review_queue(service, self)

    def _connect_documents(self) -> None:
        documents = self.documents
        documents.message.connect(self.show_message)
        documents.documentLoaded.connect(self._show_designer)
        documents.saveStateChanged.connect(self.status.save_label.setText)
        documents.titleChanged.connect(self.setWindowTitle)
        documents.unsavedChanged.connect(self.setWindowModified)
        documents.whereChanged.connect(self.status.show_where)
        documents.recentChanged.connect(self.welcome.set_recent)
        documents.recentChanged.connect(self.recent_menu.set_recent)
        self.recent_menu.openPath.connect(documents.open_path)
        self.recent_menu.openStored.connect(documents.open_stored)
        self.welcome.newRequested.connect(documents.guided_new_mapping)
        self.welcome.openRequested.connect(documents.open_dialog)
        self.welcome.templateRequested.connect(documents.from_template)
        self.welcome.openPath.connect(documents.open_path)
        self.welcome.openStored.connect(documents.open_stored)
        if self.template_panel is not None:
            self.template_panel.mappingCreated.connect(documents.open_stored)
            self.template_panel.pipelineCreated.connect(self.open_pipeline)

    def _connect_pages(self) -> None:
        self.designer.message.connect(self.show_message)
        self.session.editFailed.connect(self.show_message)
        self.tests_panel.statusChanged.connect(self.designer.set_test_status)
        self.tests_panel.message.connect(self.show_message)
        if self.template_panel is not None:
            self.template_panel.message.connect(self.show_message)
        self.scheduler.changed.connect(self._scheduler_changed)
        self.schema_importer.finished.connect(self._schema_loaded)
        run_now = self.run_now
        run_now.message.connect(self.show_message)
        run_now.started.connect(self.run_progress.start)
        run_now.progress.connect(self.run_progress.update_progress)
        run_now.finished.connect(self.run_progress.finish)
        self.run_progress.cancelRequested.connect(run_now.cancel)
        run_now.finished.connect(self._run_finished)

    def _connect_live(self) -> None:
        """Runs and schedule fires from the service update pages and status bar by themselves."""
        self.notice_bar.openRun.connect(self.open_run)
        self.notice_bar.openSchedule.connect(self.open_schedule)
        self.notice_bar.openNotice.connect(self.open_notice)
        if self.notice_watch is not None:
            self.notice_watch.notice.connect(self.notifier.notify)
            self.notice_watch.start()
        live = self.live
        if live is None:
            return
        activity = self.run_activity
        live.runStarted.connect(activity.run_started)
        live.runStarted.connect(self._live_run_started)
        live.runProgressed.connect(activity.run_progressed)
        live.runProgressed.connect(self._live_run_progressed)
        live.runEnded.connect(activity.run_ended)
        live.runEnded.connect(self._live_run_ended)
        live.scheduleFired.connect(self.notifier.schedule_fired)
        live.scheduleFired.connect(self._live_schedule_fired)

    def _built_runs(self) -> RunsPanel | None:
        return self._runs_page.built if self._runs_page is not None else None

    def _built_schedules(self) -> SchedulesPanel | None:
        return self._schedules_page.built if self._schedules_page is not None else None

    def _live_run_started(self, event: RunStarted) -> None:
        if (runs := self._built_runs()) is not None:
            runs.run_started(event)

    def _live_run_progressed(self, event: RunProgressed) -> None:
        if (runs := self._built_runs()) is not None:
            runs.run_progressed(event)

    def _live_run_ended(self, event: RunEnded) -> None:
        if (runs := self._built_runs()) is not None:
            runs.run_ended(event)
        if (schedules := self._built_schedules()) is not None:
            schedules.run_ended(event)
        if self._monitoring_page is not None and self._monitoring_page.built is not None:
            self._monitoring_page.built.run_ended(event)
        if self._hub_page is not None and self._hub_page.built is not None:
            self._hub_page.built.run_ended(event)

    def _live_schedule_fired(self, event: ScheduleFired) -> None:
        if (schedules := self._built_schedules()) is not None:
            schedules.schedule_fired(event)

    def open_run(self, key: str) -> None:
        """Show a run's detail in the Runs page (a failure notice's Open run)."""
        panel = self.runs_panel
        if panel is not None:
            self.show_page("Runs")
            panel.open_run(key)

    def open_notice(self, notice: object) -> None:
        """Show the page of a notice: the connection, the Monitoring page, the review queue."""
        if not isinstance(notice, Notice):
            return
        if notice.page == "Review queue":
            command = self._review_queue_command()
            if command is not None:
                command()
            return
        if notice.page == "Connections" and (panel := self.connections_panel) is not None:
            self.show_page("Connections")
            panel.refresh(select=notice.target)
            return
        if notice.page in self.page_names:
            self.show_page(notice.page)

    def open_schedule(self, key: str) -> None:
        """Show a schedule selected in the Schedules page."""
        panel = self.schedules_panel
        if panel is not None:
            self.show_page("Schedules")
            panel.select_schedule(key)

    # -- pages built on first use ---------------------------------------------------------

    def _make_pipelines_page(self) -> PipelinePage:
        from fieldwright.app.pipelines.page import PipelinePage

        page = PipelinePage(self.pipeline_session, self.store.service if self.store else None)
        page.message.connect(self.show_message)
        page.openMapping.connect(self._open_mapping_of_pipeline)
        return page

    def _open_mapping_of_pipeline(self, name: str, stored: bool) -> None:
        """A map step's mapping, in the Designer (which shows itself once it is loaded)."""
        if stored:
            self.documents.open_stored(name)
        else:
            self.documents.open_path(Path(name))

    def _pipelines(self) -> PipelinePage:
        """The Pipelines page, shown (and built on first use)."""
        self.show_page("Pipelines")
        return self._pipelines_page.content()

    @property
    def pipelines_page(self) -> PipelinePage:
        """The Pipelines page; built on first use."""
        return self._pipelines_page.content()

    def _make_transformations_page(self) -> TransformationPage:
        from fieldwright.app.transformations.page import TransformationPage

        assert self.store is not None
        page = TransformationPage(self.store.service, self.transformation_stack)
        page.message.connect(self.show_message)
        return page

    @property
    def transformations_page(self) -> TransformationPage | None:
        """The Transformations page (store only); built on first use."""
        lazy = self._transformations_page
        return lazy.content() if lazy is not None else None

    def _page_changed(self, row: int) -> None:
        names = self.page_stack.page_names
        name = names[row] if 0 <= row < len(names) else ""
        stack = {
            "Pipelines": self.pipeline_session.stack,
            "Transformations": self.transformation_stack,
        }.get(name, self.session.stack)
        self.undo_group.setActiveStack(stack)

    def _make_runs_panel(self) -> RunsPanel:
        from fieldwright.app.runs.panel import RunsPanel

        assert self.store is not None
        panel = RunsPanel(self.store.service)
        panel.message.connect(self.show_message)
        return panel

    def _run_finished(self, summary: str, result: object) -> None:
        """A run ended (Run now, a schedule's Run now): the Runs page shows it, if built."""
        runs = self._runs_page.built if self._runs_page is not None else None
        if runs is not None:
            runs.run_finished(summary, cast("RunResult", result))

    def _make_schedules_panel(self) -> SchedulesPanel:
        from fieldwright.app.schedules.panel import SchedulesPanel

        assert self.store is not None
        panel = SchedulesPanel(self.store.service)
        panel.message.connect(self.show_message)
        panel.default_zone = self.settings.time_zone()
        panel.runFinished.connect(self._run_finished)
        return panel

    def _make_monitoring_panel(self) -> MonitoringPanel:
        from fieldwright.app.monitoring.panel import MonitoringPanel

        assert self.store is not None
        panel = MonitoringPanel(self.store.service)
        panel.message.connect(self.show_message)
        panel.openRun.connect(self.open_run)
        return panel

    def _make_hub_panel(self) -> HubPanel:
        from fieldwright.app.hub.panel import HubPanel

        assert self.store is not None
        panel = HubPanel(self.store.service)
        panel.message.connect(self.show_message)
        panel.openMapping.connect(self.documents.open_stored)
        panel.openPipeline.connect(self.open_pipeline)
        panel.openSchedule.connect(self.open_schedule)
        panel.openConnection.connect(self.open_connection)
        panel.openRun.connect(self.open_run)
        panel.openMonitoring.connect(self.open_monitoring)
        return panel

    def open_connection(self, name: str) -> None:
        """Show a saved connection selected in the Connections page."""
        panel = self.connections_panel
        if panel is not None:
            self.show_page("Connections")
            panel.refresh(select=name)

    def open_monitoring(self, mapping_key: str, label: str) -> None:
        """Show one integration (the runs of `mapping_key`) on the Monitoring page."""
        panel = self.monitoring_panel
        if panel is None:
            return
        self.show_page("Monitoring")
        chooser = panel.integration_choice
        index = chooser.findData(mapping_key)
        if index < 0:
            chooser.addItem(label, mapping_key)
            index = chooser.count() - 1
        chooser.setCurrentIndex(index)

    def open_pipeline(self, key: str) -> None:
        """A stored pipeline: the Pipelines page opens it when this window has one (its
        panel's `open_pipeline(key)`), else the status bar says how to reach it."""
        if "Pipelines" in self.page_names:
            self.show_page("Pipelines")
            opener = getattr(self.current_page(), "open_pipeline", None)
            if callable(opener):
                opener(key)
                return
        self.show_message(
            f"Pipeline {key}: this window has no Pipelines page; "
            f"export it with `fieldwright export {key} FILE` to open it"
        )

    def _make_connections_panel(self) -> ConnectionsPanel:
        from fieldwright.app.connections.panel import ConnectionsPanel

        assert self.store is not None
        panel = ConnectionsPanel(self.store.service)
        panel.message.connect(self.show_message)
        return panel

    def _make_settings_panel(self) -> SettingsPanel:
        from fieldwright.app.settings.panel import SettingsPanel

        panel = SettingsPanel(self.settings, self.store.service.location if self.store else "")
        panel.message.connect(self.show_message)
        panel.sampleSizeChanged.connect(self._sample_size_changed)
        panel.themeChanged.connect(self.theme_applied)
        panel.timeZoneChanged.connect(self._time_zone_changed)
        if self.store is not None:
            approval = ApprovalSetting(self.store.service)
            approval.message.connect(self.show_message)
            panel.add_section(approval)
        return panel

    @property
    def runs_panel(self) -> RunsPanel | None:
        """The Runs page (None without a store); built on first use."""
        return self._runs_page.content() if self._runs_page is not None else None

    @property
    def schedules_panel(self) -> SchedulesPanel | None:
        """The Schedules page (None without a store); built on first use."""
        return self._schedules_page.content() if self._schedules_page is not None else None

    @property
    def monitoring_panel(self) -> MonitoringPanel | None:
        """The Monitoring page (None without a store); built on first use."""
        return self._monitoring_page.content() if self._monitoring_page is not None else None

    @property
    def hub_panel(self) -> HubPanel | None:
        """The Integrations page (None without a store); built on first use."""
        return self._hub_page.content() if self._hub_page is not None else None

    @property
    def connections_panel(self) -> ConnectionsPanel | None:
        """The Connections page (None without a store); built on first use."""
        return self._connections_page.content() if self._connections_page is not None else None

    @property
    def settings_panel(self) -> SettingsPanel:
        """The Settings page; built on first use."""
        return self._settings_page.content()

    # -- pages and status ---------------------------------------------------------------

    def current_page(self) -> QWidget:
        """The widget of the page shown (a page built on first use: its content)."""
        return self.page_stack.current_page()

    def show_page(self, name: str) -> None:
        self.page_stack.show_page(name)

    def _sample_size_changed(self, size: int) -> None:
        self.preview.sample_size = size
        self.show_message(f"Preview samples read up to {size:,} records from the next file on")

    def theme_applied(self, name: str) -> None:
        """A theme was applied (from the View menu or the Settings page): both show it."""
        self.designer.lines.update()
        dark = self.actions_by_name.get("dark")
        if dark is not None:
            with QSignalBlocker(dark):
                dark.setChecked(name == "dark")
        settings_panel = self._settings_page.built  # unbuilt: it shows the saved theme
        if settings_panel is not None:
            combo = settings_panel.theme
            with QSignalBlocker(combo):
                combo.setCurrentIndex(max(combo.findData(name), 0))

    def _time_zone_changed(self, zone: str) -> None:
        schedules = self._schedules_page.built if self._schedules_page is not None else None
        if schedules is not None:
            schedules.default_zone = zone

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def start_scheduler(self) -> None:
        """Fire the store's schedules from this process (in the background) while it runs."""
        if self.store is not None:
            self.status.show_scheduler("Scheduler: starting")
            self.scheduler.start(self.store.service)

    def _scheduler_changed(self, _state: str, message: str) -> None:
        self.status.show_scheduler(self.scheduler.text, message)

    # -- settings and closing -----------------------------------------------------------

    def _splitters(self) -> list[QSplitter]:
        return [self.work_splitter, self.designer.splitter, self.preview.splitter]

    def _restore_settings(self) -> None:
        geometry = self.settings.geometry()
        if not geometry.isEmpty():
            self.restoreGeometry(geometry)
        for splitter in self._splitters():
            sizes = self.settings.splitter_sizes(splitter.objectName())
            if len(sizes) == splitter.count():
                splitter.setSizes(sizes)

    def save_settings(self) -> None:
        self.settings.set_geometry(self.saveGeometry())
        for splitter in self._splitters():
            self.settings.set_splitter_sizes(splitter.objectName(), splitter.sizes())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.documents.maybe_save():
            event.ignore()
            return
        pipelines = self._pipelines_page.built
        if pipelines is not None and not pipelines.maybe_discard():
            event.ignore()
            return
        lazy = self._transformations_page
        transformations = lazy.built if lazy is not None else None
        if transformations is not None and not transformations.maybe_discard():
            event.ignore()
            return
        self.save_settings()
        self.run_now.cancel()  # its target stays untouched; the store logs it cancelled
        runs = self._runs_page.built if self._runs_page is not None else None
        if runs is not None:
            runs.cancel()  # a reprocess, likewise
        schedules = self._schedules_page.built if self._schedules_page is not None else None
        if schedules is not None:
            schedules.cancel()  # a schedule's Run now, likewise
        self.scheduler.stop()
        self.shutdown_workers()
        self.notifier.close()
        event.accept()

    def shutdown_workers(self) -> None:
        """Stop the background work of the pages (idempotent; tests call it on teardown)."""
        if self.live is not None:
            self.live.detach()
        if self.notice_watch is not None:
            self.notice_watch.stop()
        self.preview.shutdown()
        self.tests_panel.shutdown()
        self.session.compiled.shutdown()
        settings_panel = self._settings_page.built
        if settings_panel is not None:
            settings_panel.shutdown()
        connections = self._connections_page.built if self._connections_page else None
        if connections is not None:
            connections.shutdown()
        self.schema_importer.shutdown()
        if (pipelines := self._pipelines_page.built) is not None:
            pipelines.shutdown()

    def focus_find(self) -> None:
        self.show_page("Designer")
        focus = QApplication.focusWidget()
        in_target = focus is not None and self.designer.target.isAncestorOf(focus)
        panel = self.designer.target if in_target else self.designer.source
        panel.filter.setFocus()
        panel.filter.selectAll()

    def delete_selected(self) -> None:
        if not self.designer.delete_selected():
            self.show_message("Select a mapping line (or a mapped target field) to delete it.")

    # -- menu commands that act on pages ------------------------------------------------

    def _show_designer(self) -> None:
        self.show_page("Designer")

    def automap(self) -> None:
        self.show_page("Designer")
        dialog = AutoMapDialog(self.session, self)
        try:
            dialog.exec()
            if dialog.accepted_count:
                self.show_message(f"Auto-mapped {dialog.accepted_count} fields")
        finally:
            dialog.deleteLater()

    def edit_endpoint(self, side: Side) -> None:
        """Mapping → Source/Target endpoint…: the side's file or connection, undoably."""
        service = self.store.service if self.store is not None else None
        if edit_endpoint(self.session, side, service, self):
            self.show_message(f"{side.title()} endpoint set (Undo restores the previous one)")

    def run_tests(self) -> None:
        """Show the Tests page and run every test of the open mapping (off the GUI thread)."""
        self.show_page("Tests")
        self.tests_panel.run_all()

    def set_dark_theme(self, dark: bool) -> None:
        name = "dark" if dark else "light"
        self.settings.set_theme(name)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, THEMES[name])
        self.theme_applied(name)

    def _schema_loaded(self, text: str, ok: bool) -> None:
        self.show_message(text)
        if not ok:
            QMessageBox.warning(self, "Cannot load schema", text)
