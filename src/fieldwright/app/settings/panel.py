"""The Settings page: the store's database, the theme, the default time zone, the preview sample.

The database is tested and migrated on a worker thread through
`fieldwright.service.database` (database_info, upgrade_database) and saved for
the next start; its password, if the URL has one, goes to the keyring, never to
the settings file. The theme applies at once; the other settings are saved as
they change.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.settings.app_settings import (
    SAMPLE_SIZE_RANGE,
    AppSettings,
    split_password,
    with_kept_password,
)
from fieldwright.app.shell.forms import Form
from fieldwright.app.shell.theme import THEMES, apply_theme, current_theme
from fieldwright.app.shell.widgets import confirm, set_row_visible
from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.app.shell.zones import setup_zone_combo
from fieldwright.service import ServiceError, database_info, upgrade_database

__all__ = ["DatabaseReport", "SettingsPanel"]

SQLITE_FILTER = "SQLite databases (*.db *.sqlite *.sqlite3);;All files (*)"
MODES = {
    "default": "Default (SQLite in your data folder)",
    "sqlite": "SQLite file",
    "url": "PostgreSQL",
}


@dataclass(frozen=True, slots=True)
class DatabaseReport:
    """What a database test or migration found, in words, and how long it took."""

    ok: bool
    text: str
    seconds: float
    revision: str | None = None


def _describe(info: dict[str, Any]) -> str:
    backend = {"postgresql": "PostgreSQL"}.get(str(info.get("backend")), info.get("backend"))
    where = info.get("path") or (
        f"{backend} database {info.get('database')!r} on "
        f"{info.get('host') or 'localhost'}{':' + str(info['port']) if info.get('port') else ''}"
    )
    lines = [f"{where}", f"Schema: {info.get('state')}"]
    lines.append(
        f"Revision {info.get('revision') or 'none'} (this program needs {info.get('head')})"
    )
    if "mappings" in info:
        lines.append(f"{info['mappings']:,} mappings, {info['runs']:,} runs")
    return "\n".join(lines)


def check_database(url: str | None) -> DatabaseReport:
    """Connect (reading only) and say where the store is and at which schema revision."""
    started = time.perf_counter()
    try:
        info = database_info(url)
    except ServiceError as exc:
        return DatabaseReport(False, str(exc), time.perf_counter() - started)
    if not info.get("exists"):
        text = f"{_describe(info)}\nThe database does not exist yet: Migrate creates it."
        return DatabaseReport(True, text, time.perf_counter() - started)
    return DatabaseReport(
        True, _describe(info), time.perf_counter() - started, revision=info.get("revision")
    )


def migrate_database(url: str | None) -> DatabaseReport:
    """Create or upgrade the database to this program's schema."""
    started = time.perf_counter()
    try:
        revision = upgrade_database(url)
    except ServiceError as exc:
        return DatabaseReport(False, str(exc), time.perf_counter() - started)
    return DatabaseReport(
        True,
        f"Migrated to revision {revision} (the newest)",
        time.perf_counter() - started,
        revision,
    )


