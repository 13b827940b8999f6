"""The fused per-chunk function (engine/fused.py) maps what the careful path maps.

Each mapping below covers the fast forms of engine/fused.py (trims, case changes,
to_string, concat, normalize_whitespace, regex_replace, format_date, lookup, to_number,
constants), the sources it reads directly (names, an index, ``[*]``) and what sends a
record back to the careful path (on_error fail and skip, required, rules, missing: skip,
a filter source). Records are random: missing, null and wrongly typed values among them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.engine import RecordStatus, compile_document
from fieldwright.engine.compiler import CompiledMapping
from tests.engine.kit import document

LOOKUPS = {"stage": {"lead": "Lead", "customer": "Customer", "2": "Two"}}
LOOKUP_DEFAULTS = {"stage": "from the table"}

#: Every fast form, under each on_error, with defaults and the sources read directly.
FAST_FORMS: list[dict[str, Any]] = [
    {"target": "$.id", "sources": "$.id", "transforms": [{"fn": "to_string"}]},
    {"target": "$.trim", "sources": "$.p.a", "transforms": [{"fn": "trim"}]},
    {"target": "$.trim_chars", "sources": "$.p.a", "transforms": [{"fn": "trim", "args": ["-x"]}]},
    {
        "target": "$.lr",
        "sources": "$.p.a",
        "transforms": [{"fn": "trim_left"}, {"fn": "trim_right"}],
    },
    {"target": "$.up", "sources": "$.p.b", "transforms": [{"fn": "trim"}, {"fn": "upper"}]},
    {"target": "$.low", "sources": "$.p.b", "transforms": [{"fn": "lower"}], "on_error": "null"},
    {"target": "$.tit", "sources": "$.p.a", "transforms": [{"fn": "title"}], "default": "?"},
    {
        "target": "$.full",
        "sources": ["$.p.a", "$.p.b"],
        "transforms": [{"fn": "concat", "args": [" "]}, {"fn": "normalize_whitespace"}],
    },
    {
        "target": "$.pair",
        "sources": ["$.p.a", "$.p.b"],
        "transforms": [{"fn": "concat", "args": ["+"]}],
    },
    {
        "target": "$.three",
        "sources": ["$.p.a", "$.p.b", "$.id"],
        "transforms": [{"fn": "concat", "args": ["/"]}],
    },
    {
        "target": "$.kept",
        "sources": ["$.p.a", "$.p.b"],
        "transforms": [{"fn": "concat", "args": [",", False]}],
    },
    {"target": "$.one", "sources": "$.p.a", "transforms": [{"fn": "concat", "args": ["-"]}]},
    {
        "target": "$.c.digits",
        "sources": "$.p.phone",
        "transforms": [{"fn": "regex_replace", "args": ["[^0-9]", ""]}],
        "on_error": "default",
        "default": "none",
    },
    {
        "target": "$.c.swapped",
        "sources": "$.p.phone",
        "transforms": [{"fn": "regex_replace", "args": ["([0-9])([0-9])", "\\2\\1", 1]}],
        "on_error": "null",
    },
    {
        "target": "$.c.when.iso",
        "sources": "$.p.date",
        "transforms": [{"fn": "format_date", "args": ["%Y-%m-%d"]}],
        "on_error": "null",
    },
    {
        "target": "$.c.when.dotted",
        "sources": "$.p.date",
        "transforms": [{"fn": "format_date", "args": ["%d.%m.%Y"]}],
        "on_error": "default",
        "default": {"bad": ["date"]},
    },
    {
        "target": "$.c.when.month",
        "sources": "$.p.date",
        "transforms": [{"fn": "trim"}, {"fn": "format_date", "args": ["%B %Y"]}],
        "on_error": "null",
    },
    {
        "target": "$.stage",
        "sources": "$.p.stage",
        "transforms": [{"fn": "lookup", "args": ["stage", "unknown"]}],
        "on_error": "null",
    },
    {
        "target": "$.stage_table_default",
        "sources": "$.p.stage",
        "transforms": [{"fn": "lookup", "args": ["stage"]}],
        "on_error": "null",
    },
    {
        "target": "$.stage_any_case",
        "sources": "$.p.stage",
        "transforms": [{"fn": "lookup", "args": ["stage", None, True]}],
        "on_error": "null",
    },
    {
        "target": "$.amount",
        "sources": "$.p.amount",
        "transforms": [{"fn": "to_number"}],
        "default": 0.0,
        "on_error": "default",
    },
    {
        "target": "$.amount_or_null",
        "sources": "$.p.amount",
        "transforms": [{"fn": "to_number"}, {"fn": "round", "args": [1]}],
        "on_error": "null",
    },
    {"target": "$.c.country", "constant": "US"},
    {"target": "$.c.tags", "constant": ["a", {"b": 1}]},
    {"target": "$.first", "sources": "$.list[0]"},
    {"target": "$.last", "sources": "$.list[-1]", "transforms": [{"fn": "to_string"}]},
    {"target": "$.all", "sources": "$.list[*]"},
    {"target": "$.values", "sources": "$.p[*]", "on_error": "null"},
    {"target": "$.raw", "sources": "$.p", "default": {"empty": True}},
]

#: What leaves a record to the careful path: failures without recovery, rules, required,
#: missing: skip, a filter source.
CAREFUL: list[dict[str, Any]] = [
    {"target": "$.id", "sources": "$.id", "transforms": [{"fn": "to_string"}], "required": True},
    {"target": "$.up", "sources": "$.p.b", "transforms": [{"fn": "upper"}], "on_error": "skip"},
    {
        "target": "$.amount",
        "sources": "$.p.amount",
        "transforms": [{"fn": "to_number"}],
        "rules": {"max": 100},
        "on_error": "fail",
    },
    {
        "target": "$.stage",
        "sources": "$.p.stage",
        "transforms": [{"fn": "lookup_strict", "args": ["stage"]}],
        "missing": "skip",
    },
    {"target": "$.found", "sources": "$.list[?@ == 'x']"},
    {
        "target": "$.when",
        "sources": "$.p.date",
        "transforms": [{"fn": "format_date", "args": ["%Y"]}],
    },
]

#: Expression fields: their column is evaluated for the chunk, a record it fails on (a
#: text that is no number, a division by zero) goes careful or recovers under on_error.
EXPRESSIONS: list[dict[str, Any]] = [
    {"target": "$.id", "sources": "$.id", "transforms": [{"fn": "to_string"}]},
    {"target": "$.twice", "expression": "$decimal(p.amount) * 2"},
    {
        "target": "$.label",
        "expression": "p.a & '-' & p.b",
        "transforms": [{"fn": "trim"}, {"fn": "upper"}],
    },
    {
        "target": "$.m.ratio",
        "expression": "$round($decimal(p.amount) / $decimal(id), 2)",
        "on_error": "null",
    },
    {
        "target": "$.m.ratio_or",
        "expression": "$round($decimal(p.amount) / $decimal(id), 2)",
        "transforms": [{"fn": "to_string"}],
        "on_error": "default",
        "default": "n/a",
    },
    {"target": "$.m.known", "expression": "p.stage ?? 'none'", "required": True},
]

MAPPINGS = {
    "fast forms": FAST_FORMS,
    "expressions": EXPRESSIONS,
    "careful cases": CAREFUL,
    "together": FAST_FORMS[:12] + [{**f, "target": f"$.careful{n}"} for n, f in enumerate(CAREFUL)],
}

texts = st.one_of(
    st.sampled_from(
        [" Ada ", "lovelace", "  ", "", "-x-", "İstanbul", "straße\t", "+1 (555) 0199"]
    ),
    st.text(alphabet=" \t\n-x0123456789.aAbBéßİ/+()Z:T", max_size=10),
)
dates = st.sampled_from(
    [
        "2025-07-24",
        " 2025-07-24 ",
        "2012-03-04T05:06:07.123Z",
        "2025-07-24T10:30:00+02:00",
        "0999-01-02",
        "20250724",
        "2025-W30-4",
        "2025-02-30",
        "24.07.2025",
        "",
    ]
)
amounts = st.sampled_from(["12.50", "42", " 7 ", "1e3", "N/A", "", "-4.5", "9" * 400 + ".5", "٣"])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False),
    texts,
)
values = st.one_of(
    scalars, st.lists(scalars, max_size=2), st.dictionaries(texts, scalars, max_size=2)
)


def mostly(expected: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`expected` three times in four, else any value (null, a number, a list…)."""
    return st.one_of(expected, expected, expected, values)


