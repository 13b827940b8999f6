"""Schedules of stored pipelines (issue 19 item 2, revision 0008): a schedule names a mapping
or a pipeline, never both; upgrading from 0007 keeps schedules, their executions and their
runs' links. On SQLite and, with FIELDWRIGHT_TEST_PG_URL, PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from fieldwright.domain import FORMAT_VERSION, MappingDocument
from fieldwright.domain.approvals import ApprovalRole, LifecycleState
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import ScheduleExecutionRecord, ScheduleKind, ScheduleRecord
from fieldwright.store import (
    LifecycleRepository,
    MappingRepository,
    NotFound,
    PipelineRepository,
    ScheduleRepository,
    Store,
)
from fieldwright.store.migrate import run_upgrade
from fieldwright.store.monitoring import MonitoringRepository

PIPELINE = "pipeline_TS_PAY_ACME_20261203"
MAPPING = "mapping_TS_PAY_ACME_20261203"
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
SQL_NOW = "'2026-12-03 07:00:00'"


def _pipeline(store: Store, key: str = PIPELINE) -> None:
    PipelineRepository(store).save_pipeline(
        PipelineDocument.model_validate(
            {
                "fieldwright_pipeline": 1,
                "key": key,
                "name": "Pay lines",
                "steps": [{"name": "busy", "type": "filter", "predicate": "hours > 0"}],
            }
        )
    )


def _mapping(store: Store) -> None:
    MappingRepository(store).save_mapping(
        MappingDocument(fieldwright=FORMAT_VERSION, key=MAPPING, name="m")
    )


def _schedule(key: str, runs: str, *, pipeline: bool, **changes: object) -> ScheduleRecord:
    values: dict[str, object] = {
        "key": key,
        "name": "Nightly",
        "mapping_key": runs,
        "pipeline": pipeline,
        "kind": ScheduleKind.INTERVAL,
        "interval_seconds": 3600,
        "next_run_at": NOW,
    }
    return ScheduleRecord.model_validate({**values, **changes})


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url, user="alice") as opened:
        yield opened


def test_a_schedule_runs_a_pipeline_or_a_mapping(store: Store) -> None:
    _pipeline(store)
    _mapping(store)
    repo = ScheduleRepository(store)
    made = repo.create(_schedule("schedule_pay_nightly", PIPELINE, pipeline=True))
    assert (made.mapping_key, made.pipeline) == (PIPELINE, True)
    repo.create(_schedule("schedule_map_nightly", MAPPING, pipeline=False))
    listed = {s.key: (s.mapping_key, s.pipeline) for s in repo.list_schedules()}
    assert listed == {
        "schedule_pay_nightly": (PIPELINE, True),
        "schedule_map_nightly": (MAPPING, False),
    }
    assert [s.key for s in repo.list_schedules(mapping_key=PIPELINE)] == ["schedule_pay_nightly"]
    assert {s.key for s in repo.due(NOW)} == {"schedule_pay_nightly", "schedule_map_nightly"}
    # The pipeline's schedule turns into the mapping's and back: one of the two, never both.
    repo.update(made.model_copy(update={"mapping_key": MAPPING, "pipeline": False}))
    assert repo.get("schedule_pay_nightly").pipeline is False
    repo.update(made)
    assert repo.get("schedule_pay_nightly").mapping_key == PIPELINE
    # The dashboard's schedule activity lists both, with what each runs.
    activity = MonitoringRepository(store).schedule_activity(NOW - timedelta(days=1), NOW)
    assert {a.schedule_key: a.mapping_key for a in activity} == {
        "schedule_pay_nightly": PIPELINE,
        "schedule_map_nightly": MAPPING,
    }


def test_a_schedule_of_a_pipeline_not_stored_is_refused_naming_it(store: Store) -> None:
    _mapping(store)  # a mapping of that key does not make it a pipeline
    with pytest.raises(NotFound, match="pipeline 'pipeline_missing'"):
        ScheduleRepository(store).create(_schedule("schedule_x", "pipeline_missing", pipeline=True))
    with pytest.raises(NotFound, match=f"pipeline '{MAPPING}'"):
        ScheduleRepository(store).create(_schedule("schedule_x", MAPPING, pipeline=True))


def test_pipeline_versions_have_lifecycles_beside_mappings_versions(store: Store) -> None:
    """The same version number of a mapping and of a pipeline are separate lifecycles; a
    key names the mapping before a pipeline of the same key."""
    _pipeline(store)
    _mapping(store)
    repo = LifecycleRepository(store)
    for key in (PIPELINE, MAPPING):
        repo.change("submit", key, 1)
        repo.change("sign_off", key, 1, role=ApprovalRole.DATA_OWNER)
    repo.change("reject", MAPPING, 1, comment="not yet")
    assert repo.lifecycle(PIPELINE, 1).state is LifecycleState.IN_REVIEW
    assert [s.role for s in repo.lifecycle(PIPELINE, 1).sign_offs] == [ApprovalRole.DATA_OWNER]
    assert repo.lifecycle(MAPPING, 1).sign_offs == []
    assert [(i.mapping_key, i.mapping_name) for i in repo.review_queue()] == [
        (PIPELINE, "Pay lines")
    ]
    with pytest.raises(NotFound, match="pipeline 'pipeline_TS_PAY_ACME_20261203' has no version 2"):
        repo.lifecycle(PIPELINE, 2)
    PipelineRepository(store).delete_pipeline(PIPELINE)  # its lifecycle goes with it
    assert repo.review_queue() == []


def test_deleting_a_pipeline_deletes_its_schedules_and_executions(store: Store) -> None:
    _pipeline(store)
    repo = ScheduleRepository(store)
    repo.create(_schedule("schedule_pay_nightly", PIPELINE, pipeline=True))
    repo.record_execution(
        ScheduleExecutionRecord(schedule_key="schedule_pay_nightly", scheduled_at=NOW)
    )
    PipelineRepository(store).delete_pipeline(PIPELINE)
    assert repo.list_schedules() == []
    assert repo.executions_between(None, None) == []


def test_the_database_refuses_a_schedule_naming_both_or_neither(store: Store) -> None:
    _pipeline(store)
    _mapping(store)
    ScheduleRepository(store).create(_schedule("schedule_pay_nightly", PIPELINE, pipeline=True))
    both = "mapping_id = (SELECT id FROM mappings), pipeline_id = (SELECT id FROM pipelines)"
    for columns in (both, "mapping_id = NULL, pipeline_id = NULL"):
        with (
            pytest.raises(IntegrityError, match="mapping_or_pipeline"),
            store.engine.begin() as connection,
        ):
            connection.execute(text(f"UPDATE schedules SET {columns}"))


def test_upgrading_from_0007_keeps_schedules_executions_and_run_links(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as connection:
        run_upgrade(connection, "0007")
        audit = f"{SQL_NOW}, 'carol', {SQL_NOW}, 'carol'"
        connection.execute(
            text(
                "INSERT INTO mappings (key, name, description, latest_version, field_count, "
                f"created_at, created_by, updated_at, updated_by) VALUES ('{MAPPING}', 'm', '', "
                f"1, 0, {audit})"
            )
        )
        connection.execute(
            text(
                "INSERT INTO schedules (key, name, mapping_id, kind, interval_seconds, timezone, "
                "retry_policy, timeout_seconds, concurrent_runs, missed_run_policy, "
                "notify_on_failure, active, parameters, created_at, created_by, updated_at, "
                "updated_by, sla_expected_seconds) VALUES ('schedule_old', 'Old', "
                "(SELECT id FROM mappings), 'interval', 60, 'UTC', '{}', 300, false, 'skip', "
                f"true, true, '{{}}', {audit}, 90)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO runs (key, mapping_key, schedule_id, trigger, status, started_at, "
                "records_read, records_written, records_failed, records_filtered, "
                "records_skipped, created_at, created_by, updated_at, updated_by) VALUES "
                f"('run_old', '{MAPPING}', (SELECT id FROM schedules), 'schedule', "
                f"'completed', {SQL_NOW}, 1, 1, 0, 0, 0, {audit})"
            )
        )
        for attempt, parent in ((1, "NULL"), (2, "(SELECT MIN(id) FROM schedule_executions)")):
            connection.execute(
                text(
                    "INSERT INTO schedule_executions (schedule_id, run_id, scheduled_at, status, "
                    "attempt, records_processed, error_count, warning_count, notes, parent_id) "
                    "VALUES ((SELECT id FROM schedules), (SELECT id FROM runs), "
                    f"{SQL_NOW}, 'completed', {attempt}, 1, 0, 0, '', {parent})"
                )
            )
        connection.execute(
            text(
                "INSERT INTO version_lifecycles (mapping_id, version, state, required_roles, "
                "coverage_threshold, changed_at, changed_by) VALUES ((SELECT id FROM mappings), "
                f"1, 'in_review', '[\"data_owner\"]', 0.5, {SQL_NOW}, 'carol')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO sign_offs (mapping_id, version, role, signed_by, signed_at, comment, "
                f"details) VALUES ((SELECT id FROM mappings), 1, 'data_owner', 'dan', {SQL_NOW}, "
                "'ok', '{}')"
            )
        )
    engine.dispose()
    with Store.open(db_url) as store:  # migrates with the store's own connections (FKs on)
        lifecycle = LifecycleRepository(store).lifecycle(MAPPING, 1)
        assert lifecycle.state is LifecycleState.IN_REVIEW
        assert [(s.role, s.signed_by) for s in lifecycle.sign_offs] == [
            (ApprovalRole.DATA_OWNER, "dan")
        ]
        repo = ScheduleRepository(store)
        old = repo.get("schedule_old")
        assert (old.mapping_key, old.pipeline, old.interval_seconds) == (MAPPING, False, 60)
        executions = repo.executions_between(None, None)
        assert [(e.attempt, e.run_key) for e in executions] == [(1, "run_old"), (2, "run_old")]
        assert executions[1].parent_id == executions[0].id
        with store.connection() as connection:
            linked = connection.scalar(text("SELECT schedule_id FROM runs"))
            sla = connection.scalar(text("SELECT sla_expected_seconds FROM schedules"))
        assert linked is not None and sla == 90
        # And the upgraded table takes a pipeline's schedule.
        _pipeline(store)
        repo.create(_schedule("schedule_new", PIPELINE, pipeline=True))
        assert repo.get("schedule_new").pipeline
        assert RunStatus.COMPLETED in {e.status for e in executions}
