"""Approvals before production through the service: the testing sign-off runs the suite,
and when approval is required a schedule runs only its mapping's active version."""

from __future__ import annotations

import copy
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fieldwright.domain import MappingDocument, TestCase
from fieldwright.domain.approvals import ApprovalRole, LifecycleState
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.runs import RunStatus
from fieldwright.scheduler import ExecutionEvent, OutcomeStatus, SchedulerConfig
from fieldwright.service import Approvals, InvalidRequest, NotFound, parse_role
from fieldwright.service.approvals import security_summary
from fieldwright.service.facade import Service
from fieldwright.service.scheduling import ScheduleRunner
from fieldwright.service.serve import serve_schedules
from tests.service.helpers import MAPPING_KEY, GeneratedSource, TestConnectors, simple_document
from tests.service.test_scheduling import IGNORE, schedule_for

FIRE = datetime(2025, 7, 24, 6, 30, tzinfo=UTC)
GOOD = TestCase(name="upper", input={"id": 1, "name": "ann"}, expected={"id": 1, "name": "ANN"})
BAD = TestCase(name="wrong", input={"id": 2, "name": "bo"}, expected={"id": 2, "name": "bo"})
OTHERS = [r for r in ApprovalRole if r is not ApprovalRole.TESTING_SIGNOFF]


def with_tests(*tests: TestCase) -> MappingDocument:
    return simple_document().model_copy(update={"tests": list(tests)})


def approve_and_activate(approvals: Approvals, comment: str = "") -> None:
    approvals.submit_for_review(MAPPING_KEY, comment=comment)
    for role in ApprovalRole:
        approvals.sign_off(MAPPING_KEY, role, "looks right")
    approvals.approve(MAPPING_KEY)
    approvals.activate(MAPPING_KEY)


def test_a_testing_sign_off_is_refused_on_a_failing_suite_and_records_a_passing_one(
    service: Service,
) -> None:
    approvals = service.approvals
    service.save_mapping(with_tests(GOOD, BAD), None)
    approvals.submit_for_review(MAPPING_KEY)
    with pytest.raises(InvalidRequest, match=r"refused: 1 of 2 tests fail \(wrong\)"):
        approvals.sign_off(MAPPING_KEY, "testing_signoff")
    assert approvals.lifecycle(MAPPING_KEY).sign_offs == []
    approvals.reject(MAPPING_KEY, "a test fails")

    service.save_mapping(with_tests(GOOD), 1)  # version 2: fixed
    approvals.submit_for_review(MAPPING_KEY)
    lifecycle = approvals.sign_off(MAPPING_KEY, "testing-signoff", "suite green")
    [signed] = lifecycle.sign_offs
    assert signed.version == 2 and signed.signed_by == "alice" and signed.comment == "suite green"
    assert signed.details == {
        "tests": 1,
        "passed": 1,
        "failed": 0,
        "coverage": 1.0,
        "threshold": 0.8,
    }
    assert approvals.lifecycle(MAPPING_KEY, 1).state is LifecycleState.DRAFT


def test_a_testing_sign_off_needs_tests_and_enough_coverage(service: Service) -> None:
    service.save_mapping(simple_document(), None)
    service.approvals.submit_for_review(MAPPING_KEY)
    with pytest.raises(InvalidRequest, match="has no tests; add tests first"):
        service.approvals.sign_off(MAPPING_KEY, ApprovalRole.TESTING_SIGNOFF)
    # A test that checks only a dropped record covers no target field.
    document = simple_document().model_copy(
        update={
            "filter": "id != `9`",
            "tests": [TestCase(name="dropped", input={"id": 9, "name": "x"}, expected=None)],
        }
    )
    service.save_mapping(document, 1)
    service.approvals.submit_for_review(MAPPING_KEY)
    with pytest.raises(InvalidRequest, match="below the 80% required"):
        service.approvals.sign_off(MAPPING_KEY, "testing_signoff", version=2)


