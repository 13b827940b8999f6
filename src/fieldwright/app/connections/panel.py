"""The Connections page: the saved connections, an editor per connector kind, test and delete.

Secrets typed in the editor go straight to ``Service.connections.save(record,
secret)`` (the OS keyring); the field is cleared after the save. "Test
connection" runs on a worker thread and its answer (ok or the error, with the
time taken) shows under the editor and in the list's "Last test" column for the
rest of the session. When no keyring can keep secrets, a banner says what to do.
The Name column carries a badge when a secret or certificate expires within 30
days (amber) or has expired (red); the editor's expiry group attaches certificates.
"""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.connections.connection_test import (
    TestOutcome,
    keyring_help_html,
    outcome_html,
    timed_test,
)
from fieldwright.app.connections.editor import KINDS, ConnectionEditor, summary
from fieldwright.app.connections.kind_forms import FormError
from fieldwright.app.shell.forms import Form
from fieldwright.app.shell.theme import current_theme
from fieldwright.app.shell.widgets import confirm
from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.domain.certificates import CredentialExpiry, ExpiryKind, ExpiryStage
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service import KeyringStatus, ServiceError

if TYPE_CHECKING:
    from fieldwright.service import Service

__all__ = ["ConnectionsPanel"]

COLUMNS = ("Name", "Kind", "Summary", "Secret", "Last test")


