"""Pipelines run where mappings run (issue 19, item 2): a schedule of a stored pipeline fires
it through the scheduler's runner, Run now of a schedule runs it, and a pipeline run's dead
letters are reprocessed, each from the step it failed at."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fieldwright.domain.approvals import ApprovalRole, LifecycleState
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.domain.store_models import DeadLetterRecord, ScheduleKind, ScheduleRecord
from fieldwright.engine.pipeline import compile_pipeline
from fieldwright.scheduler import OutcomeStatus
from fieldwright.service import InvalidRequest, NotFound
from fieldwright.service.facade import Service
from fieldwright.service.monitoring_models import Health
from fieldwright.service.pipeline_runs import StepEntries
from fieldwright.service.scheduling import ScheduleRunner
from fieldwright.service.stored_pipelines import import_pipeline
from tests.service.helpers import MAPPING_KEY, simple_document
from tests.service.test_stored_pipelines import KEY, write_pipeline

FIRE = datetime(2026, 12, 3, 6, 30, tzinfo=UTC)


@pytest.fixture
def stored(service: Service, db_url: str, tmp_path: Path) -> Path:
    service.save_mapping(simple_document(), None)
    folder = tmp_path / "pipe"
    folder.mkdir()
    import_pipeline(write_pipeline(folder), db_url)
    return folder


def _schedule(**changes: object) -> ScheduleRecord:
    values: dict[str, object] = {
        "key": "schedule_EMP_PAY_ACME_hourly",
        "name": "hourly",
        "mapping_key": KEY,
        "pipeline": True,
        "kind": ScheduleKind.INTERVAL,
        "interval_seconds": 3600,
    }
    return ScheduleRecord.model_validate({**values, **changes})


def test_the_runner_fires_a_pipelines_schedule_and_retries_link(
    service: Service, stored: Path
) -> None:
    schedule = service.create_schedule(_schedule())
    assert (schedule.mapping_key, schedule.pipeline) == (KEY, True)
    runner = ScheduleRunner(service.runs)
    started: list[str] = []
    first = runner(schedule, FIRE, 1, threading.Event(), 60.0, started.append)
    assert first.status is OutcomeStatus.COMPLETED, first.message
    assert first.run_key is not None and started == [first.run_key]
    assert (first.records, first.errors) == (5, 2)
    detail = service.run_detail(first.run_key)
    assert detail.record.trigger is RunTrigger.SCHEDULE
    assert (detail.record.schedule_key, detail.record.mapping_key) == (schedule.key, KEY)
    assert [step["name"] for step in detail.details["steps"]] == [
        "named",
        "team",
        "per team",
        "order",
    ]
    second = runner(schedule, FIRE, 2, threading.Event(), None, started.append)
    assert second.run_key is not None
    retry = service.run_detail(second.run_key)
    assert retry.record.trigger is RunTrigger.RETRY and retry.parent_key == first.run_key


def test_a_schedule_of_a_pipeline_runs_it_even_beside_a_mapping_of_its_key(
    service: Service, stored: Path
) -> None:
    """The schedule says pipeline: a stored mapping that happens to share the key (keys of
    mappings and pipelines are separate) is not what runs."""
    service.save_mapping(simple_document().model_copy(update={"key": KEY}), None)
    schedule = service.create_schedule(_schedule())
    recorded = threading.Event()  # set once the execution is recorded, after the run ends
    handle = service.run_schedule_now(schedule.key, on_finished=lambda _r: recorded.set())
    result = handle.wait()
    assert result is not None and result.status is RunStatus.COMPLETED, result.message
    assert "steps" in service.run_detail(result.key).details
    assert recorded.wait(30)
    [execution] = service.schedule_executions(FIRE, datetime.now(UTC) + timedelta(minutes=1))
    assert (execution.schedule_key, execution.run_key) == (schedule.key, result.key)


def test_with_approval_required_only_the_active_pipeline_version_fires(
    service: Service, db_url: str, tmp_path: Path
) -> None:
    service.save_mapping(simple_document(), None)
    tests = [
        {
            "name": "two of core",
            "input": [{"id": 1, "name": "ada"}, {"id": 2, "name": "grace"}],
            "expected": [{"team": "core", "people": 2}],
        }
    ]
    import_pipeline(write_pipeline(tmp_path, tests=tests), db_url)
    schedule = service.create_schedule(_schedule())
    approvals = service.approvals
    approvals.set_require_approval(True)
    runner = ScheduleRunner(service.runs)
    outcome = runner(schedule, FIRE, 1, threading.Event(), None, print)
    assert outcome.status is OutcomeStatus.FAILED and not outcome.transient
    assert outcome.message == f"no approved active version of pipeline '{KEY}'"
    assert service.list_runs().items == []
    with pytest.raises(InvalidRequest, match=f"pipeline '{KEY}'"):
        service.run_schedule_now(schedule.key)

    # Version 1 goes through review: every role, the testing sign-off running its tests.
    assert approvals.submit_for_review(KEY).state is LifecycleState.IN_REVIEW
    [waiting] = approvals.review_queue()
    assert (waiting.mapping_key, waiting.mapping_name, waiting.version) == (KEY, "Teams", 1)
    assert approvals.security_summary(KEY)["connectors"]["source"]["kind"] == "ndjson"
    for role in ApprovalRole:
        signed = approvals.sign_off(KEY, role)
    testing = next(s for s in signed.sign_offs if s.role is ApprovalRole.TESTING_SIGNOFF)
    assert (testing.details["passed"], testing.details["coverage"]) == (1, 1.0)
    approvals.approve(KEY)
    assert approvals.activate(KEY).state is LifecycleState.ACTIVE
    # A version 2 saved meanwhile is a draft: the schedule keeps running version 1.
    draft = service.pipelines.open(KEY).model_copy(update={"name": "Teams v2"})
    assert service.pipelines.save(draft, 1).version == 2
    fired = runner(schedule, FIRE, 1, threading.Event(), None, print)
    assert fired.status is OutcomeStatus.COMPLETED and fired.run_key is not None
    assert service.run_detail(fired.run_key).record.mapping_version == 1
    assert [e.action for e in approvals.audit(KEY)][:2] == ["activate", "approve"]


def test_a_pipeline_without_tests_cannot_be_signed_off_for_testing(
    service: Service, stored: Path
) -> None:
    service.approvals.submit_for_review(KEY)
    with pytest.raises(InvalidRequest, match="the pipeline has no tests"):
        service.approvals.sign_off(KEY, ApprovalRole.TESTING_SIGNOFF)


def test_a_schedule_of_a_pipeline_not_stored_is_refused(service: Service) -> None:
    with pytest.raises(NotFound, match="pipeline 'pipeline_nothing'"):
        service.create_schedule(_schedule(mapping_key="pipeline_nothing"))


def test_reprocess_sends_each_failed_record_on_from_its_step(
    service: Service, stored: Path
) -> None:
    result = service.start_run(KEY).wait()
    assert result is not None and result.counts.failed == 2
    # Fix what `team` missed: the record it failed on gets a team now.
    teams = stored / "teams.csv"
    teams.write_text(teams.read_text(encoding="utf-8") + "9,misc\n", encoding="utf-8")
    assert service.reprocess_blocker(result.key) is None
    again = service.reprocess(result.key).wait()
    assert again is not None and again.status is RunStatus.COMPLETED, again.message
    counts = again.counts
    # One record enters at `team` (as `named` had mapped it) and is written; the one
    # without a name enters at `named` and fails there again.
    assert (counts.read, counts.written, counts.failed) == (2, 1, 1)
    detail = service.run_detail(again.key)
    assert detail.record.trigger is RunTrigger.REPROCESS and detail.parent_key == result.key
    assert detail.details["left_out"] == 0
    steps = {step["name"]: step for step in detail.details["steps"]}
    assert (steps["named"]["received"], steps["named"]["failed"]) == (1, 1)
    assert (steps["team"]["received"], steps["team"]["emitted"]) == (1, 1)
    output = stored / f"out.{result.key}.ndjson"  # beside the original output
    assert [json.loads(line) for line in output.read_text().splitlines()] == [
        {"team": "misc", "people": 1}
    ]
    [letter] = service.dead_letters(again.key).items
    assert letter.step == "named"


def test_letters_of_a_step_the_pipeline_no_longer_has_are_left_out() -> None:
    def letter(number: int, step: str | None) -> DeadLetterRecord:
        return DeadLetterRecord(
            id=number,
            run_key="proc_x",
            error_id=f"err_{number}",
            position={"line": number},
            position_text=f"line {number}",
            reason="no",
            input={"n": number},
            occurred_at=FIRE,
            step=step,
        )

    compiled = compile_pipeline(
        PipelineDocument.model_validate(
            {
                "fieldwright_pipeline": 1,
                "key": "pipeline_T_T_X_20261203",
                "name": "t",
                "steps": [
                    {"name": "a", "type": "filter", "predicate": "n > `0`"},
                    {
                        "name": "r",
                        "type": "route",
                        "branches": [
                            {
                                "name": "x",
                                "when": "n > `1`",
                                "steps": [
                                    {"name": "a", "type": "filter", "predicate": "n > `2`"},
                                    {"name": "b", "type": "sort", "keys": [{"field": "$.n"}]},
                                ],
                                "target": {
                                    "connector": {
                                        "kind": "ndjson",
                                        "settings": {"path": "x.ndjson"},
                                    }
                                },
                            }
                        ],
                    },
                    {"name": "b", "type": "sort", "keys": [{"field": "$.n"}]},
                ],
            }
        )
    )
    letters = [
        letter(1, "a"),
        letter(2, "gone"),
        letter(3, None),
        letter(4, "b"),
        letter(5, "r/x/b"),  # inside the branch: the branch's second step
        letter(6, "r/x"),  # the branch's target refused it: to that target again
        letter(7, "r/y/a"),  # a branch the pipeline no longer has
    ]
    entries = StepEntries("proc_x", letters, compiled.steps)
    # None: straight to the sink, after the last of the 3 steps.
    assert [entries.entry(item) for item in entries] == [(0,), (3,), (2,), (1, 0, 1), (1, 0, 2)]
    assert [left.id for left in entries.left_out] == [2, 7]
    assert len(entries) == 5


def test_the_health_checks_read_a_pipelines_source(service: Service, stored: Path) -> None:
    """The dashboard checks a pipeline schedule's input file as a mapping schedule's: one
    waiting longer than the schedule allows, with no run since, fails the check."""
    service.create_schedule(_schedule(parameters={"stuck_after_seconds": 600}))
    source = stored / "in.ndjson"
    [check] = service.monitoring().checks
    assert (check.name, check.subject) == ("input files", "schedule_EMP_PAY_ACME_hourly")
    assert check.health is Health.OK and str(source) in check.detail
    old = (datetime.now(UTC) - timedelta(hours=2)).timestamp()
    os.utime(source, (old, old))
    [check] = service.monitoring().checks
    assert check.health is Health.FAILING and "in.ndjson waiting 2.0 h" in check.detail


def _routed(folder: Path, *, own_target: bool) -> Path:
    """The teams pipeline with its enrich step inside a route's branch: everyone but ada
    goes to branch `staff`, gets a team there, and goes into staff.ndjson (or, without a
    target of its own, back into the stream after the route); ada goes on untouched."""
    branch: dict[str, object] = {
        "name": "staff",
        "when": "name != 'ADA'",
        "steps": [
            {
                "name": "team",
                "type": "enrich",
                "on": {"$.id": "$.id"},
                "source": {"kind": "csv", "settings": {"path": "teams.csv"}},
                "fields": {"team": "$.team"},
                "no_match": "dead_letter",
            },
        ],
    }
    if own_target:
        branch["target"] = {"connector": {"kind": "ndjson", "settings": {"path": "staff.ndjson"}}}
    steps = [
        {"name": "named", "type": "map", "mapping": MAPPING_KEY},
        {"name": "split", "type": "route", "branches": [branch]},
        {"name": "team", "type": "sort", "keys": [{"field": "$.id"}]},  # a name used twice
    ]
    return write_pipeline(folder, steps=steps)


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("own_target", [True, False], ids=["branch target", "back after route"])
def test_reprocess_reenters_a_routes_branch_at_the_step_a_record_failed_at(
    service: Service, db_url: str, tmp_path: Path, own_target: bool
) -> None:
    service.save_mapping(simple_document(), None)
    folder = tmp_path / "pipe"
    folder.mkdir()
    import_pipeline(_routed(folder, own_target=own_target), db_url)
    result = service.start_run(KEY).wait()
    assert result is not None and result.status is RunStatus.COMPLETED, result.message
    assert (result.counts.read, result.counts.written, result.counts.failed) == (5, 3, 2)
    letters = {letter.step: letter for letter in service.dead_letters(result.key).items}
    assert set(letters) == {"named", "split/staff/team"}  # the step inside the branch
    assert "step 'split/staff/team': " in letters["split/staff/team"].reason
    staff = folder / "staff.ndjson"
    original = staff.read_text(encoding="utf-8") if own_target else None

    teams = folder / "teams.csv"
    teams.write_text(teams.read_text(encoding="utf-8") + "9,misc\n", encoding="utf-8")
    again = service.reprocess(result.key).wait()
    assert again is not None and again.status is RunStatus.COMPLETED, again.message
    # nobody re-enters the branch at `team` and is written; the record without a name
    # enters at `named` and fails there again.
    assert (again.counts.read, again.counts.written, again.counts.failed) == (2, 1, 1)
    detail = service.run_detail(again.key)
    assert detail.details["left_out"] == 0
    steps = {step["name"]: step for step in detail.details["steps"]}
    assert (steps["split"]["received"], steps["split"]["emitted"]) == (0, 0)  # not routed again
    assert (steps["split/staff/team"]["received"], steps["split/staff/team"]["emitted"]) == (1, 1)
    assert steps["team"]["received"] == (0 if own_target else 1)  # the top-level sort
    nobody = {"id": 9, "name": "NOBODY", "team": "misc"}
    output = folder / f"out.{result.key}.ndjson"
    if own_target:
        assert _lines(folder / f"staff.{result.key}.ndjson") == [nobody]
        assert staff.read_text(encoding="utf-8") == original  # the original's file is kept
        assert _lines(output) == []
    else:
        assert _lines(output) == [nobody]
    [letter] = service.dead_letters(again.key).items
    assert letter.step == "named"
