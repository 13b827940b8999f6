"""Hostile mapping documents are refused at load with a message and a pointer, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fieldwright.domain import DocumentError, from_data, loads
from fieldwright.domain.canonical import MAX_NESTING

EXAMPLE = Path(__file__).parents[2] / "resources/examples/hubspot_to_crm/mapping.fwmap.json"


def _base() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


def _with_value(key: str, json_text: str) -> str:
    """The example's JSON text with `json_text` as the value of its top-level `key`."""
    data = _base()
    data[key] = "PLACEHOLDER"
    return json.dumps(data).replace('"PLACEHOLDER"', json_text)


def _refused(text: str | bytes) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        loads(text, source="deep.fwmap.json")
    return caught.value


def test_a_ten_thousand_level_document_is_refused_with_the_pointer_of_the_limit() -> None:
    text = _with_value("description", "[" * 10_000 + "]" * 10_000)
    error = _refused(text)
    (problem,) = error.problems
    assert problem.pointer == "/description" + "/0" * (MAX_NESTING - 1)
    assert f"nested deeper than {MAX_NESTING} levels" in problem.message
    assert error.source == "deep.fwmap.json"


def test_deep_objects_in_bytes_are_refused_too() -> None:
    deep = '{"a": ' * 10_000 + "1" + "}" * 10_000
    text = _with_value("lookups", f'{{"t": {deep}}}')
    (problem,) = _refused(text.encode("utf-8")).problems
    assert problem.pointer.startswith("/lookups/t/a/a/")


def test_deep_data_from_elsewhere_is_refused_by_from_data() -> None:
    data = _base()
    constant: Any = 1
    for _ in range(10_000):
        constant = [constant]
    data["fields"][0] = {"target": "$.deep", "constant": constant}
    with pytest.raises(DocumentError) as caught:
        from_data(data)
    (problem,) = caught.value.problems
    assert problem.pointer.startswith("/fields/0/constant/0/0")
    assert f"nested deeper than {MAX_NESTING} levels" in problem.message


def test_nesting_up_to_the_limit_loads() -> None:
    data = _base()
    constant: Any = 1
    for _ in range(MAX_NESTING - 3):  # the document, fields, the field mapping
        constant = [constant]
    data["fields"][0] = {"target": "$.deep", "constant": constant}
    assert loads(json.dumps(data)).fields[0].constant == constant


def test_a_duplicate_top_level_key_is_refused_with_its_pointer() -> None:
    text = json.dumps(_base())[:-1] + ', "name": "second name"}'
    (problem,) = _refused(text).problems
    assert problem.pointer == "/name"
    assert "appears twice" in problem.message


def test_duplicate_keys_deep_inside_are_each_named() -> None:
    text = json.dumps(_base())
    first = '"target": "$.crm_id"'
    assert first in text
    text = text.replace(first, first + ', "target": "$.other"', 1)
    text = text.replace('"fieldwright": 1', '"fieldwright": 1, "fieldwright": 1', 1)
    pointers = [problem.pointer for problem in _refused(text).problems]
    assert pointers == ["/fieldwright", "/fields/0/target"]


def test_keys_that_differ_only_by_escapes_are_the_same_key() -> None:
    text = json.dumps(_base())[:-1] + ', "n\\u0061me": "x"}'
    (problem,) = _refused(text).problems
    assert problem.pointer == "/name"


def test_an_escaped_quote_inside_a_string_does_not_confuse_the_scan() -> None:
    data = _base()
    data["description"] = 'a "quoted" {[ text \\'
    assert loads(json.dumps(data)).description == data["description"]
