"""Shared helpers: schedule records, a mapping to hang them on, scripted runners."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fieldwright.domain.document import FORMAT_VERSION, MappingDocument
from fieldwright.domain.store_models import ScheduleKind, ScheduleRecord
from fieldwright.scheduler import ExecutionOutcome
from fieldwright.store import MappingRepository, Store

MAPPING = "mapping_QBT_WFN_ACME_20250724"


def schedule(key: str = "sched_nightly", **changes: Any) -> ScheduleRecord:
    values: dict[str, Any] = {
        "key": key,
        "name": key,
        "mapping_key": MAPPING,
        "kind": ScheduleKind.CRON,
        "cron": "0 3 * * *",
        "timezone": "UTC",
    }
    values.update(changes)
    return ScheduleRecord.model_validate(values)


def add_mapping(store: Store) -> None:
    MappingRepository(store).save_mapping(
        MappingDocument(fieldwright=FORMAT_VERSION, key=MAPPING, name="Timesheets to WFN")
    )


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


class Runner:
    """A runner whose outcome per call is scripted; records every call."""

    def __init__(self, outcome: Callable[..., ExecutionOutcome] | None = None) -> None:
        self.calls: list[tuple[str, datetime, int]] = []
        self.outcome = outcome or (lambda *_: ExecutionOutcome.completed())
        self.lock = threading.Lock()

    def __call__(
        self,
        schedule: ScheduleRecord,
        fire_time: datetime,
        attempt: int,
        cancel: threading.Event,
        timeout: float | None,
        started: Callable[[str], None],
    ) -> ExecutionOutcome:
        with self.lock:
            self.calls.append((schedule.key, fire_time, attempt))
        return self.outcome(schedule, fire_time, attempt, cancel, timeout)
