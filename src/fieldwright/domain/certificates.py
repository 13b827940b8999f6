"""Credentials that expire: a connection's certificates, and how close an expiry is.

A certificate record holds what the public certificate says (subject, issuer,
serial, SHA-256 fingerprint, validity) and where it came from (a file path);
never a private key and never a secret. Its business key is
``cert_{CLIENT}_{SYSTEM}_{yyyymmdd}``, the date being the certificate's
``not_after`` (UTC): the key says which certificate it is and when it stops
working, and a renewed certificate gets a new key.

`expiry_stage` turns an expiry moment into the warning stage the dashboard,
``fieldwright status`` and the app's notices share: 30, 7 and 1 days before,
and expired.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "WARNING_DAYS",
    "CertificateRecord",
    "CredentialExpiry",
    "ExpiryKind",
    "ExpiryStage",
    "certificate_key",
    "expiry_stage",
]

#: The days before an expiry at which a warning starts (each is its own notice).
WARNING_DAYS = (30, 7, 1)
_CODE = re.compile(r"[^A-Za-z0-9]+")


class ExpiryStage(StrEnum):
    """How close an expiry is: ``ok`` (more than 30 days), within 30, 7 or 1 day(s), expired."""

    OK = "ok"
    DAYS_30 = "30d"
    DAYS_7 = "7d"
    DAYS_1 = "1d"
    EXPIRED = "expired"


class ExpiryKind(StrEnum):
    """What expires: the connection's secret, the date it should be rotated by, a certificate."""

    SECRET = "secret"
    ROTATION = "rotation"
    CERTIFICATE = "certificate"


def expiry_stage(at: datetime, now: datetime) -> ExpiryStage:
    """The warning stage of something that expires at `at`, seen at `now`."""
    left = at - now
    if left <= timedelta(0):
        return ExpiryStage.EXPIRED
    for days, stage in zip(
        sorted(WARNING_DAYS),
        (ExpiryStage.DAYS_1, ExpiryStage.DAYS_7, ExpiryStage.DAYS_30),
        strict=True,
    ):
        if left <= timedelta(days=days):
            return stage
    return ExpiryStage.OK


def _code(text: str, what: str) -> str:
    code = _CODE.sub("_", text.strip()).strip("_").upper()
    if not code:
        raise ValueError(f"a certificate needs a {what} code (letters and digits, e.g. ACME)")
    return code[:60]


def certificate_key(client: str, system: str, not_after: datetime) -> str:
    """``cert_{CLIENT}_{SYSTEM}_{yyyymmdd}`` with the certificate's expiry date (UTC)."""
    stamp = not_after.strftime("%Y%m%d")
    return f"cert_{_code(client, 'client')}_{_code(system, 'system')}_{stamp}"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class CertificateRecord(_Record):
    """A connection's X.509 certificate as read from its file: public facts only."""

    key: str = Field(min_length=1)
    connection: str = Field(min_length=1)
    client: str
    system: str
    #: The file it was read from (None when only its PEM was given).
    path: str | None = None
    subject: str
    issuer: str
    #: Hexadecimal, as certificate viewers show it.
    serial: str
    #: SHA-256 of the DER encoding, hexadecimal with colons.
    fingerprint: str
    not_before: datetime
    not_after: datetime
    #: The public certificate in PEM (never a private key).
    pem: str = ""


class CredentialExpiry(_Record):
    """One expiry of one connection, judged at a moment."""

    connection: str
    kind: ExpiryKind
    at: datetime
    stage: ExpiryStage
    #: The certificate's key for a certificate; None for the secret and its rotation date.
    certificate: str | None = None

    @property
    def what(self) -> str:
        if self.kind is ExpiryKind.CERTIFICATE:
            return f"certificate {self.certificate}"
        if self.kind is ExpiryKind.ROTATION:
            return "secret's rotation date"
        return "secret"

    def describe(self, now: datetime) -> str:
        """``secret of connection crm expires in 6 days (2026-12-09 00:00 UTC)`` and so on."""
        when = self.at.strftime("%Y-%m-%d %H:%M UTC")
        owner = f"connection {self.connection!r}"
        left = self.at - now
        if self.kind is ExpiryKind.ROTATION:
            if left <= timedelta(0):
                return f"the secret of {owner} was due for rotation on {when}"
            return f"the secret of {owner} is due for rotation in {_span(left)} ({when})"
        if left <= timedelta(0):
            return f"the {self.what} of {owner} expired on {when}"
        return f"the {self.what} of {owner} expires in {_span(left)} ({when})"


def _span(left: timedelta) -> str:
    if left >= timedelta(days=2):
        return f"{left.days} days"
    hours = int(left.total_seconds() // 3600)
    if hours >= 1:
        return f"{hours} hour(s)"
    return f"{max(1, int(left.total_seconds() // 60))} minute(s)"