properties = st.fixed_dictionaries(
    {},
    optional={
        "a": mostly(texts),
        "b": mostly(texts),
        "phone": mostly(texts),
        "date": mostly(dates),
        "stage": mostly(st.sampled_from(["lead", "LEAD", "customer", "other", "2"])),
        "amount": mostly(amounts),
    },
)
records = st.fixed_dictionaries(
    {},
    optional={
        "id": mostly(st.integers(0, 10**6)),
        "p": mostly(properties),
        "list": mostly(st.lists(st.one_of(st.just("x"), scalars), max_size=3)),
    },
)


def _compiled(fields: list[dict[str, Any]]) -> CompiledMapping:
    return compile_document(
        document(fields=fields, lookups=LOOKUPS, lookup_defaults=LOOKUP_DEFAULTS)
    )


COMPILED = {name: _compiled(fields) for name, fields in MAPPINGS.items()}


def _as_run_takes_it(mapping: CompiledMapping, chunk: list[Any]) -> list[tuple[Any, ...]]:
    """What a run writes of each record (the run loop's reading of map_chunk): the
    output's text, or the status and errors of a record that is not written."""
    outputs, others = mapping.map_chunk(chunk, recovered_errors=False)
    taken: list[tuple[Any, ...]] = []
    for index, output in enumerate(outputs):
        result = others.get(index)
        if output is None and result is not None and result.status is RecordStatus.OK:
            output = result.output
        if output is not None:
            taken.append(("written", repr(output)))  # key order too
        else:
            assert result is not None
            taken.append((result.status, result.errors))
    return taken


