"""Service.monitoring: the dashboard's summary, its health and the health checks."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import ScheduleKind, ScheduleRecord
from fieldwright.service import Health, InvalidRequest, NotFound, ScheduleSla, Window
from fieldwright.service.facade import Service
from fieldwright.store import Store
from fieldwright.store.sample_activity import generate_activity

SFDC = "mapping_SFDC_ERP_GLOBEX_20250724"


@pytest.fixture
def generated(db_url: str) -> str:
    with Store.open(db_url, user="gen") as store:
        generate_activity(store, runs=600, dead_letters=3000)
    return db_url


def test_a_month_of_activity_is_summarised_and_judged(generated: str) -> None:
    with Service.open(generated, user="alice") as service:
        month = service.monitoring(Window.MONTH)
        day = service.monitoring("24h")
    assert sum(month.totals.runs.values()) == 600
    assert month.totals.success_rate is not None and 0.5 < month.totals.success_rate < 1
    assert month.totals.throughput is not None and month.totals.throughput > 0
    assert len(month.days) == 31 and all(len(v) == 31 for v in month.runs_by_day.values())
    assert sum(sum(v) for v in month.runs_by_day.values()) == 600
    integrations = {i.mapping_key: i for i in month.integrations}
    sfdc = integrations[SFDC]
    # The generated SFDC integration fails in a row at the end; its SLA alerts at 2.
    assert sfdc.consecutive_failures >= 4 and sfdc.health is Health.FAILING
    assert (sfdc.client, sfdc.source_system, sfdc.target_system) == ("GLOBEX", "SFDC", "ERP")
    assert sfdc.label == "GLOBEX: SFDC → ERP"
    schedules = {s.key: s for s in month.schedules}
    assert schedules["schedule_HS_CRM_ACME_nightly"].missed >= 1
    assert schedules["schedule_HS_CRM_ACME_nightly"].late >= 1
    assert schedules["schedule_QBT_WFN_ACME_nightly"].sla.expected_seconds == 90
    assert month.health is Health.FAILING
    assert any("failed" in p and SFDC in p for p in month.problems)
    # Error patterns: grouped reasons with a per-day trend adding up to their count.
    assert month.error_patterns and all(
        sum(p.trend) == p.letters and len(p.trend) == 31 for p in month.error_patterns
    )
    assert sum(p.letters for p in month.error_patterns) == 3000
    assert "<value>" in " ".join(p.pattern for p in month.error_patterns)
    assert sum(day.totals.runs.values()) < 600 and len(day.days) in (1, 2)
    dumped = json.loads(json.dumps(month.model_dump(mode="json")))
    assert dumped["health"] == "failing" and dumped["problems"]


def test_an_error_pattern_opens_its_dead_letters(generated: str) -> None:
    with Service.open(generated, user="alice") as service:
        summary = service.monitoring(Window.MONTH)
        top = summary.error_patterns[0]
        letters = service.pattern_letters(summary, top, limit=5)
    assert len(letters) == 5
    assert all(letter.field == top.field for letter in letters)
    times = [letter.occurred_at for letter in letters]
    assert times == sorted(times, reverse=True)
    assert all(letter.run_key.startswith("proc_") for letter in letters)


def test_windows_and_slas_are_checked(service: Service) -> None:
    with pytest.raises(InvalidRequest, match="choose one of 24h, 7d, 30d"):
        service.monitoring("1y")
    with pytest.raises(NotFound, match="no schedule"):
        service.set_schedule_sla("schedule_nope", ScheduleSla(expected_seconds=5))
    empty = service.monitoring()
    assert empty.health is Health.OK and empty.totals.success_rate is None
    assert empty.integrations == [] and empty.error_patterns == []


def _file_mapping(service: Service, folder: Path, *, staging_db: Path | None = None) -> None:
    from fieldwright.domain import MappingDocument

    target: dict[str, object] = {"kind": "ndjson", "settings": {"path": str(folder / "out.ndjson")}}
    if staging_db is not None:
        target = {
            "kind": "sql",
            "settings": {"url": f"sqlite:///{staging_db}", "table": "people", "staging": True},
        }
    document = MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": "mapping_PPL_CRM_ACME_20261202",
            "name": "People",
            "source": {"connector": {"kind": "ndjson", "settings": {"path": str(folder / "in")}}},
            "target": {"connector": target},
        }
    )
    service.save_mapping(document, None)
    service.create_schedule(
        ScheduleRecord(
            key="schedule_PPL_CRM_ACME_hourly",
            name="Hourly",
            mapping_key=document.key,
            kind=ScheduleKind.INTERVAL,
            interval_seconds=3600,
            parameters={"stuck_after_seconds": 600},
        )
    )


def test_a_file_waiting_too_long_in_the_input_folder_fails_the_check(
    service: Service, tmp_path: Path
) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    _file_mapping(service, tmp_path)
    (check,) = service.monitoring().checks
    assert check.health is Health.OK and "nothing waiting" in check.detail
    fresh, stale = inbox / "fresh.ndjson", inbox / "stale.ndjson"
    fresh.write_text("{}\n")
    stale.write_text("{}\n")
    old = (datetime.now(UTC) - timedelta(hours=2)).timestamp()
    os.utime(stale, (old, old))
    summary = service.monitoring()
    (check,) = summary.checks
    assert check.health is Health.FAILING
    assert check.detail.startswith("stale.ndjson waiting 2.0 h") or "stale.ndjson" in check.detail
    assert "fresh.ndjson" not in check.detail
    assert summary.health is Health.FAILING
    assert any("schedule_PPL_CRM_ACME_hourly: stale.ndjson" in p for p in summary.problems)


def test_staged_rows_pending_too_long_fail_the_check(service: Service, tmp_path: Path) -> None:
    database = tmp_path / "target.db"
    (tmp_path / "in").mkdir()
    _file_mapping(service, tmp_path, staging_db=database)
    (missing,) = [c for c in service.monitoring().checks if c.name == "staging rows"]
    assert missing.health is Health.FAILING and "does not exist" in missing.detail
    sqlite3.connect(database).close()
    checks = service.monitoring().checks
    assert [c.name for c in checks] == ["input files", "staging rows"]
    assert checks[1].health is Health.OK  # no staging table yet: nothing staged
    with sqlite3.connect(database) as connection:
        connection.execute(
            "CREATE TABLE people__fw_staging (id INTEGER, _fw_seq INTEGER PRIMARY KEY,"
            " _fw_batch_id TEXT, _fw_batch INTEGER, _fw_status TEXT, _fw_created_at TEXT)"
        )
        old = (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S")
        connection.executemany(
            "INSERT INTO people__fw_staging (id, _fw_batch_id, _fw_batch, _fw_status,"
            " _fw_created_at) VALUES (?, 'proc_x', 1, ?, ?)",
            [(1, "pending", old), (2, "pending", old), (3, "failed", old)],
        )
    staging = service.monitoring().checks[1]
    assert staging.health is Health.FAILING
    assert staging.detail.startswith("2 staged row(s) pending, the oldest for 3.0 h")
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE people__fw_staging SET _fw_status = 'completed' WHERE _fw_status = 'pending'"
        )
    staging = service.monitoring().checks[1]
    assert staging.health is Health.WARNING and "1 staged row(s) failed" in staging.detail


def test_run_statuses_are_counted_per_day(generated: str) -> None:
    with Service.open(generated, user="alice") as service:
        week = service.monitoring(Window.WEEK)
    assert set(week.runs_by_day) <= {RunStatus.COMPLETED, RunStatus.FAILED}
    assert len(week.days) in (7, 8)
