"""Every bundled example validates and passes its own test suite with full coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldwright.domain import dumps, load
from fieldwright.engine import compile_document, run_tests
from fieldwright.resources import examples_dir

EXAMPLES = sorted(examples_dir().glob("*/mapping.fwmap.json"))


def test_there_are_examples() -> None:
    assert {p.parent.name for p in EXAMPLES} >= {"hubspot_to_crm", "qbt_to_wfn", "orders_to_lines"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_passes_its_tests(path: Path) -> None:
    document = load(path)
    assert path.read_text(encoding="utf-8") == dumps(document), "example is not in canonical form"
    suite = run_tests(compile_document(document))
    assert len(suite.results) >= 7
    assert suite.ok, [
        (r.name, r.message, [str(d) for d in r.differences]) for r in suite.results if not r.passed
    ]
    assert suite.coverage.ratio == 1.0
    assert {r.kind for r in suite.results} >= {"unit", "edge_case"}
