"""`fieldwright run` and `validate` with pipeline documents, end to end through the service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from fieldwright.cli.main import cli

MAPPING: dict[str, Any] = {
    "fieldwright": 1,
    "key": "mapping_T_T_X_20261203",
    "name": "hours",
    "fields": [
        {"target": "$.emp", "sources": ["$.emp"], "transforms": [{"fn": "to_integer"}]},
        {"target": "$.week", "sources": ["$.week"]},
        {"target": "$.hours", "sources": ["$.hours"], "transforms": [{"fn": "to_number"}]},
    ],
}


def fieldwright(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _pipeline(tmp_path: Path, **changes: Any) -> Path:
    (tmp_path / "hours.fwmap.json").write_text(json.dumps(MAPPING), encoding="utf-8")
    (tmp_path / "employees.csv").write_text("emp,name\n1,Ada\n2,Grace\n", encoding="utf-8")
    document: dict[str, Any] = {
        "fieldwright_pipeline": 1,
        "key": "pipeline_TS_PAY_ACME_20261203",
        "name": "Pay lines",
        "steps": [
            {"name": "typed", "type": "map", "mapping": "hours.fwmap.json"},
            {"name": "valid", "type": "validate", "checks": [{"field": "$.hours", "max": 24}]},
            {
                "name": "who",
                "type": "enrich",
                "on": {"$.emp": "$.emp"},
                "source": {"kind": "csv", "settings": {"path": "employees.csv"}},
                "fields": {"name": "$.name"},
                "no_match": "dead_letter",
            },
            {
                "name": "per week",
                "type": "aggregate",
                "group_by": ["$.name", "$.week"],
                "aggregates": [
                    {"name": "hours", "fn": "sum", "field": "$.hours"},
                    {"name": "days", "fn": "count"},
                ],
            },
            {
                "name": "order",
                "type": "sort",
                "keys": [{"field": "$.week"}, {"field": "$.hours", "descending": True}],
            },
        ],
        **changes,
    }
    path = tmp_path / "pay.fwpipe.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


HOURS = [
    {"emp": "1", "week": "W1", "hours": "7.5"},
    {"emp": "2", "week": "W1", "hours": "8"},
    {"emp": "1", "week": "W1", "hours": "0.1"},
    {"emp": "1", "week": "W2", "hours": "30"},  # over 24: fails at `valid`
    {"emp": "9", "week": "W2", "hours": "1"},  # nobody: fails at `who`
    {"emp": "2", "week": "W2", "hours": "0.2"},
    {"emp": "x", "week": "W2", "hours": "1"},  # fails at `typed`
]


def _input(tmp_path: Path) -> Path:
    path = tmp_path / "hours.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in HOURS), encoding="utf-8")
    return path


def test_run_a_pipeline_file_end_to_end(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    output = tmp_path / "out" / "pay.ndjson"
    result = fieldwright("run", pipeline, "-i", _input(tmp_path), "-o", output)
    assert result.exit_code == 3, result.output  # completed, some records failed
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert rows == [
        {"name": "Grace", "week": "W1", "hours": 8, "days": 1},
        {"name": "Ada", "week": "W1", "hours": 7.6, "days": 2},
        {"name": "Grace", "week": "W2", "hours": 0.2, "days": 1},
    ]
    assert "read 7, written 3, failed 3" in result.output
    assert "per week (aggregate): in 4, out 3, merged 1" in result.output
    letters = [
        json.loads(line)
        for line in (tmp_path / "out" / "pay.ndjson.dead-letters.ndjson").read_text().splitlines()
    ]
    assert [(x["step"], x["position"]["line"]) for x in letters] == [
        ("typed", 7),
        ("valid", 4),
        ("who", 5),
    ] or sorted((x["step"], x["position"]["line"]) for x in letters) == [
        ("typed", 7),
        ("valid", 4),
        ("who", 5),
    ]
    manifest = json.loads((tmp_path / "out" / "pay.ndjson.meta.json").read_text())
    assert manifest["run"]["merged"] == 1 and manifest["run"]["written"] == 3


def test_fail_fast_leaves_no_output(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    output = tmp_path / "pay.ndjson"
    result = fieldwright(
        "run", pipeline, "-i", _input(tmp_path), "-o", output, "--error-strategy", "fail_fast"
    )
    assert result.exit_code == 1
    assert not output.exists()
    assert "step 'valid'" in result.output


def test_validate_a_pipeline_file(tmp_path: Path) -> None:
    good = _pipeline(tmp_path)
    result = fieldwright("validate", good)
    assert result.exit_code == 0
    assert "ok (pipeline of 5 steps: map, validate, enrich, aggregate, sort)" in result.output
    MAPPING["fields"][0]["transforms"] = [{"fn": "no_such_fn"}]
    try:
        bad = _pipeline(tmp_path / "..", key="pipeline_TS_PAY_ACME_20261204")
    finally:
        MAPPING["fields"][0]["transforms"] = [{"fn": "to_integer"}]
    result = fieldwright("validate", bad)
    assert result.exit_code == 1
    assert "/steps/0/mapping:" in result.output and "no_such_fn" in result.output


def test_a_broken_pipeline_is_refused_before_running(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path, steps=[{"name": "s", "type": "sort", "keys": []}])
    result = fieldwright("run", pipeline, "-i", _input(tmp_path), "-o", tmp_path / "o.ndjson")
    assert result.exit_code == 2
    assert "/steps/0/keys" in result.output


def test_missing_files_a_pipeline_names_are_reported_with_the_step(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    (tmp_path / "employees.csv").unlink()
    output = tmp_path / "pay.ndjson"
    result = fieldwright("run", pipeline, "-i", _input(tmp_path), "-o", output)
    assert result.exit_code == 1
    assert "step 'who': its enrich source" in result.output
    assert "employees.csv: file not found" in result.output
    assert not output.exists()
    (tmp_path / "hours.fwmap.json").unlink()
    result = fieldwright("run", pipeline, "-i", _input(tmp_path), "-o", output)
    assert result.exit_code == 2
    assert "/steps/0/mapping: " in result.output and "cannot read file" in result.output


def _routed(tmp_path: Path) -> Path:
    route = {
        "name": "by week",
        "type": "route",
        "branches": [
            {
                "name": "week 2",
                "when": "week == 'W2'",
                "steps": [{"name": "order", "type": "sort", "keys": [{"field": "$.emp"}]}],
                "target": {"connector": {"kind": "ndjson", "settings": {"path": "w2.ndjson"}}},
            }
        ],
    }
    return _pipeline(
        tmp_path,
        steps=[
            {"name": "typed", "type": "map", "mapping": "hours.fwmap.json"},
            route,
        ],
    )


def test_a_branch_target_is_written_beside_the_output_in_the_same_commit(tmp_path: Path) -> None:
    output = tmp_path / "out" / "w1.ndjson"
    result = fieldwright("run", _routed(tmp_path), "-i", _input(tmp_path), "-o", output)
    assert result.exit_code == 3, result.output  # the "x" employee fails at `typed`
    week1 = [json.loads(x) for x in output.read_text().splitlines()]
    week2 = [json.loads(x) for x in (tmp_path / "out" / "w2.ndjson").read_text().splitlines()]
    assert [r["hours"] for r in week1] == [7.5, 8, 0.1]
    assert [(r["emp"], r["hours"]) for r in week2] == [(1, 30), (2, 0.2), (9, 1)]
    assert "by week/week 2/order (sort): in 3, out 3" in result.output
    manifest = json.loads((tmp_path / "out" / "w1.ndjson.meta.json").read_text())
    assert "w2.ndjson" in json.dumps(manifest["companions"])


def test_a_failed_run_leaves_every_target_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "w2.ndjson").write_text("old\n")
    result = fieldwright(
        "run",
        _routed(tmp_path),
        "-i",
        _input(tmp_path),
        "-o",
        folder / "w1.ndjson",
        "--error-strategy",
        "fail_fast",
    )
    assert result.exit_code == 1
    assert (folder / "w2.ndjson").read_text() == "old\n"
    assert not (folder / "w1.ndjson").exists()
    # No temporary file is left; the failed run keeps its dead letters on their own.
    assert sorted(p.name for p in folder.iterdir()) == [
        "w1.ndjson.dead-letters.ndjson",
        "w1.ndjson.dead-letters.ndjson.meta.json",
        "w2.ndjson",
    ]


def test_preview_shows_what_each_step_gives_and_from_which_line(tmp_path: Path) -> None:
    result = fieldwright("preview", _pipeline(tmp_path), "-i", _input(tmp_path), "-n", "7")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "typed (map): in 7, out 6, failed 1"
    aggregate = lines.index("per week (aggregate): in 4, out 3, merged 1")
    assert lines[aggregate + 1].startswith("  line 1, byte 0: ")
    assert '"hours": 7.6, "days": 2' in lines[aggregate + 1]
    assert any("step 'who': no record of the enrich source has $.emp = 9" in x for x in lines)


def test_a_pipelines_tests_run_with_fieldwright_test(tmp_path: Path) -> None:
    ok = {
        "name": "a week of hours",
        "input": HOURS[:3],
        "expected": [
            {"name": "Grace", "week": "W1", "hours": 8, "days": 1},
            {"name": "Ada", "week": "W1", "hours": 7.6, "days": 2},
        ],
    }
    failing = {
        "name": "nobody is a dead letter",
        "input": [HOURS[4]],
        "expected": [{"name": "?"}],
    }
    pipeline = _pipeline(tmp_path, tests=[ok, failing])
    junit = tmp_path / "junit.xml"
    result = fieldwright("test", pipeline, "--junit", junit)
    assert result.exit_code == 1, result.output
    report = junit.read_text(encoding="utf-8")
    assert 'testsuite name="pipeline_TS_PAY_ACME_20261203" tests="2" failures="1"' in report
    assert 'name="nobody is a dead letter"' in report
    assert "✓ a week of hours" in result.output
    assert "✗ nobody is a dead letter" in result.output
    assert "output: 0 records, expected 1" in result.output
    assert "1 records failed, expected 0 (step 'who': no record" in result.output
    assert "1 passed, 1 failed; steps reached 5 of 5" in result.output
    failing["expected"], failing["expected_failures"] = [], 1
    result = fieldwright("test", _pipeline(tmp_path, tests=[ok, failing]))
    assert result.exit_code == 0, result.output


def test_a_branch_targets_records_are_tested_by_branch_name(tmp_path: Path) -> None:
    path = _routed(tmp_path)
    document = json.loads(path.read_text())
    document["tests"] = [
        {
            "name": "weeks apart",
            "input": [HOURS[5], HOURS[0]],
            "expected": [{"emp": 1, "week": "W1", "hours": 7.5}],
            "expected_targets": {"week 2": [{"emp": 2, "week": "W2", "hours": 0.2}]},
        }
    ]
    path.write_text(json.dumps(document))
    result = fieldwright("test", path)
    assert result.exit_code == 0, result.output
    assert "steps reached 3 of 3" in result.output


def test_validate_opens_an_enrich_steps_sql_source_and_names_a_missing_key_column(
    tmp_path: Path,
) -> None:
    import sqlite3

    database = tmp_path / "hr.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE employees (emp_id INTEGER, name TEXT)")
    step = {
        "name": "who",
        "type": "enrich",
        "on": {"$.emp": "$.emp"},
        "source": {
            "kind": "sql",
            "settings": {"url": f"sqlite:///{database}", "table": "employees"},
        },
        "mode": "lookup",
    }
    result = fieldwright("validate", _pipeline(tmp_path, steps=[step]))
    assert result.exit_code == 1
    assert "/steps/0/on:" in result.output and "no key column 'emp'" in result.output
    step["on"] = {"$.emp": "$.emp_id"}
    result = fieldwright("validate", _pipeline(tmp_path, steps=[step]))
    assert result.exit_code == 0, result.output
    step["source"] = {"kind": "sql", "connection": "hr", "settings": {"table": "employees"}}
    result = fieldwright("validate", _pipeline(tmp_path, steps=[step]))
    assert result.exit_code == 1
    assert "/steps/0/source/connection: no saved connection is named 'hr'" in result.output
