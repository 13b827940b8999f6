"""The chunked path of a pipeline run (each step a chunk of records at a time) against the
record-by-record path on random unwind / map / filter / validate / aggregate chains: the
same output, the same batches in the sink, the same counts per step and for the run, and
the same dead letters (each naming its step), for every chunk size, with failed records."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.domain.records import Record, RejectedRecord
from fieldwright.domain.runs import DeadLetter, RunStatus
from fieldwright.engine.pipeline import StepCounts, compile_pipeline, execute_pipeline
from fieldwright.engine.pipeline.compile import CompiledPipeline
from fieldwright.engine.pipeline.flow import Chunk, Context
from tests.engine.kit import items
from tests.engine.pipeline.kit import pipeline

VALUES = st.one_of(
    st.none(),
    st.integers(-5, 5),
    st.sampled_from(["a", "b", "x", " 7 ", "", "3.5"]),
    st.sampled_from([1.5, -0.25]),
)
ITEM = st.one_of(
    st.fixed_dictionaries({"q": VALUES}, optional={"r": VALUES, "k": VALUES}),
    st.sampled_from([7, "s", None, [1]]),  # not objects: unwound only `into` a name
)
ARRAYS = st.one_of(
    st.lists(ITEM, max_size=5),
    st.none(),
    st.sampled_from(["oops", 3, {"q": 1}]),  # not arrays: the unwind fails the record
)
RECORDS = st.lists(
    st.one_of(
        st.none(),  # unreadable: a dead letter before the steps
        st.fixed_dictionaries(
            {"k": VALUES, "v": VALUES, "items": ARRAYS}, optional={"q": VALUES, "tags": ARRAYS}
        ),
    ),
    min_size=1,
    max_size=60,
)

MAPPING: dict[str, Any] = {
    "fieldwright": 1,
    "key": "mapping_T_T_X_20261203",
    "name": "m",
    "filter": "k != 'b' && k != `1` && k != `-1` && k != null",  # the map step filters
    "fields": [
        {"target": "$.k", "sources": ["$.k"]},
        {"target": "$.n", "sources": ["$.v"], "transforms": [{"fn": "to_integer"}]},
        {
            "target": "$.q",
            "sources": ["$.q"],
            "transforms": [{"fn": "to_number"}],
            "on_error": "null",  # recovered: the record is kept with the error noted
        },
        {"target": "$.p", "sources": ["$.p"]},
    ],
}

STEPS: list[dict[str, Any]] = [
    {"type": "unwind", "path": "$.items", "carry": {"k": "$.k", "v": "$.v"}, "position": "p"},
    {"type": "unwind", "path": "$.items", "carry": {"k": "$.k"}},
    {"type": "unwind", "path": "$.tags", "into": "tag", "position": "p", "keep_empty": True},
    {"type": "unwind", "path": "$.tags", "carry": {"k": "$.k"}, "keep_empty": True},
    {"type": "unwind", "path": "$.tags", "into": "tag"},
    {
        "type": "unwind",
        "path": "$.items",
        "into": "item",
        "carry": {"v": "$.v"},
        "position": "p",
        "position_base": 0,
    },
    {"type": "map", "mapping": MAPPING},
    {"type": "map", "mapping": MAPPING},
    {"type": "filter", "predicate": "k != 'x'"},
    {"type": "filter", "predicate": "length(k) > `0`"},  # fails on numbers and null
    {"type": "validate", "checks": [{"field": "$.v", "min": -3}]},
    {"type": "validate", "checks": [{"field": "$.k", "required": True}]},
    {  # fails the records whose v is not a number
        "type": "aggregate",
        "group_by": ["$.k"],
        "aggregates": [{"name": "n", "fn": "count"}, {"name": "v", "fn": "sum", "field": "$.v"}],
    },
]


class _Sink:
    """Keeps every batch it is given; refuses the records whose `k` is "a" when asked."""

    name = "batches"

    def __init__(self, refuse: bool) -> None:
        self.refuse = refuse
        self.batches: list[list[Record]] = []
        self.committed = False

    def write_batch(self, records: Sequence[Record]) -> Sequence[RejectedRecord] | None:
        self.batches.append(list(records))
        if not self.refuse:
            return None
        return [
            RejectedRecord(index, "refused", "$.k")
            for index, record in enumerate(records)
            if record.get("k") == "a"
        ]

    def commit(self) -> None:
        self.committed = True

    def abort(self) -> None:
        self.batches = []


def _letter(letter: DeadLetter) -> str:
    """A dead letter without its id and time, as comparable text."""
    return json.dumps(
        [letter.position_text, letter.step, letter.field, letter.reason, letter.input],
        sort_keys=True,
    )


def _run(
    compiled: CompiledPipeline,
    records: list[dict[str, Any] | None],
    refuse: bool,
    **options: Any,
) -> tuple[Any, ...]:
    sink = _Sink(refuse)
    letters: list[DeadLetter] = []
    steps: list[tuple[StepCounts, ...]] = []
    outcome = execute_pipeline(
        compiled,
        items(records),
        sink,
        on_dead_letter=letters.append,
        on_steps=steps.append,
        **options,
    )
    assert outcome.status is RunStatus.COMPLETED, outcome.message
    assert outcome.counts.balanced, outcome.counts
    assert all(step.balanced for step in steps[0]), steps[0]
    assert sink.committed
    refused = sum(letter.reason == "refused" for letter in letters)
    assert outcome.counts.written == sum(map(len, sink.batches)) - refused
    return outcome.counts, steps[0], sink.batches, sorted(map(_letter, letters))


@settings(max_examples=200, deadline=None)
@given(
    records=RECORDS,
    chosen=st.lists(st.integers(0, len(STEPS) - 1), min_size=1, max_size=5),
    chunk_size=st.sampled_from([1, 2, 3, 7, 64]),
    batch_size=st.sampled_from([1, 4, 1000]),
    refuse=st.booleans(),
)
def test_the_chunked_path_equals_the_record_path(
    records: list[dict[str, Any] | None],
    chosen: list[int],
    chunk_size: int,
    batch_size: int,
    refuse: bool,
) -> None:
    steps = [{"name": f"s{n}", **STEPS[index]} for n, index in enumerate(chosen)]
    compiled = compile_pipeline(pipeline(*steps, run={"batch_size": batch_size}))
    by_record = _run(compiled, records, refuse, by_record=True)
    by_chunk = _run(compiled, records, refuse, chunk_size=chunk_size)
    assert by_chunk == by_record
    batches = by_chunk[2]
    assert all(len(batch) == batch_size for batch in batches[:-1])


def test_an_unwind_hands_on_its_records_as_they_reach_the_chunk_size() -> None:
    """Records with long arrays do not make one chunk of all their items: the unwind hands
    on what it has once it holds the chunk size (a record's items stay together)."""
    compiled = compile_pipeline(
        pipeline({"name": "u", "type": "unwind", "path": "$.items", "carry": {"id": "$.id"}})
    )
    (unwind,) = compiled.steps
    records: list[Record] = [{"id": n, "items": [{"q": q} for q in range(3)]} for n in range(3)]
    chunk = Chunk(items(records), records)
    context = Context(None, fail_fast=False, chunk_size=4)
    out = list(unwind.run_chunks(iter([chunk]), context))
    assert [len(c.records) for c in out] == [6, 3]
    assert [r["id"] for c in out for r in c.records] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert [o.position.line for c in out for o in c.origins] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert unwind.counts.expanded == 6 and unwind.counts.emitted == 9
