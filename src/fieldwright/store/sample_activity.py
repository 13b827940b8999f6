"""A generated history of runs, schedule executions and dead letters, in bulk.

For the dashboard's bench (100k runs, 1M dead letters), its tests and its
screenshots: a month of real-looking activity for a few integrations, one of
them failing in a row, one schedule starting late and missing starts, one
running longer than its SLA. Deterministic for a seed. Rows go in with
multi-row inserts in chunks, never one ORM object at a time.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from fieldwright.domain import FORMAT_VERSION, MappingDocument
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.domain.store_models import ScheduleKind, ScheduleRecord
from fieldwright.store.letter_hours import count_letters
from fieldwright.store.mappings import MappingRepository
from fieldwright.store.models import DeadLetterRow, Run, Schedule, ScheduleExecution
from fieldwright.store.monitoring import MonitoringRepository, ScheduleSla
from fieldwright.store.patterns import reason_pattern
from fieldwright.store.schedules import ScheduleRepository
from fieldwright.store.store import Store

__all__ = ["INTEGRATIONS", "Generated", "generate_activity"]

#: (source, target, client, name, failure rate) of the generated integrations.
INTEGRATIONS = (
    ("QBT", "WFN", "ACME", "Timesheets to payroll", 0.04),
    ("HS", "CRM", "ACME", "Contacts to CRM", 0.10),
    ("IRDY", "SIS", "LINCOLN", "Diagnostics to SIS", 0.02),
    ("SFDC", "ERP", "GLOBEX", "Orders to ERP", 0.25),
    ("ADP", "GL", "INITECH", "Payroll journal", 0.06),
)
_REASONS = (
    ("$.hours", "'{word}' is not a number"),
    ("$.employee.id", "required field is missing at row {n}"),
    ("$.email", "'{word}@{word}' is not an e-mail address"),
    ("$.start_date", "'2025-{n}-{n}' is not a date (YYYY-MM-DD)"),
    ("$.amount", "value {n}.{n} is above the maximum 10000"),
    ("$.stage", "lookup stage has no value for '{word}'"),
)
_WORDS = ("abc", "n/a", "TBD", "x9", "??", "none", "12a", "ada", "bob", "-")
CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Generated:
    mapping_keys: list[str]
    schedule_keys: list[str]
    runs: int
    dead_letters: int


def _chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _setup(store: Store, now: datetime) -> tuple[list[str], list[str]]:
    mappings, schedules = MappingRepository(store), ScheduleRepository(store)
    mapping_keys, schedule_keys = [], []
    for source, target, client, name, _rate in INTEGRATIONS:
        key = f"mapping_{source}_{target}_{client}_20250724"
        document = MappingDocument(
            fieldwright=FORMAT_VERSION,
            key=key,
            name=name,
            client=client,
            source_system=source,
            target_system=target,
        )
        mappings.save_mapping(document)
        schedule = f"schedule_{source}_{target}_{client}_nightly"
        schedules.create(
            ScheduleRecord(
                key=schedule,
                name=f"{name}, nightly",
                mapping_key=key,
                kind=ScheduleKind.CRON,
                cron="0 2 * * *",
                next_run_at=now + timedelta(hours=1),
            )
        )
        mapping_keys.append(key)
        schedule_keys.append(schedule)
    monitoring = MonitoringRepository(store)
    monitoring.set_sla(schedule_keys[0], ScheduleSla(expected_seconds=90, late_after_seconds=120))
    monitoring.set_sla(schedule_keys[3], ScheduleSla(failures_alert=2))
    return mapping_keys, schedule_keys


def generate_activity(
    store: Store,
    *,
    runs: int = 3000,
    dead_letters: int = 20_000,
    days: int = 30,
    now: datetime | None = None,
    seed: int = 20,
) -> Generated:
    """Fill an empty store with `runs` runs over `days` days ending `now`, one schedule
    execution per scheduled run, and `dead_letters` dead letters of the failed records."""
    rng = random.Random(seed)
    end = (now or datetime.now(UTC)).astimezone(UTC)
    start = end - timedelta(days=days)
    mapping_keys, schedule_keys = _setup(store, end)
    with store.session() as session:
        schedule_ids: dict[str, int] = dict(
            session.execute(select(Schedule.key, Schedule.id)).all()
        )
    span = (end - start).total_seconds()
    letters_per_run = max(1, dead_letters // max(1, runs // 5))

    def run_rows() -> Iterator[dict[str, Any]]:
        for n in range(runs):
            which = n % len(INTEGRATIONS)
            rate = INTEGRATIONS[which][4]
            began = start + timedelta(seconds=span * (n + rng.random()) / runs)
            # The last runs of the busiest failing integration fail in a row.
            failing = rng.random() < rate or (which == 3 and n >= runs - 4 * len(INTEGRATIONS))
            read = rng.randint(200, 5000)
            failed = rng.randint(1, min(read, letters_per_run * 2)) if rng.random() < 0.3 else 0
            seconds = read / rng.uniform(40, 400) * (3 if which == 0 and rng.random() < 0.2 else 1)
            scheduled = n % 3 == 0
            yield {
                "key": f"proc_{INTEGRATIONS[which][0]}_{INTEGRATIONS[which][1]}_{n:08d}",
                "mapping_key": mapping_keys[which],
                "mapping_version": 1,
                "schedule_id": schedule_ids[schedule_keys[which]] if scheduled else None,
                "trigger": RunTrigger.SCHEDULE if scheduled else RunTrigger.MANUAL,
                "status": RunStatus.FAILED if failing else RunStatus.COMPLETED,
                "started_at": began,
                "ended_at": began + timedelta(seconds=seconds),
                "records_read": read,
                "records_written": 0 if failing else read - failed,
                "records_failed": failed,
                "records_filtered": 0,
                "records_skipped": read - failed if failing else 0,
                "error_summary": "the target refused the batch" if failing else None,
                "created_by": "generator",
                "updated_by": "generator",
            }

    with store.session(write=True) as session:
        for chunk in _chunks(run_rows()):
            session.execute(insert(Run), chunk)
    with store.session() as session:
        failed_runs = session.execute(
            select(Run.id, Run.started_at, Run.records_failed, Run.mapping_key)
            .where(Run.records_failed > 0)
            .order_by(Run.id)
        ).all()
        scheduled_runs = session.execute(
            select(Run.id, Run.schedule_id, Run.started_at, Run.ended_at, Run.status)
            .where(Run.schedule_id.is_not(None))
            .order_by(Run.id)
        ).all()
    late_schedule = schedule_ids[schedule_keys[1]]

    def execution_rows() -> Iterator[dict[str, Any]]:
        for ident, schedule_id, began, ended, status in scheduled_runs:
            delay = rng.uniform(1, 30)
            if schedule_id == late_schedule and rng.random() < 0.3:
                delay = rng.uniform(600, 3600)
            fire = began - timedelta(seconds=delay)
            yield {
                "schedule_id": schedule_id,
                "run_id": ident,
                "scheduled_at": fire,
                "started_at": began,
                "ended_at": ended,
                "status": status,
                "attempt": 1,
                "records_processed": 0,
                "error_count": 0,
                "warning_count": 0,
                "notes": "",
            }
        for n in range(max(1, runs // 500)):
            fire = start + timedelta(days=rng.uniform(0, days))
            yield {
                "schedule_id": late_schedule,
                "run_id": None,
                "scheduled_at": fire,
                "started_at": None,
                "ended_at": None,
                "status": RunStatus.SKIPPED,
                "attempt": 1,
                "records_processed": 0,
                "error_count": 0,
                "warning_count": 0,
                "notes": f"missed: the scheduler was not running (or was busy) ({n})",
            }

    def letter_rows() -> Iterator[dict[str, Any]]:
        total = sum(failed for _ident, _began, failed, _key in failed_runs)
        ratio = dead_letters / total if total else 0.0
        made, owed = 0, 0.0
        for ident, began, failed, mapping_key in failed_runs:
            owed += failed * ratio
            for row in range(int(owed)):
                if made >= dead_letters:
                    return
                field, template = _REASONS[rng.randrange(len(_REASONS))]
                reason = template.format(word=rng.choice(_WORDS), n=rng.randint(1, 99))
                yield {
                    "run_id": ident,
                    "error_id": f"err_validation_{made}",
                    "error_type": "validation",
                    "position": {"row": row + 1},
                    "position_text": f"row {row + 1}",
                    "field": field,
                    "reason": reason,
                    "reason_pattern": reason_pattern(reason),
                    "input": {"row": row + 1, "value": rng.choice(_WORDS)},
                    "raw": None,
                    "occurred_at": began + timedelta(seconds=row * 0.01),
                    "mapping_key": mapping_key,
                }
                made += 1
            owed -= int(owed)

    with store.session(write=True) as session:
        for chunk in _chunks(execution_rows()):
            session.execute(insert(ScheduleExecution), chunk)
    with store.session(write=True) as session:
        for chunk in _chunks(letter_rows()):
            count_letters(
                session,
                (
                    (
                        r.pop("mapping_key"),
                        r["error_type"],
                        r["field"],
                        r["reason_pattern"],
                        r["occurred_at"],
                    )
                    for r in chunk
                ),
            )
            session.execute(insert(DeadLetterRow), chunk)
    return Generated(mapping_keys, schedule_keys, runs, dead_letters)
