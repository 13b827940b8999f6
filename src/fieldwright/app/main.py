"""Start the desktop app: `run_app([])` or `run_app([path/to/mapping.fwmap.json])`."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from fieldwright.app.main_window import MainWindow
from fieldwright.app.settings import AppSettings, user_settings
from fieldwright.app.theme import THEMES, apply_theme

__all__ = ["create_app", "run_app"]


def create_app(argv: list[str]) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication([sys.argv[0] if sys.argv else "fieldwright", *argv])
    app.setOrganizationName("Fieldwright")
    app.setApplicationName("Fieldwright")
    app.setApplicationDisplayName("Fieldwright")
    return app


def run_app(argv: list[str]) -> int:
    """Open the main window (and the mapping named in `argv`, if any); returns the exit code."""
    app = create_app(argv)
    settings = AppSettings(user_settings())
    apply_theme(app, THEMES[settings.theme()])
    window = MainWindow(settings)
    window.show()
    if argv:
        window.open_path(Path(argv[0]))
    return app.exec()
