"""Lookup functions against the document's tables."""

from __future__ import annotations

import pytest

from fieldwright.engine.functions import TransformError
from tests.engine.functions.conftest import Problems, Run

TABLES = {
    "stage": {"lead": "L", "customer": "C", "Partner": "P", "1": "one", "true": "yes"},
    "big": {f"k{n:02d}": n for n in range(12)},
    "empty": {},
}


def test_lookup_matching(run: Run) -> None:
    assert run("lookup", "partner", "stage", lookups=TABLES) is None
    assert run("lookup", "partner", "stage", None, True, lookups=TABLES) == "P"
    assert run("lookup", 1, "stage", lookups=TABLES) == "one"
    assert run("lookup", 1.0, "stage", lookups=TABLES) == "one"
    assert run("lookup", True, "stage", lookups=TABLES) == "yes"
    assert run("lookup", None, "stage", "?", lookups=TABLES) == "?"


def test_lookup_refuses_lists(run: Run) -> None:
    with pytest.raises(TransformError, match="use lookup_list for lists"):
        run("lookup", ["lead"], "stage", lookups=TABLES)


def test_unknown_table_is_a_compile_problem(problems: Problems) -> None:
    assert problems("lookup", "stages", lookups=TABLES) == [
        "lookup table 'stages' does not exist (tables: big, empty, stage)"
    ]
    assert problems("lookup_list", "stage") == [
        "lookup table 'stage' does not exist (tables: none defined)"
    ]
    assert problems("lookup", 3, lookups=TABLES) == ["table must be a string, not integer 3"]
    assert problems("lookup", "stage", None, "yes", lookups=TABLES) == [
        "ignore_case must be true or false, not string 'yes'"
    ]


def test_lookup_or_keep_and_strict(run: Run) -> None:
    assert run("lookup_or_keep", 7, "stage", lookups=TABLES) == 7
    assert run("lookup_or_keep", "LEAD", "stage", True, lookups=TABLES) == "L"
    with pytest.raises(
        TransformError, match=r"'x' is not in the lookup table \(keys: '1', 'Partner'"
    ):
        run("lookup_strict", "x", "stage", lookups=TABLES)
    with pytest.raises(TransformError, match=r"'k08', 'k09', …\)$"):
        run("lookup_strict", "x", "big", lookups=TABLES)
    with pytest.raises(TransformError, match=r"keys: none"):
        run("lookup_strict", "x", "empty", lookups=TABLES)


def test_reverse_lookup(run: Run) -> None:
    assert run("reverse_lookup", "p", "stage", None, True, lookups=TABLES) == "Partner"
    assert run("reverse_lookup", 3, "big", lookups=TABLES) == "k03"
    assert run("reverse_lookup", "3", "big", lookups=TABLES) == "k03"
    assert run("reverse_lookup", "p", "stage", lookups=TABLES) is None


def test_lookup_list_and_in_lookup(run: Run) -> None:
    assert run("lookup_list", "lead", "stage", lookups=TABLES) == ["L"]
    assert run("lookup_list", [], "stage", lookups=TABLES) == []
    assert run("lookup_list", ["LEAD", "x"], "stage", "?", True, lookups=TABLES) == ["L", "?"]
    assert run("in_lookup", "PARTNER", "stage", True, lookups=TABLES) is True
    assert run("in_lookup", "x", "empty", lookups=TABLES) is False


def test_every_lookup_function_agrees_on_null(run: Run) -> None:
    """One rule: null is a value the table does not have (issue 15)."""
    assert run("lookup", None, "stage", "?", lookups=TABLES) == "?"
    assert run("lookup", None, "stage", lookups=TABLES) is None
    assert run("reverse_lookup", None, "stage", "?", lookups=TABLES) == "?"
    assert run("lookup_list", ["lead", None], "stage", "?", lookups=TABLES) == ["L", "?"]
    assert run("lookup_list", None, "stage", "?", lookups=TABLES) is None
    assert run("lookup_or_keep", None, "stage", lookups=TABLES) is None
    assert run("in_lookup", None, "stage", lookups=TABLES) is False
    assert run("lookup_strict", None, "stage", lookups=TABLES) is None


def test_lookup_default_applies_to_a_missing_and_a_null_source() -> None:
    from fieldwright.domain import from_data
    from fieldwright.engine import compile_document

    document = from_data(
        {
            "fieldwright": 1,
            "key": "k",
            "name": "n",
            "lookups": {"stage": {"lead": "L"}},
            "fields": [
                {
                    "target": "$.stage",
                    "sources": ["$.stage"],
                    "transforms": [{"fn": "lookup", "args": ["stage", "?"]}],
                }
            ],
        }
    )
    compiled = compile_document(document)
    outputs = [compiled.apply(r).output for r in ({"stage": "lead"}, {"stage": None}, {})]
    assert outputs == [{"stage": "L"}, {"stage": "?"}, {"stage": "?"}]
    assert compiled.map_chunk([{}, {"stage": None}])[0] == [{"stage": "?"}, {"stage": "?"}]


def test_a_null_or_missing_value_gets_the_tables_default_too() -> None:
    from fieldwright.domain import from_data
    from fieldwright.engine import compile_document

    document = from_data(
        {
            "fieldwright": 1,
            "key": "k",
            "name": "n",
            "lookups": {"stage": {"lead": "L"}},
            "lookup_defaults": {"stage": "T"},
            "fields": [
                {
                    "target": "$.stage",
                    "sources": ["$.stage"],
                    "transforms": [{"fn": "lookup", "args": ["stage"]}],
                }
            ],
        }
    )
    compiled = compile_document(document)
    assert [compiled.apply(r).output for r in ({"stage": None}, {})] == [
        {"stage": "T"},
        {"stage": "T"},
    ]
