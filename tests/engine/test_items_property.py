"""Item-by-item mapping equals a hand-written loop over random nested records.

Records have orders → lines → taxes, with missing, null and empty arrays, null
items and missing or null values. The same mapping is written with `@`
sources and with the older absolute `$.lines[*].…` sources; both must give
what the reference loop gives, on the careful path and the batch path alike.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.engine.compiler import CompiledMapping, compile_document
from fieldwright.engine.functions import Registry
from tests.engine.kit import document, make_registry

JOIN = {"fn": "join", "args": ["x"]}

RELATIVE = [
    {"target": "$.id", "sources": "$.oid"},
    {"target": "$.out[*]", "sources": "$.lines[*]"},
    {"target": "$.out[*].sku", "sources": "@.sku"},
    {"target": "$.out[*].n", "sources": "@number"},
    {"target": "$.out[*].label", "sources": ["@.sku", "@.qty"], "transforms": [JOIN]},
    {"target": "$.out[*].oid", "sources": "$.oid"},
    {"target": "$.out[*].t[*]", "sources": "@.taxes[*]"},
    {"target": "$.out[*].t[*].rate", "sources": "@.rate"},
    {"target": "$.out[*].t[*].sku", "sources": "@@.sku"},
    {"target": "$.out[*].t[*].i", "sources": "@index"},
]

ABSOLUTE = [
    {"target": "$.id", "sources": "$.oid"},
    {"target": "$.out[*].sku", "sources": "$.lines[*].sku"},
    {
        "target": "$.out[*].label",
        "sources": ["$.lines[*].sku", "$.lines[*].qty"],
        "transforms": [JOIN],
    },
    {"target": "$.out[*].oid", "sources": "$.oid"},
    {"target": "$.out[*].t[*].rate", "sources": "$.lines[*].taxes[*].rate"},
]

MISSING = object()

values = st.one_of(st.none(), st.integers(-5, 5), st.text("ab", max_size=2))


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value, null, or MISSING (the key is left out)."""
    return st.one_of(st.just(MISSING), st.none(), strategy)


def _object(**members: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({k: _maybe(v) for k, v in members.items()}).map(
        lambda d: {k: v for k, v in d.items() if v is not MISSING}
    )


taxes = st.lists(st.one_of(st.none(), _object(rate=values)), max_size=3)
lines = st.lists(st.one_of(st.none(), _object(sku=values, qty=values, taxes=taxes)), max_size=4)
records = _object(oid=values, lines=lines)


def _join(parts: list[Any]) -> str:
    return "x".join(str(p) for p in parts if p is not None)


def reference(record: dict[str, Any], *, relative: bool) -> dict[str, Any]:
    """What the mapping means, as a person would write the loop."""
    out: dict[str, Any] = {"id": record.get("oid")}
    source_lines = record.get("lines")
    if not isinstance(source_lines, list):
        return out
    mapped = []
    for number, line in enumerate(source_lines, start=1):
        item = line if isinstance(line, dict) else {}
        one: dict[str, Any] = {"sku": item.get("sku")}
        if relative:
            one["n"] = number
        one["label"] = _join([item.get("sku"), item.get("qty")])
        one["oid"] = record.get("oid")
        source_taxes = item.get("taxes")
        if isinstance(source_taxes, list):
            one["t"] = [
                {"rate": (tax or {}).get("rate")}
                | ({"sku": item.get("sku"), "i": index} if relative else {})
                for index, tax in enumerate(source_taxes)
            ]
        mapped.append(one)
    out["out"] = mapped
    return out


def _compiled(fields: list[dict[str, Any]], registry: Registry) -> CompiledMapping:
    return compile_document(document(fields=fields), registry=registry)


REGISTRY = make_registry()
RELATIVE_MAPPING = _compiled(RELATIVE, REGISTRY)
ABSOLUTE_MAPPING = _compiled(ABSOLUTE, REGISTRY)


@settings(max_examples=300, deadline=None)
@given(st.lists(records, max_size=4))
def test_item_by_item_mapping_equals_a_reference_loop(chunk: list[dict[str, Any]]) -> None:
    for mapping, relative in ((RELATIVE_MAPPING, True), (ABSOLUTE_MAPPING, False)):
        expected = [reference(record, relative=relative) for record in chunk]
        careful = [mapping.apply(record) for record in chunk]
        assert [r.output for r in careful] == expected
        assert all(not r.errors for r in careful)
        assert mapping.apply_many(chunk) == careful
