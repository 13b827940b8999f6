"""The main window: welcome page, navigation, the Designer with its live Preview, menus."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QSignalBlocker, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from fieldwright.app.designer.panel import MappingDesigner
from fieldwright.app.designer.schema_import import SchemaImporter
from fieldwright.app.documents import store_actions
from fieldwright.app.documents.session import DocumentSession
from fieldwright.app.documents.store_dialog import StoreOpenDialog
from fieldwright.app.home.welcome import WelcomePage
from fieldwright.app.preview.panel import PreviewPanel
from fieldwright.app.runs.progress import RunProgressWidget
from fieldwright.app.runs.run_now import RunNow
from fieldwright.app.settings.app_settings import AppSettings
from fieldwright.app.shell.menus import build_menus
from fieldwright.app.shell.scheduler_status import SchedulerStatus
from fieldwright.app.shell.widgets import LazyPage
from fieldwright.app.templates.panel import TemplatePanel
from fieldwright.app.templates.use_dialog import TemplateDialog
from fieldwright.app.testing.panel import TestsPanel
from fieldwright.authoring.documents import (
    FILE_FILTER,
    DocumentFiles,
    Location,
    OpenedDocument,
    StoredMapping,
    new_document,
)
from fieldwright.authoring.store_documents import StoreDocuments
from fieldwright.domain import MappingDocument, dumps
from fieldwright.domain.store_models import MappingSummary
from fieldwright.service import InvalidDocument, ServiceError

if TYPE_CHECKING:
    from fieldwright.app.connections.panel import ConnectionsPanel
    from fieldwright.app.runs.panel import RunsPanel
    from fieldwright.app.schedules.panel import SchedulesPanel
    from fieldwright.app.settings.panel import SettingsPanel
    from fieldwright.service import RunResult

__all__ = ["MainWindow"]

#: The navigation's pages in order; STORE_PAGES appear only when the app has its store.
PAGES = ("Home", "Designer", "Tests", "Templates", "Runs", "Schedules", "Connections", "Settings")
STORE_PAGES = frozenset({"Templates", "Runs", "Schedules", "Connections"})


class MainWindow(QMainWindow):
    def __init__(
        self,
        settings: AppSettings,
        documents: DocumentFiles | None = None,
        *,
        store: StoreDocuments | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.settings = settings
        self.documents = documents or DocumentFiles()
        #: The mapping store (None: the app works on files only).
        self.store = store
        self.scheduler = SchedulerStatus(self)
        self.session = DocumentSession(new_document(), None, self)
        self.last_saved = ""

        self.welcome = WelcomePage()
        self.designer = MappingDesigner(self.session)
        self.preview = PreviewPanel(self.session)
        self.work_splitter = QSplitter(Qt.Orientation.Vertical)
        self.work_splitter.setObjectName("work_splitter")
        self.work_splitter.addWidget(self.designer)
        self.work_splitter.addWidget(self.preview)
        self.work_splitter.setStretchFactor(0, 3)
        self.work_splitter.setStretchFactor(1, 2)

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(120)
        self.navigation.setSpacing(3)
        #: The pages this window shows, in navigation order.
        self.page_names = [p for p in PAGES if store is not None or p not in STORE_PAGES]
        for page in self.page_names:
            item = QListWidgetItem(page)
            item.setSizeHint(QSize(100, 34))
            self.navigation.addItem(item)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(self.work_splitter)
        self.tests_panel = TestsPanel(self.session, record_provider=self.preview.selected_record)
        self.tests_panel.statusChanged.connect(self.designer.set_test_status)
        self.tests_panel.message.connect(self.show_message)
        self.pages.addWidget(self.tests_panel)
        self.template_panel: TemplatePanel | None = None
        if store is not None:
            self.template_panel = TemplatePanel(store.service, lambda: self.session.document)
            self.template_panel.mappingCreated.connect(self.open_stored)
            self.template_panel.message.connect(self.show_message)
            self.pages.addWidget(self.template_panel)
        self._runs_page = LazyPage(self._make_runs_panel) if store else None
        if self._runs_page is not None:
            self.pages.addWidget(self._runs_page)
        # Built the first time they are shown (or asked for): start-up pays for neither
        # the pages nor their imports (the connectors behind Connections, for one).
        self._schedules_page = LazyPage(self._make_schedules_panel) if store else None
        self._connections_page = LazyPage(self._make_connections_panel) if store else None
        self._settings_page = LazyPage(self._make_settings_panel)
        for lazy in (self._schedules_page, self._connections_page, self._settings_page):
            if lazy is not None:
                self.pages.addWidget(lazy)
        self.preview.sample_size = settings.preview_sample_size()
        self.preview.sample_size = settings.preview_sample_size()
        assert self.pages.count() == len(self.page_names)
        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self.store_label = QLabel()
        self.store_label.setObjectName("store_label")
        self.save_label = QLabel("Not saved yet")
        self.save_label.setObjectName("save_label")
        self.scheduler_label = QLabel()
        self.scheduler_label.setObjectName("scheduler_label")
        self.scheduler_label.hide()
        self.scheduler.changed.connect(self._scheduler_changed)
        for label in (self.store_label, self.save_label, self.scheduler_label):
            label.setContentsMargins(10, 0, 10, 0)
            if label is not self.store_label:
                separator = QFrame()
                separator.setFrameShape(QFrame.Shape.VLine)
                separator.setFrameShadow(QFrame.Shadow.Sunken)
                self.statusBar().addPermanentWidget(separator)
                if label is self.scheduler_label:
                    self.scheduler_separator = separator
                    separator.hide()
            self.statusBar().addPermanentWidget(label)

        self.schema_importer = SchemaImporter(self.session, self)
        self.run_now = RunNow(self)
        self.run_progress = RunProgressWidget()
        self.statusBar().insertPermanentWidget(0, self.run_progress)
        self.run_now.started.connect(self.run_progress.start)
        self.run_now.progress.connect(self.run_progress.update_progress)
        self.run_now.finished.connect(self.run_progress.finish)
        self.run_progress.cancelRequested.connect(self.run_now.cancel)
        self.run_now.finished.connect(self._run_finished)
        self.recent_menu: QMenu | None = None
        self.actions_by_name: dict[str, QAction] = build_menus(self)
        self.welcome.newRequested.connect(self.new_mapping)
        self.welcome.openRequested.connect(self.open_dialog)
        self.welcome.templateRequested.connect(self.from_template)
        self.welcome.template_button.setVisible(self.store is not None)
        self.welcome.openPath.connect(self.open_path)
        self.welcome.openStored.connect(self.open_stored)
        self.designer.message.connect(self.show_message)
        self.session.editFailed.connect(self.show_message)
        self.session.dirtyChanged.connect(self.setWindowModified)
        self.session.locationChanged.connect(self._update_title)
        self.session.replaced.connect(self._update_title)

        self.resize(1280, 820)
        self._restore_settings()
        self._refresh_recent()
        self._update_title()
        self.show_page("Home")

    # -- pages built on first use ---------------------------------------------------------

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
        page = self.pages.currentWidget()
        assert page is not None  # the stack always holds the pages
        return page.content() if isinstance(page, LazyPage) else page

    def show_page(self, name: str) -> None:
        self.navigation.setCurrentRow(self.page_names.index(name))

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

    def _update_title(self) -> None:
        location = self.session.location
        where = str(location) if location else "not saved"
        self.setWindowTitle(f"{self.session.document.name} — {where}[*] — Fieldwright")
        if isinstance(location, Path):
            store = f"File: {location}"
        elif self.store is not None:
            store = self.store.description
        else:
            store = f"{self.documents.description} · not saved"
        self.store_label.setText(store)
        self.store_label.setToolTip(f"“{self.session.document.name}” is saved in {store}")
        self.setWindowModified(self.session.dirty)

    def start_scheduler(self) -> None:
        """Fire the store's schedules from this process (in the background) while it runs."""
        if self.store is not None:
            self.scheduler_label.setText("Scheduler: starting")
            self.scheduler_label.show()
            self.scheduler_separator.show()
            self.scheduler.start(self.store.service)

    def _scheduler_changed(self, _state: str, message: str) -> None:
        self.scheduler_label.setText(self.scheduler.text)
        self.scheduler_label.setToolTip(message)
        self.scheduler_label.show()

    def _refresh_recent(self) -> None:
        recent = self.settings.recent_files()
        stored: list[MappingSummary] = []
        if self.store is not None:
            try:
                stored = self.store.recent()
            except ServiceError as exc:
                self.show_message(f"Cannot list the stored mappings: {exc}")
        self.welcome.set_recent(recent, stored)
        submenu = self.recent_menu
        if submenu is not None:
            submenu.clear()
            for mapping in stored:
                action = submenu.addAction(
                    f"{mapping.name} ({mapping.key}, v{mapping.latest_version})"
                )
                action.triggered.connect(lambda _c=False, k=mapping.key: self.open_stored(k))
            if stored and recent:
                submenu.addSeparator()
            for path in recent:
                action = submenu.addAction(str(path))
                action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
            submenu.setEnabled(bool(recent or stored))

    # -- documents ----------------------------------------------------------------------

    def maybe_save(self) -> bool:
        """Ask save/discard/cancel when there are unsaved changes; False means cancel."""
        if not self.session.dirty:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save the changes to “{self.session.document.name}”?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_mapping(self) -> None:
        if self.maybe_save():
            self._load(new_document(), None)

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        if self.store is not None:
            dialog = StoreOpenDialog(self.store.mappings, self.store.description, self)
            try:
                if not dialog.exec():
                    return
                if dialog.chosen_key is not None:
                    self.open_stored(dialog.chosen_key, asked=True)
                    return
            finally:
                dialog.deleteLater()
        self.open_file_dialog(asked=True)

    def open_file_dialog(self, *, asked: bool = False) -> None:
        if not asked and not self.maybe_save():
            return
        path, _filter = QFileDialog.getOpenFileName(self, "Open mapping", "", FILE_FILTER)
        if path:
            self.open_path(Path(path), asked=True)

    def from_template(self) -> None:
        """Pick a template and a client code; the new mapping opens in the designer."""
        if self.store is None or not self.maybe_save():
            return
        try:
            dialog = TemplateDialog(self.store.service, self)
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot list the templates", str(exc))
            return
        if dialog.exec() and dialog.created_key is not None:
            self.open_stored(dialog.created_key, asked=True)
            self.show_page("Designer")
        dialog.deleteLater()

    def open_stored(self, key: str, *, asked: bool = False) -> bool:
        if self.store is None or (not asked and not self.maybe_save()):
            return False
        try:
            opened = self.store.open(key)
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot open mapping", str(exc))
            return False
        self._opened(opened)
        self._refresh_recent()
        return True

    def open_path(self, path: Path, *, asked: bool = False) -> bool:
        if not asked and not self.maybe_save():
            return False
        try:
            opened = self.documents.open(path)
        except InvalidDocument as exc:
            details = "\n".join(f"{p.pointer or '/'}: {p.message}" for p in exc.problems[:12])
            QMessageBox.warning(self, "Cannot open mapping", f"{exc}\n\n{details}".strip())
            return False
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot open mapping", str(exc))
            return False
        self._opened(opened)
        self.settings.add_recent_file(path)
        self._refresh_recent()
        self._load_connector_sample(path, opened.document)
        return True

    def _opened(self, opened: OpenedDocument) -> None:
        self._load(opened.document, opened.location)
        if isinstance(opened.location, StoredMapping):
            self.save_label.setText(f"Opened version {opened.location.version}")

    def _load(self, document: MappingDocument, location: Location | None) -> None:
        self.session.replace(document, location)
        self.last_saved = ""
        self.save_label.setText("Not saved yet" if location is None else "Opened")
        self.show_page("Designer")

    def _load_connector_sample(self, path: Path, document: MappingDocument) -> None:
        connector = document.source.connector
        sample = connector.settings.get("path") if connector is not None else None
        if isinstance(sample, str) and (path.parent / sample).is_file():
            self.preview.load_sample(path.parent / sample)

    def save(self) -> bool:
        location = self.session.location
        if isinstance(location, Path):
            return self._save_to(location)
        if isinstance(location, StoredMapping) and not self.session.dirty:
            self.show_message(f"No changes to save since version {location.version}")
            return True
        if self.store is not None:
            return self.save_to_store(self.session.document, location)
        return self.save_as()

    def save_as(self) -> bool:
        if self.store is not None:
            return self.save_to_store_as_new(self.session.document)
        return self.save_as_file()

    def save_to_store(self, document: MappingDocument, base: Location | None) -> bool:
        stored = base if isinstance(base, StoredMapping) else None
        return store_actions.save_to_store(self, document, stored)

    def save_to_store_as_new(self, document: MappingDocument) -> bool:
        key = store_actions.ask_new_key(self, document)
        if key is None:
            return False
        return store_actions.save_to_store(self, document.model_copy(update={"key": key}), None)

    def load_document(self, document: MappingDocument) -> None:
        """Show a document not saved anywhere yet (an imported file, before it is stored)."""
        self._load(document, None)

    def refresh_recent(self) -> None:
        self._refresh_recent()

    def save_as_file(self) -> bool:
        suggested = f"{self.session.document.key}.fwmap.json"
        path, _filter = QFileDialog.getSaveFileName(self, "Save mapping", suggested, FILE_FILTER)
        return self._save_to(Path(path)) if path else False

    def _save_to(self, path: Path) -> bool:
        try:
            self.documents.save(self.session.document, path)
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot save mapping", str(exc))
            return False
        self.session.mark_saved(path)
        self.last_saved = time.strftime("%H:%M")
        self.save_label.setText(f"Saved {self.last_saved}")
        self.settings.add_recent_file(path)
        self._refresh_recent()
        self.show_message(f"Saved {path}")
        return True

    def export_copy(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Export mapping", "", FILE_FILTER)
        if not path:
            return
        try:
            Path(path).write_text(dumps(self.session.document), encoding="utf-8")
        except OSError as exc:
            QMessageBox.warning(self, "Cannot export", f"{path}: {exc.strerror or exc}")
            return
        self.show_message(f"Exported to {path}")

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
        if not self.maybe_save():
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
        event.accept()

    def shutdown_workers(self) -> None:
        """Stop the background work of the pages (idempotent; tests call it on teardown)."""
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

    @staticmethod
    def shortcut_text(action: QAction) -> str:
        return ", ".join(
            s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()
        )
