"""Runs end to end through the façade: real store, real files, real worker threads."""

from __future__ import annotations

import csv
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fieldwright.domain import MappingDocument
from fieldwright.domain.records import SourceItem
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.service._keys import run_key, run_key_stem
from fieldwright.service.errors import InvalidRequest, NotFound, RunFailed
from fieldwright.service.facade import Service
from fieldwright.service.runs import RunFilter, RunResult
from tests.service.helpers import (
    FlakyNetworkError,
    FlakySource,
    GeneratedSource,
    ProgressLog,
    TestConnectors,
    csv_target,
    simple_document,
    test_source,
)

Example = Callable[[str], tuple[MappingDocument, Path]]
WAIT = 60  # seconds: a ceiling for a hung run, never a pause


def finished(handle_result: RunResult | None) -> RunResult:
    assert handle_result is not None, "the run did not finish"
    return handle_result


def no_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_qbt_example_runs_with_its_failing_line_in_the_dead_letters(
    service: Service, example: Example, tmp_path: Path
) -> None:
    document, folder = example("qbt_to_wfn")
    service.save_mapping(document, None)
    out = tmp_path / "paydata.csv"
    done: list[RunResult] = []
    handle = service.start_run(
        document.key, target=csv_target(out), base_dir=folder, on_finished=done.append
    )
    assert handle.key.startswith("proc_QBT_WFN_ACME_")
    result = finished(handle.wait(WAIT))
    assert done == [result]
    assert result.status is RunStatus.COMPLETED and result.counts.balanced
    assert (result.counts.read, result.counts.failed) == (9, 1)
    assert (result.counts.written, result.counts.filtered) == (7, 1)  # one clocked-in entry
    assert result.dead_letters == 1

    record = service.run_detail(handle.key).record
    assert record.status is RunStatus.COMPLETED and record.counts == result.counts
    assert record.mapping_key == document.key and record.mapping_version == 1
    assert record.trigger is RunTrigger.MANUAL and record.ended_at is not None
    assert record.started_by == "alice"

    letters = service.dead_letters(handle.key)
    assert letters.total == 1
    letter = letters.items[0]
    assert letter.position == {"line": 10} and letter.field == "$.file_number"
    assert "1234599" in letter.reason and letter.input is not None
    assert letter.input["user_id"] == "1234599"
    assert letter.error_id.startswith("err_mapping_")

    with out.open(newline="", encoding="utf-8") as handle_file:
        assert len(list(csv.DictReader(handle_file))) == 7
    assert no_leftovers(tmp_path) == []


def test_hubspot_example_runs_from_the_documents_own_connectors(
    service: Service, example: Example
) -> None:
    document, folder = example("hubspot_to_crm")
    result = finished(service.start_run(document, base_dir=folder).wait(WAIT))
    assert result.status is RunStatus.COMPLETED and result.counts.balanced
    assert (folder / "crm_contacts.csv").exists()
    detail = service.run_detail(result.key)
    assert detail.record.mapping_version is None  # a document passed in, not a stored version
    assert detail.details["target"]["settings"]["path"] == str(folder / "crm_contacts.csv")
    assert detail.details["source"]["kind"] == "json"


