"""The target of a route branch, edited beside the branches table: none, a file or a SQL table.

A branch's target is a file beside the run's output (its name) or a SQL table (a saved
connection chosen from the store's list, or a database URL; the table; insert, or
upsert by key columns). The widgets are checked as they are typed: while they do not
describe a target the run could open, the reason is shown and nothing is edited; when
they do, `edited(target, field)` gives the branch's new target (None: its records go on
after the route step). Settings the form has no widget for (a schema, a batch size, the
target's fields) are kept as they were.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from fieldwright.service import ServiceError

__all__ = ["BranchTargetEditor", "target_problems"]

NONE, FILE, SQL = "None: the records go on", "File beside the output", "SQL table"
_FILE_KINDS = ("csv", "ndjson", "json", "xlsx")
#: The first entry of the connection list: the database is the URL typed below.
NO_CONNECTION = "(none: a database URL)"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MODES = ("insert", "upsert")


def file_kind(path: str) -> str:
    """A branch file's kind by its suffix (ndjson when it has none the runs know)."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return suffix if suffix in _FILE_KINDS else "ndjson"


def _keys(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def target_problems(target: dict[str, Any] | None, saved: list[str] | None = None) -> list[str]:
    """Why the run could not open `target` as a branch target ([] when it could). `saved`
    lists the saved SQL connections (None: the list is not known, names are not checked)."""
    if target is None:
        return []
    connector = target.get("connector") or {}
    settings = connector.get("settings") or {}
    if str(connector.get("kind", "")).lower() != "sql":
        path = str(settings.get("path", ""))
        if not path:
            return ["give the file's name (it is written beside the run's output)"]
        if "/" in path or "\\" in path:
            return [f"{path!r}: a branch's file lies beside the output; give a name, not a path"]
        return []
    problems = []
    connection = connector.get("connection")
    url = str(settings.get("url", ""))
    if connection:
        if saved is not None and connection not in saved:
            choices = ", ".join(saved) or "none is saved"
            problems.append(
                f"{connection!r} is not a saved SQL connection (the store has: {choices})"
            )
    elif not url:
        problems.append("choose a saved connection, or give the database URL")
    elif "://" not in url:
        problems.append(f"{url!r} is not a database URL, e.g. sqlite:///warehouse.db")
    table = str(settings.get("table", ""))
    if not table:
        problems.append("give the table's name")
    elif not _NAME.match(table):
        problems.append(f"{table!r} is not a table name: letters, digits and _")
    keys = settings.get("key") or []
    if settings.get("mode") == "upsert" and not keys:
        problems.append("upsert needs the key columns that find a row (e.g. id)")
    bad = [k for k in keys if not _NAME.match(str(k))]
    if bad:
        problems.append(f"{', '.join(map(str, bad))}: not column names")
    return problems


class BranchTargetEditor(QGroupBox):
    """The selected branch's target: its kind and the settings of that kind."""

    edited = Signal(object, str)  #: (the target as data, or None; the field edited)

    def __init__(self, connections: Callable[[], list[str]], parent: QWidget | None = None) -> None:
        super().__init__("Branch target", parent)
        self.setObjectName("step_branch_target")
        #: The saved SQL connections, fetched through the service when a branch is shown.
        self._connections = connections
        self._saved: list[str] | None = None
        self._before: dict[str, Any] | None = None
        self._loading = False
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form = form
        self.kind = self._combo("target_type", (NONE, FILE, SQL))
        self.path = self._line("target_path", "big_orders.ndjson")
        self.connection = self._combo("target_connection", (NO_CONNECTION,))
        self.url = self._line("target_url", "sqlite:///warehouse.db")
        self.table = self._line("target_table", "big_orders")
        self.mode = self._combo("target_mode", _MODES)
        self.keys = self._line("target_keys", "order_id, line (the key columns)")
        self.check = QLabel()
        self.check.setObjectName("step_target_check")
        self.check.setWordWrap(True)
        for label, widget in (
            ("Target", self.kind),
            ("File name", self.path),
            ("Saved connection", self.connection),
            ("Database URL", self.url),
            ("Table", self.table),
            ("Write", self.mode),
            ("Key columns", self.keys),
            ("", self.check),
        ):
            form.addRow(label, widget)
        self.kind.currentIndexChanged.connect(lambda _i: self._show_fields())
        self.connection.currentIndexChanged.connect(lambda _i: self._show_fields())
        self.mode.currentIndexChanged.connect(lambda _i: self._show_fields())
        self.show_target(None, None)

    def _combo(self, key: str, items: tuple[str, ...]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(f"step_{key}")
        combo.addItems(list(items))
        combo.currentIndexChanged.connect(lambda _i: self._changed(key))
        return combo

    def _line(self, key: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(f"step_{key}")
        edit.setPlaceholderText(placeholder)
        edit.textEdited.connect(lambda _t: self._changed(key))
        return edit

    # -- showing a branch's target -----------------------------------------------------------

    def show_target(self, branch: str | None, target: dict[str, Any] | None) -> None:
        """Show the target of branch `branch` (None: no branch is selected)."""
        self._loading = True
        try:
            self._before = target
            self.setTitle(f"Target of branch {branch!r}" if branch else "Branch target")
            self.setEnabled(branch is not None)
            connector = (target or {}).get("connector") or {}
            settings = connector.get("settings") or {}
            sql = str(connector.get("kind", "")).lower() == "sql"
            self.kind.setCurrentText(NONE if target is None else SQL if sql else FILE)
            self.path.setText("" if sql else str(settings.get("path", "")))
            self._fill_connections(str(connector.get("connection") or "") if sql else "")
            self.url.setText(str(settings.get("url", "")) if sql else "")
            self.table.setText(str(settings.get("table", "")) if sql else "")
            self.mode.setCurrentText(str(settings.get("mode", "insert")) if sql else "insert")
            self.keys.setText(", ".join(map(str, settings.get("key") or [])) if sql else "")
        finally:
            self._loading = False
        self._show_fields()

    def _fill_connections(self, current: str) -> None:
        try:
            self._saved = self._connections()
        except ServiceError as exc:  # the store is not reachable: a name is still shown
            self._saved = None
            self.connection.setToolTip(f"the saved connections could not be listed: {exc}")
        names = list(self._saved or [])
        if current and current not in names:
            names.append(current)  # named by the pipeline, not saved (the check says so)
        self.connection.clear()
        self.connection.addItems([NO_CONNECTION, *names])
        self.connection.setCurrentText(current or NO_CONNECTION)

    def _show_fields(self) -> None:
        kind = self.kind.currentText()
        via_url = self.connection.currentText() == NO_CONNECTION
        shown = {
            self.path: kind == FILE,
            self.connection: kind == SQL,
            self.url: kind == SQL and via_url,
            self.table: kind == SQL,
            self.mode: kind == SQL,
            self.keys: kind == SQL,
        }
        for widget, visible in shown.items():
            self.form.setRowVisible(widget, visible)
        self._show_check(target_problems(self.target(), self._saved))

    def _show_check(self, problems: list[str]) -> None:
        if not self.isEnabled():
            self.check.setText("Select a branch's row to set its target.")
        elif problems:
            self.check.setText("\n".join(f"✗ {p}" for p in problems))
        else:
            self.check.setText("✓ the run can write this target")
        self.check.setProperty("role", "error" if problems else "muted")
        self.check.style().unpolish(self.check)
        self.check.style().polish(self.check)

    # -- reading it back ------------------------------------------------------------------

    def target(self) -> dict[str, Any] | None:
        """The target the widgets describe (its other settings kept from before)."""
        kind = self.kind.currentText()
        if kind == NONE:
            return None
        before = dict(self._before or {})
        connector = dict(before.get("connector") or {})
        was_sql = str(connector.get("kind", "")).lower() == "sql"
        settings: dict[str, Any] = dict(connector.get("settings") or {})
        if kind == FILE:
            path = self.path.text().strip()
            if was_sql or connector.get("kind") is None:
                settings = {}
            settings["path"] = path
            found: dict[str, Any] = {"kind": file_kind(path), "settings": settings}
            return {**before, "connector": found}
        if not was_sql:
            settings = {}
        for name in ("url", "table", "mode", "key"):
            settings.pop(name, None)
        connection = self.connection.currentText()
        if connection == NO_CONNECTION and self.url.text().strip():
            settings["url"] = self.url.text().strip()
        settings["table"] = self.table.text().strip()
        if self.mode.currentText() == "upsert":
            settings["mode"] = "upsert"
            settings["key"] = _keys(self.keys.text())
        elif keys := _keys(self.keys.text()):
            settings["key"] = keys
        found = {"kind": "sql", "settings": settings}
        if connection != NO_CONNECTION:
            found["connection"] = connection
        if was_sql and connector.get("credential") and connection == connector.get("connection"):
            found["credential"] = connector["credential"]
        return {**before, "connector": found}

    def _changed(self, key: str) -> None:
        if self._loading:
            return
        target = self.target()
        problems = target_problems(target, self._saved)
        self._show_check(problems)
        if not problems:
            self._before = target
            self.edited.emit(target, key)
