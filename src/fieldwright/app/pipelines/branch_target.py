"""The target of a route branch, edited beside the branches table: none, a file, a SQL
table or an HTTP endpoint (docs/pipelines.md, "Targets").

A branch's target is a file beside the run's output (its name), a SQL table (a saved
connection chosen from the store's list, or a database URL; the table; insert, or
upsert by key columns) or an HTTP endpoint (a saved HTTP connection and a path on it,
or a URL; the method and batch size). The widgets are checked as they are typed: while they do not
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

NONE, FILE, SQL, HTTP = (
    "None: the records go on",
    "File beside the output",
    "SQL table",
    "HTTP endpoint",
)
_FILE_KINDS = ("csv", "ndjson", "json", "xlsx")
#: The first entry of the connection list: the database (endpoint) is the URL typed below.
NO_CONNECTION = "(none: the URL below)"
_METHODS = ("POST", "PUT", "PATCH")
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
    if str(connector.get("kind", "")).lower() not in ("sql", "http"):
        path = str(settings.get("path", ""))
        if not path:
            return ["give the file's name (it is written beside the run's output)"]
        if "/" in path or "\\" in path:
            return [f"{path!r}: a branch's file lies beside the output; give a name, not a path"]
        return []
    kind = str(connector.get("kind", "")).lower()
    problems = []
    connection = connector.get("connection")
    url = str(settings.get("url", ""))
    if kind == "http":
        return _http_problems(connection, url, settings, saved)
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


def _http_problems(
    connection: Any, url: str, settings: dict[str, Any], saved: list[str] | None
) -> list[str]:
    problems = []
    if connection:
        if saved is not None and connection not in saved:
            choices = ", ".join(saved) or "none is saved"
            problems.append(
                f"{connection!r} is not a saved HTTP connection (the store has: {choices})"
            )
        if url and not url.startswith(("/", "http://", "https://")):
            problems.append(f"{url!r}: give a path on the connection (/overtime) or a URL")
    elif not url:
        problems.append("choose a saved connection, or give the endpoint's URL")
    elif not url.startswith(("http://", "https://")):
        problems.append(f"{url!r} is not an http:// or https:// URL")
    batch = settings.get("batch_size")
    if batch is not None and (not isinstance(batch, int) or batch < 1):
        problems.append(f"{batch!r}: the records per request are a whole number, 1 or more")
    return problems


class BranchTargetEditor(QGroupBox):
    """The selected branch's target: its kind and the settings of that kind."""

    edited = Signal(object, str)  #: (the target as data, or None; the field edited)

    def __init__(
        self, connections: Callable[[str], list[str]], parent: QWidget | None = None
    ) -> None:
        super().__init__("Branch target", parent)
        self.setObjectName("step_branch_target")
        #: The saved connections of a kind (sql, http), fetched through the service when a
        #: branch or a kind is shown.
        self._connections = connections
        self._saved: list[str] | None = None
        self._before: dict[str, Any] | None = None
        self._loading = False
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form = form
        self.kind = self._combo("target_type", (NONE, FILE, SQL, HTTP), edits=False)
        self.path = self._line("target_path", "big_orders.ndjson")
        self.connection = self._combo("target_connection", (NO_CONNECTION,))
        self.url = self._line("target_url", "sqlite:///warehouse.db")
        self.method = self._combo("target_method", _METHODS)
        self.batch = self._line("target_batch_size", "100 (records per request)")
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
            ("URL", self.url),
            ("Table", self.table),
            ("Write", self.mode),
            ("Key columns", self.keys),
            ("Method", self.method),
            ("Records per request", self.batch),
            ("", self.check),
        ):
            form.addRow(label, widget)
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.connection.currentIndexChanged.connect(lambda _i: self._show_fields())
        self.mode.currentIndexChanged.connect(lambda _i: self._show_fields())
        self.show_target(None, None)

    def _combo(self, key: str, items: tuple[str, ...], *, edits: bool = True) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(f"step_{key}")
        combo.addItems(list(items))
        if edits:
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
            kind = str(connector.get("kind", "")).lower()
            shown = {"sql": SQL, "http": HTTP}.get(kind, FILE) if target is not None else NONE
            self.kind.setCurrentText(shown)
            self.path.setText(str(settings.get("path", "")) if shown == FILE else "")
            self._fill_connections(
                str(connector.get("connection") or "") if shown in (SQL, HTTP) else ""
            )
            self.url.setText(str(settings.get("url", "")) if shown in (SQL, HTTP) else "")
            sql = shown == SQL
            self.table.setText(str(settings.get("table", "")) if sql else "")
            self.mode.setCurrentText(str(settings.get("mode", "insert")) if sql else "insert")
            self.keys.setText(", ".join(map(str, settings.get("key") or [])) if sql else "")
            http = shown == HTTP
            self.method.setCurrentText(str(settings.get("method", "POST")).upper())
            batch = settings.get("batch_size") if http else None
            self.batch.setText("" if batch is None else str(batch))
        finally:
            self._loading = False
        self._show_fields()

    def _kind_changed(self) -> None:
        """Another kind: its saved connections are offered (the chosen one kept if it is one
        of them), then the target of that kind is checked and, when it is whole, edited."""
        loading, self._loading = self._loading, True
        try:
            current = self.connection.currentText()
            self._fill_connections("" if current == NO_CONNECTION else current, keep=False)
        finally:
            self._loading = loading
        self._show_fields()
        self._changed("target_type")

    def _fill_connections(self, current: str, *, keep: bool = True) -> None:
        kind = {SQL: "sql", HTTP: "http"}.get(self.kind.currentText())
        self.connection.setToolTip("")
        try:
            self._saved = self._connections(kind) if kind else []
        except ServiceError as exc:  # the store is not reachable: a name is still shown
            self._saved = None
            self.connection.setToolTip(f"the saved connections could not be listed: {exc}")
        names = list(self._saved or [])
        if current and current not in names and (keep or self._saved is None):
            names.append(current)  # named by the pipeline, not saved (the check says so)
        self.connection.clear()
        self.connection.addItems([NO_CONNECTION, *names])
        self.connection.setCurrentText(current if current in names else NO_CONNECTION)

    def _show_fields(self) -> None:
        kind = self.kind.currentText()
        via_url = self.connection.currentText() == NO_CONNECTION
        sql, http = kind == SQL, kind == HTTP
        shown = {
            self.path: kind == FILE,
            self.connection: sql or http,
            self.url: http or (sql and via_url),
            self.table: sql,
            self.mode: sql,
            self.keys: sql,
            self.method: http,
            self.batch: http,
        }
        for widget, visible in shown.items():
            self.form.setRowVisible(widget, visible)
        self.url.setPlaceholderText(
            "sqlite:///warehouse.db"
            if sql
            else "https://host/overtime"
            if via_url
            else "/overtime (a path on the connection), or a whole URL"
        )
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
            if str(connector.get("kind", "sql")).lower() in ("sql", "http"):
                settings = {}  # a file's settings are kept only from a file
            settings["path"] = path
            found: dict[str, Any] = {"kind": file_kind(path), "settings": settings}
            return {**before, "connector": found}
        connection = self.connection.currentText()
        if kind == HTTP:
            return {**before, "connector": self._http(connector, settings, connection)}
        if not was_sql:
            settings = {}
        for name in ("url", "table", "mode", "key"):
            settings.pop(name, None)
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

    def _http(
        self, connector: dict[str, Any], settings: dict[str, Any], connection: str
    ) -> dict[str, Any]:
        """An HTTP target from the widgets; the sink's other settings kept when it was one."""
        was_http = str(connector.get("kind", "")).lower() == "http"
        if not was_http:
            settings = {}
        for name in ("url", "method", "batch_size"):
            settings.pop(name, None)
        if self.url.text().strip():
            settings["url"] = self.url.text().strip()
        if self.method.currentText() != "POST":
            settings["method"] = self.method.currentText()
        if batch := self.batch.text().strip():
            settings["batch_size"] = int(batch) if batch.isdigit() else batch
        found: dict[str, Any] = {"kind": "http", "settings": settings}
        if connection != NO_CONNECTION:
            found["connection"] = connection
        if was_http and connector.get("credential") and connection == connector.get("connection"):
            found["credential"] = connector["credential"]
        return found

    def _changed(self, key: str) -> None:
        if self._loading:
            return
        target = self.target()
        problems = target_problems(target, self._saved)
        self._show_check(problems)
        if not problems:
            self._before = target
            self.edited.emit(target, key)
