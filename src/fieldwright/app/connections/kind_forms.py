"""The settings page of each family of connector kinds in the connection editor: a SQL
database, an HTTP API, a file.

Each page shows the settings `fieldwright.connectors.registry` reads for its kinds,
loads them from a saved connection and reads them back, raising `FormError` (the
field and what is wrong with it) for a setting that cannot work.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import JsonValue
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from fieldwright.domain.secrets_scan import find_secrets, split_url_password

__all__ = ["AUTH_KINDS", "FileForm", "FormError", "HttpForm", "KindForm", "SqlForm"]

FILE_FILTERS = {
    "csv": "CSV files (*.csv)",
    "tsv": "TSV files (*.tsv *.tab)",
    "ndjson": "NDJSON files (*.ndjson *.jsonl)",
    "json": "JSON files (*.json)",
    "xlsx": "Excel workbooks (*.xlsx *.xlsm)",
}
AUTH_KINDS = {
    "none": "None",
    "bearer": "Bearer token",
    "basic": "Basic (user + password)",
    "api_key": "API key",
}
DEFAULT_TIMEOUT = 30.0


class FormError(ValueError):
    """A field of the form is wrong; `field` is the widget to show the message next to."""

    def __init__(self, field: QWidget, message: str) -> None:
        super().__init__(message)
        self.field = field


def _line(name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    return edit


def _error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setProperty("role", "error")
    label.setWordWrap(True)
    return label


def fixed_width(widget: QWidget) -> QWidget:
    """Keep a combo or spin box at its own width in a form whose fields grow."""
    widget.setSizePolicy(QSizePolicy.Policy.Fixed, widget.sizePolicy().verticalPolicy())
    return widget


@dataclass
class _Row:
    """A field with the error label shown under it."""

    field: QWidget
    error: QLabel


class KindForm(QWidget):
    """The settings of one family of connector kinds."""

    keys: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.rows: list[_Row] = []

    def add(self, label: str, field: QWidget, hint: str = "") -> None:
        self.form.addRow(label, field)
        error = _error_label(f"{field.objectName()}_error")
        self.form.addRow("", error)
        self.rows.append(_Row(field, error))
        if hint:
            field.setToolTip(hint)

    def load(self, settings: dict[str, JsonValue]) -> None:
        raise NotImplementedError

    def settings(self) -> dict[str, JsonValue]:
        raise NotImplementedError


class SqlForm(KindForm):
    keys = ("url", "table", "schema", "query")

    def __init__(self) -> None:
        super().__init__()
        self.url = _line("sql_url", "postgresql+psycopg://user@host:5432/database")
        self.table = _line("sql_table", "optional: the table runs read or write")
        self.schema = _line("sql_schema", "optional")
        self.query = _line("sql_query", "optional: SELECT … instead of a table")
        self.add(
            "Database URL",
            self.url,
            "The SQLAlchemy URL with host, database and user — without the password: "
            "type that in the Password field, it goes to the keyring",
        )
        self.add("Table", self.table)
        self.add("Schema", self.schema)
        self.add("Query", self.query)

    def load(self, settings: dict[str, JsonValue]) -> None:
        for key in self.keys:
            edit: QLineEdit = getattr(self, key)
            edit.setText(str(settings.get(key) or ""))

    def settings(self) -> dict[str, JsonValue]:
        url = self.url.text().strip()
        if not url:
            raise FormError(self.url, "Give the database URL, e.g. sqlite:///path/to/file.db")
        if "://" not in url:
            raise FormError(
                self.url,
                "Not a database URL: it starts with a scheme such as "
                "postgresql+psycopg:// or sqlite:///",
            )
        if split_url_password(url)[1]:  # read as SQLAlchemy does: "/", "#", "?" included
            raise FormError(
                self.url,
                "Remove the password from the URL and type it in the Password field: "
                "it is kept in the keyring, not with the connection",
            )
        if self.table.text().strip() and self.query.text().strip():
            raise FormError(self.query, "Give a table or a query, not both")
        values: dict[str, JsonValue] = {"url": url}
        for key in ("table", "schema", "query"):
            text = getattr(self, key).text().strip()
            if text:
                values[key] = text
        return values


class HttpForm(KindForm):
    keys = ("url", "records_path", "auth", "timeout")

    def __init__(self) -> None:
        super().__init__()
        self.url = _line("http_url", "https://api.example.com/v1/contacts")
        self.records_path = _line("http_records_path", "results")
        self.auth_kind = QComboBox()
        self.auth_kind.setObjectName("http_auth_kind")
        for kind, label in AUTH_KINDS.items():
            self.auth_kind.addItem(label, kind)
        self.user = _line("http_user", "the user of basic auth")
        self.key_name = _line("http_key_name", "X-API-Key")
        self.key_location = QComboBox()
        self.key_location.setObjectName("http_key_location")
        self.key_location.addItem("Header", "header")
        self.key_location.addItem("Query parameter", "query")
        self.timeout = QDoubleSpinBox()
        self.timeout.setObjectName("http_timeout")
        self.timeout.setRange(1.0, 600.0)
        self.timeout.setSuffix(" s")
        self.timeout.setDecimals(0)
        self.timeout.setValue(DEFAULT_TIMEOUT)
        self.add("Base URL", self.url)
        self.add(
            "Records at",
            self.records_path,
            "Where the array of records is in a response (a source's setting); empty: results",
        )
        self.add("Authentication", fixed_width(self.auth_kind))
        self.add("User", self.user)
        self.add("Key name", self.key_name)
        self.add("Key sent in", fixed_width(self.key_location))
        self.add("Timeout", fixed_width(self.timeout))
        self.auth_kind.currentIndexChanged.connect(self._auth_changed)
        self._auth_changed()

    def _auth_changed(self) -> None:
        kind = self.auth_kind.currentData()
        for field, shown in (
            (self.user, kind == "basic"),
            (self.key_name, kind == "api_key"),
            (self.key_location, kind == "api_key"),
        ):
            self.form.setRowVisible(field, shown)

    def load(self, settings: dict[str, JsonValue]) -> None:
        self.url.setText(str(settings.get("url") or ""))
        self.records_path.setText(str(settings.get("records_path") or ""))
        auth = settings.get("auth")
        auth = auth if isinstance(auth, dict) else {}
        index = self.auth_kind.findData(str(auth.get("type") or "none"))
        self.auth_kind.setCurrentIndex(max(index, 0))
        self.user.setText(str(auth.get("username") or ""))
        self.key_name.setText(str(auth.get("name") or ""))
        self.key_location.setCurrentIndex(max(self.key_location.findData(auth.get("location")), 0))
        timeout = settings.get("timeout")
        self.timeout.setValue(float(timeout) if isinstance(timeout, int | float) else 30.0)

    def settings(self) -> dict[str, JsonValue]:
        url = self.url.text().strip()
        if not url.startswith(("http://", "https://")):
            raise FormError(self.url, "Give the API's URL, starting with https:// or http://")
        secrets = find_secrets(url)
        if secrets:
            raise FormError(
                self.url,
                f"The URL holds a secret, {secrets[0].why.removesuffix(' in the URL')}: remove "
                "it, choose an authentication (an API key can go in the query) and type the "
                "secret below: it is kept in the keyring",
            )
        values: dict[str, JsonValue] = {"url": url}
        if self.records_path.text().strip():
            values["records_path"] = self.records_path.text().strip()
        kind = str(self.auth_kind.currentData())
        if kind != "none":
            auth: dict[str, JsonValue] = {"type": kind}
            if kind == "basic":
                if not self.user.text().strip():
                    raise FormError(self.user, "Basic authentication needs a user")
                auth["username"] = self.user.text().strip()
            if kind == "api_key":
                auth["name"] = self.key_name.text().strip() or "X-API-Key"
                auth["location"] = str(self.key_location.currentData())
            values["auth"] = auth
        if self.timeout.value() != DEFAULT_TIMEOUT:
            values["timeout"] = self.timeout.value()
        return values


class FileForm(KindForm):
    keys = ("path",)

    def __init__(self) -> None:
        super().__init__()
        self.kind = "csv"
        self.path = _line("file_path", "/data/exports/contacts.csv")
        self.browse = QPushButton("Browse…")
        self.browse.setObjectName("file_browse")
        box = QWidget()
        box.setObjectName("file_path_box")
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        self.form.addRow("File", box)
        error = _error_label("file_path_error")
        self.form.addRow("", error)
        self.rows.append(_Row(self.path, error))
        self.browse.clicked.connect(self.choose)

    def choose(self) -> None:
        filters = f"{FILE_FILTERS.get(self.kind, '')};;All files (*)"
        path, _filter = QFileDialog.getOpenFileName(
            self, "Choose the file", self.path.text(), filters
        )
        if path:
            self.path.setText(path)

    def load(self, settings: dict[str, JsonValue]) -> None:
        self.path.setText(str(settings.get("path") or ""))

    def settings(self) -> dict[str, JsonValue]:
        path = self.path.text().strip()
        if not path:
            raise FormError(self.path, "Give the file's path (a run reads or writes it)")
        return {"path": path}
