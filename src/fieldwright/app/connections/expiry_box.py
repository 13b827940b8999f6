"""The connection editor's "Expiry and certificates" group: when the secret expires and
should be rotated by (dates, UTC midnight), and the connection's certificates.

The dates are part of the connection record (saved with Save). Certificates are
kept at once: Attach asks for a file (through `choose_file`, which tests replace)
and emits `attachRequested(path, client, system)`; the panel reads it through the
service and shows the answer with `show_certificates` or `show_error`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.shell.forms import Form
from fieldwright.app.shell.theme import current_theme
from fieldwright.app.shell.widgets import set_row_visible
from fieldwright.domain.certificates import CertificateRecord, ExpiryStage, expiry_stage

__all__ = ["ExpiryBox", "stage_text"]

_STAGE_WORDS = {
    ExpiryStage.OK: "valid",
    ExpiryStage.DAYS_30: "expires within 30 days",
    ExpiryStage.DAYS_7: "expires within 7 days",
    ExpiryStage.DAYS_1: "expires within a day",
    ExpiryStage.EXPIRED: "expired",
}


_STAGE_SHORT = {
    ExpiryStage.OK: "valid",
    ExpiryStage.DAYS_30: "≤ 30 d",
    ExpiryStage.DAYS_7: "≤ 7 d",
    ExpiryStage.DAYS_1: "≤ 1 d",
    ExpiryStage.EXPIRED: "expired",
}


def stage_text(stage: ExpiryStage, *, short: bool = False) -> str:
    return (_STAGE_SHORT if short else _STAGE_WORDS)[stage]


def _ask_for_file(parent: QWidget) -> str:
    path, _ = QFileDialog.getOpenFileName(
        parent,
        "Attach a certificate",
        "",
        "Certificates (*.pem *.crt *.cer *.der);;All files (*)",
    )
    return path


class ExpiryBox(QWidget):
    """Dates of the secret and the certificates of one connection."""

    #: A date changed (the connection has unsaved changes).
    edited = Signal()
    #: Attach the file at path for client and system codes.
    attachRequested = Signal(str, str, str)
    #: Remove the certificate of this key.
    removeRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connection_expiry")
        self.certificates: list[CertificateRecord] = []
        #: Asks for the certificate file; returns "" when cancelled (tests replace it).
        self.choose_file: Callable[[QWidget], str] = _ask_for_file
        self.ui = Form("connection_expiry.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        self.expires = self.ui.child(QCheckBox, "secret_expires")
        self.expires_on = self.ui.child(QDateEdit, "secret_expires_on")
        self.rotate = self.ui.child(QCheckBox, "rotate")
        self.rotate_by = self.ui.child(QDateEdit, "rotate_by")
        self.list = self.ui.child(QComboBox, "certificate_choice")
        self.detail = self.ui.child(QLabel, "certificate_detail")
        self.client = self.ui.child(QLineEdit, "certificate_client")
        self.system = self.ui.child(QLineEdit, "certificate_system")
        self.attach_button = self.ui.child(QPushButton, "certificate_attach")
        self.remove_button = self.ui.child(QPushButton, "certificate_remove")
        self.error = self.ui.child(QLabel, "certificate_error")
        for check, edit in ((self.expires, self.expires_on), (self.rotate, self.rotate_by)):
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(self._changed)
            edit.dateChanged.connect(self._changed)
        self.attach_button.clicked.connect(self.attach)
        self.remove_button.clicked.connect(self._remove)
        self.list.currentIndexChanged.connect(self._show_detail)
        self.set_connection(None, None, saved=False)

    def _changed(self, *_args: object) -> None:
        self.edited.emit()

    # -- dates ------------------------------------------------------------------------------

    def set_connection(
        self, expires_at: datetime | None, rotate_by: datetime | None, *, saved: bool
    ) -> None:
        """Show a connection's dates; certificates can be attached once it is saved."""
        today = QDate.currentDate()
        for check, edit, value in (
            (self.expires, self.expires_on, expires_at),
            (self.rotate, self.rotate_by, rotate_by),
        ):
            for widget in (check, edit):
                widget.blockSignals(True)
            check.setChecked(value is not None)
            edit.setEnabled(value is not None)
            day = value.astimezone(UTC) if value is not None else None
            edit.setDate(QDate(day.year, day.month, day.day) if day else today.addYears(1))
            for widget in (check, edit):
                widget.blockSignals(False)
        self.attach_button.setEnabled(saved)
        self.attach_button.setToolTip(
            "Read an X.509 certificate file (PEM, DER or a bundle) and keep its subject, "
            "issuer and expiry under cert_{CLIENT}_{SYSTEM}_{yyyymmdd}; a private key in it "
            "is never read"
            if saved
            else "Save the connection first"
        )
        self.show_error("")

    @staticmethod
    def _moment(check: QCheckBox, edit: QDateEdit) -> datetime | None:
        if not check.isChecked():
            return None
        day = edit.date()
        return datetime(day.year(), day.month(), day.day(), tzinfo=UTC)

    def expires_at(self) -> datetime | None:
        return self._moment(self.expires, self.expires_on)

    def rotate_at(self) -> datetime | None:
        return self._moment(self.rotate, self.rotate_by)

    # -- certificates -----------------------------------------------------------------------

    def show_certificates(self, certificates: list[CertificateRecord]) -> None:
        self.certificates = list(certificates)
        now = datetime.now(UTC)
        theme = current_theme()
        self.list.blockSignals(True)
        self.list.clear()
        for index, record in enumerate(self.certificates):
            stage = expiry_stage(record.not_after, now)
            self.list.addItem(f"{record.key} · {stage_text(stage, short=True)}", record.key)
            self.list.setItemData(index, record.path or record.key, Qt.ItemDataRole.ToolTipRole)
            if stage is not ExpiryStage.OK:
                color = theme.color("error" if stage is ExpiryStage.EXPIRED else "untested")
                self.list.setItemData(index, color, Qt.ItemDataRole.ForegroundRole)
        if not self.certificates:
            self.list.addItem("none attached")
        self.list.setEnabled(bool(self.certificates))
        self.list.setCurrentIndex(len(self.certificates) - 1 if self.certificates else 0)
        self.list.blockSignals(False)
        self._show_detail()

    def _show_detail(self, *_args: object) -> None:
        row = self.list.currentIndex() if self.certificates else -1
        self.remove_button.setEnabled(0 <= row < len(self.certificates))
        if not 0 <= row < len(self.certificates):
            self.detail.setText(
                "Attach the connection's X.509 certificate (PEM, DER or a bundle) to be "
                "warned before it expires."
            )
            return
        record = self.certificates[row]
        stage = expiry_stage(record.not_after, datetime.now(UTC))
        lines = [
            ("Subject", record.subject),
            ("Issuer", record.issuer),
            (
                "Valid",
                f"{record.not_before:%Y-%m-%d} → {record.not_after:%Y-%m-%d %H:%M} UTC "
                f"({stage_text(stage)})",
            ),
        ]
        self.detail.setText(
            "<br>".join(f"<b>{html.escape(k)}</b>: {html.escape(v)}" for k, v in lines)
        )
        self.detail.setToolTip(
            f"{record.key}\nSHA-256 {record.fingerprint}\nserial {record.serial}\n{record.path}"
        )

    def selected_certificate(self) -> str | None:
        row = self.list.currentIndex() if self.certificates else -1
        return self.certificates[row].key if 0 <= row < len(self.certificates) else None

    def attach(self) -> None:
        """Ask for a file and request it be attached with the codes typed."""
        client, system = self.client.text().strip(), self.system.text().strip()
        if not client or not system:
            self.show_error("Type the client and system codes of the certificate's key first")
            (self.client if not client else self.system).setFocus()
            return
        path = self.choose_file(self)
        if path:
            self.show_error("")
            self.attachRequested.emit(path, client, system)

    def _remove(self) -> None:
        key = self.selected_certificate()
        if key is not None:
            self.removeRequested.emit(key)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        set_row_visible(self.error, bool(message))
