"""Every built-in template validates, passes a real test suite, and is certified."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldwright.connectors import open_source
from fieldwright.domain.template import TEMPLATE_CODE, dump_template, expand, load_template
from fieldwright.engine import compile_document, run_tests, validate
from fieldwright.engine.results import RecordStatus
from fieldwright.resources import resources_dir

ALL_TEMPLATES = sorted((resources_dir() / "templates").glob("*.fwtemplate.json"))
#: The mapping templates (one carrying a pipeline: test_pipeline_templates.py).
TEMPLATES = [path for path in ALL_TEMPLATES if load_template(path).pipeline is None]
EXPECTED = {
    "template_QBT_WFN",
    "template_HS_CRM",
    "template_IREADY_ASMT",
    "template_AERIES_ATT",
    "template_SFDC_CRM",
    "template_SHOP_ERP",
    "template_QBT_WFNPAY",
}


def test_the_five_builtin_templates_are_shipped() -> None:
    assert {load_template(path).code for path in ALL_TEMPLATES} >= EXPECTED


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name.split(".")[0])
def test_builtin_template_is_canonical_and_passes_its_suite(path: Path) -> None:
    template = load_template(path)
    assert path.read_text(encoding="utf-8") == dump_template(template), "not in canonical form"
    assert TEMPLATE_CODE.match(template.code)
    document = expand(template, key="mapping_A_B_C_20250101", name=template.name).document
    assert validate(document) == []
    assert all(not step.fn.startswith("@") for f in document.fields for step in f.transforms)
    suite = run_tests(compile_document(document))
    failures = [(r.name, r.message, [str(d) for d in r.differences]) for r in suite.results]
    assert suite.ok, [f for f, r in zip(failures, suite.results, strict=True) if not r.passed]
    assert len(suite.results) >= 8
    assert suite.coverage.ratio == 1.0
    edge_cases = [test for test in template.tests if test.kind.value == "edge_case"]
    assert len(edge_cases) >= 3
    assert any(test.expect_failure for test in template.tests), "no failure case tested"
    names = " ".join(test.name.lower() for test in template.tests)
    assert "unicode" in names or "accent" in names
    assert template.prerequisites and template.documentation and template.supported_operations


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name.split(".")[0])
def test_builtin_sample_data_runs_through_the_template(path: Path) -> None:
    stem = path.name.removesuffix(".fwtemplate.json")
    [sample] = list(path.parent.glob(f"{stem}.sample.*"))
    template = load_template(path)
    compiled = compile_document(expand(template, key="mapping_A_B_C_1", name="x").document)
    source = open_source(sample)
    try:
        items = list(source)
    finally:
        source.close()
    assert len(items) >= 5
    records = [item.record for item in items if item.record is not None]
    assert len(records) == len(items)
    results = [compiled.apply(record) for record in records]
    failed = [result.reason() for result in results if result.status is RecordStatus.FAILED]
    assert failed == []
    assert any(result.status is RecordStatus.OK for result in results)