class ConnectionsPanel(QWidget):
    """List, edit, test and delete the store's saved connections.

    Constructed over the window's `Service`; it loads the list when first shown
    (or on `refresh()`). Call `shutdown()` before the service closes: it waits
    for a running connection test.
    """

    #: A line for the status bar.
    message = Signal(str)
    #: The saved connections changed (saved, deleted): pickers of connections may reload.
    connectionsChanged = Signal()
    #: A connection test finished, on the GUI thread.
    tested = Signal(object)  #: TestOutcome

    def __init__(self, service: Service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connections_panel")
        self.service = service
        self.loaded = False
        self.records: list[ConnectionRecord] = []
        #: The soonest expiry of a secret or certificate per connection (not rotation dates).
        self.expiries: dict[str, CredentialExpiry] = {}
        self.outcomes: dict[str, TestOutcome] = {}
        self.testing: str | None = None
        self.test_started = 0.0
        self.dirty = False
        self.generation = 0
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = TaskSignals(self)
        self.signals.done.connect(self._test_done)
        self.signals.failed.connect(self._test_failed)
        self.ui = Form("connections_panel.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        self._bind_list()
        self._bind_editor()
        self._connect()
        self._style_banner()
        self.editor.new()
        self._update_buttons()

    def _bind_list(self) -> None:
        """The keyring banner, the table of connections and the buttons under it."""
        self.banner = self.ui.child(QFrame, "keyring_banner")
        self.banner_text = self.ui.child(QLabel, "keyring_banner_text")
        self.table = self.ui.child(QTableWidget, "connections_table")
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        header = self.table.horizontalHeader()
        # Never sideways: the name and summary share what the short columns leave (the
        # list sits beside the editor, about 460 px wide in a 1024 px window).
        header.setMinimumSectionSize(48)
        for column, mode in enumerate(
            (
                QHeaderView.ResizeMode.Stretch,
                QHeaderView.ResizeMode.ResizeToContents,
                QHeaderView.ResizeMode.Stretch,
                QHeaderView.ResizeMode.ResizeToContents,
                QHeaderView.ResizeMode.ResizeToContents,
            )
        ):
            header.setSectionResizeMode(column, mode)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.new_button = self.ui.child(QPushButton, "connection_new")
        self.duplicate_button = self.ui.child(QPushButton, "connection_duplicate")
        self.delete_button = self.ui.child(QPushButton, "connection_delete")
        self.refresh_button = self.ui.child(QPushButton, "connections_refresh")
        self.splitter = self.ui.child(QSplitter, "connections_splitter")
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

    def _bind_editor(self) -> None:
        """The editor column: its title, the editor (added here), Save, Test and the result."""
        self.editor = ConnectionEditor()
        column = self.ui.child(QWidget, "connection_editor_box").layout()
        assert isinstance(column, QVBoxLayout)  # as the form lays it out
        column.insertWidget(1, self.editor)
        self.editor_title = self.ui.child(QLabel, "editor_title")
        self.save_button = self.ui.child(QPushButton, "connection_save")
        self.test_button = self.ui.child(QPushButton, "connection_test")
        self.result = self.ui.child(QLabel, "test_result")

    def _connect(self) -> None:
        self.new_button.clicked.connect(self.new_connection)
        self.duplicate_button.clicked.connect(self.duplicate)
        self.delete_button.clicked.connect(self.delete)
        self.refresh_button.clicked.connect(self.refresh)
        self.save_button.clicked.connect(self.save)
        self.test_button.clicked.connect(self.test)
        self.editor.edited.connect(self._edited)
        self.editor.expiry.attachRequested.connect(self.attach_certificate)
        self.editor.expiry.removeRequested.connect(self.remove_certificate)
        self.table.itemSelectionChanged.connect(self._selection_changed)

    def showEvent(self, event: QShowEvent) -> None:
        if not self.loaded:
            self.refresh()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._style_banner()
            self._fill_table()
        super().changeEvent(event)

    def shutdown(self) -> None:
        """Forget a running test's answer and wait for its thread."""
        self.generation += 1
        self.pool.waitForDone()

    # -- the list ---------------------------------------------------------------------------

    def refresh(self, *_args: object, select: str | None = None) -> None:
        """Reload the keyring state and the connections, keeping (or moving to) a selection."""
        self.loaded = True
        self.show_keyring(self.service.connections.keyring())
        keep = select or self.selected_name()
        try:
            self.records = self.service.connections.list()
            self.expiries = {}
            for expiry in self.service.connections.expiries():
                if expiry.kind is not ExpiryKind.ROTATION:
                    self.expiries.setdefault(expiry.connection, expiry)  # soonest first
        except ServiceError as exc:
            self.records = []
            QMessageBox.warning(self, "Cannot list the connections", str(exc))
        self._fill_table()
        row = next((i for i, r in enumerate(self.records) if r.name == keep), None)
        if row is not None:
            self.table.selectRow(row)
        elif self.records and not self.editor.existing and not self.dirty:
            self.table.selectRow(0)
        self._update_buttons()

    def show_keyring(self, status: KeyringStatus) -> None:
        """Show or hide the no-keyring banner; the secret field follows."""
        self.banner.setVisible(not status.usable)
        if not status.usable:
            self.banner_text.setText(keyring_help_html(status.message))
        self.editor.set_keyring(status)

    def _style_banner(self) -> None:
        theme = current_theme()
        self.banner.setStyleSheet(
            f"QFrame#keyring_banner {{ background: {theme.error_bg}; "
            f"border: 1px solid {theme.error}; border-radius: 6px; }}"
            f"QLabel {{ color: {theme.text}; }}"
        )

    def _fill_table(self) -> None:
        theme = current_theme()
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.records))
        for row, record in enumerate(self.records):
            outcome = self.outcomes.get(record.name)
            expiry = self.expiries.get(record.name)
            badge = _badge(expiry)
            secret = "in keyring" if record.keyring_username else "—"
            cells = (
                f"{record.name}  {badge}" if badge else record.name,
                KINDS.get(record.kind, record.kind),
                summary(record),
                secret,
                outcome.short if outcome else "not tested",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 2:
                    item.setToolTip(text)
                if column == 3 and record.keyring_username:
                    item.setToolTip(f"{record.keyring_service}/{record.keyring_username}")
                if column == 0 and badge and expiry is not None:
                    item.setToolTip(expiry.describe(datetime.now(UTC)))
                    expired = expiry.stage is ExpiryStage.EXPIRED
                    item.setForeground(QColor(theme.error if expired else theme.untested))
                if column == 4:
                    if outcome is None:
                        item.setForeground(QColor(theme.muted))
                    else:
                        item.setForeground(QColor(theme.valid if outcome.ok else theme.error))
                        item.setToolTip(outcome.message)
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.records):
            return None
        return self.records[rows[0].row()].name

    def _selection_changed(self) -> None:
        name = self.selected_name()
        record = next((r for r in self.records if r.name == name), None)
        if record is not None:
            self.editor.load(record)
            self._load_certificates(record.name)
            self.dirty = False
            self._show_outcome(self.outcomes.get(record.name))
        self._update_buttons()

    def _edited(self) -> None:
        self.dirty = True
        self._update_buttons()

    def _update_buttons(self) -> None:
        existing = self.editor.existing
        self.duplicate_button.setEnabled(existing)
        self.delete_button.setEnabled(existing)
        self.test_button.setEnabled(self.testing is None)
        name = self.editor.name.text() or "new connection"
        state = " (unsaved changes)" if self.dirty else ""
        self.editor_title.setText(
            (f"EDIT {name}" if existing else "NEW CONNECTION").upper() + state.upper()
        )

    # -- new, duplicate, save, delete -----------------------------------------------------

    def new_connection(self) -> None:
        self.table.clearSelection()
        self.editor.new()
        self.dirty = False
        self._show_outcome(None)
        self._update_buttons()

    def duplicate(self) -> None:
        """A copy of the selected connection under a new name; its secret is not copied."""
        name = self.selected_name()
        record = next((r for r in self.records if r.name == name), None)
        if record is None:
            return
        taken = {r.name for r in self.records}
        copy_name = f"{record.name}_copy"
        number = 2
        while copy_name in taken:
            copy_name = f"{record.name}_copy{number}"
            number += 1
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.blockSignals(False)
        self.editor.load(
            record.model_copy(
                update={"name": copy_name, "keyring_service": None, "keyring_username": None}
            ),
            existing=False,
        )
        self.dirty = True
        self._show_outcome(None)
        self._update_buttons()
        hint = " — type its secret again: secrets are not copied" if record.keyring_username else ""
        self.message.emit(f"Copy of {record.name}: rename it and save{hint}")

    def save(self) -> bool:
        """Save the form (the secret to the keyring); False when a field is wrong."""
        try:
            record = self.editor.record()
        except FormError:
            return False
        if not self.editor.existing and any(r.name == record.name for r in self.records):
            self.editor.show_error(
                self.editor.name, f"A connection named {record.name!r} exists; choose another name"
            )
            return False
        secret = self.editor.secret()
        try:
            saved = self.service.connections.save(record, secret)
        except ServiceError as exc:
            field = self.editor.secret_edit if secret else self.editor.name
            self.editor.show_error(field, str(exc))
            return False
        if secret:
            self.editor.secret_saved()
        self.dirty = False
        self.outcomes.pop(saved.name, None)  # the settings changed: the old answer is stale
        self.refresh(select=saved.name)
        self.connectionsChanged.emit()
        kept = " (secret kept in the keyring)" if secret else ""
        self.message.emit(f"Saved connection {saved.name}{kept}")
        return True

    def delete(self) -> None:
        name = self.selected_name()
        if name is None:
            return
        if not confirm(
            self,
            "Delete connection",
            f"Delete the connection {name!r} and its secret in the keyring?\n\n"
            "Mappings that use it will not find it any more.",
        ):
            return
        try:
            self.service.connections.delete(name)
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot delete the connection", str(exc))
            return
        self.outcomes.pop(name, None)
        self.new_connection()
        self.refresh()
        self.connectionsChanged.emit()
        self.message.emit(f"Deleted connection {name}")

    # -- certificates -----------------------------------------------------------------------

    def _load_certificates(self, name: str) -> None:
        try:
            self.editor.expiry.show_certificates(self.service.connections.certificates(name))
        except ServiceError as exc:
            self.editor.expiry.show_error(str(exc))

    def attach_certificate(self, path: str, client: str, system: str) -> None:
        """Read the certificate file and keep it with the connection being edited."""
        name = self.editor.name.text().strip()
        try:
            record = self.service.connections.attach_certificate(
                name, path, client=client, system=system
            )
        except ServiceError as exc:
            self.editor.expiry.show_error(str(exc))
            return
        self.refresh(select=name)
        self._load_certificates(name)
        self.message.emit(f"Attached certificate {record.key} to {name}")

    def remove_certificate(self, key: str) -> None:
        name = self.editor.name.text().strip()
        if not confirm(
            self,
            "Remove certificate",
            f"Forget certificate {key}? The file itself is left alone.",
        ):
            return
        try:
            self.service.connections.remove_certificate(key)
        except ServiceError as exc:
            self.editor.expiry.show_error(str(exc))
            return
        self.refresh(select=name)
        self._load_certificates(name)
        self.message.emit(f"Removed certificate {key}")

    # -- test -------------------------------------------------------------------------------

    def test(self) -> None:
        """Save unsaved changes, then reach the connection on a worker thread."""
        if (self.dirty or not self.editor.existing) and not self.save():
            return
        name = self.editor.name.text().strip()
        self.testing = name
        self.test_started = time.perf_counter()
        self.generation += 1
        self.result.setText(f"Testing {html.escape(name)}…")
        self.result.setStyleSheet("")
        self._update_buttons()
        service = self.service
        self.pool.start(Task(self.generation, lambda: timed_test(service, name), self.signals))

    def _test_done(self, generation: int, outcome: object) -> None:
        if generation != self.generation or not isinstance(outcome, TestOutcome):
            return
        self.testing = None
        self.outcomes[outcome.name] = outcome
        self._fill_table()
        if self.editor.name.text().strip() == outcome.name:
            self._show_outcome(outcome)
        self._update_buttons()
        word = "ok" if outcome.ok else "failed"
        self.message.emit(f"Connection {outcome.name}: test {word} in {outcome.seconds:.2f} s")
        self.tested.emit(outcome)

    def _test_failed(self, generation: int, message: str) -> None:
        if generation != self.generation:
            return
        name = self.testing or self.editor.name.text().strip()
        seconds = time.perf_counter() - self.test_started
        self._test_done(generation, TestOutcome(name, False, message, seconds, datetime.now()))

    def _show_outcome(self, outcome: TestOutcome | None) -> None:
        if outcome is None:
            self.result.clear()
            return
        self.result.setText(outcome_html(outcome, current_theme()))


def _badge(expiry: CredentialExpiry | None) -> str:
    """``⚠ 6 d`` within 30 days, ``✗ expired`` once expired; "" otherwise."""
    if expiry is None or expiry.stage is ExpiryStage.OK:
        return ""
    if expiry.stage is ExpiryStage.EXPIRED:
        return "✗ expired"
    left = expiry.at - datetime.now(UTC)
    return f"⚠ {left.days} d" if left.days >= 2 else "⚠ < 2 d"