def _careful(mapping: CompiledMapping, chunk: list[Any]) -> list[tuple[Any, ...]]:
    taken: list[tuple[Any, ...]] = []
    for record in chunk:
        result = mapping.map_fields(record)
        if result.status is RecordStatus.OK:
            taken.append(("written", repr(result.output)))
        else:
            taken.append((result.status, result.errors))
    return taken


def test_the_mappings_are_fused() -> None:
    for mapping in COMPILED.values():
        assert mapping._fused_for(True) is not None
    # keeping recovered errors (the preview), a recovering field keeps the column path
    assert COMPILED["fast forms"]._fused_for(False) is None
    assert COMPILED["careful cases"]._fused_for(False) is not None


@pytest.mark.parametrize("name", sorted(MAPPINGS))
@settings(max_examples=400, deadline=None)
@given(chunk=st.lists(records, max_size=8))
def test_the_fused_path_maps_what_the_careful_path_maps(name: str, chunk: list[Any]) -> None:
    mapping = COMPILED[name]
    assert _as_run_takes_it(mapping, chunk) == _careful(mapping, chunk)


#: Values each fast form treats apart: blanks, case, Unicode, dates before the year 1000,
#: text that is not a date or a number, and other types.
EDGES: list[Any] = [
    None,
    "",
    " ",
    " Ada ",
    "\tstraße\n",
    "İ",
    "-x-",
    "0999-01-02",
    "2025-07-24",
    " 2012-03-04T05:06:07.123Z ",
    "2025-02-30",
    "20250724",
    "12.50",
    "42",
    "N/A",
    "9" * 400 + ".5",
    "lead",
    "LEAD",
    "2",
    "+1 (555) 0199",
    0,
    2,
    -1.5,
    1e300,
    float("inf"),
    True,
    [],
    ["x", 1],
    {},
    {"k": "v"},
]


