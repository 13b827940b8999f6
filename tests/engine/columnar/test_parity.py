"""Parity of the columnar engine with the row engine: bundled examples, template suites, a
hypothesis corpus. Outputs byte for byte, counts, messages and dead letters must be equal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fieldwright.connectors import open_source
from fieldwright.domain import ErrorStrategy, MappingDocument
from fieldwright.domain.template import expand, load_template
from fieldwright.engine.columnar import plan_mapping
from fieldwright.engine.compiler import compile_document
from tests.engine.columnar.parity import assert_same, run_both, write_ndjson

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((REPO / "resources" / "examples").glob("*/mapping.fwmap.json"))
TEMPLATES = sorted((REPO / "resources" / "templates").glob("*.fwtemplate.json"))
#: Every template's mapping: its own (None), and each named mapping of a pipeline template.
TEMPLATE_MAPPINGS = [
    (path, name)
    for path in TEMPLATES
    for name in ([None] if load_template(path).fields else []) + list(load_template(path).mappings)
]


def _input_of(mapping: Path) -> Path:
    found = [p for p in mapping.parent.iterdir() if p.name != mapping.name]
    assert len(found) == 1, found
    return found[0]


def _records(path: Path) -> list[Any]:
    source = open_source(path)
    try:
        return [item.record for item in source if item.record is not None]
    finally:
        source.close()


@pytest.mark.parametrize("mapping", EXAMPLES, ids=lambda p: p.parent.name)
def test_every_bundled_example_maps_the_same(mapping: Path, tmp_path: Path) -> None:
    document = MappingDocument.model_validate(json.loads(mapping.read_text()))
    records = _records(_input_of(mapping))
    source = write_ndjson(tmp_path / "in.ndjson", records * 3)
    rows, cols, columnar = run_both(document, source, tmp_path, chunk_bytes=1024)
    assert rows.outcome.counts.read == 3 * len(records)
    assert_same(rows, cols)
    if plan_mapping(compile_document(document)).lowers:  # the columnar path did the work
        assert columnar >= len(records)


@pytest.mark.parametrize(
    ("path", "mapping"),
    TEMPLATE_MAPPINGS,
    ids=lambda v: v.name.split(".")[0] if isinstance(v, Path) else str(v or ""),
)
def test_every_template_suite_maps_the_same(
    path: Path, mapping: str | None, tmp_path: Path
) -> None:
    template = load_template(path)
    document = expand(
        template, key="mapping_PARITY_TEST_20261203", name="parity", mapping=mapping
    ).document
    records = [test.input for test in document.tests]
    sample = next(path.parent.glob(path.name.split(".")[0] + ".sample.*"), None)
    if sample is not None and mapping is None:
        records += _records(sample)
    assert records
    source = write_ndjson(tmp_path / "in.ndjson", records)
    for strategy in (ErrorStrategy.CONTINUE_ON_ERROR, ErrorStrategy.FAIL_FAST):
        rows, cols, _ = run_both(document, source, tmp_path, chunk_bytes=2048, strategy=strategy)
        assert_same(rows, cols)


def test_a_mapping_without_fields_runs_on_rows_on_either_engine(tmp_path: Path) -> None:
    """Polars builds no struct of nothing: such a mapping does not lower, and writes {}."""
    document = MappingDocument(fieldwright="1.0", key="mapping_EMPTY_TEST_20261203", name="e")
    assert not plan_mapping(compile_document(document)).lowers
    source = write_ndjson(tmp_path / "in.ndjson", [{"a": 1}, {"b": 2}])
    rows, cols, _ = run_both(document, source, tmp_path, chunk_bytes=2048)
    assert_same(rows, cols)
    assert rows.output.splitlines() == [b"{}", b"{}"]


def test_the_contacts_and_timesheets_examples_lower() -> None:
    """Their filters, wildcard sources and functions lower (vectorised or batch functions)."""
    for name in ("hubspot_to_crm", "qbt_to_wfn"):
        mapping = next(m for m in EXAMPLES if m.parent.name == name)
        document = MappingDocument.model_validate(json.loads(mapping.read_text()))
        plan = plan_mapping(compile_document(document))
        assert plan.lowers, plan.describe()
        assert "vectorised" in {status for _t, status, _w in plan.describe()}
