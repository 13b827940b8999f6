"""The form of one saved connection: its name, kind, the settings that kind needs, a secret.

One page of fields per family of connector kinds (SQL database, HTTP API, file;
kind_forms.py) writes the settings `fieldwright.connectors.registry` reads;
settings the form does not show (``batch_size``, ``pagination`` …) are kept as
they were. The secret field is a password field whose text is handed to the panel for
``Service.connections.save(record, secret)`` — it never goes into the record.
Below it, the expiry group (expiry_box.py): the secret's expiry and rotation
dates (part of the record) and the connection's certificates.
"""

from __future__ import annotations

from typing import Any

from pydantic import JsonValue
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.connections.expiry_box import ExpiryBox
from fieldwright.app.connections.kind_forms import (
    AUTH_KINDS,
    FileForm,
    FormError,
    HttpForm,
    KindForm,
    SqlForm,
)
from fieldwright.app.shell.forms import Form
from fieldwright.app.shell.widgets import set_row_visible
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service import KeyringStatus

__all__ = ["KINDS", "ConnectionEditor", "summary"]

#: Connector kinds, in the order the kind box lists them, with the analyst's name for each.
KINDS: dict[str, str] = {
    "sql": "SQL database",
    "http": "HTTP API",
    "csv": "CSV file",
    "tsv": "TSV file",
    "ndjson": "NDJSON file",
    "json": "JSON file",
    "xlsx": "Excel workbook",
}
SECRET_LABELS = {"sql": "Password", "http": "Token / password / key"}


def summary(record: ConnectionRecord) -> str:
    """One line saying where the connection points, for the list."""
    settings = record.settings
    if record.kind == "sql":
        where = str(settings.get("url", ""))
        table = settings.get("table")
        return f"{where} · table {table}" if table else where
    if record.kind == "http":
        auth = settings.get("auth")
        kind = auth.get("type") if isinstance(auth, dict) else None
        label = AUTH_KINDS.get(str(kind), "") if kind and kind != "none" else ""
        url = str(settings.get("url", ""))
        return f"{url} · {label.lower()}" if label else url
    return str(settings.get("path", ""))


