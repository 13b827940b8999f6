"""The welcome page: new mapping, open, recent mappings, an example one click away."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.shell.forms import Form
from fieldwright.domain.store_models import MappingSummary
from fieldwright.resources import examples_dir

__all__ = ["WelcomePage", "example_mappings"]


def example_mappings() -> list[Path]:
    try:
        return sorted(examples_dir().glob("*/mapping.fwmap.json"))
    except FileNotFoundError:
        return []


def _title(path: Path) -> str:
    try:
        name = json.loads(path.read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        name = None
    return str(name) if name else path.parent.name.replace("_", " ")


class WelcomePage(QWidget):
    newRequested = Signal()
    openRequested = Signal()
    templateRequested = Signal()
    openPath = Signal(Path)
    #: A stored mapping's key.
    openStored = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.ui = Form("welcome.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        self.new_button = self.ui.child(QPushButton, "welcome_new")
        self.new_button.clicked.connect(self.newRequested)
        self.open_button = self.ui.child(QPushButton, "welcome_open")
        self.open_button.clicked.connect(self.openRequested)
        self.template_button = self.ui.child(QPushButton, "welcome_template")
        self.template_button.clicked.connect(self.templateRequested)
        self.example_buttons = self._add_examples()
        self.recent = self.ui.child(QListWidget, "welcome_recent")
        self.recent.itemClicked.connect(self._open_item)
        # When it stands alone, it takes the card's height under the title (text at the top),
        # so the title stays where the list's would be.
        self.no_recent = self.ui.child(QLabel, "welcome_no_recent")

    def _add_examples(self) -> list[QPushButton]:
        """A button per example mapping in the examples card, above its stretch."""
        card = self.ui.child(QFrame, "examples_card").layout()
        assert isinstance(card, QVBoxLayout)  # as the form lays it out
        buttons: list[QPushButton] = []
        for path in example_mappings():
            # The card says "Examples": the button names the example alone, so the longest
            # title still leaves the page narrower than a 1024-pixel screen.
            button = QPushButton(_title(path))
            button.setObjectName(f"example_{path.parent.name}")
            button.setToolTip(f"Open the example {_title(path)!r}: {path}")
            button.clicked.connect(lambda _checked=False, p=path: self.openPath.emit(p))
            card.insertWidget(card.count() - 1, button)
            buttons.append(button)
        return buttons

    def set_recent(self, paths: list[Path], stored: list[MappingSummary] | None = None) -> None:
        """Recent mappings of the store (newest first), then recently opened files."""
        self.recent.clear()
        for mapping in stored or []:
            when = mapping.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
            item = QListWidgetItem(f"{mapping.name} — v{mapping.latest_version}")
            item.setData(Qt.ItemDataRole.UserRole, ("store", mapping.key))
            item.setToolTip(f"{mapping.key}, saved by {mapping.updated_by} at {when}")
            self.recent.addItem(item)
        for path in paths:
            # The mapping's name reads in the narrow card; the file is in the tooltip.
            item = QListWidgetItem(f"File: {_title(path)}")
            item.setData(Qt.ItemDataRole.UserRole, ("file", str(path)))
            item.setToolTip(str(path))
            self.recent.addItem(item)
        shown = bool(paths or stored)
        self.recent.setVisible(shown)
        self.no_recent.setVisible(not shown)

    def _open_item(self, item: QListWidgetItem) -> None:
        kind, value = item.data(Qt.ItemDataRole.UserRole)
        if kind == "store":
            self.openStored.emit(str(value))
        else:
            self.openPath.emit(Path(str(value)))
