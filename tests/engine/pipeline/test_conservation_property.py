"""Random pipelines over random records: every step's counts balance, and the run's, under
both error strategies and with spills; dedupe and unwind equal reference implementations."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.engine.pipeline.values import identity
from tests.engine.pipeline.kit import pipeline, run

VALUES = st.one_of(
    st.none(), st.integers(-5, 5), st.sampled_from(["a", "b", "x"]), st.sampled_from([1.5, -0.25])
)
ITEMS = st.one_of(
    st.none(),
    st.sampled_from(["oops", 3]),  # not arrays: the unwind fails the record
    st.lists(st.one_of(st.fixed_dictionaries({"q": VALUES}), st.just(7)), max_size=4),
)
RECORDS = st.lists(
    st.one_of(st.none(), st.fixed_dictionaries({"k": VALUES, "v": VALUES, "items": ITEMS})),
    max_size=40,
)

STEPS: list[dict[str, Any]] = [
    {"type": "unwind", "path": "$.items", "carry": {"k": "$.k", "v": "$.v"}, "position": "p"},
    {"type": "filter", "predicate": "k != 'x'"},
    {"type": "filter", "predicate": "length(k) > `0`"},  # fails on numbers and null
    {"type": "validate", "checks": [{"field": "$.v", "min": -3}]},
    {"type": "dedupe", "keys": ["$.k"]},
    {"type": "dedupe", "keys": ["$.k", "$.v"], "keep": "last"},
    {"type": "sort", "keys": [{"field": "$.v", "descending": True}]},
    {
        "type": "aggregate",
        "group_by": ["$.k"],
        "aggregates": [{"name": "n", "fn": "count"}, {"name": "v", "fn": "sum", "field": "$.v"}],
    },
    {
        "type": "route",
        "mode": "all",
        "branches": [
            {
                "name": "neg",
                "when": "v < `0`",
                "steps": [{"name": "s", "type": "sort", "keys": [{"field": "$.k"}]}],
            },
            {"name": "all"},
        ],
    },
]


@settings(max_examples=80, deadline=None)
@given(
    records=RECORDS,
    chosen=st.lists(st.integers(0, len(STEPS) - 1), min_size=1, max_size=5),
    fail_fast=st.booleans(),
    budget=st.sampled_from([1, 3, 20_000]),
)
def test_counts_balance_in_every_step_and_for_the_run(
    records: list[dict[str, Any] | None], chosen: list[int], fail_fast: bool, budget: int
) -> None:
    steps = [{"name": f"s{n}", **STEPS[index]} for n, index in enumerate(chosen)]
    strategy = "fail_fast" if fail_fast else "continue_on_error"
    ran = run(pipeline(*steps, spill_after=budget, run={"error_strategy": strategy}), records)
    # `run` asserts every step's and the run's balance; what was written is what came out.
    assert ran.counts.written == len(ran.output)
    assert ran.counts.failed == len(ran.letters)
    assert all(letter.step is None or letter.step.startswith("s") for letter in ran.letters)


@settings(max_examples=60, deadline=None)
@given(
    records=st.lists(st.fixed_dictionaries({"k": VALUES, "n": st.integers()}), max_size=30),
    keep=st.sampled_from(["first", "last"]),
)
def test_dedupe_equals_a_reference(records: list[dict[str, Any]], keep: str) -> None:
    chosen: dict[Any, tuple[int, dict[str, Any]]] = {}
    for index, record in enumerate(records):
        key = identity((record["k"],))
        if keep == "last" or key not in chosen:
            chosen[key] = (index, record)
    expected = [r for _i, r in sorted(chosen.values(), key=lambda pair: pair[0])]
    ran = run(pipeline({"name": "d", "type": "dedupe", "keys": ["$.k"], "keep": keep}), records)
    assert ran.output == expected


@settings(max_examples=60, deadline=None)
@given(
    records=st.lists(
        st.fixed_dictionaries(
            {
                "id": st.integers(),
                "items": st.lists(st.fixed_dictionaries({"q": VALUES}), max_size=4),
            }
        ),
        max_size=20,
    )
)
def test_unwind_equals_a_reference(records: list[dict[str, Any]]) -> None:
    expected = [
        {"id": r["id"], "n": n, **item} for r in records for n, item in enumerate(r["items"], 1)
    ]
    doc = pipeline(
        {"name": "u", "type": "unwind", "path": "$.items", "carry": {"id": "$.id"}, "position": "n"}
    )
    assert run(doc, records).output == expected
