"""Light and dark themes: one QSS template (`ui/theme.qss`) filled from a palette."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from string import Template

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from fieldwright.resources import ui_dir

__all__ = ["DARK", "LIGHT", "THEMES", "Theme", "apply_theme"]


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    window: str
    base: str
    alternate: str
    text: str
    muted: str
    accent: str
    accent_text: str
    border: str
    valid: str
    error: str
    untested: str
    error_bg: str
    sidebar: str

    def color(self, role: str) -> QColor:
        return QColor(str(getattr(self, role)))


LIGHT = Theme(
    name="light",
    window="#f4f5f7",
    base="#ffffff",
    alternate="#f7f8fa",
    text="#1d2330",
    muted="#5f6b7a",
    accent="#2f6fde",
    accent_text="#ffffff",
    border="#d3d8e0",
    valid="#2e9d5b",
    error="#d23c3c",
    untested="#c98a12",
    error_bg="#fbe3e3",
    sidebar="#e9ecf1",
)

DARK = Theme(
    name="dark",
    window="#1f2228",
    base="#272b33",
    alternate="#2d323b",
    text="#e3e7ee",
    muted="#9aa4b2",
    accent="#5a93f0",
    accent_text="#ffffff",
    border="#3a404b",
    valid="#4cc27d",
    error="#f06a6a",
    untested="#e0a93a",
    error_bg="#4a2a2e",
    sidebar="#181b20",
)

THEMES = {theme.name: theme for theme in (LIGHT, DARK)}


def stylesheet(theme: Theme) -> str:
    template = Template((ui_dir() / "theme.qss").read_text(encoding="utf-8"))
    return template.substitute(asdict(theme))


def apply_theme(app: QApplication, theme: Theme) -> None:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.window,
        QPalette.ColorRole.Base: theme.base,
        QPalette.ColorRole.AlternateBase: theme.alternate,
        QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.ButtonText: theme.text,
        QPalette.ColorRole.Button: theme.base,
        QPalette.ColorRole.Highlight: theme.accent,
        QPalette.ColorRole.HighlightedText: theme.accent_text,
        QPalette.ColorRole.PlaceholderText: theme.muted,
        QPalette.ColorRole.ToolTipBase: theme.base,
        QPalette.ColorRole.ToolTipText: theme.text,
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    app.setPalette(palette)
    app.setStyleSheet(stylesheet(theme))
    app.setProperty("fieldwright_theme", theme.name)


def current_theme() -> Theme:
    app = QApplication.instance()
    name = app.property("fieldwright_theme") if app is not None else None
    return THEMES.get(str(name), LIGHT)
