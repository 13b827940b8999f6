"""Health checks of the integration patterns: stuck input files and staging backlogs.

For every active schedule:

- a file source (a file, or a folder of input files) fails the check when a file
  changed after the mapping's latest completed run started and has waited longer
  than ``stuck_after_seconds`` (a schedule parameter, default 1 hour);
- a SQL target written through a staging table fails when rows have been pending
  longer than ``staging_pending_after_seconds`` (default 1 hour) and warns when
  rows are failed (left by stopped runs, never moved).

And for every saved connection with a dated secret, rotation date or certificate, a
``credential expiry`` check (`service/expiry.py`): a warning within 30, 7 and 1 day(s),
failing once expired.

Checks never raise: an unreachable database or an unreadable folder is itself a
failing check naming what could not be read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fieldwright.connectors import ConnectorError, staging_backlog
from fieldwright.domain import ConnectorRef, MappingDocument
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import ScheduleRecord
from fieldwright.service._connectors import file_path
from fieldwright.service.expiry import credential_expiries, expiry_checks
from fieldwright.service.monitoring_models import Health, HealthCheck
from fieldwright.store import (
    ConnectionRepository,
    MappingRepository,
    PipelineRepository,
    RunRepository,
    Store,
)
from fieldwright.store.errors import StoreError

__all__ = ["DEFAULT_STUCK_AFTER", "credential_checks", "health_checks"]

log = logging.getLogger(__name__)

DEFAULT_STUCK_AFTER = 3600
#: At most this many files of an input folder are looked at.
MAX_FILES = 1000


def _seconds(schedule: ScheduleRecord, name: str, default: int) -> int:
    value = schedule.parameters.get(name)
    return value if isinstance(value, int) and value > 0 else default


def _ago(seconds: float) -> str:
    if seconds >= 5400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"


def _input_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = [p for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith(".")]
        return files[:MAX_FILES]
    return [path] if path.is_file() else []


def _file_check(
    schedule: ScheduleRecord, ref: ConnectorRef, last_ok: datetime | None, now: datetime
) -> HealthCheck | None:
    raw_dir = schedule.parameters.get("base_dir")
    try:
        path = file_path(ref, Path(raw_dir) if isinstance(raw_dir, str) else None)
    except ConnectorError:
        return None
    if path is None:
        return None
    limit = _seconds(schedule, "stuck_after_seconds", DEFAULT_STUCK_AFTER)
    try:
        waiting = []
        for file in _input_files(path):
            changed = datetime.fromtimestamp(file.stat().st_mtime, UTC)
            if (last_ok is None or changed > last_ok) and now - changed > timedelta(seconds=limit):
                waiting.append((file, changed))
    except OSError as exc:
        return HealthCheck(
            name="input files",
            subject=schedule.key,
            health=Health.FAILING,
            detail=f"cannot read {path}: {exc.strerror or exc}",
        )
    if not waiting:
        return HealthCheck(
            name="input files",
            subject=schedule.key,
            health=Health.OK,
            detail=f"nothing waiting in {path}",
        )
    file, changed = min(waiting, key=lambda item: item[1])
    more = f" and {len(waiting) - 1} more" if len(waiting) > 1 else ""
    return HealthCheck(
        name="input files",
        subject=schedule.key,
        health=Health.FAILING,
        detail=f"{file.name}{more} waiting {_ago((now - changed).total_seconds())} "
        f"(more than {_ago(limit)}) with no completed run since",
    )


def _staging_check(
    schedule: ScheduleRecord, ref: ConnectorRef, now: datetime
) -> HealthCheck | None:
    try:
        backlog = staging_backlog(ref)
    except ConnectorError as exc:
        return HealthCheck(
            name="staging rows", subject=schedule.key, health=Health.FAILING, detail=str(exc)
        )
    if backlog is None:
        return None
    limit = _seconds(schedule, "staging_pending_after_seconds", DEFAULT_STUCK_AFTER)
    pending, oldest = backlog.get("pending", (0, None))
    failed, _ = backlog.get("failed", (0, None))
    if pending and oldest is not None and now - oldest > timedelta(seconds=limit):
        return HealthCheck(
            name="staging rows",
            subject=schedule.key,
            health=Health.FAILING,
            detail=f"{pending} staged row(s) pending, the oldest for "
            f"{_ago((now - oldest).total_seconds())} (more than {_ago(limit)})",
        )
    if failed:
        return HealthCheck(
            name="staging rows",
            subject=schedule.key,
            health=Health.WARNING,
            detail=f"{failed} staged row(s) failed (left by stopped runs; never moved)",
        )
    return HealthCheck(
        name="staging rows",
        subject=schedule.key,
        health=Health.OK,
        detail=f"{pending} pending row(s)",
    )


def _ref(schedule: ScheduleRecord, side: str) -> ConnectorRef | None:
    value = schedule.parameters.get(side)
    return ConnectorRef.model_validate(value) if isinstance(value, dict) else None


def _last_completed(runs: RunRepository, mapping_key: str) -> datetime | None:
    page = runs.list_runs(mapping_key=mapping_key, status=RunStatus.COMPLETED, limit=1)
    return page.items[0].started_at if page.items else None


def health_checks(
    store: Store, schedules: Iterable[ScheduleRecord], *, now: datetime | None = None
) -> list[HealthCheck]:
    """The checks of every active schedule's source files and staging target."""
    moment = now or datetime.now(UTC)
    mappings, runs = MappingRepository(store), RunRepository(store)
    pipelines = PipelineRepository(store)
    checks: list[HealthCheck] = []
    for schedule in schedules:
        if not schedule.active:
            continue
        try:
            document: MappingDocument | PipelineDocument = (
                pipelines.load_pipeline(schedule.mapping_key)
                if schedule.pipeline
                else mappings.load_mapping(schedule.mapping_key)
            )
            last_ok = _last_completed(runs, schedule.mapping_key)
        except StoreError as exc:
            log.info("no health check for schedule %s: %s", schedule.key, exc)
            continue
        try:
            source_ref = _ref(schedule, "source") or document.source.connector
            target_ref = _ref(schedule, "target") or document.target.connector
        except ValueError as exc:
            detail = f"its parameters name a connector that is not valid: {exc}"
            checks.append(
                HealthCheck(
                    name="connectors", subject=schedule.key, health=Health.FAILING, detail=detail
                )
            )
            continue
        if source_ref is not None:
            found = _file_check(schedule, source_ref, last_ok, moment)
            if found is not None:
                checks.append(found)
        if target_ref is not None:
            found = _staging_check(schedule, target_ref, moment)
            if found is not None:
                checks.append(found)
    return checks + credential_checks(store, now=moment)


def credential_checks(store: Store, *, now: datetime | None = None) -> list[HealthCheck]:
    """The expiry of every dated secret and certificate, soonest first."""
    moment = now or datetime.now(UTC)
    try:
        expiries = credential_expiries(ConnectionRepository(store), moment)
    except StoreError as exc:
        return [
            HealthCheck(
                name="credential expiry",
                subject="connections",
                health=Health.FAILING,
                detail=f"cannot read the connections' expiry dates: {exc}",
            )
        ]
    return expiry_checks(expiries, moment)
