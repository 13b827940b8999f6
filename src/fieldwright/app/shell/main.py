"""Start the desktop app: `run_app([])` or `run_app([path/to/mapping.fwmap.json])`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFileOpenEvent, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from fieldwright.app.settings.app_settings import AppSettings, startup_database_url, user_settings
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.theme import THEMES, apply_theme
from fieldwright.authoring.store_documents import StoreDocuments
from fieldwright.resources import resources_dir
from fieldwright.service import Service, ServiceError

__all__ = ["FileOpener", "app_icon", "create_app", "open_store", "run_app"]


def app_icon() -> QIcon:
    """The application icon (the SVG that packaging/linux's PNGs are rendered from)."""
    return QIcon(str(resources_dir() / "icons" / "fieldwright.svg"))


def create_app(argv: list[str]) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication([sys.argv[0] if sys.argv else "fieldwright", *argv])
    app.setOrganizationName("Fieldwright")
    app.setApplicationName("Fieldwright")
    app.setApplicationDisplayName("Fieldwright")
    app.setWindowIcon(app_icon())
    # Lets Wayland and docks match the window to the installed .desktop file and its icon.
    app.setDesktopFileName("org.fieldwright.Fieldwright")
    return app


class FileOpener(QObject):
    """Opens the mapping a file manager hands the running app as a file-open event.

    macOS Finder opens a double-clicked document that way, not as an argument; other
    platforms send none, so this is harmless there.
    """

    def __init__(self, open_path: Callable[[Path], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.open_path = open_path

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            path = event.file()
            if path:
                self.open_path(Path(path))
                return True
        return super().eventFilter(watched, event)


def open_store(database_url: str | None = None) -> tuple[Service | None, str]:
    """The mapping store (default: the SQLite file in the user data directory), or why not."""
    try:
        return Service.open(database_url), ""
    except ServiceError as exc:
        return None, str(exc)


def run_app(argv: list[str], *, database_url: str | None = None) -> int:
    """Open the main window on the store (and the mapping file named in `argv`, if any).

    Without `database_url`, the store is FIELDWRIGHT_DATABASE_URL, else the database
    saved in Settings, else the SQLite file in the user data directory. When the store
    cannot be opened (a damaged file, a newer schema), the user is told which database
    and why, and the app works on mapping files.
    """
    app = create_app(argv)
    settings = AppSettings(user_settings())
    apply_theme(app, THEMES[settings.theme()])
    service, problem = open_store(database_url or startup_database_url(settings))
    window = MainWindow(settings, store=StoreDocuments(service) if service else None)
    app.installEventFilter(FileOpener(window.documents.open_path, window))
    window.show()
    if service is None:
        QMessageBox.warning(
            window,
            "Cannot open the mapping store",
            f"{problem}\n\nFieldwright opens without the store: you can open and save "
            "mapping files. Fix or move the database, then start Fieldwright again.",
        )
    else:
        window.start_scheduler()
        if service.interrupted_runs:
            window.show_message(
                "Runs a stopped process left were settled from what their targets hold (see Runs): "
                + ", ".join(service.interrupted_runs)
            )
    if argv:
        window.documents.open_path(Path(argv[0]))
    try:
        return app.exec()
    finally:
        if service is not None:
            window.scheduler.stop()
            service.close(wait=2.0)
