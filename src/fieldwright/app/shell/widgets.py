"""Small widget helpers the pages share: a page built on first use, column widths and a
yes/no question."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHeaderView,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

__all__ = ["LazyPage", "confirm", "never_sideways", "set_column_widths", "set_row_visible"]

Content = TypeVar("Content", bound=QWidget)


class LazyPage(QWidget, Generic[Content]):
    """A page that builds its content the first time it is shown or asked for.

    Pages an analyst may never open this session (schedules, connections, settings)
    then cost nothing at start-up: neither their construction nor the imports
    their factory makes.
    """

    def __init__(self, factory: Callable[[], Content], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._content: Content | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> Content | None:
        """The page's widget if it was built already (None: not yet, and not now either)."""
        return self._content

    def content(self) -> Content:
        """The page's widget, built now if it was not yet."""
        if self._content is None:
            self._content = self._factory()
            layout = self.layout()
            assert layout is not None
            layout.addWidget(self._content)
        return self._content

    def showEvent(self, event: QShowEvent) -> None:
        self.content()
        super().showEvent(event)


def set_column_widths(table: QTableView, widths: tuple[int, ...], *, stretch: int) -> None:
    """Columns `widths` wide, the user may resize them; column `stretch` takes the rest."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def never_sideways(table: QTableView, *, stretch: tuple[int, ...]) -> None:
    """Columns that never scroll sideways: the `stretch` columns share the width the others
    leave (each of those as wide as its contents), text elided at the right."""
    header = table.horizontalHeader()
    header.setMinimumSectionSize(48)
    header.setStretchLastSection(False)
    for column in range(table.model().columnCount() if table.model() is not None else 0):
        mode = (
            QHeaderView.ResizeMode.Stretch
            if column in stretch
            else (QHeaderView.ResizeMode.ResizeToContents)
        )
        header.setSectionResizeMode(column, mode)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)


def set_row_visible(widget: QWidget, visible: bool) -> None:
    """Show or hide the form row holding `widget` (a hidden row takes no space)."""
    parent = widget.parentWidget()
    for form in parent.findChildren(QFormLayout) if parent is not None else []:
        if form.indexOf(widget) >= 0:
            form.setRowVisible(widget, visible)
            return
    widget.setVisible(visible)


def confirm(parent: QWidget, title: str, text: str) -> bool:
    """Ask before something that cannot be undone; the safe answer is the default."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes
