"""Expiring credentials through the façade: dates, certificates and their cert_ keys, the
30/7/1-day warnings in the monitoring summary, and runs refused on an expired one."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fieldwright.domain import ConnectorRef, CredentialRef
from fieldwright.domain.certificates import ExpiryKind, ExpiryStage, expiry_stage
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.scheduler import OutcomeStatus
from fieldwright.service import CredentialProblem, DataError, Health, InvalidRequest, Service
from fieldwright.service.scheduling import ScheduleRunner
from tests.certs import write_certificate
from tests.service.helpers import (
    GeneratedSource,
    TestConnectors,
    csv_target,
    simple_document,
    test_source,
)
from tests.service.test_scheduling import FIRE, IGNORE, schedule_for

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("left", "stage"),
    [
        (timedelta(days=31), ExpiryStage.OK),
        (timedelta(days=30), ExpiryStage.DAYS_30),
        (timedelta(days=8), ExpiryStage.DAYS_30),
        (timedelta(days=7), ExpiryStage.DAYS_7),
        (timedelta(days=1, seconds=1), ExpiryStage.DAYS_7),
        (timedelta(hours=23), ExpiryStage.DAYS_1),
        (timedelta(0), ExpiryStage.EXPIRED),
        (-timedelta(days=3), ExpiryStage.EXPIRED),
    ],
)
def test_warning_stages_are_30_7_and_1_days_and_expired(
    left: timedelta, stage: ExpiryStage
) -> None:
    assert expiry_stage(NOW + left, NOW) is stage


def test_a_certificate_gets_its_cert_key_from_client_system_and_expiry(
    service: Service, tmp_path: Path
) -> None:
    service.connections.save(ConnectionRecord(name="crm", kind="http", settings={}))
    end = datetime(2027, 3, 1, 12, tzinfo=UTC)
    write_certificate(tmp_path / "crm.pem", not_after=end, with_key=True)
    attached = service.connections.attach_certificate(
        "crm", tmp_path / "crm.pem", client="acme", system="QBT"
    )
    assert attached.key == "cert_ACME_QBT_20270301" and attached.not_after == end
    assert attached.path == str((tmp_path / "crm.pem").resolve())
    assert "PRIVATE KEY" not in attached.pem
    # the same file again keeps its key; another certificate expiring that day gets _2
    again = service.connections.attach_certificate(
        "crm", tmp_path / "crm.pem", client="ACME", system="QBT"
    )
    assert again.key == attached.key
    write_certificate(tmp_path / "renewed.pem", not_after=end)
    other = service.connections.attach_certificate(
        "crm", tmp_path / "renewed.pem", client="ACME", system="QBT"
    )
    assert other.key == "cert_ACME_QBT_20270301_2"
    assert [c.key for c in service.connections.certificates("crm")] == [
        "cert_ACME_QBT_20270301",
        "cert_ACME_QBT_20270301_2",
    ]
    service.connections.remove_certificate(other.key)
    assert len(service.connections.certificates()) == 1


def test_a_bad_certificate_or_missing_codes_are_refused_naming_what(
    service: Service, tmp_path: Path
) -> None:
    service.connections.save(ConnectionRecord(name="crm", kind="http", settings={}))
    (tmp_path / "odd.pem").write_text("hello")
    with pytest.raises(DataError, match=r"odd\.pem"):
        service.connections.attach_certificate("crm", tmp_path / "odd.pem", client="A", system="B")
    write_certificate(tmp_path / "ok.pem")
    with pytest.raises(InvalidRequest, match="client code"):
        service.connections.attach_certificate("crm", tmp_path / "ok.pem", client=" ", system="B")
    assert service.connections.certificates() == []


def test_expiries_warn_in_the_monitoring_summary_and_fail_it_once_expired(
    service: Service, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    service.connections.save(ConnectionRecord(name="crm", kind="http", settings={}))
    service.connections.save(ConnectionRecord(name="erp", kind="http", settings={}))
    service.connections.set_expiry(
        "crm", expires_at=now + timedelta(days=6), rotate_by=now - timedelta(days=1)
    )
    write_certificate(tmp_path / "erp.pem", not_after=now + timedelta(days=20))
    service.connections.attach_certificate("erp", tmp_path / "erp.pem", client="ACME", system="ERP")
    expiries = service.connections.expiries()
    assert [(e.connection, e.kind, e.stage) for e in expiries] == [
        ("crm", ExpiryKind.ROTATION, ExpiryStage.EXPIRED),
        ("crm", ExpiryKind.SECRET, ExpiryStage.DAYS_7),
        ("erp", ExpiryKind.CERTIFICATE, ExpiryStage.DAYS_30),
    ]
    summary = service.monitoring()
    checks = [c for c in summary.checks if c.name == "credential expiry"]
    assert [(c.subject, c.health) for c in checks] == [
        ("crm", Health.WARNING),
        ("crm", Health.WARNING),
        ("erp", Health.WARNING),
    ]
    assert "due for rotation" in checks[0].detail and "expires in 5 days" in checks[1].detail
    assert summary.health is Health.WARNING  # a rotation date passed: the secret still works
    service.connections.set_expiry("crm", expires_at=now - timedelta(hours=1), rotate_by=None)
    summary = service.monitoring()
    assert summary.health is Health.FAILING
    assert any("crm: The secret of connection 'crm' expired on" in p for p in summary.problems)


def _crm_source() -> ConnectorRef:
    ref = test_source("gen")
    return ref.model_copy(update={"connection": "crm"})


def test_a_run_using_an_expired_credential_is_refused_before_it_starts(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    connectors.sources["gen"] = lambda: GeneratedSource(5)
    service.connections.save(ConnectionRecord(name="crm", kind="test", settings={}))
    end = datetime.now(UTC) - timedelta(minutes=5)
    write_certificate(tmp_path / "crm.pem", not_after=end, not_before=end - timedelta(days=90))
    key = service.connections.attach_certificate(
        "crm", tmp_path / "crm.pem", client="ACME", system="CRM"
    ).key
    out = tmp_path / "out.csv"
    with pytest.raises(CredentialProblem) as refused:
        service.start_run(simple_document(), source=_crm_source(), target=csv_target(out))
    message = str(refused.value)
    assert f"certificate {key} of connection 'crm' expired on" in message
    assert "not started" in message
    assert not out.exists() and service.list_runs().items == []
    # a connector that names the connection only through its keyring entry is caught too
    by_secret = test_source("gen").model_copy(
        update={"credential": CredentialRef(service="fieldwright", username="connection:crm")}
    )
    with pytest.raises(CredentialProblem, match="'crm'"):
        service.start_run(simple_document(), source=by_secret, target=csv_target(out))
    # a schedule's fire fails with the reason, not retried, and no run exists
    service.save_mapping(simple_document(), None)
    schedule = service.create_schedule(schedule_for("gen", out))
    schedule = service.update_schedule(
        schedule.model_copy(
            update={
                "parameters": {
                    **schedule.parameters,
                    "source": _crm_source().model_dump(mode="json"),
                }
            }
        )
    )
    outcome = ScheduleRunner(service.runs)(schedule, FIRE, 1, threading.Event(), None, IGNORE)
    assert outcome.status is OutcomeStatus.FAILED and not outcome.transient
    assert outcome.run_key is None and key in (outcome.message or "")
    # renewed: the run goes ahead
    service.connections.remove_certificate(key)
    handle = service.start_run(simple_document(), source=_crm_source(), target=csv_target(out))
    result = handle.wait(30)
    assert result is not None and result.counts.written == 5
