"""Light and dark themes: one QSS template (`ui/theme.qss`) filled from a palette."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from string import Template

import platformdirs
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


_ARROW = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10">'
    '<path d="{path}" fill="none" stroke="{color}" stroke-width="1.6" '
    'stroke-linecap="round" stroke-linejoin="round"/></svg>'
)
_ARROW_PATHS = {"arrow_down": "M1.5 3.5 L5 7 L8.5 3.5", "arrow_up": "M1.5 6.5 L5 3 L8.5 6.5"}


def arrow_images(theme: Theme, folder: Path | None = None) -> dict[str, str]:
    """The combo and spin box arrows in the theme's colour, as SVG files QSS can name.

    A stylesheet that styles a combo box or spin box frame must style its arrows too
    (Qt then no longer draws them), and QSS takes images only from files: they are
    written once per theme into the user cache folder.
    """
    folder = folder or Path(platformdirs.user_cache_dir("fieldwright", appauthor=False))
    folder = folder / "theme"
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for name, path in _ARROW_PATHS.items():
        target = folder / f"{theme.name}_{name}.svg"
        text = _ARROW.format(path=path, color=theme.muted)
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        files[name] = target.as_posix()
    return files


def stylesheet(theme: Theme, arrows: dict[str, str] | None = None) -> str:
    template = Template((ui_dir() / "theme.qss").read_text(encoding="utf-8"))
    return template.substitute(asdict(theme) | (arrows or arrow_images(theme)))


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
