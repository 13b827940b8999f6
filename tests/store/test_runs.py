"""The batch processing log: paging newest first, filters, dead letters by run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fieldwright.domain.runs import DeadLetter, RunCounts, RunStatus, RunTrigger
from fieldwright.domain.store_models import RunRecord
from fieldwright.store import Conflict, InvalidRecord, NotFound, RunRepository, Store

T0 = datetime(2025, 7, 24, 14, 0, tzinfo=UTC)


def _fill(repo: RunRepository, count: int = 25) -> list[RunRecord]:
    runs = []
    for i in range(count):
        status = [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED][i % 3]
        runs.append(
            repo.add_run(
                RunRecord(
                    key=f"proc_QBT_WFN_ACME_20250724_{i:06d}",
                    mapping_key="mapping_QBT_WFN_ACME_20250724"
                    if i % 2
                    else "mapping_HS_CRM_ACME_20250801",
                    mapping_version=1 + i % 4,
                    trigger=RunTrigger.SCHEDULE if i % 5 == 0 else RunTrigger.MANUAL,
                    status=status,
                    # Every fifth run shares its start with the previous one: ties must page right.
                    started_at=T0 + timedelta(minutes=i - (i % 5 == 0 and i > 0)),
                    ended_at=T0 + timedelta(minutes=i, seconds=30),
                    counts=RunCounts(read=10, written=10 - i % 3, failed=i % 3),
                )
            )
        )
    return runs


def test_pages_are_newest_first_without_gaps_or_repeats(store: Store) -> None:
    repo = RunRepository(store)
    _fill(repo)
    seen: list[str] = []
    page = repo.list_runs(limit=7)
    pages = 1
    while True:
        seen += [run.key for run in page.items]
        if page.next_cursor is None:
            break
        page = repo.list_runs(limit=7, after=page.next_cursor)
        pages += 1
    assert pages == 4 and len(seen) == 25 and len(set(seen)) == 25
    starts = [repo.get_run(key).started_at for key in seen]
    assert starts == sorted(starts, reverse=True)
    assert repo.list_runs(limit=25).next_cursor is None


def test_filters_by_mapping_status_trigger_and_date_range(store: Store) -> None:
    repo = RunRepository(store)
    _fill(repo)
    acme = repo.list_runs(mapping_key="mapping_QBT_WFN_ACME_20250724").items
    assert len(acme) == 12 and {r.mapping_key for r in acme} == {"mapping_QBT_WFN_ACME_20250724"}
    failed = repo.list_runs(status=RunStatus.FAILED).items
    assert {r.status for r in failed} == {RunStatus.FAILED} and len(failed) == 8
    assert len(repo.list_runs(status=[RunStatus.FAILED, RunStatus.CANCELLED]).items) == 16
    scheduled = repo.list_runs(trigger=RunTrigger.SCHEDULE).items
    assert [r.key[-2:] for r in scheduled] == ["20", "15", "10", "05", "00"]
    window = repo.list_runs(
        since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=12)
    ).items
    assert [r.key[-2:] for r in window] == ["11"]  # run 10 started at minute 9, run 12 at 12
    both = repo.list_runs(mapping_key="mapping_HS_CRM_ACME_20250801", status=RunStatus.COMPLETED)
    assert all(
        r.status is RunStatus.COMPLETED and r.mapping_key.startswith("mapping_HS")
        for r in both.items
    )
    assert repo.count_runs(status=RunStatus.FAILED) == 8
    assert acme[0].started_at.tzinfo is not None and acme[0].counts.balanced


def test_a_run_from_start_to_finish(store: Store) -> None:
    repo = RunRepository(store)
    key = "proc_QBT_WFN_ACME_20250724_145623"
    started = repo.start_run(key, mapping_key="mapping_QBT_WFN_ACME_20250724", mapping_version=3)
    assert started.status is RunStatus.RUNNING and started.started_by == "alice"
    repo.update_counts(key, RunCounts(read=5, written=4, failed=1))
    with pytest.raises(InvalidRecord, match="does not balance"):
        repo.finish_run(key, status=RunStatus.COMPLETED, counts=RunCounts(read=5, written=3))
    done = repo.finish_run(
        key, status=RunStatus.COMPLETED, counts=RunCounts(read=6, written=4, failed=1, filtered=1)
    )
    assert done.status is RunStatus.COMPLETED and done.ended_at is not None
    assert done.counts == RunCounts(read=6, written=4, failed=1, filtered=1)
    with pytest.raises(NotFound):
        repo.get_run("proc_nope")


def test_runs_left_running_by_a_killed_process_are_marked_failed(store: Store) -> None:
    repo = RunRepository(store)
    repo.start_run("proc_A", mapping_key="mapping_A")
    repo.update_counts("proc_A", RunCounts(read=10, written=6, failed=1))
    assert repo.fail_unfinished_runs() == ["proc_A"]
    run = repo.get_run("proc_A")
    assert run.status is RunStatus.FAILED and run.counts.skipped == 3 and run.counts.balanced
    assert "interrupted" in (run.error_summary or "")


def _letter(i: int) -> DeadLetter:
    return DeadLetter(
        error_id=f"err_validation_17218329831{i:02d}",
        position={"line": i + 2},
        position_text=f"line {i + 2}",
        field="$.employee.id",
        reason=f"value {i} does not match ^[0-9]+$",
        input={"user_id": f"x{i}", "nested": {"ok": True}},
        occurred_at=T0 + timedelta(seconds=i),
    )


def test_dead_letters_are_kept_per_run_and_paged(store: Store) -> None:
    repo = RunRepository(store)
    repo.start_run("proc_A", mapping_key="mapping_A")
    repo.start_run("proc_B", mapping_key="mapping_A")
    assert repo.add_dead_letters("proc_A", [_letter(i) for i in range(12)]) == 12
    # Same error id twice (a burst in one millisecond) is kept, not dropped.
    repo.add_dead_letters("proc_B", [_letter(0), _letter(0)])
    first = repo.dead_letters("proc_A", limit=5)
    assert first.total == 12 and len(first.items) == 5 and first.next_after_id is not None
    rest = repo.dead_letters("proc_A", limit=20, after_id=first.next_after_id)
    letters = first.items + rest.items
    assert rest.next_after_id is None
    assert [d.position_text for d in letters] == [f"line {i + 2}" for i in range(12)]
    assert letters[3].input == {"user_id": "x3", "nested": {"ok": True}}
    assert letters[3].error_type == "validation" and letters[3].field == "$.employee.id"
    assert letters[3].occurred_at == T0 + timedelta(seconds=3)
    assert repo.dead_letters("proc_B").total == 2
    assert repo.get_run("proc_A").dead_letter_count == 12
    assert repo.list_runs().items[0].dead_letter_count in (2, 12)


def test_naive_datetimes_are_refused(store: Store) -> None:
    repo = RunRepository(store)
    with pytest.raises(Exception, match="naive datetime"):
        repo.start_run("proc_A", mapping_key="m", started_at=datetime(2025, 7, 24, 14, 0))
    assert repo.count_runs() == 0


def test_the_database_refuses_a_completed_run_that_does_not_balance(store: Store) -> None:
    repo = RunRepository(store)
    record = RunRecord(
        key="proc_A",
        mapping_key="mapping_A",
        status=RunStatus.COMPLETED,
        started_at=T0,
        counts=RunCounts(read=10, written=9),
    )
    with pytest.raises(InvalidRecord, match=r"(?i)check constraint"):
        repo.add_run(record)
    with pytest.raises(Conflict):
        repo.add_run(record.model_copy(update={"counts": RunCounts(read=10, written=10)}))
        repo.add_run(record.model_copy(update={"counts": RunCounts(read=10, written=10)}))
    assert repo.count_runs() == 1
