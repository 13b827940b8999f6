"""What the Schedules page asks the service for: past executions of a period, run now."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fieldwright.domain import MappingDocument
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.domain.store_models import (
    ScheduleExecutionRecord,
    ScheduleKind,
    ScheduleRecord,
)
from fieldwright.service.errors import InvalidRequest, NotFound
from fieldwright.service.facade import Service
from fieldwright.store import ScheduleRepository, Store
from tests.service.helpers import (
    MAPPING_KEY,
    GeneratedSource,
    TestConnectors,
    csv_target,
    simple_document,
    test_source,
)

DAY = datetime(2026, 10, 25, tzinfo=UTC)


def schedule(key: str, mapping_key: str = MAPPING_KEY, **changes: object) -> ScheduleRecord:
    return ScheduleRecord.model_validate(
        {
            "key": key,
            "name": key,
            "mapping_key": mapping_key,
            "kind": ScheduleKind.CRON,
            "cron": "30 1 * * *",
            "timezone": "Europe/Berlin",
            **changes,
        }
    )


def test_executions_of_a_period_oldest_first_and_by_mapping(
    service: Service, db_url: str, document: MappingDocument
) -> None:
    service.save_mapping(document, None)
    other = document.model_copy(update={"key": "mapping_OTHER_OUT_TEST_20250724"})
    service.save_mapping(other, None)
    service.create_schedule(schedule("schedule_a"))
    service.create_schedule(schedule("schedule_b", other.key))
    with Store.open(db_url, user="alice") as store:
        repo = ScheduleRepository(store)
        for key, offset, status in [
            ("schedule_a", 2, RunStatus.FAILED),
            ("schedule_b", 1, RunStatus.COMPLETED),
            ("schedule_a", 30, RunStatus.SKIPPED),  # after the period
            ("schedule_a", -1, RunStatus.COMPLETED),  # before it
        ]:
            repo.record_execution(
                ScheduleExecutionRecord(
                    schedule_key=key, scheduled_at=DAY + timedelta(hours=offset), status=status
                )
            )
    found = service.schedule_executions(DAY, DAY + timedelta(days=1))
    assert [(e.schedule_key, e.status) for e in found] == [
        ("schedule_b", RunStatus.COMPLETED),
        ("schedule_a", RunStatus.FAILED),
    ]
    assert all(type(e) is ScheduleExecutionRecord for e in found)
    mine = service.schedule_executions(DAY, DAY + timedelta(days=1), MAPPING_KEY)
    assert [(e.schedule_key, e.status) for e in mine] == [("schedule_a", RunStatus.FAILED)]
    assert service.schedule_executions(DAY, DAY + timedelta(days=1), "mapping_none") == []
    with pytest.raises(InvalidRequest, match="end of the period"):
        service.schedule_executions(DAY, DAY)


def test_run_schedule_now_runs_with_the_schedules_connectors_linked_to_it(
    service: Service, connectors: TestConnectors, tmp_path: Path, db_url: str
) -> None:
    connectors.sources["gen"] = lambda: GeneratedSource(5)
    service.save_mapping(simple_document(), None)
    out = tmp_path / "out.csv"
    service.create_schedule(
        schedule(
            "schedule_gen",
            parameters={
                "source": test_source("gen").model_dump(mode="json"),
                "target": csv_target(out).model_dump(mode="json"),
            },
        )
    )
    told = threading.Event()
    before = datetime.now(UTC)
    handle = service.run_schedule_now("schedule_gen", on_finished=lambda _result: told.set())
    result = handle.wait(30)
    assert result is not None and result.status is RunStatus.COMPLETED
    record = service.run_detail(result.key).record
    assert record.schedule_key == "schedule_gen" and record.trigger is RunTrigger.MANUAL
    assert record.counts.written == 5 and out.exists()
    # The caller hears of the end after the run is recorded as one of the schedule's
    # executions, so the calendar shows it on the day it ran.
    assert told.wait(30)
    [execution] = service.schedule_executions(before, datetime.now(UTC) + timedelta(seconds=1))
    assert execution.schedule_key == "schedule_gen" and execution.run_key == result.key
    assert execution.status is RunStatus.COMPLETED
    with Store.open(db_url, user="alice") as store:
        [full] = ScheduleRepository(store).executions("schedule_gen")
    assert full.records_processed == 5 and full.notes == "run now by alice"
    with pytest.raises(NotFound, match="schedule_none"):
        service.run_schedule_now("schedule_none")
