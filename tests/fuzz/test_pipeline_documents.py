"""Fuzz: mutated pipeline documents through load, validate, compile and a run.

Whatever a hand edit does to a pipeline (a key dropped, a value of another type,
a step of an unknown type, a path or predicate garbled), loading either gives the
document or a `PipelineError` whose every problem has a JSON pointer into the
text; a loaded document validates to a list of problems; one that compiles runs
on a few records with its counts balanced. Never another exception.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.domain.pipeline_canonical import PipelineError, loads_pipeline
from fieldwright.domain.records import Position, SourceItem
from fieldwright.engine.pipeline import (
    PipelineResolver,
    compile_pipeline,
    execute_pipeline,
    validate_pipeline,
)
from tests.engine.kit import MemorySink

BASE: dict[str, Any] = {
    "fieldwright_pipeline": 1,
    "key": "pipeline_FUZZ",
    "name": "fuzz",
    "steps": [
        {
            "name": "u",
            "type": "unwind",
            "path": "$.items",
            "carry": {"id": "$.id"},
            "position": "n",
        },
        {"name": "f", "type": "filter", "predicate": "q > `0`"},
        {"name": "v", "type": "validate", "checks": [{"field": "$.q", "max": 9}]},
        {
            "name": "g",
            "type": "aggregate",
            "group_by": ["$.id"],
            "aggregates": [
                {"name": "q", "fn": "sum", "field": "$.q"},
                {"name": "all", "fn": "collect", "field": "$.n"},
            ],
        },
        {"name": "s", "type": "sort", "keys": [{"field": "$.q", "descending": True}]},
        {"name": "d", "type": "dedupe", "keys": ["$.q"]},
        {"name": "r", "type": "route", "branches": [{"name": "b", "when": "q > `3`"}]},
        {
            "name": "m",
            "type": "map",
            "mapping": {
                "fieldwright": 1,
                "key": "k",
                "name": "m",
                "fields": [
                    {"target": "$.id", "sources": "$.id"},
                    {"target": "$.q", "sources": "$.q"},
                ],
            },
        },
    ],
}
RECORDS = [{"id": n % 3, "items": [{"q": q} for q in range(n % 5)]} for n in range(12)]
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.text(max_size=8),
    st.sampled_from(["$.", "$[", "a ===", "$.items[*]", "route", "`1`", "nope", "sum"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


PATHS = _paths(BASE)[1:]


def _mutate(data: Any, path: tuple[Any, ...], how: str, junk: Any) -> None:
    parent = data
    for token in path[:-1]:
        parent = parent[token]
    last = path[-1]
    if how == "drop":
        del parent[last]
    elif how == "replace":
        parent[last] = junk
    elif isinstance(parent, dict):
        parent[f"{last}_extra"] = junk


@settings(max_examples=150, deadline=None)
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(PATHS), st.sampled_from(["drop", "replace", "add"]), JUNK),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_pipelines_are_loaded_or_refused_with_pointers(
    mutations: list[tuple[tuple[Any, ...], str, Any]],
) -> None:
    data = copy.deepcopy(BASE)
    for path, how, junk in mutations:
        try:
            _mutate(data, path, how, junk)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced the place
    try:
        document = loads_pipeline(json.dumps(data))
    except PipelineError as exc:
        assert exc.problems
        assert all(p.pointer == "" or p.pointer.startswith("/") for p in exc.problems)
        return
    resolver = PipelineResolver(partner=lambda _step: ())
    problems = validate_pipeline(document, resolver)
    assert all(p.pointer.startswith("/") for p in problems)
    if problems:
        return
    compiled = compile_pipeline(document, resolver)
    items = [SourceItem(Position(line=n + 1), r) for n, r in enumerate(RECORDS)]
    outcome = execute_pipeline(compiled, items, MemorySink())
    assert outcome.counts.balanced, outcome.counts
