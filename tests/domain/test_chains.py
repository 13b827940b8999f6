"""Named transformation chains, shared by mapping documents and templates (issue 15 item 4)."""

from __future__ import annotations

from typing import Any

import pytest

from fieldwright.domain import DocumentError, MappingDocument, from_data, to_data
from fieldwright.domain.chains import check_library, expand_fields
from fieldwright.engine import compile_document, validate


def _document(library: dict[str, Any], *fields: dict[str, Any]) -> MappingDocument:
    return from_data(
        {"fieldwright": 1, "key": "k", "name": "n", "library": library, "fields": list(fields)}
    )


CLEAN = {"clean": [{"fn": "trim"}, {"fn": "upper"}]}


def test_a_mapping_accepts_a_library_and_round_trips() -> None:
    document = _document(
        CLEAN, {"target": "$.b", "sources": ["$.a"], "transforms": [{"fn": "@clean"}]}
    )
    assert to_data(document)["library"] == CLEAN
    assert from_data(to_data(document)) == document


def test_steps_calling_a_chain_run_it_inline() -> None:
    document = _document(
        {**CLEAN, "tagged": [{"fn": "@clean"}, {"fn": "lower"}]},
        {"target": "$.b", "sources": ["$.a"], "transforms": [{"fn": "@tagged"}]},
        {"target": "$.c", "sources": ["$.a"], "transforms": [{"fn": "@clean"}]},
    )
    compiled = compile_document(document)
    assert compiled.apply({"a": "  ab "}).output == {"b": "ab", "c": "AB"}


def test_expansion_keeps_where_each_step_is_written() -> None:
    document = _document(
        CLEAN,
        {"target": "$.b", "sources": ["$.a"], "transforms": [{"fn": "lower"}, {"fn": "@clean"}]},
    )
    fields, origins, problems = expand_fields(document.fields, document.library)
    assert problems == []
    assert [s.fn for s in fields[0].transforms] == ["lower", "trim", "upper"]
    assert origins == {
        (0, 0): "/fields/0/transforms/0",
        (0, 1): "/library/clean/0",
        (0, 2): "/library/clean/1",
    }


def test_an_unknown_chain_is_a_problem_at_the_step() -> None:
    document = _document(
        CLEAN, {"target": "$.b", "sources": ["$.a"], "transforms": [{"fn": "@nope"}]}
    )
    [problem] = validate(document)
    assert problem.pointer == "/fields/0/transforms/0/fn"
    assert problem.message == "no library chain 'nope' (known: clean)"


def test_recursion_is_a_problem_at_the_chain_and_at_the_field() -> None:
    library = {"a": [{"fn": "@b"}], "b": [{"fn": "trim"}, {"fn": "@a"}]}
    assert [str(p) for p in check_library(from_data_library(library))] == [
        "/library/b/1/fn: library chain 'a' calls itself (a → b → a)",
        "/library/a/0/fn: library chain 'b' calls itself (b → a → b)",
    ]
    document = _document(
        library, {"target": "$.x", "sources": ["$.y"], "transforms": [{"fn": "@a"}]}
    )
    pointers = {p.pointer for p in validate(document)}
    assert {"/library/a/0/fn", "/library/b/1/fn", "/fields/0/transforms/0/fn"} <= pointers
    with pytest.raises(DocumentError, match="calls itself"):
        compile_document(document)


def test_a_problem_inside_a_chain_points_into_the_library() -> None:
    document = _document(
        {"bad": [{"fn": "pad_left", "args": ["x"]}]},
        {"target": "$.b", "sources": ["$.a"], "transforms": [{"fn": "@bad"}]},
        {"target": "$.c", "sources": ["$.a"], "transforms": [{"fn": "@bad"}]},
    )
    problems = validate(document)
    assert [p.pointer for p in problems] == [
        "/library/bad/0/args/0",
        "/fields/0/transforms",
        "/fields/1/transforms",
    ]
    assert problems[1].message.startswith(
        "a named chain this field calls has a problem at /library/bad/0/args/0: "
    )


def test_the_preview_trace_shows_the_steps_of_a_chain() -> None:
    from fieldwright.engine.trace import trace_record

    document = _document(
        CLEAN, {"target": "$.b", "sources": ["$.a"], "transforms": [{"fn": "@clean"}]}
    )
    traced = trace_record(compile_document(document), {"a": " x "})
    assert [(s.fn, s.value) for s in traced.fields[0].steps] == [("trim", "x"), ("upper", "X")]


def test_a_call_takes_no_arguments_and_names_must_be_identifiers() -> None:
    document = _document(
        CLEAN, {"target": "$.b", "sources": ["$.a"], "transforms": [{"fn": "@clean", "args": [1]}]}
    )
    assert [p.pointer for p in validate(document)] == ["/fields/0/transforms/0/args"]
    with pytest.raises(DocumentError, match="plain identifier"):
        _document({"not ok": []})


def from_data_library(library: dict[str, Any]) -> Any:
    return _document(library).library


def test_templates_expand_through_the_same_mechanism() -> None:
    from datetime import date

    from fieldwright.domain.template import expand, instance_key, template_from_data

    template = template_from_data(
        {
            "fieldwright": 1,
            "code": "template_AA_BB",
            "name": "t",
            "source_system": "AA",
            "target_system": "BB",
            "library": {"outer": [{"fn": "@inner"}], "inner": [{"fn": "trim"}]},
            "fields": [{"target": "$.b", "sources": ["$.a"], "transforms": [{"fn": "@outer"}]}],
        }
    )
    key = instance_key(template, "acme", date(2026, 1, 2))
    expansion = expand(template, key=key, name="n")
    assert [s.fn for s in expansion.document.fields[0].transforms] == ["trim"]
    assert expansion.template_pointer("/fields/0/transforms/0/args") == "/library/inner/0/args"
    looped = template.model_copy(
        update={"library": {"outer": template.library["outer"], "inner": template.library["outer"]}}
    )
    with pytest.raises(DocumentError, match="calls itself"):
        expand(looped, key=key, name="n")
