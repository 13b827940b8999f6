"""Self-signed X.509 certificates made in the test that needs one (never committed key
material): a short-lived EC key, a certificate valid from `not_before` to `not_after`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["make_certificate", "write_certificate"]


def make_certificate(
    common_name: str = "api.acme.test",
    *,
    not_after: datetime | None = None,
    days: float = 90,
    not_before: datetime | None = None,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    start = not_before or datetime.now(UTC) - timedelta(days=1)
    end = not_after or datetime.now(UTC) + timedelta(days=days)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme Test"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def write_certificate(
    path: Path,
    *,
    der: bool = False,
    with_key: bool = False,
    chain: int = 0,
    **options: object,
) -> x509.Certificate:
    """Write a certificate to `path` (PEM, or DER); `with_key` appends its private key (as
    some bundles do), `chain` appends that many more certificates after the leaf."""
    certificate, key = make_certificate(**options)  # type: ignore[arg-type]
    if der:
        path.write_bytes(certificate.public_bytes(serialization.Encoding.DER))
        return certificate
    data = certificate.public_bytes(serialization.Encoding.PEM)
    for n in range(chain):
        other, _ = make_certificate(f"intermediate-{n}.test")
        data += other.public_bytes(serialization.Encoding.PEM)
    if with_key:
        data += key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    path.write_bytes(data)
    return certificate
