"""Every documented example of every registered function holds."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from fieldwright.engine.functions import REGISTRY, Example, FunctionSpec
from tests.engine.functions.conftest import call

CASES = [
    pytest.param(spec, example, id=f"{spec.name}-{index}")
    for spec in REGISTRY
    for index, example in enumerate(spec.examples)
]


def _same(actual: Any, expected: Any) -> bool:
    """Equal and of the same JSON type, recursively (1 is not 1.0, nor True)."""
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, list):
        return len(actual) == len(expected) and all(map(_same, actual, expected))
    if isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(
            _same(actual[k], expected[k]) for k in expected
        )
    return bool(actual == expected)


@pytest.mark.parametrize(("spec", "example"), CASES)
def test_example_output(spec: FunctionSpec, example: Example) -> None:
    result = call(spec, example.value, example.args, example.lookups, example.record)
    assert _same(result, example.output), (
        f"{spec.name}{example.args}: {result!r} != {example.output!r}"
    )


@pytest.mark.parametrize(("spec", "example"), CASES)
def test_example_output_is_json_and_input_untouched(spec: FunctionSpec, example: Example) -> None:
    value = copy.deepcopy(example.value)
    result = call(spec, value, example.args, example.lookups, example.record)
    json.dumps(result, allow_nan=False)
    assert value == example.value


def test_there_are_examples_to_run() -> None:
    assert len(CASES) >= 2 * len(REGISTRY)
