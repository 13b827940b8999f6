"""Qt Designer forms (`ui/*.ui`): the one place they are loaded and their widgets looked up.

A panel or dialog whose layout is a form loads it once and reads its widgets
by name, typed::

    self.form = Form("runs_panel.ui")
    self.table = self.form.child(QTableView, "runs_table")
    layout.addWidget(self.form.widget)

A missing or mistyped widget fails loudly at construction with the form's
file name, never later as an ``AttributeError`` on ``None``.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QFile
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import QWidget

from fieldwright.resources import ui_dir

__all__ = ["Form", "load_form"]

_W = TypeVar("_W", bound=QWidget)


def load_form(name: str, parent: QWidget | None = None) -> QWidget:
    """The widget tree of `ui/<name>`, built fresh (parented to `parent` when given)."""
    loader = QUiLoader()
    file = QFile(str(ui_dir() / name))
    if not file.open(QFile.OpenModeFlag.ReadOnly):
        raise OSError(f"cannot read form {name}: {file.errorString()}")
    try:
        form = loader.load(file, parent)
    finally:
        file.close()
    if form is None:
        raise OSError(f"cannot load form {name}: {loader.errorString()}")
    return form


class Form:
    """A loaded form and typed lookups of its widgets by object name."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        self.name = name
        self.widget = load_form(name, parent)

    def child(self, kind: type[_W], name: str) -> _W:
        """The widget called `name`, which must be a `kind`."""
        widget = self.widget.findChild(kind, name)
        if widget is None:
            raise LookupError(f"{self.name} has no {kind.__name__} named {name!r}")
        return widget
