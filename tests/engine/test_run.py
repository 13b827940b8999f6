"""The run loop conserves records on every exit: read = written + failed + filtered + skipped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.connectors import NdjsonSink
from fieldwright.domain import ErrorStrategy
from fieldwright.domain.runs import DeadLetter, RunStatus
from fieldwright.engine import Progress, compile_document, execute
from fieldwright.engine.functions import Registry
from tests.engine.kit import MemorySink, document, items, make_registry

FIELDS = [
    {"target": "$.id", "sources": "$.id", "required": True},
    {"target": "$.name", "sources": "$.name", "transforms": [{"fn": "upper"}]},
    {"target": "$.amount", "sources": "$.amount", "rules": {"min": 0}},
]

REGISTRY = make_registry()

records = st.one_of(
    st.none(),  # an unreadable line
    st.fixed_dictionaries(
        {},
        optional={
            "id": st.one_of(st.integers(), st.none()),
            "name": st.one_of(st.text(max_size=5), st.integers(), st.none()),
            "amount": st.one_of(st.integers(-5, 5), st.floats(allow_nan=False), st.none()),
            "status": st.sampled_from(["active", "archived"]),
        },
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    batch=st.lists(records, max_size=40),
    strategy=st.sampled_from(list(ErrorStrategy)),
    batch_size=st.integers(1, 7),
)
def test_counts_always_add_up(
    batch: list[dict[str, Any] | None], strategy: ErrorStrategy, batch_size: int
) -> None:
    compiled = compile_document(
        document(fields=FIELDS, filter="status != 'archived'"), registry=REGISTRY
    )
    sink = MemorySink()
    dead: list[DeadLetter] = []
    outcome = execute(
        compiled,
        items(batch),
        sink,
        strategy=strategy,
        batch_size=batch_size,
        on_dead_letter=dead.append,
    )
    counts = outcome.counts
    assert counts.balanced, counts
    assert counts.failed == len(dead)
    if outcome.status is RunStatus.COMPLETED:
        assert counts.read == len(batch)
        assert sink.committed is not None and len(sink.committed) == counts.written
        assert counts.skipped == 0
    else:
        assert strategy is ErrorStrategy.FAIL_FAST
        assert sink.aborted and sink.committed is None
        assert counts.written == 0 and counts.failed == 1


def test_dead_letters_keep_position_field_reason_and_input() -> None:
    compiled = compile_document(document(fields=FIELDS), registry=REGISTRY)
    dead: list[DeadLetter] = []
    outcome = execute(
        compiled,
        items([{"id": 1, "name": "a"}, None, {"name": 3}]),
        MemorySink(),
        on_dead_letter=dead.append,
    )
    assert outcome.status is RunStatus.COMPLETED
    assert outcome.counts.model_dump() == {
        "read": 3,
        "written": 1,
        "failed": 2,
        "filtered": 0,
        "skipped": 0,
    }
    unreadable, failed = dead
    assert (
        unreadable.position == {"line": 2}
        and unreadable.input is None
        and unreadable.raw == "{oops"
    )
    assert unreadable.error_id.startswith("err_read_")
    assert failed.position_text == "line 3"
    assert failed.field == "$.id"
    assert "required value is empty" in failed.reason and "upper needs text" in failed.reason
    assert failed.input == {"name": 3}
    assert failed.error_id.startswith("err_mapping_") and failed.error_id != unreadable.error_id


def test_fail_fast_stops_at_the_first_failure_and_leaves_the_sink_empty() -> None:
    compiled = compile_document(document(fields=FIELDS), registry=REGISTRY)
    sink = MemorySink()
    outcome = execute(
        compiled,
        items([{"id": 1}, {"id": 2}, {"name": 1}, {"id": 4}]),
        sink,
        strategy=ErrorStrategy.FAIL_FAST,
        batch_size=1,
    )
    assert outcome.status is RunStatus.FAILED
    assert "line 3" in (outcome.message or "")
    assert outcome.counts.model_dump() == {
        "read": 3,
        "written": 0,
        "failed": 1,
        "filtered": 0,
        "skipped": 2,
    }
    assert sink.aborted and sink.committed is None


def test_a_failing_sink_aborts_and_the_counts_still_add_up() -> None:
    compiled = compile_document(document(fields=FIELDS), registry=REGISTRY)
    sink = MemorySink(fail_after=3)
    outcome = execute(compiled, items([{"id": n} for n in range(10)]), sink, batch_size=2)
    assert outcome.status is RunStatus.FAILED
    assert isinstance(outcome.error, OSError)
    assert "memory: disk full" in (outcome.message or "")
    assert outcome.counts.balanced and outcome.counts.written == 0
    assert sink.committed is None


def test_cancel_stops_the_run_and_reports_progress(registry: Registry) -> None:
    compiled = compile_document(
        document(fields=[{"target": "$.id", "sources": "$.id"}]), registry=registry
    )
    seen: list[Progress] = []
    checks = 0

    def cancel() -> bool:
        nonlocal checks
        checks += 1
        return checks >= 3

    sink = MemorySink()
    outcome = execute(
        compiled,
        items([{"id": n} for n in range(5000)]),
        sink,
        should_cancel=cancel,
        on_progress=seen.append,
        progress_interval=0.0,
        total=5000,
    )
    assert outcome.status is RunStatus.CANCELLED
    first_three = 4 + 8 + 16  # the first chunk is small; fast chunks double (up to CHUNK_SIZE)
    assert outcome.counts.read == first_three
    assert outcome.counts.balanced and sink.aborted
    assert seen and seen[-1].counts.read == first_three
    assert seen[0].total == 5000 and seen[0].eta is not None


class BatchCommittingSink(MemorySink):
    """Like a SQL table without staging: each batch is committed as it comes."""

    def __init__(self, fail_after: int) -> None:
        super().__init__(fail_after)
        self.kept_after_abort = 0

    def write_batch(self, records: Any) -> None:
        super().write_batch(records)
        self.kept_after_abort += len(records)


def test_a_sink_that_commits_per_batch_keeps_its_written_count() -> None:
    compiled = compile_document(document(fields=FIELDS), registry=REGISTRY)
    sink = BatchCommittingSink(fail_after=4)
    outcome = execute(compiled, items([{"id": n} for n in range(600)]), sink, batch_size=2)
    assert outcome.status is RunStatus.FAILED
    assert outcome.counts.written == 4
    # The sink failed while the third chunk (4 + 8 records read) was being written.
    assert outcome.counts.read == 4 + 8
    assert outcome.counts.skipped == 4 + 8 - 4
    assert outcome.counts.balanced


def test_slow_chunks_shrink_so_that_a_cancel_is_seen_within_a_record_or_two(
    registry: Registry,
) -> None:
    """A chunk is mapped before the run looks at cancel again: records slow to map
    (each spending a regex's time bound) must not hold a cancel for 64 of them."""
    import time

    from fieldwright.engine import run as run_module

    compiled = compile_document(
        document(fields=[{"target": "$.id", "sources": "$.id"}]), registry=registry
    )
    slept: list[int] = []
    real_map = run_module._map

    def slow_map(compiled_: Any, chunk: list[Any]) -> Any:
        slept.append(len(chunk))
        time.sleep(0.15 * len(chunk))  # slow records: 0.15 s each
        return real_map(compiled_, chunk)

    checks = 0

    def cancel() -> bool:
        nonlocal checks
        checks += 1
        return checks >= 4

    original = run_module._map
    run_module._map = slow_map
    try:
        outcome = execute(
            compiled, items([{"id": n} for n in range(500)]), MemorySink(), should_cancel=cancel
        )
    finally:
        run_module._map = original
    assert outcome.status is RunStatus.CANCELLED
    assert slept == [4, 2, 1, 1], "slow chunks halve down to one record"


def test_a_filter_that_cannot_be_evaluated_on_one_record_fails_that_record_only() -> None:
    # length() of a number is a JMESPath type error: it used to escape and fail the run.
    compiled = compile_document(
        document(fields=[{"target": "$.name", "sources": "$.name"}], filter="length(name) > `1`"),
        registry=REGISTRY,
    )
    records = [{"name": "ada"}, {"name": 7}, {"name": "b"}, {"name": "grace"}]
    dead: list[DeadLetter] = []
    sink = MemorySink()
    outcome = execute(compiled, items(records), sink, on_dead_letter=dead.append)
    assert outcome.status is RunStatus.COMPLETED
    counts = outcome.counts
    assert (counts.read, counts.written, counts.failed, counts.filtered) == (4, 2, 1, 1)
    assert sink.committed == [{"name": "ada"}, {"name": "grace"}]
    (letter,) = dead
    assert letter.field == "filter" and letter.input == {"name": 7}
    assert "the filter cannot be evaluated on this record" in letter.reason
    assert "length()" in letter.reason
    # The one-record paths agree with the batch path.
    assert compiled.apply({"name": 7}).status.value == "failed"


def test_an_expression_past_its_step_budget_fails_that_record_only() -> None:
    from fieldwright.engine.functions._expressions import MAX_EXPRESSION_STEPS

    compiled = compile_document(
        document(
            fields=[{"target": "$.id", "sources": "$.id"}],
            filter="length(items[?v > `0`]) > `0`",
        ),
        registry=REGISTRY,
    )
    huge = {"id": 2, "items": [{"v": 1}] * MAX_EXPRESSION_STEPS}
    dead: list[DeadLetter] = []
    sink = MemorySink()
    outcome = execute(
        compiled, items([{"id": 1, "items": [{"v": 1}]}, huge]), sink, on_dead_letter=dead.append
    )
    assert outcome.status is RunStatus.COMPLETED
    assert (outcome.counts.written, outcome.counts.failed) == (1, 1)
    assert sink.committed == [{"id": 1}]
    assert f"more than {MAX_EXPRESSION_STEPS:,} steps" in dead[0].reason


def test_a_record_the_sink_refuses_is_a_dead_letter_with_its_input(tmp_path: Path) -> None:
    compiled = compile_document(document(fields=FIELDS), registry=REGISTRY)
    dead: list[DeadLetter] = []
    sink = NdjsonSink(tmp_path / "out.ndjson")
    records = [{"id": 1, "name": "a"}, {"id": 2, "name": "b\ud800"}, {"id": 3, "name": "c"}]
    outcome = execute(compiled, items(records), sink, on_dead_letter=dead.append, batch_size=2)
    assert outcome.counts.model_dump() == {
        "read": 3,
        "written": 2,
        "failed": 1,
        "filtered": 0,
        "skipped": 0,
    }
    (letter,) = dead
    assert letter.error_id.startswith("err_write_")
    assert letter.input == {"id": 2, "name": "b\ud800"} and letter.position_text == "line 2"
    assert "lone surrogate" in letter.reason