def test_roles_are_named_or_listed() -> None:
    assert parse_role("Data Owner") is ApprovalRole.DATA_OWNER
    with pytest.raises(InvalidRequest, match="the roles are technical_review, data_owner"):
        parse_role("boss")


def test_the_review_queue_and_audit_follow_the_workflow(service: Service) -> None:
    approvals = service.approvals
    service.save_mapping(with_tests(GOOD), None)
    approvals.submit_for_review(MAPPING_KEY, comment="first release")
    [item] = approvals.review_queue()
    assert item.missing_roles == list(ApprovalRole)
    for role in OTHERS:
        approvals.sign_off(MAPPING_KEY, role)
    assert approvals.review_queue("alice") == []
    with pytest.raises(InvalidRequest, match="waiting for testing_signoff"):
        approvals.approve(MAPPING_KEY)
    with pytest.raises(InvalidRequest, match="say why"):
        approvals.reject(MAPPING_KEY, "  ")
    approvals.sign_off(MAPPING_KEY, ApprovalRole.TESTING_SIGNOFF)
    approvals.approve(MAPPING_KEY)
    approvals.activate(MAPPING_KEY)
    approvals.retire(MAPPING_KEY, comment="client left")
    actions = [(e.action, e.version) for e in approvals.audit(MAPPING_KEY)]
    assert actions[:3] == [("retire", 1), ("activate", 1), ("approve", 1)]
    assert actions[-1] == ("submit", 1)
    with pytest.raises(InvalidRequest, match="no version of 'mapping_GEN_OUT_TEST_20250724' is"):
        approvals.activate(MAPPING_KEY)
    with pytest.raises(NotFound):
        approvals.lifecycle("mapping_NOPE")


def test_security_review_sees_connectors_and_masked_fields(service: Service) -> None:
    document = MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": MAPPING_KEY,
            "name": "masked",
            "source": {
                "connector": {
                    "kind": "http",
                    "connection": "hubspot",
                    "credential": {"username": "hubspot-token"},
                }
            },
            "fields": [
                {"target": "$.ssn", "sources": ["$.ssn"], "transforms": [{"fn": "mask"}]},
                {"target": "$.id", "sources": ["$.id"]},
            ],
        }
    )
    service.save_mapping(document, None)
    summary = service.approvals.security_summary(MAPPING_KEY)
    assert summary["connectors"] == {
        "source": {
            "kind": "http",
            "connection": "hubspot",
            "credential": {"service": "fieldwright", "username": "hubspot-token"},
        }
    }
    assert summary["masked_fields"] == [{"target": "$.ssn", "steps": ["mask"]}]


# -- the scheduler runs only active versions when approval is required ----------------------


def _fire(service: Service, tmp_path: Path) -> tuple[OutcomeStatus, str | None, int | None]:
    schedule = service.list_schedules()[0]
    outcome = ScheduleRunner(service.runs, service.approvals)(
        schedule, FIRE, 1, threading.Event(), 60.0, IGNORE
    )
    version = None
    if outcome.run_key is not None:
        version = service.run_detail(outcome.run_key).record.mapping_version
    return outcome.status, outcome.message, version


@pytest.fixture
def scheduled(service: Service, connectors: TestConnectors, tmp_path: Path) -> Service:
    connectors.sources["gen"] = lambda: GeneratedSource(5)
    service.save_mapping(with_tests(GOOD), None)
    service.create_schedule(schedule_for("gen", tmp_path / "out.csv"))
    return service


def test_without_required_approval_schedules_run_the_latest_version(
    scheduled: Service, tmp_path: Path
) -> None:
    assert scheduled.approvals.require_approval is False
    assert _fire(scheduled, tmp_path) == (OutcomeStatus.COMPLETED, None, 1)