class ConnectionEditor(QWidget):
    """Edit one connection; the panel saves, tests and deletes it.

    `load(record)` shows a saved connection (its name is then fixed: duplicate to
    copy it under another name), `new()` an empty one; `record()` builds the
    `ConnectionRecord` (raising `FormError` for a wrong field, also shown beside it)
    and `secret()` is the typed secret or None.
    """

    #: The form was edited since it was loaded.
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connection_editor")
        self.existing = False
        self.has_secret = False
        self.keyring_usable = True
        self.keyring_message = ""
        self.extra: dict[str, JsonValue] = {}
        self.loaded_kind = ""
        #: The keyring entry of the loaded connection's secret, kept on a save without one.
        self.keyring_entry: tuple[str | None, str | None] = (None, None)
        self.ui = Form("connection_editor.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        self._bind()
        self._align_captions()
        self.kind.currentIndexChanged.connect(self._kind_changed)
        for edit in self.findChildren(QLineEdit):
            edit.textEdited.connect(self._edited)
        for combo in self.findChildren(QComboBox):
            combo.activated.connect(self._edited)
        self.http.timeout.valueChanged.connect(self._edited)
        self.new()

    def _bind(self) -> None:
        """The form's name, kind, description and secret; the kinds' pages added here."""
        self.name = self.ui.child(QLineEdit, "connection_name")
        self.kind = self.ui.child(QComboBox, "connection_kind")
        for kind, label in KINDS.items():
            self.kind.addItem(label, kind)
        self.description = self.ui.child(QLineEdit, "connection_description")
        self.secret_box = self.ui.child(QWidget, "secret_box")
        self.secret_label = self.ui.child(QLabel, "connection_secret_label")
        self.secret_edit = self.ui.child(QLineEdit, "connection_secret")
        self.secret_state = self.ui.child(QLabel, "secret_state")
        self.name_error = self.ui.child(QLabel, "connection_name_error")
        self.secret_error = self.ui.child(QLabel, "connection_secret_error")
        self.sql = SqlForm()
        self.http = HttpForm()
        self.file = FileForm()
        self.pages = self.ui.child(QStackedWidget, "connection_kind_pages")
        for page in self._forms():
            self.pages.addWidget(page)
        self.expiry = ExpiryBox()
        column = self.ui.widget.layout()
        assert isinstance(column, QVBoxLayout)  # as the form lays it out
        column.insertWidget(3, self.expiry)  # under the secret, above the stretch
        self.expiry.edited.connect(self._edited)

    def _align_captions(self) -> None:
        """One label column across the form and the kinds' pages: the widest caption's."""
        names = ("connection_form", "secret_form")
        forms = [self.ui.widget.findChild(QFormLayout, name) for name in names]
        captions: list[QWidget] = []
        for form in (*forms, *(page.form for page in self._forms())):
            if form is None:
                raise LookupError(f"{self.ui.name} lacks a form layout named one of {names}")
            for row in range(form.rowCount()):
                item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                caption = item.widget() if item is not None else None
                if caption is not None:
                    captions.append(caption)
        width = max(caption.sizeHint().width() for caption in captions)
        for caption in captions:
            caption.setMinimumWidth(width)

    def _forms(self) -> tuple[KindForm, ...]:
        return (self.sql, self.http, self.file)

    def _edited(self, *_args: Any) -> None:
        self.clear_errors()
        self.edited.emit()

    # -- showing a connection ---------------------------------------------------------------

    def new(self, kind: str = "sql") -> None:
        self.load(ConnectionRecord(name="new_connection", kind=kind), existing=False)
        self.name.clear()
        self.name.setFocus()

    def load(self, record: ConnectionRecord, *, existing: bool = True) -> None:
        self.existing = existing
        self.has_secret = bool(record.keyring_username) and existing
        self.keyring_entry = (
            (record.keyring_service, record.keyring_username) if existing else (None, None)
        )
        self.name.setText(record.name)
        self.name.setReadOnly(existing)
        self.name.setToolTip(
            "A saved connection keeps its name (mappings refer to it): duplicate it to copy "
            "it under another name"
            if existing
            else "The name mappings use to refer to this connection"
        )
        self.description.setText(record.description)
        index = self.kind.findData(record.kind)
        if index < 0:  # a kind this form does not know: show it, keep it
            self.kind.addItem(record.kind, record.kind)
            index = self.kind.count() - 1
        self.kind.blockSignals(True)
        self.kind.setCurrentIndex(index)
        self.kind.blockSignals(False)
        self.loaded_kind = record.kind
        form = self.current_form()
        form.load(record.settings)
        self.extra = {k: v for k, v in record.settings.items() if k not in form.keys}
        self.secret_edit.clear()
        self.expiry.set_connection(record.expires_at, record.rotate_by, saved=existing)
        if not existing:
            self.expiry.show_certificates([])
        self.clear_errors()
        self._kind_changed()

    def set_keyring(self, status: KeyringStatus) -> None:
        """Disable the secret field, with why as its tooltip, when no keyring can keep it."""
        self.keyring_usable = status.usable
        self.keyring_message = status.message
        self._show_secret_state()

    def secret_saved(self) -> None:
        """The secret went to the keyring: clear the field and say where it is."""
        self.secret_edit.clear()
        self.has_secret = True
        self._show_secret_state()

    def _show_secret_state(self) -> None:
        usable = self.keyring_usable
        self.secret_edit.setEnabled(usable)
        if not usable:
            self.secret_edit.setToolTip(
                f"Secrets cannot be saved: {self.keyring_message}. Connections without a "
                "secret still work."
            )
            self.secret_edit.setPlaceholderText("no keyring: cannot keep secrets")
            self.secret_state.setText("No keyring available — see the banner above.")
            return
        self.secret_edit.setToolTip(
            "Kept in the OS keyring when you save; never in the connection, the store or a log"
        )
        if self.has_secret:
            self.secret_edit.setPlaceholderText("stored in keyring — type to replace")
            self.secret_state.setText("Secret stored in keyring")
        else:
            self.secret_edit.setPlaceholderText("")
            self.secret_state.setText("No secret stored")

    def _kind_changed(self) -> None:
        kind = self.current_kind()
        form = self.current_form()
        self.pages.setCurrentWidget(form)
        if form is self.file:
            self.file.kind = kind
        if kind != self.loaded_kind:
            self.extra = {}  # another kind's settings make no sense here
        self.secret_box.setVisible(kind in SECRET_LABELS)
        self.secret_label.setText(SECRET_LABELS.get(kind, "Secret"))
        self._show_secret_state()

    def current_kind(self) -> str:
        return str(self.kind.currentData())

    def current_form(self) -> KindForm:
        kind = self.current_kind()
        if kind == "sql":
            return self.sql
        if kind == "http":
            return self.http
        return self.file

    # -- reading the form ---------------------------------------------------------------

    def clear_errors(self) -> None:
        for label in self.findChildren(QLabel):
            if label.property("role") == "error":
                label.clear()
                set_row_visible(label, False)

    def show_error(self, field: QWidget, message: str) -> None:
        """Show `message` under `field` (the name, the secret, or a settings field)."""
        label: QLabel | None = None
        if field is self.name:
            label = self.name_error
        elif field is self.secret_edit:
            label = self.secret_error
        else:
            for form in self._forms():
                label = next((row.error for row in form.rows if row.field is field), label)
        if label is None:  # not a field of ours: the name row is the visible place
            label = self.name_error
        label.setText(message)
        set_row_visible(label, True)
        field.setFocus()

    def record(self) -> ConnectionRecord:
        """The connection the form describes; a wrong field raises `FormError` (and shows it)."""
        self.clear_errors()
        try:
            name = self.name.text().strip()
            if not name:
                raise FormError(self.name, "Give the connection a name")
            if any(ord(ch) < 0x20 for ch in name):
                raise FormError(self.name, "The name cannot hold control characters")
            settings = {**self.extra, **self.current_form().settings()}
        except FormError as exc:
            self.show_error(exc.field, str(exc))
            raise
        service, username = self.keyring_entry
        return ConnectionRecord(
            name=name,
            kind=self.current_kind(),
            description=self.description.text().strip(),
            settings=settings,
            keyring_service=service,
            keyring_username=username,
            expires_at=self.expiry.expires_at(),
            rotate_by=self.expiry.rotate_at(),
        )

    def secret(self) -> str | None:
        """The secret typed in the password field (None when empty or hidden for this kind)."""
        if not self.secret_box.isVisibleTo(self) or not self.secret_edit.isEnabled():
            return None
        return self.secret_edit.text() or None
