"""Templates that carry a pipeline (issue 19 item 6): the document, its errors at their
pointers, certification over the pipeline's tests, and using one in a real store; the
built-in QuickBooks Time → ADP WorkForce Now pay lines template end to end."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fieldwright.cli.main import cli
from fieldwright.domain import ConnectorRef, DocumentError
from fieldwright.domain.pipeline import EnrichStep, MapStep, RouteStep
from fieldwright.domain.template import (
    TemplateDocument,
    dump_template,
    expand_pipeline,
    load_template,
    loads_template,
    template_from_data,
)
from fieldwright.resources import resources_dir
from fieldwright.service import InvalidDocument, SaveConflict
from fieldwright.service import test_template_file as template_file_suites
from fieldwright.service.facade import Service
from fieldwright.service.templates import anchor_template

FOLDER = resources_dir() / "templates"
PATH = FOLDER / "qbt_timesheets_to_wfn_paylines.fwtemplate.json"
SAMPLE = FOLDER / "qbt_timesheets_to_wfn_paylines.sample.csv"
CODE = "template_QBT_WFNPAY"
DAY = date(2026, 12, 3)


def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PATH.read_text(encoding="utf-8"))
    return data


def _template(data: dict[str, Any]) -> TemplateDocument:
    """The edited built-in, its employees file found beside the built-in (as loading it does)."""
    return anchor_template(template_from_data(data), FOLDER)


def _problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(DocumentError) as caught:
        template_from_data(data)
    return [(p.pointer, p.message) for p in caught.value.problems]


# -- the document -----------------------------------------------------------------------------


def test_builtin_is_canonical_and_keeps_every_step_type() -> None:
    text = PATH.read_text(encoding="utf-8")
    template = loads_template(text)
    assert dump_template(template) == text, "not in canonical form"
    assert template.pipeline is not None and not template.fields
    steps = json.loads(text)["pipeline"]["steps"]
    assert [s["type"] for s in steps] == ["filter", "enrich", "map", "aggregate", "map", "sort"]
    assert [s.mapping for s in template.pipeline.steps if isinstance(s, MapStep)] == [
        "timesheet",
        "payline",
    ]
    assert sorted(template.mappings) == ["payline", "timesheet"]


def test_a_map_step_naming_no_mapping_of_the_template_is_refused_at_its_pointer() -> None:
    data = _data()
    data["pipeline"]["steps"][2]["mapping"] = "timesheets"
    problems = _problems(data)
    assert problems[0][0] == "/pipeline/steps/2/mapping"
    assert "'timesheets'" in problems[0][1] and "payline, timesheet" in problems[0][1]
    # and the mapping no step uses any more is named too
    assert ("/mappings/timesheet", "no map step of the pipeline uses mapping 'timesheet'") in (
        problems
    )


def test_step_errors_point_into_the_pipeline_without_pydantic_members() -> None:
    data = _data()
    data["pipeline"]["steps"][0]["type"] = "grep"
    data["pipeline"]["steps"][3]["aggregates"][3]["fn"] = "median"
    pointers = [pointer for pointer, _ in _problems(data)]
    assert "/pipeline/steps/0/type" in pointers
    assert "/pipeline/steps/3/aggregates/3/fn" in pointers


def test_named_mappings_need_a_pipeline_and_a_proper_name() -> None:
    data = _data()
    del data["pipeline"]
    assert any("add `pipeline`" in message for _, message in _problems(data))
    data = _data()
    data["mappings"]["Pay Line"] = data["mappings"].pop("payline")
    data["pipeline"]["steps"][4]["mapping"] = "Pay Line"
    assert any(
        pointer == "/mappings" and "'Pay Line' is not a mapping name" in message
        for pointer, message in _problems(data)
    )


def test_a_broken_named_mapping_or_pipeline_step_is_reported_at_the_template_pointer(
    service: Service, tmp_path: Path
) -> None:
    data = _data()
    data["mappings"]["timesheet"]["fields"][6]["transforms"][1]["fn"] = "start_of_fortnight"
    data["pipeline"]["steps"][5]["keys"][0]["field"] = "$..["
    verdict = service.templates.certify(_template(data))
    assert not verdict.certified
    pointers = [p.pointer for p in verdict.problems]
    assert pointers[0].startswith("/mappings/timesheet/fields/6/transforms/1"), pointers
    data = _data()
    data["pipeline"]["steps"][5]["keys"][0]["field"] = "$..["
    verdict = service.templates.certify(_template(data))
    assert verdict.problems[0].pointer.startswith("/pipeline/steps/5/keys/0")


# -- certification --------------------------------------------------------------------------


def test_the_builtin_is_certified_by_its_mappings_and_pipeline_tests(service: Service) -> None:
    [summary] = [s for s in service.templates.list_templates() if s.code == CODE]
    assert (summary.certified, summary.builtin, summary.pipeline_steps) == (True, True, 6)
    template = service.templates.get(CODE)
    verdict = service.templates.certify(template)
    assert verdict.problems == () and verdict.failed == 0
    assert template.pipeline is not None
    pipeline_tests = len(template.pipeline.tests)
    assert pipeline_tests >= 6
    assert verdict.passed == pipeline_tests + sum(len(m.tests) for m in template.mappings.values())
    assert summary.test_count == verdict.passed
    names = " ".join(t.name for t in template.pipeline.tests)
    for case in ("two employees", "overtime", "unknown employee", "zero seconds"):
        assert case in names


def test_a_failing_pipeline_test_uncertifies_and_blocks_use(service: Service) -> None:
    data = _data()
    data["pipeline"]["tests"][0]["expected"][2]["hours"] = 12.34  # 44,400 s is 12.33 h
    data["pipeline"]["tests"][1]["expected_failures"] = 0
    verdict = service.templates.certify(_template(data))
    assert not verdict.certified and verdict.failed == 2
    assert verdict.failures[0].startswith("pipeline: two employees, regular and overtime")
    assert '"hours": 12.33' in verdict.failures[0]
    assert "no record of the enrich source has $.user_id = '9999999'" in verdict.failures[1]


def test_test_template_file_runs_every_suite_and_finds_the_employees_beside_it(
    tmp_path: Path,
) -> None:
    suites = dict(template_file_suites(PATH))
    assert list(suites) == [f"{CODE}/timesheet", f"{CODE}/payline", f"{CODE}/pipeline"]
    assert all(suite.ok for suite in suites.values())
    assert suites[f"{CODE}/pipeline"].coverage.unchecked == ()
    moved = tmp_path / "qbt.fwtemplate.json"  # without its employees file beside it
    moved.write_text(PATH.read_text(encoding="utf-8"), encoding="utf-8")
    lonely = dict(template_file_suites(moved))
    assert not lonely[f"{CODE}/pipeline"].ok
    assert "employees.csv" in lonely[f"{CODE}/pipeline"].results[0].message


def test_fieldwright_test_on_the_template_file(tmp_path: Path) -> None:
    runner = CliRunner()
    passed = runner.invoke(cli, ["test", str(PATH), "--junit", str(tmp_path / "j.xml")])
    assert passed.exit_code == 0, passed.output
    assert f"{CODE}/pipeline" in passed.output and "6 passed, 0 failed" in passed.output
    assert "an unknown employee is a dead letter" in (tmp_path / "j.xml").read_text()
    data = _data()
    data["pipeline"]["tests"][2]["expected"] = []
    broken = tmp_path / "broken.fwtemplate.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    for name in ("employees.csv",):
        src = FOLDER / f"qbt_timesheets_to_wfn_paylines.{name}"
        (tmp_path / src.name).write_bytes(src.read_bytes())
    failed = runner.invoke(cli, ["test", str(broken)])
    assert failed.exit_code == 1
    assert "✗ zero seconds and running timesheets are filtered out" in failed.output
    data["pipeline"]["steps"][2]["mapping"] = "nope"
    broken.write_text(json.dumps(data), encoding="utf-8")
    refused = runner.invoke(cli, ["test", str(broken)])
    assert refused.exit_code != 0
    assert "/pipeline/steps/2/mapping" in refused.output
    with pytest.raises(InvalidDocument, match="/pipeline/steps/2/mapping"):
        template_file_suites(broken)


# -- using the template ---------------------------------------------------------------------


def test_use_makes_the_mappings_and_the_pipeline_with_their_tests(service: Service) -> None:
    made = service.templates.use(CODE, " acme ", today=DAY)
    assert made.mapping_keys == (
        "mapping_QBT_WFNPAY_ACME_20261203_TIMESHEET",
        "mapping_QBT_WFNPAY_ACME_20261203_PAYLINE",
    )
    assert made.pipeline_key == "pipeline_QBT_WFNPAY_ACME_20261203"
    template = service.templates.get(CODE)
    assert template.pipeline is not None
    for key, name in zip(made.mapping_keys, ("timesheet", "payline"), strict=True):
        mapping = service.open_mapping(key)
        assert len(mapping.fields) == len(template.mappings[name].fields)
        assert len(mapping.tests) == len(template.mappings[name].tests)
        assert all(not step.fn.startswith("@") for f in mapping.fields for step in f.transforms)
        assert service.templates.instance(key).template_code == CODE
    pipeline = service.pipelines.open(made.pipeline_key)
    assert (pipeline.client, pipeline.source_system, pipeline.target_system) == (
        "ACME",
        "QBT",
        "WFNPAY",
    )
    assert [s.mapping for s in pipeline.steps if isinstance(s, MapStep)] == list(made.mapping_keys)
    [enrich] = [s for s in pipeline.steps if isinstance(s, EnrichStep)]
    employees = Path(str(enrich.source.settings["path"]))
    assert employees.is_absolute() and employees.is_file()
    assert len(pipeline.tests) == len(template.pipeline.tests)
    suite = service.pipelines.run_tests(made.pipeline_key)
    assert suite.ok and suite.passed == len(template.pipeline.tests)
    assert service.templates.customisations(made.mapping_keys[1]).is_empty


def test_using_it_twice_for_a_client_the_same_day_saves_nothing(service: Service) -> None:
    service.templates.use(CODE, "ACME", today=DAY)
    before = len(service.list_mappings())
    with pytest.raises(SaveConflict, match="pipeline_QBT_WFNPAY_ACME_20261203"):
        service.templates.use(CODE, "acme", today=DAY)
    assert len(service.list_mappings()) == before
    assert len(service.templates.instances(CODE)) == 3  # two mappings and the pipeline
    with pytest.raises(Exception, match="client code 'a c' must be 2-20 letters or digits"):
        service.templates.use(CODE, "a c", today=DAY)


def test_the_used_pipeline_runs_the_sample_to_ndjson_and_csv(
    service: Service, tmp_path: Path
) -> None:
    made = service.templates.use(CODE, "ACME", today=DAY)
    assert made.pipeline_key is not None
    outputs: dict[str, Path] = {}
    for kind in ("ndjson", "csv"):
        outputs[kind] = tmp_path / f"paylines.{kind}"
        handle = service.start_run(
            made.pipeline_key,
            source=ConnectorRef(kind="csv", settings={"path": str(SAMPLE)}),
            target=ConnectorRef(kind=kind, settings={"path": str(outputs[kind])}),
        )
        result = handle.wait()
        assert result is not None and result.ok, result
        counts = result.counts
        # 9 timesheets: 2 filtered (zero seconds, on the clock), 1 unknown employee,
        # 6 folded into 4 lines (Ada REG ×2, Ada OVT, Grace REG ×2, Alan PTO)
        assert (counts.read, counts.written, counts.failed, counts.filtered) == (9, 4, 1, 2)
        assert result.dead_letters == 1
    lines = [json.loads(line) for line in outputs["ndjson"].read_text().splitlines()]
    assert [(r["file_number"], r["earnings_code"], r["hours"]) for r in lines] == [
        ("004217", "OVT", 1.67),
        ("004217", "REG", 16.5),
        ("004218", "REG", 12.33),
        ("004311", "PTO", 4),
    ]
    assert lines[1]["timesheets"] == 2 and lines[1]["first_date"] == "2026-11-16"
    assert lines[1]["last_date"] == "2026-11-17" and lines[1]["pay_date"] == "2026-11-27"
    rows = list(csv.DictReader(outputs["csv"].open(encoding="utf-8")))
    assert list(rows[0]) == [
        "batch_id",
        "associate_oid",
        "file_number",
        "pay_group",
        "home_cost_center",
        "pay_date",
        "earnings_code",
        "hours",
        "timesheets",
        "first_date",
        "last_date",
    ]
    assert [(r["file_number"], r["hours"]) for r in rows] == [
        ("004217", "1.67"),
        ("004217", "16.5"),
        ("004218", "12.33"),
        ("004311", "4"),
    ]
    [letter] = service.dead_letters(result.key).items
    assert letter.step == "employee" and "9999999" in letter.reason


def test_import_anchors_the_enrich_file_to_the_template_folder(
    service: Service, tmp_path: Path
) -> None:
    data = _data()
    data["version"] = 2
    employees = FOLDER / "qbt_timesheets_to_wfn_paylines.employees.csv"
    (tmp_path / "staff.csv").write_bytes(employees.read_bytes())
    data["pipeline"]["steps"][1]["source"]["settings"]["path"] = "staff.csv"
    path = tmp_path / "mine.fwtemplate.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    summary = service.templates.import_template(path)
    assert (summary.version, summary.certified) == (2, True)
    stored = service.templates.get(CODE, 2)
    assert stored.pipeline is not None
    step = stored.pipeline.steps[1]
    assert isinstance(step, EnrichStep)
    assert step.source.settings["path"] == str((tmp_path / "staff.csv").resolve())
    assert load_template(PATH).version == 1  # the built-in is unchanged


def test_templates_use_then_run_the_pipeline_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    runner = CliRunner()
    used = runner.invoke(cli, ["templates", "use", "-d", url, CODE, "acme"])
    assert used.exit_code == 0, used.output
    stamp = f"{date.today():%Y%m%d}"
    key = f"pipeline_QBT_WFNPAY_ACME_{stamp}"
    assert f"created mapping_QBT_WFNPAY_ACME_{stamp}_TIMESHEET (9 field mappings)" in used.output
    assert f"created pipeline {key}" in used.output
    output = tmp_path / "paylines.csv"
    ran = runner.invoke(cli, ["run", key, "-d", url, "-i", str(SAMPLE), "-o", str(output)])
    assert ran.exit_code == 3, ran.output  # completed, with a dead letter
    assert "employee (enrich): in 7, out 6, failed 1" in ran.output
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert [(r["batch_id"], r["file_number"], r["earnings_code"], r["hours"]) for r in rows] == [
        ("QBT20261127", "004217", "OVT", "1.67"),
        ("QBT20261127", "004217", "REG", "16.5"),
        ("QBT20261127", "004218", "REG", "12.33"),
        ("QBT20261127", "004311", "PTO", "4"),
    ]


def test_export_of_the_builtin_is_the_file_as_shipped(service: Service, tmp_path: Path) -> None:
    service.templates.use(CODE, "ACME", today=DAY)  # stores the template version it used
    exported = service.templates.export_template(CODE, None, tmp_path / "out.fwtemplate.json")
    shipped = load_template(PATH).model_copy(update={"certified": True})
    again = load_template(exported)
    assert again.model_copy(update={"certified_at": None}) == shipped
    assert again.certified_at is not None


def _routed(mapping: str) -> dict[str, Any]:
    """A small template whose map step sits in a route branch."""
    return {
        "fieldwright": 1,
        "code": "template_AB_CD",
        "name": "Routed",
        "source_system": "AB",
        "target_system": "CD",
        "mappings": {"upper": {"fields": [{"target": "$.n", "sources": ["$.n"]}]}},
        "pipeline": {
            "steps": [
                {
                    "name": "split",
                    "type": "route",
                    "branches": [
                        {
                            "name": "big",
                            "when": "n > `1`",
                            "steps": [{"name": "m", "type": "map", "mapping": mapping}],
                        }
                    ],
                }
            ],
            "tests": [
                {"name": "t", "input": [{"n": 2}, {"n": 1}], "expected": [{"n": 1}, {"n": 2}]}
            ],
        },
    }


def test_map_steps_inside_route_branches_name_the_templates_mappings(service: Service) -> None:
    assert _problems(_routed("lower"))[0][0] == "/pipeline/steps/0/branches/0/steps/0/mapping"
    template = template_from_data(_routed("upper"))
    assert service.templates.certify(template).certified
    document = expand_pipeline(
        template, key="pipeline_AB_CD_X_1", name="x", mapping_keys={"upper": "mapping_AB_CD_X"}
    )
    route = document.steps[0]
    assert isinstance(route, RouteStep)
    step = route.branches[0].steps[0]
    assert isinstance(step, MapStep) and step.mapping == "mapping_AB_CD_X"
    assert dump_template(template) == dump_template(loads_template(dump_template(template)))