def test_an_unapproved_or_retired_version_never_fires(scheduled: Service, tmp_path: Path) -> None:
    approvals = scheduled.approvals
    approvals.set_require_approval(True)
    status, message, version = _fire(scheduled, tmp_path)
    assert (status, version) == (OutcomeStatus.FAILED, None)
    assert message == f"no approved active version of mapping {MAPPING_KEY!r}"
    approvals.submit_for_review(MAPPING_KEY)
    for role in ApprovalRole:
        approvals.sign_off(MAPPING_KEY, role)
    approvals.approve(MAPPING_KEY)
    assert _fire(scheduled, tmp_path)[0] is OutcomeStatus.FAILED  # approved, not active yet
    approvals.activate(MAPPING_KEY)
    assert _fire(scheduled, tmp_path)[::2] == (OutcomeStatus.COMPLETED, 1)
    approvals.retire(MAPPING_KEY)
    assert _fire(scheduled, tmp_path)[:2] == (
        OutcomeStatus.FAILED,
        f"no approved active version of mapping {MAPPING_KEY!r}",
    )


def test_a_new_draft_does_not_stop_the_active_version(scheduled: Service, tmp_path: Path) -> None:
    scheduled.approvals.set_require_approval(True)
    approve_and_activate(scheduled.approvals)
    scheduled.save_mapping(with_tests(GOOD, BAD), 1)  # an edit: version 2, a draft
    assert scheduled.approvals.lifecycle(MAPPING_KEY).state is LifecycleState.DRAFT
    assert _fire(scheduled, tmp_path)[::2] == (OutcomeStatus.COMPLETED, 1)
    assert scheduled.approvals.active_version(MAPPING_KEY) == 1


def test_run_now_of_a_schedule_runs_what_the_schedule_would(scheduled: Service) -> None:
    scheduled.approvals.set_require_approval(True)
    schedule = scheduled.list_schedules()[0]
    with pytest.raises(InvalidRequest, match="no approved active version"):
        scheduled.run_schedule_now(schedule.key)
    approve_and_activate(scheduled.approvals)
    scheduled.save_mapping(with_tests(GOOD, BAD), 1)
    result = scheduled.run_schedule_now(schedule.key).wait()
    assert result is not None
    assert scheduled.run_detail(result.key).record.mapping_version == 1


def test_serve_records_a_fire_without_an_active_version_as_failed(
    db_url: str, tmp_path: Path
) -> None:
    connectors = TestConnectors()
    connectors.sources["gen"] = lambda: GeneratedSource(3)
    with Service.open(db_url, connectors=connectors) as service:
        service.save_mapping(with_tests(GOOD), None)
        service.create_schedule(schedule_for("gen", tmp_path / "out.csv", interval_seconds=1))
        service.approvals.set_require_approval(True)
    finished: list[ExecutionEvent] = []
    fired = threading.Event()

    def on_finished(event: ExecutionEvent) -> None:
        finished.append(event)
        fired.set()

    stop = threading.Event()
    thread = threading.Thread(
        target=serve_schedules,
        args=(db_url,),
        kwargs={
            "stop_event": stop,
            "connectors": connectors,
            "config": SchedulerConfig(heartbeat_seconds=0.5),
            "on_execution_finished": on_finished,
            "drain_timeout": 10,
        },
    )
    thread.start()
    try:
        assert fired.wait(30), "no schedule fired"
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    event = finished[0]
    assert event.status is RunStatus.FAILED and event.run_key is None
    assert event.message == f"no approved active version of mapping {MAPPING_KEY!r}"
    assert not (tmp_path / "out.csv").exists()


