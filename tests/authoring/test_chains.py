"""Saving a field's chain as a named chain and reusing it, without Qt (issue 15 item 4)."""

from __future__ import annotations

import pytest

from fieldwright.authoring.chains import apply_chain, chain_name_problem, describe_chain, save_chain
from fieldwright.domain import MappingDocument, dumps, from_data
from fieldwright.engine import compile_document


def _document() -> MappingDocument:
    return from_data(
        {
            "fieldwright": 1,
            "key": "k",
            "name": "n",
            "fields": [
                {
                    "target": "$.a",
                    "sources": ["$.x"],
                    "transforms": [{"fn": "trim"}, {"fn": "upper"}],
                },
                {"target": "$.b", "sources": ["$.y"]},
            ],
        }
    )


def test_save_then_apply_gives_the_same_output_and_undoes_exactly() -> None:
    document = _document()
    before = dumps(document)
    record = {"x": " ab ", "y": " cd "}
    expected = compile_document(document).apply(record).output
    save = save_chain(document, "$.a", "clean")
    save.apply(document)
    assert [s.fn for s in document.library["clean"]] == ["trim", "upper"]
    assert [s.fn for s in document.fields[0].transforms] == ["@clean"]
    assert compile_document(document).apply(record).output == expected
    use = apply_chain(document, "$.b", "clean")
    use.apply(document)
    assert compile_document(document).apply(record).output == {"a": "AB", "b": "CD"}
    assert describe_chain(document, "clean") == "trim → upper"
    use.revert(document)
    save.revert(document)
    assert dumps(document) == before


def test_keeping_the_field_steps() -> None:
    document = _document()
    save_chain(document, "$.a", "clean", use_in_field=False).apply(document)
    assert [s.fn for s in document.fields[0].transforms] == ["trim", "upper"]


def test_names_and_fields_are_checked_with_clear_messages() -> None:
    document = _document()
    assert chain_name_problem(document, "") == "Give the chain a name."
    assert "not a chain name" in (chain_name_problem(document, "1 bad") or "")
    save_chain(document, "$.a", "clean").apply(document)
    assert "already has a chain named 'clean'" in (chain_name_problem(document, "clean") or "")
    with pytest.raises(ValueError, match=r"\$\.b has no transform steps"):
        save_chain(document, "$.b", "other")
    with pytest.raises(KeyError, match="no field mapping writes"):
        save_chain(document, "$.zz", "other2")
    with pytest.raises(
        ValueError, match=r"no chain named 'nope' in this document \(chains: clean\)"
    ):
        apply_chain(document, "$.b", "nope")
