"""Mapping record by record and mapping a chunk by column give the same results."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.engine import RecordStatus, compile_document
from tests.engine.kit import document, make_registry

FIELDS: list[dict[str, Any]] = [
    {"target": "$.id", "sources": "$.id", "required": True},
    {"target": "$.name", "sources": "$.person.name", "transforms": [{"fn": "upper"}]},
    {
        "target": "$.name_or_null",
        "sources": "$.person.name",
        "transforms": [{"fn": "upper"}],
        "on_error": "null",
    },
    {
        "target": "$.name_or_default",
        "sources": "$.person.name",
        "transforms": [{"fn": "upper"}],
        "on_error": "default",
        "default": "?",
    },
    {
        "target": "$.name_or_skip",
        "sources": "$.person.name",
        "transforms": [{"fn": "upper"}],
        "on_error": "skip",
    },
    {
        "target": "$.total",
        "sources": "$.amount",
        "transforms": [{"fn": "add", "args": [1]}],
        "rules": {"max": 100},
    },
    {
        "target": "$.stage.code",
        "sources": "$.stage",
        "transforms": [{"fn": "lookup", "args": ["stages", "X"]}],
    },
    {
        "target": "$.both",
        "sources": ["$.person.name", "$.stage"],
        "transforms": [{"fn": "join", "args": ["/"]}],
    },
    {
        "target": "$.fallback",
        "sources": "$.missing",
        "transforms": [{"fn": "if_null", "args": [0]}],
    },
    {"target": "$.meta", "constant": {"from": "test"}},
    {"target": "$.deep.er.still", "sources": "$.person['the tag']", "default": [1]},
    {
        "target": "$.second",
        "sources": "$.list[1]",
        "rules": {"type": "integer"},
        "on_error": "null",
    },
]

REGISTRY = make_registry()
COMPILED = compile_document(
    document(fields=FIELDS, lookups={"stages": {"a": "A", "b": "B"}}, filter="!(skip == `true`)"),
    registry=REGISTRY,
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 200), st.text(max_size=4), st.floats(allow_nan=False)
)
records = st.fixed_dictionaries(
    {},
    optional={
        "id": scalars,
        "person": st.one_of(
            scalars, st.fixed_dictionaries({}, optional={"name": scalars, "the tag": scalars})
        ),
        "amount": scalars,
        "stage": st.one_of(st.sampled_from(["a", "b", "c"]), scalars),
        "list": st.lists(scalars, max_size=3),
        "skip": st.booleans(),
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(records, max_size=12))
def test_record_and_column_paths_agree(batch: list[dict[str, Any]]) -> None:
    one_by_one = [COMPILED.apply(record) for record in batch]
    by_column = COMPILED.apply_many(batch)
    assert [(r.status, r.output, r.errors) for r in by_column] == [
        (r.status, r.output, r.errors) for r in one_by_one
    ]
    outputs, others = COMPILED.map_chunk(batch)
    for index, result in enumerate(one_by_one):
        clean = result.status is RecordStatus.OK and not result.errors
        assert outputs[index] == (result.output if clean else None)
        assert (index in others) is not clean