class SettingsPanel(QWidget):
    """Edit the app's settings.

    `settings` is the window's `AppSettings`; `in_use` describes the store this
    process opened (``Service.location``), shown beside the saved choice because a
    new database only takes effect after a restart. Call `shutdown()` before
    closing: it waits for a running database test or migration.
    """

    #: A line for the status bar.
    message = Signal(str)
    #: The theme was switched (and applied): "light" or "dark".
    themeChanged = Signal(str)
    #: The preview sample size changed; the Preview should read this many records.
    sampleSizeChanged = Signal(int)
    #: The default time zone changed (an IANA name).
    timeZoneChanged = Signal(str)
    #: A database test or migration finished (a DatabaseReport), on the GUI thread.
    databaseChecked = Signal(object)

    def __init__(
        self, settings: AppSettings, in_use: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settings_panel")
        self.settings = settings
        self.generation = 0
        self.busy = False
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = TaskSignals(self)
        self.signals.done.connect(self._database_done)
        self.signals.failed.connect(self._database_failed)
        self.ui = Form("settings_panel.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        self._bind_database(in_use)
        self._bind_preferences()
        set_row_visible(self.db_error, False)
        set_row_visible(self.tz_error, False)
        self.load()
        self._connect()

    def _bind_database(self, in_use: str) -> None:
        """The database group of the form: where the store is, and its buttons."""
        self.db_mode = self.ui.child(QComboBox, "db_mode")
        for mode, label in MODES.items():
            self.db_mode.addItem(label, mode)
        self.db_fields = self.ui.child(QStackedWidget, "db_fields")
        self.db_path = self.ui.child(QLineEdit, "db_path")
        self.db_browse = self.ui.child(QPushButton, "db_browse")
        self.db_url = self.ui.child(QLineEdit, "db_url")
        self.db_error = self.ui.child(QLabel, "db_error")
        self.db_test = self.ui.child(QPushButton, "db_test")
        self.db_migrate = self.ui.child(QPushButton, "db_migrate")
        self.db_save = self.ui.child(QPushButton, "db_save")
        self.db_result = self.ui.child(QLabel, "db_result")
        self.db_saved = self.ui.child(QLabel, "db_saved")
        self.ui.child(QLabel, "db_in_use").setText(in_use or "no store is open")

    def _bind_preferences(self) -> None:
        """The theme, the default time zone and the preview's sample size."""
        self.theme = self.ui.child(QComboBox, "theme")
        for name in THEMES:
            self.theme.addItem(name.capitalize(), name)
        self.time_zone = self.ui.child(QComboBox, "time_zone")
        setup_zone_combo(self.time_zone, self.settings.time_zone())
        self.tz_error = self.ui.child(QLabel, "tz_error")
        self.sample_size = self.ui.child(QSpinBox, "sample_size")
        self.sample_size.setRange(*SAMPLE_SIZE_RANGE)

    def _connect(self) -> None:
        self.db_mode.currentIndexChanged.connect(self._mode_changed)
        self.db_browse.clicked.connect(self.browse)
        self.db_test.clicked.connect(self.test_database)
        self.db_migrate.clicked.connect(self.migrate)
        self.db_save.clicked.connect(self.save_database)
        self.db_path.textEdited.connect(self._db_edited)
        self.db_url.textEdited.connect(self._db_edited)
        self.theme.currentIndexChanged.connect(self._theme_chosen)
        self.time_zone.activated.connect(self._time_zone_chosen)
        zone_edit = self.time_zone.lineEdit()
        if zone_edit is not None:
            zone_edit.editingFinished.connect(self._time_zone_chosen)
        self.sample_size.valueChanged.connect(self._sample_size_changed)

    def load(self) -> None:
        """Show the saved settings."""
        url = self.settings.database_url()
        mode = "default" if not url else "sqlite" if url.startswith("sqlite") else "url"
        self.db_mode.setCurrentIndex(self.db_mode.findData(mode))
        self.db_fields.setCurrentIndex(self.db_mode.currentIndex())
        self.db_path.setText(url.removeprefix("sqlite:///") if mode == "sqlite" else "")
        self.db_url.setText(url if mode == "url" else "")
        self._show_saved(url)
        self.theme.setCurrentIndex(max(self.theme.findData(self.settings.theme()), 0))
        self.time_zone.setCurrentText(self.settings.time_zone())
        self.sample_size.setValue(self.settings.preview_sample_size())

    def add_section(self, section: QWidget) -> None:
        """Show `section` (a group of settings another feature owns) after the others."""
        content = self.ui.child(QWidget, "settings_content")
        layout = content.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.count() - 1, section)

    def shutdown(self) -> None:
        """Forget a running test's answer and wait for its thread."""
        self.generation += 1
        self.pool.waitForDone()

    # -- the database ---------------------------------------------------------------------

    def _mode_changed(self) -> None:
        self.db_fields.setCurrentIndex(self.db_mode.currentIndex())
        self._db_edited()

    def _db_edited(self) -> None:
        set_row_visible(self.db_error, False)
        self.db_result.clear()

    def browse(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            "SQLite file of the mapping store",
            self.db_path.text() or str(Path.home() / "fieldwright.db"),
            SQLITE_FILTER,
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.db_path.setText(path)
            self._db_edited()

    def chosen_url(self) -> str | None:
        """The URL the form describes (None: the default store); a wrong field raises ValueError."""
        mode = self.db_mode.currentData()
        if mode == "sqlite":
            path = self.db_path.text().strip()
            if not path:
                raise ValueError("Give the SQLite file's path, or Browse for it")
            return f"sqlite:///{Path(path).expanduser()}"
        if mode == "url":
            url = self.db_url.text().strip()
            if not url.startswith(("postgresql://", "postgresql+")):
                raise ValueError(
                    "Give a PostgreSQL URL: postgresql+psycopg://user@host:5432/database"
                )
            return url
        return None

    def _url_or_error(self) -> tuple[bool, str | None]:
        try:
            url = self.chosen_url()
        except ValueError as exc:
            self.db_error.setText(str(exc))
            set_row_visible(self.db_error, True)
            return False, None
        set_row_visible(self.db_error, False)
        return True, url

    def test_database(self) -> None:
        ok, url = self._url_or_error()
        if ok:
            self._start("Testing", lambda: check_database(with_kept_password(url) if url else None))

    def migrate(self) -> None:
        ok, url = self._url_or_error()
        if not ok:
            return
        shown = split_password(url)[0] if url else "the default SQLite store"
        if confirm(
            self,
            "Migrate the database",
            f"Create or upgrade {shown} to this version's schema?\n\n"
            "An existing SQLite file is backed up beside itself first. Older versions of "
            "Fieldwright may not open the database afterwards.",
        ):
            self._start(
                "Migrating", lambda: migrate_database(with_kept_password(url) if url else None)
            )

    def _start(self, verb: str, work: Any) -> None:
        self.generation += 1
        self.busy = True
        for button in (self.db_test, self.db_migrate):
            button.setEnabled(False)
        self.db_result.setText(f"{verb}…")
        self.pool.start(Task(self.generation, work, self.signals))

    def _database_done(self, generation: int, report: object) -> None:
        if generation != self.generation or not isinstance(report, DatabaseReport):
            return
        self.busy = False
        for button in (self.db_test, self.db_migrate):
            button.setEnabled(True)
        theme = current_theme()
        color = theme.valid if report.ok else theme.error
        head = "✓ OK" if report.ok else "✗ Failed"
        body = html.escape(report.text).replace("\n", "<br>")
        self.db_result.setText(
            f"<b style='color:{color}'>{head}</b> "
            f"<span style='color:{theme.muted}'>in {report.seconds:.2f} s</span><br>{body}"
        )
        self.message.emit(f"Database: {report.text.splitlines()[0] if report.text else head}")
        self.databaseChecked.emit(report)

    def _database_failed(self, generation: int, message: str) -> None:
        self._database_done(generation, DatabaseReport(False, message, 0.0))

    def save_database(self) -> None:
        ok, url = self._url_or_error()
        if not ok:
            return
        try:
            self.settings.set_database_url(url or "")
        except ServiceError as exc:
            self.db_error.setText(str(exc))
            set_row_visible(self.db_error, True)
            return
        self.settings.sync()
        saved = self.settings.database_url()
        if url and split_password(url)[1]:
            self.db_url.setText(saved)  # the password is in the keyring now
        self._show_saved(saved)
        self.message.emit("Database saved: it takes effect after restart")

    def _show_saved(self, url: str) -> None:
        where = url or "the default SQLite store"
        self.db_saved.setText(
            f"Saved for the next start: {where}. A change takes effect after restart."
        )

    # -- theme, time zone, sample size ----------------------------------------------------

    def _theme_chosen(self) -> None:
        name = str(self.theme.currentData())
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, THEMES[name])
        self.settings.set_theme(name)
        self.themeChanged.emit(name)
        self.message.emit(f"Theme: {name}")

    def _time_zone_chosen(self, *_args: object) -> None:
        name = self.time_zone.currentText().strip()
        if name == self.settings.time_zone() and self.tz_error.isHidden():
            return
        try:
            self.settings.set_time_zone(name)
        except ValueError as exc:
            self.tz_error.setText(str(exc))
            set_row_visible(self.tz_error, True)
            return
        set_row_visible(self.tz_error, False)
        self.timeZoneChanged.emit(name)

    def _sample_size_changed(self, value: int) -> None:
        self.settings.set_preview_sample_size(value)
        self.sampleSizeChanged.emit(value)