def test_progress_is_reported_while_a_large_input_runs(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    connectors.sources["big"] = lambda: GeneratedSource(120_000, every_bad=1000)
    progress = ProgressLog()
    result = finished(
        service.start_run(
            simple_document(),
            source=test_source("big"),
            target=csv_target(tmp_path / "out.csv"),
            on_progress=progress,
        ).wait(WAIT)
    )
    assert result.status is RunStatus.COMPLETED
    assert result.counts.read == 120_000 and result.counts.failed == 120
    assert result.dead_letters == 120 and service.dead_letters(result.key).total == 120
    assert progress.items, "no progress was reported"
    last = progress.items[-1]
    assert not last.running and last.records == 120_000 and last.counts == result.counts
    records = [p.records for p in progress.items]
    assert records == sorted(records)


def test_progress_reports_an_eta_and_comes_at_least_twice_a_second(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    # A slow source whose chunks take longer than half a second: the ticker fills in.
    connectors.sources["slow"] = lambda: GeneratedSource(300, delay=0.004)
    progress = ProgressLog()
    handle = service.start_run(
        simple_document(),
        source=test_source("slow"),
        target=csv_target(tmp_path / "out.csv"),
        on_progress=progress,
    )
    result = finished(handle.wait(WAIT))
    assert result.status is RunStatus.COMPLETED
    running = [p for p in progress.items if p.running]
    assert running and any(p.records > 0 for p in running)
    # Reported every half second or more often (with generous slack for a loaded machine).
    stamps = [p.elapsed for p in running]
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert all(gap < 0.9 for gap in gaps), gaps
    flowing = [p for p in running if p.records > 0]
    assert flowing and all(p.total == 300 and p.eta is not None for p in flowing)
    assert handle.progress().records == 300


def test_cancel_stops_within_a_second_and_leaves_no_target(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    connectors.sources["slow"] = lambda: GeneratedSource(1_000_000, delay=0.0005)
    progress = ProgressLog(after=300)
    out = tmp_path / "out.csv"
    handle = service.start_run(
        simple_document(), source=test_source("slow"), target=csv_target(out), on_progress=progress
    )
    assert progress.seen.wait(WAIT)
    asked = time.monotonic()
    handle.cancel()
    result = finished(handle.wait(WAIT))
    assert time.monotonic() - asked < 1.0
    assert result.status is RunStatus.CANCELLED and result.counts.balanced
    assert result.counts.written == 0 and result.counts.read > 0
    assert not out.exists() and no_leftovers(tmp_path) == []
    record = service.run_detail(handle.key).record
    assert record.status is RunStatus.CANCELLED and record.counts == result.counts
    with pytest.raises(RunFailed, match="cancelled") as caught:
        result.raise_for_status()
    assert caught.value.result is result


def test_a_timeout_fails_the_run_and_leaves_no_target(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    connectors.sources["slow"] = lambda: GeneratedSource(1_000_000, delay=0.0005)
    out = tmp_path / "out.csv"
    handle = service.start_run(
        simple_document(), source=test_source("slow"), target=csv_target(out), timeout=0.3
    )
    result = finished(handle.wait(WAIT))
    assert result.status is RunStatus.FAILED and result.message == "timed out after 0.3 s"
    assert result.counts.balanced and result.counts.written == 0
    assert not out.exists() and no_leftovers(tmp_path) == []
    record = service.run_detail(handle.key).record
    assert record.error_summary == "timed out after 0.3 s"


def test_fail_fast_stops_at_the_first_failed_record(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    connectors.sources["bad"] = lambda: GeneratedSource(5000, every_bad=700)
    out = tmp_path / "out.csv"
    result = finished(
        service.start_run(
            simple_document(error_strategy="fail_fast"),
            source=test_source("bad"),
            target=csv_target(out),
        ).wait(WAIT)
    )
    assert result.status is RunStatus.FAILED and result.counts.balanced
    assert result.counts.failed == 1 and result.counts.written == 0
    assert result.message is not None and "line 701" in result.message
    assert result.dead_letters == 1 and not out.exists()


def test_a_transient_source_error_is_retried_as_linked_runs(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    FlakySource.openings = 0
    connectors.sources["flaky"] = lambda: FlakySource(50, failures=2)
    out = tmp_path / "out.csv"
    document = simple_document(error_strategy="retry", max_attempts=3, retry_delay_seconds=0)
    handle = service.start_run(document, source=test_source("flaky"), target=csv_target(out))
    result = finished(handle.wait(WAIT))
    assert result.status is RunStatus.COMPLETED and result.counts.read == 50
    assert len(result.keys) == 3 and result.key == result.keys[-1] == handle.keys[-1]
    first, second, third = (service.run_detail(key) for key in result.keys)
    assert first.record.trigger is RunTrigger.MANUAL and first.parent_key is None
    assert first.record.status is RunStatus.FAILED
    assert first.record.error_summary is not None and "503" in first.record.error_summary
    assert second.record.trigger is RunTrigger.RETRY and second.parent_key == first.record.key
    assert third.parent_key == second.record.key and third.details["attempt"] == 3
    assert first.child_keys == (second.record.key,)
    assert out.exists()


def test_retries_stop_after_max_attempts(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    FlakySource.openings = 0
    connectors.sources["flaky"] = lambda: FlakySource(50, failures=5)
    document = simple_document(error_strategy="retry", max_attempts=2, retry_delay_seconds=0)
    result = finished(
        service.start_run(
            document, source=test_source("flaky"), target=csv_target(tmp_path / "o.csv")
        ).wait(WAIT)
    )
    assert result.status is RunStatus.FAILED and result.transient and len(result.keys) == 2
    assert result.message is not None and "503" in result.message


def test_reprocess_runs_only_the_dead_letters_through_the_fixed_mapping(
    service: Service, example: Example, tmp_path: Path
) -> None:
    document, folder = example("qbt_to_wfn")
    service.save_mapping(document, None)
    out = tmp_path / "paydata.csv"
    first = finished(
        service.start_run(document.key, target=csv_target(out), base_dir=folder).wait(WAIT)
    )
    assert first.counts.failed == 1

    fixed = service.open_mapping(document.key)
    fixed.lookups["employee_file_number"]["1234599"] = "004400"
    service.save_mapping(fixed, 1, comment="new hire")

    handle = service.reprocess(first.key)
    result = finished(handle.wait(WAIT))
    assert result.status is RunStatus.COMPLETED
    assert (result.counts.read, result.counts.written, result.counts.failed) == (1, 1, 0)
    detail = service.run_detail(handle.key)
    assert detail.record.trigger is RunTrigger.REPROCESS and detail.parent_key == first.key
    assert detail.record.mapping_version == 2
    assert service.run_detail(first.key).child_keys == (handle.key,)
    again = out.with_name(f"paydata.{first.key}.csv")
    with again.open(newline="", encoding="utf-8") as rows:
        [row] = list(csv.DictReader(rows))
    assert row["file_number"] == "004400"
    assert len(out.read_text(encoding="utf-8").splitlines()) == 8  # the original is untouched


def test_runs_are_listed_paged_and_their_dead_letters_exported(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    connectors.sources["gen"] = lambda: GeneratedSource(30, every_bad=10)
    keys = []
    for index in range(3):
        target = csv_target(tmp_path / f"out{index}.csv")
        result = service.start_run(simple_document(), source=test_source("gen"), target=target)
        keys.append(finished(result.wait(WAIT)).key)
    assert len(set(keys)) == 3  # unique even when started within the same second
    page = service.list_runs(RunFilter(mapping_key=simple_document().key), limit=2)
    assert len(page.items) == 2 and page.next_cursor is not None
    rest = service.list_runs(RunFilter(mapping_key=simple_document().key), page.next_cursor)
    assert {r.key for r in page.items + rest.items} == set(keys)
    assert service.list_runs(RunFilter(status=RunStatus.FAILED)).items == []

    first = service.dead_letters(keys[0], limit=2)
    assert first.total == 3 and len(first.items) == 2 and first.next_after_id is not None
    assert len(service.dead_letters(keys[0], first.next_after_id).items) == 1
    path = tmp_path / "dead.ndjson"
    assert service.export_dead_letters(keys[0], path) == 3
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["input"]["id"] for line in lines] == [9, 19, 29]
    assert {"position", "field", "reason", "input", "error_id"} <= set(lines[0])


def test_run_errors_are_service_errors_that_say_what_to_do(
    service: Service, tmp_path: Path
) -> None:
    with pytest.raises(NotFound, match="mapping_NOPE"):
        service.start_run("mapping_NOPE")
    with pytest.raises(InvalidRequest, match="no source connector; choose a source"):
        service.start_run(simple_document())
    with pytest.raises(NotFound, match="no run 'proc_missing'"):
        service.run_detail("proc_missing")
    missing = csv_target(tmp_path / "missing.csv")
    result = finished(
        service.start_run(simple_document(), source=missing, target=missing).wait(WAIT)
    )
    assert result.status is RunStatus.FAILED and result.message is not None
    assert "missing.csv" in result.message
    assert service.run_detail(result.key).record.error_summary == result.message


def test_run_keys_follow_the_business_key_convention() -> None:
    from datetime import UTC, datetime

    at = datetime(2025, 7, 24, 14, 56, 23, tzinfo=UTC)
    assert run_key("mapping_QBT_WFN_ACME_20250724", at) == "proc_QBT_WFN_ACME_20250724_145623"
    assert run_key("mapping_QBT_WFN_ACME_20250724", at, 2).endswith("_145623_2")
    assert run_key_stem("mapping_orders") == "orders"
    assert run_key_stem("weird key / with spaces") == "weird_key_with_spaces"
    assert run_key_stem("___") == "run"


def test_cancel_while_waiting_to_retry_ends_the_run_at_once(
    service: Service, connectors: TestConnectors, tmp_path: Path
) -> None:
    FlakySource.openings = 0
    failed = threading.Event()

    class Signalling(FlakySource):
        def __iter__(self) -> Iterator[SourceItem]:
            try:
                yield from super().__iter__()
            except FlakyNetworkError:
                failed.set()
                raise

    connectors.sources["flaky"] = lambda: Signalling(50, failures=5)
    document = simple_document(error_strategy="retry", max_attempts=3, retry_delay_seconds=600)
    handle = service.start_run(
        document, source=test_source("flaky"), target=csv_target(tmp_path / "o.csv")
    )
    assert failed.wait(WAIT)
    handle.cancel()
    result = finished(handle.wait(WAIT))
    assert result.status is RunStatus.CANCELLED and result.keys == (handle.key,)
    assert result.message is not None and result.message.startswith("cancelled")
