"""Schedules and executions, templates and instances, connections, test results."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from fieldwright.domain import FORMAT_VERSION, MappingDocument, TestCase
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import (
    Backoff,
    ConnectionRecord,
    DeploymentStatus,
    MissedRunPolicy,
    RetryPolicy,
    ScheduleExecutionRecord,
    ScheduleKind,
    ScheduleRecord,
    TemplateInstanceRecord,
    TemplateRecord,
    TestResultRecord,
    TestStatus,
)
from fieldwright.store import (
    Conflict,
    ConnectionRepository,
    InvalidRecord,
    MappingRepository,
    MappingTestRepository,
    NotFound,
    RunRepository,
    ScheduleRepository,
    Store,
    TemplateRepository,
)

KEY = "mapping_QBT_WFN_ACME_20250724"
NOW = datetime(2025, 7, 24, 12, 0, tzinfo=UTC)


def _mapping(store: Store, *tests: TestCase) -> None:
    MappingRepository(store).save_mapping(
        MappingDocument(fieldwright=FORMAT_VERSION, key=KEY, name="m", tests=list(tests))
    )


def _schedule(key: str, **changes: object) -> ScheduleRecord:
    values: dict[str, object] = {
        "key": key,
        "name": "Nightly",
        "mapping_key": KEY,
        "kind": ScheduleKind.CRON,
        "cron": "0 3 * * *",
        "timezone": "America/New_York",
        "start_date": date(2025, 7, 1),
        "retry": RetryPolicy(max_attempts=5, backoff=Backoff.LINEAR),
        "missed_run_policy": MissedRunPolicy.SKIP,
        "next_run_at": NOW + timedelta(hours=1),
    }
    values.update(changes)
    return ScheduleRecord.model_validate(values)


def test_schedule_crud_due_and_executions(store: Store) -> None:
    _mapping(store)
    repo = ScheduleRepository(store)
    created = repo.create(_schedule("sched_QBT_WFN_ACME_nightly"))
    assert created.retry.max_attempts == 5 and created.timezone == "America/New_York"
    repo.create(
        _schedule(
            "sched_QBT_WFN_ACME_times",
            kind=ScheduleKind.FIXED_TIME,
            cron=None,
            fixed_times=[time(8, 30), time(17, 0)],
            next_run_at=NOW - timedelta(minutes=5),
        )
    )
    repo.create(_schedule("sched_inactive", active=False, next_run_at=NOW - timedelta(days=1)))
    with pytest.raises(Conflict):
        repo.create(_schedule("sched_QBT_WFN_ACME_nightly"))
    with pytest.raises(NotFound, match="mapping 'mapping_nope'"):
        repo.create(_schedule("sched_x", mapping_key="mapping_nope"))

    assert [s.key for s in repo.due(NOW)] == ["sched_QBT_WFN_ACME_times"]
    assert repo.get("sched_QBT_WFN_ACME_times").fixed_times == [time(8, 30), time(17, 0)]
    assert [s.key for s in repo.list_schedules(active_only=True)] == [
        "sched_QBT_WFN_ACME_times",
        "sched_QBT_WFN_ACME_nightly",
    ]
    updated = repo.update(created.model_copy(update={"cron": "0 4 * * *", "concurrent_runs": True}))
    assert updated.cron == "0 4 * * *" and updated.concurrent_runs
    repo.set_next_run("sched_QBT_WFN_ACME_nightly", NOW - timedelta(seconds=1), last_run_at=NOW)
    assert {s.key for s in repo.due(NOW)} == {
        "sched_QBT_WFN_ACME_times",
        "sched_QBT_WFN_ACME_nightly",
    }

    RunRepository(store).start_run("proc_1", mapping_key=KEY)
    execution = repo.record_execution(
        ScheduleExecutionRecord(
            schedule_key="sched_QBT_WFN_ACME_nightly", scheduled_at=NOW, run_key="proc_1"
        )
    )
    assert execution.id is not None
    repo.record_execution(
        execution.model_copy(update={"status": RunStatus.COMPLETED, "ended_at": NOW})
    )
    repo.record_execution(
        ScheduleExecutionRecord(
            schedule_key="sched_QBT_WFN_ACME_nightly", scheduled_at=NOW + timedelta(days=1)
        )
    )
    listed = repo.executions("sched_QBT_WFN_ACME_nightly")
    assert [e.scheduled_at for e in listed] == [NOW + timedelta(days=1), NOW]
    assert listed[1].status is RunStatus.COMPLETED and listed[1].run_key == "proc_1"
    assert len(repo.executions("sched_QBT_WFN_ACME_nightly", since=NOW + timedelta(hours=1))) == 1

    repo.delete("sched_inactive")
    with pytest.raises(NotFound):
        repo.get("sched_inactive")


def test_a_schedule_needs_the_setting_of_its_kind() -> None:
    with pytest.raises(ValidationError, match="cron expression"):
        _schedule("s", cron=None)
    with pytest.raises(ValidationError, match="interval_seconds"):
        _schedule("s", kind=ScheduleKind.INTERVAL)


def test_templates_and_instances(store: Store) -> None:
    _mapping(store)
    repo = TemplateRepository(store)
    body = {"source": {"fields": []}, "fields": [{"target": "$.id", "sources": ["$.id"]}]}
    repo.create(
        TemplateRecord(
            code="template_QBT_WFN", name="QuickBooks Time → WFN", category="hr", document=body
        )
    )
    repo.create(
        TemplateRecord(
            code="template_QBT_WFN",
            name="QuickBooks Time → WFN",
            category="hr",
            version="2",
            certified=True,
        )
    )
    repo.create(TemplateRecord(code="template_HS_CRM", name="HubSpot → CRM", category="sales"))
    with pytest.raises(Conflict, match="already exists"):
        repo.create(TemplateRecord(code="template_HS_CRM", name="again"))
    assert repo.get("template_QBT_WFN", "1").document == body
    assert repo.get("template_QBT_WFN").version == "2"
    assert [t.code for t in repo.list_templates(category="hr")] == ["template_QBT_WFN"] * 2
    assert [t.version for t in repo.list_templates(certified_only=True)] == ["2"]
    assert [t.code for t in repo.list_templates(search="hubspot")] == ["template_HS_CRM"]
    repo.update(repo.get("template_HS_CRM").model_copy(update={"active": False}))
    assert [t.code for t in repo.list_templates(search="hubspot")] == []

    instance = repo.add_instance(
        TemplateInstanceRecord(
            template_code="template_QBT_WFN",
            template_version="1",
            name="ACME",
            mapping_key=KEY,
            customizations={"client": "ACME"},
            status=DeploymentStatus.TESTING,
        )
    )
    assert instance.id is not None
    [stored] = repo.instances("template_QBT_WFN")
    assert stored.mapping_key == KEY and stored.customizations == {"client": "ACME"}
    assert repo.delete("template_QBT_WFN") == 2
    assert repo.instances("template_QBT_WFN") == []


def test_connections_keep_secrets_out(store: Store) -> None:
    repo = ConnectionRepository(store)
    record = ConnectionRecord(
        name="adp_prod",
        kind="http",
        settings={"base_url": "https://api.example.invalid"},
        keyring_service="fieldwright",
        keyring_username="adp_prod",
    )
    assert repo.create(record) == record
    with pytest.raises(InvalidRecord, match=r"auth\.password.*keyring"):
        repo.update(record.model_copy(update={"settings": {"auth": {"password": "hunter2"}}}))
    assert repo.get("adp_prod").settings == {"base_url": "https://api.example.invalid"}
    with pytest.raises(Conflict):
        repo.create(record)
    assert [c.name for c in repo.list_connections(kind="http")] == ["adp_prod"]
    repo.delete("adp_prod")
    assert repo.list_connections() == []


def test_test_results_are_recorded_and_survive_removing_the_test(store: Store) -> None:
    case = TestCase(name="happy path", input={"id": 1}, expected={"id": 1})
    _mapping(store, case, TestCase(name="edge", input={}, expected=None))
    repo = MappingTestRepository(store)
    assert [(t.name, t.last_status) for t in repo.tests(KEY)] == [
        ("edge", TestStatus.PENDING),
        ("happy path", TestStatus.PENDING),
    ]
    repo.record_results(
        KEY,
        [
            TestResultRecord(
                test_name="happy path",
                mapping_version=1,
                status=TestStatus.FAILED,
                actual_output={"id": 2},
                execution_time_ms=3,
                error_message="$.id: 2 ≠ 1",
                run_at=NOW,
            ),
            TestResultRecord(
                test_name="happy path",
                mapping_version=1,
                status=TestStatus.PASSED,
                actual_output={"id": 1},
                execution_time_ms=2,
                run_at=NOW + timedelta(minutes=1),
            ),
        ],
    )
    with pytest.raises(NotFound, match="no test 'nope'"):
        repo.record_results(
            KEY, [TestResultRecord(test_name="nope", mapping_version=1, status=TestStatus.PASSED)]
        )
    results = repo.results(KEY, "happy path")
    assert [r.status for r in results] == [TestStatus.PASSED, TestStatus.FAILED]
    assert results[1].actual_output == {"id": 2} and results[1].error_message == "$.id: 2 ≠ 1"
    # A new version without the test: it goes inactive, its results stay.
    MappingRepository(store).save_mapping(
        MappingDocument(fieldwright=FORMAT_VERSION, key=KEY, name="m"), base_version=1
    )
    assert repo.tests(KEY) == []
    [kept] = repo.tests(KEY, include_inactive=True)[1:]
    assert kept.name == "happy path" and not kept.active and kept.last_status is TestStatus.PASSED
    assert len(repo.results(KEY)) == 2