#: A stored pipeline reading employees three ways and writing an output and two branches.
REVIEWED_PIPELINE = {
    "fieldwright_pipeline": 1,
    "key": "pipeline_HR_PAY_ACME_20261203",
    "name": "reviewed",
    "source": {"connector": {"kind": "ndjson", "settings": {"path": "/data/in.ndjson"}}},
    "target": {
        "connector": {
            "kind": "http",
            "settings": {
                "url": "https://pay.example/lines?client=acme",
                "auth": {"type": "bearer"},
            },
            "credential": {"username": "pay-token"},
        }
    },
    "steps": [
        {
            "name": "file",
            "type": "enrich",
            "source": {"kind": "csv", "settings": {"path": "/data/employees.csv"}},
            "on": {"$.emp": "$.id"},
        },
        {
            "name": "table",
            "type": "enrich",
            "source": {"kind": "sql", "connection": "hr_db", "settings": {"table": "staff"}},
            "on": {"$.emp": "$.id"},
        },
        {
            "name": "split",
            "type": "route",
            "branches": [
                {
                    "name": "big",
                    "when": "hours > `40`",
                    "steps": [
                        {
                            "name": "api",
                            "type": "enrich",
                            "mode": "lookup",
                            "source": {
                                "kind": "http",
                                "settings": {
                                    "url": "https://hr.example/e/{id}",
                                    "auth": {"type": "api_key"},
                                },
                            },
                            "on": {"$.emp": "$.id"},
                        }
                    ],
                    "target": {
                        "connector": {
                            "kind": "sql",
                            "settings": {"url": "sqlite:////data/dw.db", "table": "big"},
                        }
                    },
                },
                {
                    "name": "small",
                    "target": {"connector": {"kind": "csv", "settings": {"path": "s.csv"}}},
                },
            ],
        },
    ],
}


def test_security_review_of_a_pipeline_lists_its_enrich_sources_and_targets(
    service: Service,
) -> None:
    service.pipelines.save(PipelineDocument.model_validate(REVIEWED_PIPELINE), None)
    summary = service.approvals.security_summary("pipeline_HR_PAY_ACME_20261203")
    assert summary["enrich_sources"] == [
        {"step": "file", "pointer": "/steps/0/source", "kind": "csv", "connection": None,
         "path": "/data/employees.csv", "credential": None},
        {"step": "table", "pointer": "/steps/1/source", "kind": "sql", "connection": "hr_db",
         "table": "staff", "credential": None},
        {"step": "split/big/api", "pointer": "/steps/2/branches/0/steps/0/source",
         "kind": "http", "connection": None, "url": "https://hr.example/e/{id}",
         "auth": "api_key", "credential": None},
    ]  # fmt: skip
    assert summary["targets"] == [
        {"name": "output", "pointer": "/target", "kind": "http", "connection": None,
         "url": "https://pay.example/lines?client=acme", "auth": "bearer",
         "credential": {"service": "fieldwright", "username": "pay-token"}},
        {"name": "split/big", "pointer": "/steps/2/branches/0/target", "kind": "sql",
         "connection": None, "url": "sqlite:////data/dw.db", "table": "big", "credential": None},
        {"name": "split/small", "pointer": "/steps/2/branches/1/target", "kind": "csv",
         "connection": None, "path": "s.csv", "credential": None},
    ]  # fmt: skip
    # The store refuses a secret in a version; a document's own summary masks one.
    data = copy.deepcopy(REVIEWED_PIPELINE)
    data["target"]["connector"]["settings"]["url"] = "https://pay.example/l?api_key=s3cr3t"
    branch = data["steps"][2]["branches"][0]  # type: ignore[index]
    branch["steps"][0]["source"]["settings"]["url"] = "https://ops:pa55word@hr.example/e/{id}"
    masked = security_summary(PipelineDocument.model_validate(data))
    assert masked["targets"][0]["url"] == "https://pay.example/l?api_key=***"
    assert masked["enrich_sources"][2]["url"] == "https://ops:***@hr.example/e/{id}"
    assert "s3cr3t" not in repr(masked) and "pa55word" not in repr(masked)
    # A mapping's summary is as it was: connectors and masked fields only.
    service.save_mapping(simple_document(), None)
    assert set(service.approvals.security_summary(MAPPING_KEY)) == {"connectors", "masked_fields"}
