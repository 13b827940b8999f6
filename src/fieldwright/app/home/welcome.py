"""The welcome page: new mapping, open, recent mappings, an example one click away."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

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


def _card(title: str) -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setProperty("role", "card")
    layout = QVBoxLayout(card)
    layout.setContentsMargins(16, 14, 16, 14)
    heading = QLabel(title)
    heading.setProperty("role", "heading")
    layout.addWidget(heading)
    return card, layout


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
        title = QLabel("Fieldwright")
        title.setProperty("role", "title")
        subtitle = QLabel(
            "Design how records of one system become records of another, "
            "preview every transform step on sample data, and keep tests that prove it."
        )
        subtitle.setWordWrap(True)
        subtitle.setProperty("role", "muted")

        self.new_button = QPushButton("New mapping")
        self.new_button.setObjectName("welcome_new")
        self.new_button.setProperty("primary", True)
        self.new_button.clicked.connect(self.newRequested)
        self.open_button = QPushButton("Open…")
        self.open_button.setObjectName("welcome_open")
        self.open_button.clicked.connect(self.openRequested)
        self.template_button = QPushButton("From template…")
        self.template_button.setObjectName("welcome_template")
        self.template_button.clicked.connect(self.templateRequested)
        start, start_layout = _card("START")
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.template_button)
        buttons.addStretch(1)
        start_layout.addLayout(buttons)

        examples, examples_layout = _card("EXAMPLES")
        self.example_buttons: list[QPushButton] = []
        for path in example_mappings():
            button = QPushButton(f"Open example: {_title(path)}")
            button.setObjectName(f"example_{path.parent.name}")
            button.setToolTip(str(path))
            button.clicked.connect(lambda _checked=False, p=path: self.openPath.emit(p))
            examples_layout.addWidget(button)
            self.example_buttons.append(button)
        examples_layout.addStretch(1)

        recent, recent_layout = _card("RECENT MAPPINGS")
        self.recent = QListWidget()
        self.recent.setObjectName("welcome_recent")
        self.recent.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.recent.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.recent.setSpacing(2)
        self.recent.itemClicked.connect(self._open_item)
        self.no_recent = QLabel("Mappings you open or save appear here.")
        self.no_recent.setProperty("role", "muted")
        # When it stands alone, it takes the card's height under the title (text at the top),
        # so the title stays where the list's would be.
        self.no_recent.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.no_recent.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        recent_layout.addWidget(self.recent)
        recent_layout.addWidget(self.no_recent)

        grid = QGridLayout()
        grid.setSpacing(16)
        grid.addWidget(start, 0, 0)
        grid.addWidget(examples, 1, 0)
        grid.addWidget(recent, 0, 1, 2, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        column = QVBoxLayout()
        column.addWidget(title)
        column.addWidget(subtitle)
        column.addSpacing(18)
        column.addLayout(grid)
        column.addStretch(1)
        holder = QWidget()
        holder.setLayout(column)
        holder.setMaximumWidth(960)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(40, 36, 40, 24)
        outer.addWidget(holder, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)

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
            item = QListWidgetItem(f"File: {path.parent.name} / {path.name}")
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
