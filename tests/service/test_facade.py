"""The façade's mapping and schedule methods on a real store; errors are service errors."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from fieldwright.domain import MappingDocument
from fieldwright.domain.records import Position, SourceItem
from fieldwright.domain.store_models import MissedRunPolicy, ScheduleKind, ScheduleRecord
from fieldwright.service import compile_mapping, preview_records, test_mapping, validate_mapping
from fieldwright.service.errors import (
    InvalidDocument,
    InvalidRequest,
    NotFound,
    SaveConflict,
    ServiceError,
    StoreProblem,
)
from fieldwright.service.facade import Service
from tests.service.helpers import MAPPING_KEY, simple_document


def test_save_open_history_diff_and_restore(service: Service, document: MappingDocument) -> None:
    first = service.save_mapping(document, None, comment="first")
    assert (first.key, first.version, first.saved_by) == (MAPPING_KEY, 1, "alice")
    changed = service.open_mapping(MAPPING_KEY)
    changed.fields[1].required = False
    assert service.save_mapping(changed, 1).version == 2
    assert [info.version for info in service.history(MAPPING_KEY)] == [2, 1]
    diff = service.diff(MAPPING_KEY, 1, 2)
    assert [change.target for change in diff.changed] == ["$.name"]
    assert service.restore(MAPPING_KEY, 1, base_version=2).version == 3
    assert service.open_mapping(MAPPING_KEY).fields[1].required is True
    assert service.open_mapping(MAPPING_KEY, 2).fields[1].required is False
    assert [summary.key for summary in service.list_mappings("GEN_OUT")] == [MAPPING_KEY]
    assert service.list_mappings("nothing like it") == []


def test_a_stale_save_from_another_service_is_a_conflict_naming_who_and_when(
    service: Service, db_url: str, document: MappingDocument
) -> None:
    service.save_mapping(document, None)
    with Service.open(db_url, user="bob") as other:
        theirs = other.open_mapping(MAPPING_KEY)
        theirs.name = "bob's edit"
        other.save_mapping(theirs, 1)
    mine = service.open_mapping(MAPPING_KEY, 1)
    mine.name = "alice's edit"
    with pytest.raises(SaveConflict) as caught:
        service.save_mapping(mine, 1)
    error = caught.value
    assert error.saved_by == "bob" and error.latest_version == 2 and error.key == MAPPING_KEY
    assert error.saved_at is not None
    assert "changed by bob" in str(error) and "Reload the mapping" in str(error)
    assert isinstance(error.__cause__, Exception)  # the store's error, kept as the cause
    assert service.open_mapping(MAPPING_KEY).name == "bob's edit"


def test_saving_a_new_mapping_under_a_taken_key_is_a_conflict(
    service: Service, document: MappingDocument
) -> None:
    service.save_mapping(document, None)
    with pytest.raises(SaveConflict, match="already exists"):
        service.save_mapping(document, None)


def test_missing_things_are_not_found_with_the_key_in_the_message(service: Service) -> None:
    with pytest.raises(NotFound, match="no mapping 'mapping_NOPE'"):
        service.open_mapping("mapping_NOPE")
    with pytest.raises(NotFound, match="no mapping 'mapping_NOPE'"):
        service.history("mapping_NOPE")
    with pytest.raises(NotFound, match="no schedule 'schedule_NOPE'"):
        service.delete_schedule("schedule_NOPE")


def test_document_work_is_stateless_functions_beside_the_store(document: MappingDocument) -> None:
    # Validation, preview and tests need no store: the service's functions, not Service's.
    assert validate_mapping(document) == []
    broken = document.model_copy(deep=True)
    broken.fields[1].transforms[0].fn = "no_such_function"
    assert [problem.pointer for problem in validate_mapping(broken)] == [
        "/fields/1/transforms/0/fn"
    ]
    samples = [
        SourceItem(Position(index=i), r)
        for i, r in enumerate([{"id": 1, "name": "ada"}, {"id": 2}])
    ]
    rows = preview_records(compile_mapping(document), samples)
    assert rows[0].trace is not None
    assert rows[0].trace.result.output == {"id": 1, "name": "ADA"}
    assert rows[1].trace is not None and rows[1].trace.result.output is None
    with pytest.raises(InvalidDocument) as caught:
        compile_mapping(broken)
    assert caught.value.problems
    document.tests = []
    assert test_mapping(document).passed == 0


def test_schedules_are_created_paused_listed_and_deleted(
    service: Service, document: MappingDocument
) -> None:
    service.save_mapping(document, None)
    schedule = ScheduleRecord(
        key="schedule_GEN_OUT_TEST_daily",
        name="daily",
        mapping_key=MAPPING_KEY,
        kind=ScheduleKind.FIXED_TIME,
        fixed_times=[time(6, 30)],
        timezone="Europe/Zurich",
    )
    assert service.create_schedule(schedule).active
    fires = service.fire_times(
        datetime(2025, 7, 24, tzinfo=UTC), datetime(2025, 7, 27, tzinfo=UTC), MAPPING_KEY
    )
    assert [(s.key, when.astimezone(UTC).hour, when.minute) for s, when in fires] == [
        (schedule.key, 4, 30)  # 06:30 in Zurich is 04:30 UTC in summer
    ] * 3
    assert not service.set_schedule_active(schedule.key, False).active
    assert (
        service.fire_times(datetime(2025, 7, 24, tzinfo=UTC), datetime(2025, 7, 27, tzinfo=UTC))
        == []
    )
    updated = service.update_schedule(schedule.model_copy(update={"name": "mornings"}))
    assert updated.name == "mornings"
    assert [s.key for s in service.list_schedules(MAPPING_KEY)] == [schedule.key]
    with pytest.raises(SaveConflict, match="already exists"):
        service.create_schedule(schedule)
    orphan = schedule.model_copy(update={"key": "schedule_x", "mapping_key": "mapping_gone"})
    with pytest.raises(NotFound, match="mapping_gone"):
        service.create_schedule(orphan)
    with pytest.raises(InvalidRequest, match="end of the period"):
        service.fire_times(datetime(2025, 7, 2, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
    service.delete_schedule(schedule.key)
    assert service.list_schedules() == []


def test_an_unreachable_database_is_a_store_problem_with_advice() -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    with pytest.raises(StoreProblem, match="Check that the server is running") as caught:
        Service.open(url)
    assert isinstance(caught.value, ServiceError)


def test_a_document_of_another_key_can_be_saved_alongside(service: Service) -> None:
    other = simple_document()
    other.key = "mapping_GEN_OUT_OTHER_20250724"
    service.save_mapping(simple_document(), None)
    service.save_mapping(other, None)
    assert {m.key for m in service.list_mappings()} == {MAPPING_KEY, other.key}


def test_a_resumed_schedule_is_planned_from_now_not_caught_up(
    service: Service, document: MappingDocument
) -> None:
    # Paused for a week: its old next run lies in the past. Resuming must not make the
    # missed-run policy replay the paused fire times; the scheduler plans it afresh.
    service.save_mapping(document, None)
    paused = service.create_schedule(
        ScheduleRecord(
            key="schedule_GEN_OUT_TEST_hourly",
            name="hourly",
            mapping_key=MAPPING_KEY,
            kind=ScheduleKind.CRON,
            cron="0 * * * *",
            next_run_at=datetime(2025, 7, 1, 6, tzinfo=UTC),
            missed_run_policy=MissedRunPolicy.RUN_ALL,
        )
    )
    assert not service.set_schedule_active(paused.key, False).active
    assert service.list_schedules()[0].next_run_at == datetime(2025, 7, 1, 6, tzinfo=UTC)
    resumed = service.set_schedule_active(paused.key, True)
    assert resumed.active and resumed.next_run_at is None
    # Resuming an active schedule leaves its plan alone.
    kept = service.update_schedule(resumed.model_copy(update={"next_run_at": paused.next_run_at}))
    assert service.set_schedule_active(kept.key, True).next_run_at == paused.next_run_at
