"""The app's settings: one typed spec, persisted with QSettings.

Tests pass their own `QSettings` (an ini file under a temporary directory),
so they never read or write the user's real settings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

__all__ = ["SPEC", "AppSettings", "Setting", "user_settings"]

MAX_RECENT = 8


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    type: type
    doc: str


SPEC: tuple[Setting, ...] = (
    Setting("window/geometry", QByteArray, "Main window position and size"),
    Setting("window/state", QByteArray, "Main window toolbars and docks"),
    Setting("splitters/<name>", list, "Sizes of each splitter, by its object name"),
    Setting("recent/files", list, "Recently opened mapping files, newest first"),
    Setting("appearance/theme", str, "light or dark"),
)


def user_settings() -> QSettings:
    """The user's settings (the app, never tests)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Fieldwright", "Fieldwright"
    )


class AppSettings:
    """Typed access to a QSettings store."""

    def __init__(self, store: QSettings) -> None:
        self.store = store

    def _bytes(self, key: str) -> QByteArray:
        value = self.store.value(key)
        return value if isinstance(value, QByteArray) else QByteArray()

    def geometry(self) -> QByteArray:
        return self._bytes("window/geometry")

    def set_geometry(self, value: QByteArray) -> None:
        self.store.setValue("window/geometry", value)

    def window_state(self) -> QByteArray:
        return self._bytes("window/state")

    def set_window_state(self, value: QByteArray) -> None:
        self.store.setValue("window/state", value)

    def splitter_sizes(self, name: str) -> list[int]:
        raw = self.store.value(f"splitters/{name}", "")
        try:
            sizes = json.loads(str(raw)) if raw else []
        except json.JSONDecodeError:
            return []
        return [int(s) for s in sizes if isinstance(s, int)] if isinstance(sizes, list) else []

    def set_splitter_sizes(self, name: str, sizes: list[int]) -> None:
        self.store.setValue(f"splitters/{name}", json.dumps(sizes))

    def recent_files(self) -> list[Path]:
        raw = self.store.value("recent/files", "")
        try:
            entries = json.loads(str(raw)) if raw else []
        except json.JSONDecodeError:
            return []
        return [Path(e) for e in entries if isinstance(e, str)][:MAX_RECENT]

    def add_recent_file(self, path: Path) -> None:
        resolved = path.resolve()
        entries = [resolved, *(p for p in self.recent_files() if p != resolved)][:MAX_RECENT]
        self.store.setValue("recent/files", json.dumps([str(p) for p in entries]))

    def clear_recent_files(self) -> None:
        self.store.remove("recent/files")

    def theme(self) -> str:
        value = str(self.store.value("appearance/theme", "light"))
        return value if value in ("light", "dark") else "light"

    def set_theme(self, name: str) -> None:
        self.store.setValue("appearance/theme", name)

    def sync(self) -> None:
        self.store.sync()
