"""Every case of the RFC 9535 compliance test suite, through the engine's JSONPath environment.

Needs the `regex` module for I-Regexp (RFC 9485) in match() and search(),
declared through python-jsonpath's `strict` extra: without it 8 cases fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fieldwright.engine.paths import PathError, _compile

CTS = Path(__file__).parent / "data" / "jsonpath-cts" / "cts.json"
CASES: list[dict[str, Any]] = json.loads(CTS.read_text(encoding="utf-8"))["tests"]


def test_the_whole_suite_is_here() -> None:
    assert len(CASES) == 703


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_compliance(case: dict[str, Any]) -> None:
    if case.get("invalid_selector"):
        with pytest.raises(PathError):
            _compile(case["selector"])
        return
    values = _compile(case["selector"]).findall(case["document"])
    if "result" in case:
        assert values == case["result"]
    else:
        assert values in case["results"]
