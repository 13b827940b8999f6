"""The main window's pages: the navigation list beside the stacked pages.

One navigation entry per page, in the order the pages are added; choosing an entry
shows its page. A page may be built on first use (`add_lazy`: a `LazyPage`), so
start-up pays for neither the page nor the imports its factory makes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QWidget

from fieldwright.app.shell.widgets import LazyPage

__all__ = ["PageStack"]

Content = TypeVar("Content", bound=QWidget)


class PageStack(QWidget):
    """The navigation list (`navigation`) and the stack of pages (`pages`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: The pages' names, in navigation order.
        self.page_names: list[str] = []
        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(120)
        self.navigation.setSpacing(3)
        self.pages = QStackedWidget()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.pages, 1)
        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)

    def add(self, name: str, page: QWidget) -> None:
        """Add `page` under `name`, after the pages added before."""
        self.pages.addWidget(page)
        item = QListWidgetItem(name)
        item.setSizeHint(QSize(100, 34))
        self.navigation.addItem(item)
        self.page_names.append(name)
        # A long name ("Transformations") widens the list rather than being cut short.
        wide = self.navigation.fontMetrics().horizontalAdvance(name) + 40
        if wide > self.navigation.width():
            self.navigation.setFixedWidth(wide)

    def add_lazy(self, name: str, factory: Callable[[], Content]) -> LazyPage[Content]:
        """Add a page `factory` builds the first time it is shown or asked for."""
        page = LazyPage(factory)
        self.add(name, page)
        return page

    def show_page(self, name: str) -> None:
        self.navigation.setCurrentRow(self.page_names.index(name))

    def current_page(self) -> QWidget:
        """The widget of the page shown (a page built on first use: its content)."""
        page = self.pages.currentWidget()
        assert page is not None  # the stack always holds the pages
        return page.content() if isinstance(page, LazyPage) else page
