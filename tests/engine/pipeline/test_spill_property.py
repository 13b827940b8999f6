"""Sort and aggregate equal simple reference implementations on random inputs, with and
without spilling to disk (a budget of a few records forces many sorted runs)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.engine.pipeline.spill import ExternalSorter
from fieldwright.engine.pipeline.values import order_key
from tests.engine.pipeline.kit import pipeline, run

KEYS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(["a", "b", "é"]),
    st.sampled_from([0.5, 1.0, -2.25]),
)
NUMBERS = st.one_of(
    st.none(),
    st.integers(-1000, 1000),
    st.decimals(-1000, 1000, places=2, allow_nan=False).map(float),
)
RECORDS = st.lists(
    st.fixed_dictionaries({"k": KEYS, "j": st.sampled_from(["x", "y"]), "v": NUMBERS}),
    max_size=60,
)
BUDGETS = st.sampled_from([1, 2, 3, 7, 100_000])


def _reference_sort(records: list[dict[str, Any]], descending: bool) -> list[int]:
    indexed = list(enumerate(records))
    # Stable: Python's sort keeps equal keys in input order, in both directions.
    ordered = sorted(
        indexed, key=lambda pair: (order_key(pair[1]["k"]), pair[1]["j"]), reverse=False
    )
    if descending:
        ordered = sorted(indexed, key=lambda pair: order_key(pair[1]["k"]), reverse=True)
        ordered = sorted(ordered, key=lambda pair: pair[1]["j"])
    return [index for index, _r in ordered]


@settings(max_examples=60, deadline=None)
@given(records=RECORDS, budget=BUDGETS, descending=st.booleans())
def test_sort_equals_a_stable_reference(
    records: list[dict[str, Any]], budget: int, descending: bool
) -> None:
    tagged = [{**r, "n": n} for n, r in enumerate(records)]
    keys = (
        [{"field": "$.j"}, {"field": "$.k", "descending": True}]
        if descending
        else [{"field": "$.k"}, {"field": "$.j"}]
    )
    doc = pipeline({"name": "s", "type": "sort", "keys": keys}, spill_after=budget)
    ran = run(doc, tagged)
    assert [r["n"] for r in ran.output] == _reference_sort(records, descending)


def _reference_aggregate(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    firsts: dict[Any, Any] = {}
    for record in records:
        ident = (order_key(record["k"]), record["j"])
        firsts.setdefault(ident, record)
        groups[ident].append(record)
    out = []
    for ident, members in groups.items():
        values = [m["v"] for m in members if m["v"] is not None]
        total = sum(
            (Decimal(repr(v)) if isinstance(v, float) else Decimal(v) for v in values), Decimal(0)
        )
        integral = all(isinstance(v, int) for v in values)
        out.append(
            {
                "k": firsts[ident]["k"],
                "j": firsts[ident]["j"],
                "n": len(members),
                "sum": int(total) if integral else float(total),
                "min": min(values) if values else None,
                "max": max(values) if values else None,
                "avg": float(total / len(values)) if values else None,
                "first": members[0]["v"],
                "last": members[-1]["v"],
                "all": values,
                "distinct": len({order_key(v) for v in values}),
            }
        )
    return out


@settings(max_examples=60, deadline=None)
@given(records=RECORDS, budget=BUDGETS)
def test_aggregate_equals_a_reference(records: list[dict[str, Any]], budget: int) -> None:
    doc = pipeline(
        {
            "name": "g",
            "type": "aggregate",
            "group_by": ["$.k", "$.j"],
            "aggregates": [
                {"name": "n", "fn": "count"},
                {"name": "sum", "fn": "sum", "field": "$.v"},
                {"name": "min", "fn": "min", "field": "$.v"},
                {"name": "max", "fn": "max", "field": "$.v"},
                {"name": "avg", "fn": "avg", "field": "$.v"},
                {"name": "first", "fn": "first", "field": "$.v"},
                {"name": "last", "fn": "last", "field": "$.v"},
                {"name": "all", "fn": "collect", "field": "$.v"},
                {"name": "distinct", "fn": "count_distinct", "field": "$.v"},
            ],
        },
        spill_after=budget,
    )
    ran = run(doc, records)
    expected = _reference_aggregate(records)
    assert ran.output == expected
    # `==` takes 1 and True as equal: the key's type must survive too.
    assert [type(r["k"]) for r in ran.output] == [type(r["k"]) for r in expected]


def test_a_tiny_budget_really_spills() -> None:
    records = [{"k": n % 5, "j": "x", "v": n} for n in range(40)]
    doc = pipeline(
        {
            "name": "g",
            "type": "aggregate",
            "group_by": ["$.k"],
            "aggregates": [{"name": "n", "fn": "count"}],
        },
        spill_after=2,
    )
    from fieldwright.engine.pipeline import compile_pipeline

    compiled = compile_pipeline(doc)
    step = compiled.steps[0]
    ran = run(doc, records)
    assert ran.output == [{"k": k, "n": 8} for k in range(5)]
    sorter = ExternalSorter(3)
    for n in range(10):
        sorter.add(((n * 7) % 10, n, f"payload {n}"))
    assert sorter.spilled == 9
    assert [entry[0] for entry in sorter.sorted()] == list(range(10))
    assert step.type == "aggregate"
