"""Read an X.509 certificate file: who it names, who issued it, when it stops working.

A PEM file (one certificate, or a bundle whose first certificate is the leaf,
possibly with a private key in it that is ignored and never kept) or a DER file.
`cryptography` parses it. What comes back is public: the certificate's facts and
its PEM; a private key in the same file is never read into the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from fieldwright.connectors.errors import ConnectorError

__all__ = ["CertificateError", "CertificateFacts", "read_certificate", "read_certificate_bytes"]

#: Certificate files are small; anything bigger is not one.
MAX_BYTES = 1_000_000
_PEM_BLOCK = re.compile(
    rb"-----BEGIN CERTIFICATE-----\s.*?-----END CERTIFICATE-----", re.DOTALL | re.ASCII
)


class CertificateError(ConnectorError):
    """A file is not a readable X.509 certificate; the message names the file."""


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """What a certificate says, in the words of a certificate viewer."""

    subject: str
    issuer: str
    serial: str
    fingerprint: str
    not_before: datetime
    not_after: datetime
    pem: str
    #: How many certificates the file holds (the first is the leaf read here).
    in_file: int


def _facts(cert: x509.Certificate, in_file: int) -> CertificateFacts:
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    serial = f"{cert.serial_number:X}"
    return CertificateFacts(
        subject=cert.subject.rfc4514_string() or "(empty subject)",
        issuer=cert.issuer.rfc4514_string() or "(empty issuer)",
        serial=_colons(serial),
        fingerprint=_colons(digest),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        in_file=in_file,
    )


def _colons(hexadecimal: str) -> str:
    text = hexadecimal if len(hexadecimal) % 2 == 0 else "0" + hexadecimal
    return ":".join(text[i : i + 2] for i in range(0, len(text), 2))


def read_certificate_bytes(data: bytes, *, what: str) -> CertificateFacts:
    """The first certificate of PEM or DER `data`; `what` names it in errors."""
    blocks = _PEM_BLOCK.findall(data)
    try:
        if blocks:
            return _facts(x509.load_pem_x509_certificate(blocks[0]), len(blocks))
        if b"-----BEGIN" in data:
            raise CertificateError(
                "holds no certificate (no -----BEGIN CERTIFICATE----- block); give the "
                "certificate file, not only a key or a request",
                target=what,
            )
        return _facts(x509.load_der_x509_certificate(data), 1)
    except ValueError as exc:
        raise CertificateError(
            f"is not a readable X.509 certificate (PEM or DER): {exc}", target=what
        ) from exc


def read_certificate(path: str | Path) -> CertificateFacts:
    """The certificate in the file at `path` (the leaf: the first one of a bundle)."""
    file = Path(path).expanduser()
    what = str(file)
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise CertificateError(
                f"is {size:,} bytes: too big for a certificate file", target=what
            )
        data = file.read_bytes()
    except OSError as exc:
        raise CertificateError(f"cannot be read: {exc.strerror or exc}", target=what) from exc
    if not data.strip():
        raise CertificateError("is empty", target=what)
    return read_certificate_bytes(data, what=what)