@pytest.mark.parametrize("name", sorted(MAPPINGS))
def test_edge_values_map_as_the_careful_path_maps(name: str) -> None:
    mapping = COMPILED[name]
    keys = ("a", "b", "phone", "date", "stage", "amount")
    chunk: list[Any] = [
        {"id": edge, "p": dict.fromkeys(keys, edge), "list": [edge, "x", edge]} for edge in EDGES
    ]
    chunk += [{"p": {"a": first, "b": second}} for first in EDGES[:8] for second in EDGES[:8]]
    chunk += [{"p": edge, "list": edge} for edge in EDGES]
    for start in range(0, len(chunk), 64):
        part = chunk[start : start + 64]
        assert _as_run_takes_it(mapping, part) == _careful(mapping, part)


@settings(max_examples=200, deadline=None)
@given(chunk=st.lists(records, max_size=8))
def test_keeping_the_errors_the_fused_path_gives_the_careful_results(chunk: list[Any]) -> None:
    mapping = COMPILED["careful cases"]
    by_chunk = mapping.apply_many(chunk)
    one_by_one = [mapping.apply(record) for record in chunk]
    assert [(r.status, r.output, r.errors) for r in by_chunk] == [
        (r.status, r.output, r.errors) for r in one_by_one
    ]


def test_a_record_that_is_not_an_object_takes_the_careful_path() -> None:
    mapping = COMPILED["fast forms"]
    fused = mapping._fused_for(True)
    assert fused is not None
    bad: set[int] = set()
    outputs = fused([{"id": 1}, ["not", "an", "object"]], bad)  # type: ignore[list-item]
    assert bad == {1} and outputs[1] is None and outputs[0] is not None
    assert outputs[0]["id"] == "1"
    with_expressions = COMPILED["expressions"]._fused_for(True)
    assert with_expressions is not None
    bad.clear()
    chunk = [{"id": 4, "p": {"amount": "10"}}, ["x"], 7, {"id": 0, "p": {"amount": "1"}}]
    outputs = with_expressions(chunk, bad)  # type: ignore[arg-type]
    # a record an expression fails on (a division by zero) is mapped on the careful path,
    # which recovers the value under on_error as the column path does
    assert bad == {1, 2, 3} and outputs[0] is not None
    assert outputs[0]["m"]["ratio"] == 2.5 and outputs[0]["twice"] == 20
    result = COMPILED["expressions"].map_fields(chunk[3])  # type: ignore[arg-type]
    assert result.output is not None and result.output["m"]["ratio_or"] == "n/a"


def test_the_fused_source_holds_no_text_of_the_mapping() -> None:
    hostile = "'}); __import__('os').system('echo owned') #"
    fields = [
        {"target": f'$["{hostile}"]', "sources": f'$["{hostile}"]', "transforms": [{"fn": "trim"}]},
        {"target": "$.c", "constant": hostile},
        {
            "target": "$.r",
            "sources": "$.a",
            "transforms": [{"fn": "regex_replace", "args": [re.escape(hostile), hostile]}],
        },
    ]
    mapping = _compiled(fields)
    fused = mapping._fused_for(True)
    assert fused is not None
    source = fused.__fieldwright_source__  # type: ignore[attr-defined]
    assert "__import__" not in source and "owned" not in source and "'" not in source
    outputs, others = mapping.map_chunk([{hostile: " x ", "a": "q"}], recovered_errors=False)
    assert outputs == [{hostile: "x", "c": hostile, "r": "q"}] and not others


def test_recovered_values_fail_alone_and_keep_their_fallbacks_fresh() -> None:
    mapping = COMPILED["fast forms"]
    chunk = [{"p": {"date": "not a date", "amount": "N/A"}}, {"p": {"date": "also bad"}}]
    outputs, others = mapping.map_chunk(chunk, recovered_errors=False)
    assert not others
    assert outputs[0] is not None and outputs[1] is not None
    assert outputs[0]["c"]["when"]["iso"] is None
    assert outputs[0]["amount"] == 0.0 and outputs[0]["amount_or_null"] is None
    first, second = outputs[0]["c"]["when"]["dotted"], outputs[1]["c"]["when"]["dotted"]
    assert first == second == {"bad": ["date"]} and first is not second
    assert outputs[0]["c"]["tags"] is not outputs[1]["c"]["tags"]
