"""engine/finite.py: when a mapping cannot make a NaN or an infinity, and the reading's
premise — every function it trusts gives a finite result from finite input."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.domain import MappingDocument
from fieldwright.engine import compile_document, finite_outputs
from fieldwright.engine.finite import FINITE_STEPS, holds_non_finite
from fieldwright.engine.functions import REGISTRY, FunctionSpec, StepContext

CONTACTS_LIKE: list[dict[str, Any]] = [
    {"target": "$.id", "sources": "$.id", "transforms": [{"fn": "to_string"}]},
    {
        "target": "$.name",
        "sources": ["$.first", "$.last"],
        "transforms": [{"fn": "concat", "args": [" "]}, {"fn": "normalize_whitespace"}],
    },
    {
        "target": "$.revenue",
        "sources": "$.revenue",
        "transforms": [{"fn": "to_number"}],
        "on_error": "default",
        "default": 0.0,
    },
    {
        "target": "$.stage",
        "sources": "$.stage",
        "transforms": [{"fn": "lookup", "args": ["stage", "unknown"]}],
    },
    {"target": "$.company", "sources": "$.companies[0]"},
    {"target": "$.companies", "sources": "$.companies[*]"},
    {"target": "$.country", "constant": "US"},
    {
        "target": "$.day",
        "sources": "$.created",
        "transforms": [{"fn": "format_date", "args": ["%Y-%m-%d"]}],
        "on_error": "null",
    },
]


def _compiled(fields: list[dict[str, Any]], lookups: dict[str, Any] | None = None) -> Any:
    document = MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": "mapping_FINITE",
            "name": "finite",
            "lookups": lookups if lookups is not None else {"stage": {"lead": "Lead"}},
            "fields": fields,
        }
    )
    return compile_document(document)


def test_a_mapping_of_text_lookups_and_to_number_is_vouched_for() -> None:
    assert finite_outputs(_compiled(CONTACTS_LIKE))


@pytest.mark.parametrize(
    ("field", "why"),
    [
        (
            {"target": "$.x", "sources": "$.a", "transforms": [{"fn": "round", "args": [2]}]},
            "arithmetic is not read as finite",
        ),
        ({"target": "$.x", "expression": "a * 2"}, "an expression is not read as finite"),
        (
            {"target": "$.x", "sources": "$.a", "transforms": [{"fn": "jmespath", "args": ["@"]}]},
            "a query may compute anything",
        ),
        ({"target": "$.x", "constant": math.inf}, "a constant that is infinite"),
        ({"target": "$.x", "sources": "$.a", "default": [1.0, math.nan]}, "a NaN default"),
        (
            {
                "target": "$.x",
                "sources": "$.a",
                "transforms": [{"fn": "default", "args": [math.nan]}],
            },
            "a NaN argument",
        ),
    ],
)
def test_a_mapping_that_might_make_one_is_not(field: dict[str, Any], why: str) -> None:
    assert not finite_outputs(_compiled([*CONTACTS_LIKE, field])), why


def test_a_lookup_table_holding_an_infinity_is_not_vouched_for() -> None:
    compiled = _compiled(CONTACTS_LIKE, {"stage": {"lead": {"score": -math.inf}}})
    assert not finite_outputs(compiled)


def test_holds_non_finite_looks_everywhere_and_at_any_depth() -> None:
    deep: Any = math.nan
    for _ in range(5000):
        deep = [deep]
    assert holds_non_finite(deep)
    assert holds_non_finite({"a": {"b": (1, {2.0, math.inf})}})
    assert not holds_non_finite({"a": [1.5, None, "nan", {"b": 10**400}]})


TRUSTED = [spec for spec in REGISTRY if spec.name in FINITE_STEPS]
TABLES = {"t": {"a": 1.5, "b": [2, 3.25]}, "stage": {"lead": "Lead"}}

finite_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["1e308", "9" * 400, "-1e308", "2025-07-24", "1.5", "1" * 330 + ".5"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=6,
)


def _argument_sets(spec: FunctionSpec) -> list[tuple[Any, ...]]:
    sets = [list(example.args) for example in spec.examples]
    if spec.params and spec.params[0].type.value == "lookup":
        sets += [["t"], ["t", 7.5]]
    prepared = []
    for args in sets:
        values, problems = spec.prepare(args, {**TABLES, **_example_tables(spec)})
        if not problems:
            prepared.append(values)
    return prepared


def _example_tables(spec: FunctionSpec) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for example in spec.examples:
        tables.update(example.lookups)
    return tables


def test_the_trusted_functions_are_the_ones_the_reading_names() -> None:
    assert {"to_number", "lookup", "coalesce", "trim", "format_date", "to_integer"} <= FINITE_STEPS
    assert not {"round", "add", "multiply", "jmespath", "expression", "sum"} & FINITE_STEPS


@pytest.mark.parametrize("spec", TRUSTED, ids=lambda s: s.name)
@settings(max_examples=60, deadline=None)
@given(value=finite_values)
def test_a_trusted_function_gives_no_non_finite_float_from_finite_input(
    spec: FunctionSpec, value: Any
) -> None:
    for args in _argument_sets(spec):
        try:
            if spec.context:
                result = spec.impl(StepContext({"a": value}, TABLES), value, *args)
            else:
                result = spec.impl(value, *args)
        except (ValueError, TypeError, ArithmeticError, KeyError, IndexError):
            continue  # a failure is the function's error, never a value written
        assert not holds_non_finite(result), (spec.name, value, args, result)
