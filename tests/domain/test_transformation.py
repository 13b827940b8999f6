"""The transformation document's canonical JSON and its errors (issue 19, item 5)."""

from __future__ import annotations

import json

import pytest

from fieldwright.domain.transformation import (
    TransformationError,
    dumps_transformation,
    is_transformation_data,
    loads_transformation,
)

TEXT = """{
  "fieldwright_transformation": 1,
  "key": "transform_clean",
  "name": "clean",
  "type": "validate",
  "steps": [
    {
      "fn": "trim"
    }
  ],
  "tests": [
    {
      "name": "spaces",
      "input": " a ",
      "expected": "a"
    }
  ]
}
"""


def test_canonical_text_round_trips_byte_for_byte() -> None:
    document = loads_transformation(TEXT)
    assert dumps_transformation(document) == TEXT
    assert is_transformation_data(json.loads(TEXT))
    assert not is_transformation_data({"fieldwright": 1})


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        ({"fieldwright_transformation": None}, "/fieldwright_transformation", "missing format"),
        ({"fieldwright_transformation": 9}, "/fieldwright_transformation", "newer Fieldwright"),
        ({"name": "two words"}, "/name", "not a chain name"),
        ({"type": "magic"}, "/type", "map"),
        ({"steps": [{"fn": ""}]}, "/steps/0/fn", "at least 1"),
        ({"tests": [{"name": "a"}, {"name": "a"}]}, "/tests", "two test cases are named 'a'"),
        ({"colour": "red"}, "/colour", "unknown key"),
    ],
)
def test_problems_name_their_pointer(change: dict[str, object], pointer: str, words: str) -> None:
    data = {**json.loads(TEXT), **change}
    data = {key: value for key, value in data.items() if value is not None}
    with pytest.raises(TransformationError) as caught:
        loads_transformation(json.dumps(data), source="t.json")
    text = str(caught.value)
    assert text.startswith("t.json") and pointer in text and words in text, text
