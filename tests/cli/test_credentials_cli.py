"""`fieldwright credentials` and the expiry warnings of `fieldwright status`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner, Result

from fieldwright.cli.main import cli
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service import Service
from tests.certs import write_certificate


def fieldwright(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_dates_and_certificates_are_set_listed_and_warned_on(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Service.open(url) as service:
        service.connections.save(ConnectionRecord(name="crm", kind="http", settings={}))
    soon = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    done = fieldwright("credentials", "set", "crm", "--expires", soon, "-d", url)
    assert done.exit_code == 0, done.output
    assert json.loads(done.output.split(": ", 1)[1])["expires_at"].startswith(soon)
    end = datetime.now(UTC) + timedelta(days=3)
    write_certificate(tmp_path / "crm.pem", not_after=end)
    attached = fieldwright(
        "credentials", "attach", "crm", tmp_path / "crm.pem", "--client", "ACME",
        "--system", "QBT", "-d", url,
    )  # fmt: skip
    key = f"cert_ACME_QBT_{end:%Y%m%d}"
    assert attached.exit_code == 0, attached.output
    assert attached.output.startswith(f"{key}: O=Acme Test,CN=api.acme.test")
    listed = fieldwright("credentials", "list", "-d", url)
    assert listed.exit_code == 0, listed.output
    first, second = listed.output.splitlines()
    assert first.startswith("7d") and key in first and "expires in 2 days" in first
    assert second.startswith("30d") and "secret" in second
    status = fieldwright("status", "-d", url)
    assert status.exit_code == 0 and ": WARNING" in status.output.splitlines()[0]
    assert "credential expiry" in status.output and key in status.output
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    fieldwright("credentials", "set", "crm", "--expires", past, "-d", url)
    status = fieldwright("status", "--json", "-d", url)
    assert status.exit_code == 1
    summary = json.loads(status.output)
    assert summary["health"] == "failing"
    assert any("secret of connection 'crm' expired" in p for p in summary["problems"])
    as_json = fieldwright("credentials", "list", "--json", "-d", url)
    assert as_json.exit_code == 1
    assert [e["stage"] for e in json.loads(as_json.output)] == ["expired", "7d"]
    cleared = fieldwright("credentials", "set", "crm", "--expires", "none", "-d", url)
    assert json.loads(cleared.output.split(": ", 1)[1])["expires_at"] is None
    assert fieldwright("credentials", "detach", key, "-d", url).exit_code == 0
    assert "No connection" in fieldwright("credentials", "list", "-d", url).output


def test_bad_input_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Service.open(url) as service:
        service.connections.save(ConnectionRecord(name="crm", kind="http", settings={}))
    bad_date = fieldwright("credentials", "set", "crm", "--expires", "soon", "-d", url)
    assert bad_date.exit_code == 2 and "'soon' is not a date" in bad_date.output
    (tmp_path / "odd.pem").write_text("nope")
    bad_file = fieldwright(
        "credentials", "attach", "crm", tmp_path / "odd.pem", "--client", "A", "--system",
        "B", "-d", url,
    )  # fmt: skip
    assert bad_file.exit_code == 2 and "odd.pem" in bad_file.output
    assert "Traceback" not in bad_file.output
    missing = fieldwright("credentials", "set", "nope", "--expires", "none", "-d", url)
    assert missing.exit_code == 2 and "nope" in missing.output
