"""Reading X.509 certificate files: PEM, DER, bundles; a bad file names itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from fieldwright.connectors import CertificateError, read_certificate
from tests.certs import write_certificate

END = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def test_a_pem_certificate_gives_its_subject_issuer_serial_fingerprint_and_validity(
    tmp_path: Path,
) -> None:
    path = tmp_path / "client.pem"
    certificate = write_certificate(path, common_name="api.acme.test", not_after=END)
    facts = read_certificate(path)
    assert facts.subject == "O=Acme Test,CN=api.acme.test" and facts.issuer == facts.subject
    assert facts.not_after == END and facts.not_before < END
    assert facts.serial.replace(":", "") == f"{certificate.serial_number:X}".zfill(
        len(facts.serial.replace(":", ""))
    )
    digest = certificate.fingerprint(hashes.SHA256()).hex().upper()
    assert facts.fingerprint.replace(":", "") == digest
    assert facts.pem.startswith("-----BEGIN CERTIFICATE-----") and facts.in_file == 1


def test_a_der_file_reads_like_its_pem(tmp_path: Path) -> None:
    write_certificate(tmp_path / "client.der", der=True, not_after=END)
    facts = read_certificate(tmp_path / "client.der")
    assert facts.not_after == END and "CN=api.acme.test" in facts.subject


def test_a_bundle_gives_its_first_certificate_and_never_its_private_key(tmp_path: Path) -> None:
    path = tmp_path / "bundle.pem"
    write_certificate(path, not_after=END, chain=2, with_key=True)
    facts = read_certificate(path)
    assert facts.not_after == END and facts.in_file == 3
    assert "PRIVATE KEY" not in facts.pem and facts.pem.count("BEGIN CERTIFICATE") == 1


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "is empty"),
        (b"not a certificate at all", "not a readable X.509 certificate"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "holds no certificate"),
        (
            b"-----BEGIN CERTIFICATE-----\nbm90IGRlcg==\n-----END CERTIFICATE-----\n",
            "not a readable X.509 certificate",
        ),
    ],
)
def test_a_file_that_is_not_a_certificate_is_refused_naming_it(
    tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "odd.pem"
    path.write_bytes(content)
    with pytest.raises(CertificateError) as raised:
        read_certificate(path)
    assert str(path) in str(raised.value) and says in str(raised.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CertificateError, match=r"gone\.pem: cannot be read"):
        read_certificate(tmp_path / "gone.pem")
