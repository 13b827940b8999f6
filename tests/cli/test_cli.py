"""The command line, end to end on the bundled examples and on broken inputs."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from fieldwright.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
HUBSPOT = REPO / "resources" / "examples" / "hubspot_to_crm"
QBT = REPO / "resources" / "examples" / "qbt_to_wfn"


def fieldwright(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_hubspot_example_runs_end_to_end_as_a_real_process(tmp_path: Path) -> None:
    output = tmp_path / "out" / "crm_contacts.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fieldwright",
            "run",
            HUBSPOT / "mapping.fwmap.json",
            "--input",
            HUBSPOT / "contacts.json",
            "--output",
            output,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "read 8, written 7, failed 0, filtered 1" in done.stdout
    rows = read_csv(output)
    assert [r["crm_id"] for r in rows] == ["101", "201", "202", "203", "205", "206", "207"]
    ada = rows[0]
    assert ada["full_name"] == "Ada Lovelace" and ada["email"] == "ada@example.com"
    assert (
        ada["phone"] == "+15551234567"
        and ada["company_ids"] == "55;56"
        and ada["stage"] == "Customer"
    )
    assert rows[2]["full_name"] == "José Núñez"
    manifest = json.loads(output.with_name("crm_contacts.csv.meta.json").read_text())
    assert manifest["row_count"] == 7
    assert manifest["checksum"] == "sha256:" + hashlib.sha256(output.read_bytes()).hexdigest()
    assert not output.with_name("crm_contacts.csv.dead-letters.ndjson").exists()
    assert sorted(p.name for p in output.parent.iterdir()) == [
        "crm_contacts.csv",
        "crm_contacts.csv.meta.json",
    ]


def test_qbt_example_keeps_the_failed_line_as_a_dead_letter(tmp_path: Path) -> None:
    output = tmp_path / "wfn.ndjson"
    result = fieldwright(
        "run", QBT / "mapping.fwmap.json", "-i", QBT / "timesheets.csv", "-o", output
    )
    assert result.exit_code == 3, result.output
    assert "read 9, written 7, failed 1, filtered 1" in result.output
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert lines[0] == {
        "co_code": "ACM",
        "batch_id": "QBT0721",
        "file_number": "004217",
        "pay_date": "2025-07-21",
        "earnings_code": "REG",
        "hours": 8.0,
        "department": "300",
        "memo": "Site visit",
        "source_id": "QBT-8812301",
    }
    [letter] = [
        json.loads(line)
        for line in (tmp_path / "wfn.ndjson.dead-letters.ndjson").read_text().splitlines()
    ]
    assert letter["position"] == {"line": 10}
    assert letter["field"] == "$.file_number"
    assert "'1234599' is not in the lookup table" in letter["reason"]
    assert letter["input"]["id"] == "8812317"


def test_fail_fast_writes_no_output_and_exits_1(tmp_path: Path) -> None:
    output = tmp_path / "wfn.csv"
    output.write_text("previous good file\n")
    result = fieldwright(
        "run",
        QBT / "mapping.fwmap.json",
        "-i",
        QBT / "timesheets.csv",
        "-o",
        output,
        "--error-strategy",
        "fail_fast",
    )
    assert result.exit_code == 1
    assert "run failed: line 10" in result.output
    assert "written 0" in result.output
    assert output.read_text() == "previous good file\n"  # the old target is untouched
    assert (tmp_path / "wfn.csv.dead-letters.ndjson").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "wfn.csv",
        "wfn.csv.dead-letters.ndjson",
        "wfn.csv.dead-letters.ndjson.meta.json",
    ]


def test_malformed_ndjson_lines_fail_alone_with_their_line(tmp_path: Path) -> None:
    source = tmp_path / "contacts.ndjson"
    records = json.loads((HUBSPOT / "contacts.json").read_text())
    lines = (
        [json.dumps(r) for r in records[:2]]
        + ['{"id": "9", "properties": {']
        + [json.dumps(records[2])]
    )
    source.write_text("\n".join(lines) + "\n")
    output = tmp_path / "out.json"
    result = fieldwright("run", HUBSPOT / "mapping.fwmap.json", "-i", source, "-o", output)
    assert result.exit_code == 3
    assert "read 4, written 3, failed 1, filtered 0" in result.output
    assert len(json.loads(output.read_text())) == 3
    [letter] = [
        json.loads(x) for x in (tmp_path / "out.json.dead-letters.ndjson").read_text().splitlines()
    ]
    assert letter["position"]["line"] == 3 and letter["field"] is None
    assert letter["raw"] == '{"id": "9", "properties": {'


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_a_broken_document_names_the_file_and_each_problem(tmp_path: Path) -> None:
    doc = json.loads((HUBSPOT / "mapping.fwmap.json").read_text())
    doc["fields"][1]["transforms"][0]["fn"] = "titel"
    doc["fields"][2]["sources"] = ["$.properties["]
    path = write_json(tmp_path / "broken.fwmap.json", doc)
    result = fieldwright("run", path, "-i", HUBSPOT / "contacts.json", "-o", tmp_path / "x.csv")
    assert result.exit_code == 2
    assert "broken.fwmap.json" in result.output
    assert "/fields/1/transforms/0/fn: unknown function 'titel'" in result.output
    assert "/fields/2/sources/0" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.csv").exists()


def test_a_missing_input_is_reported_without_traceback(tmp_path: Path) -> None:
    result = fieldwright(
        "run",
        HUBSPOT / "mapping.fwmap.json",
        "-i",
        tmp_path / "nope.json",
        "-o",
        tmp_path / "x.csv",
    )
    assert result.exit_code == 2
    assert "nope.json" in result.output and "not found" in result.output
    assert "Traceback" not in result.output


def test_validate_reports_ok_and_problems(tmp_path: Path) -> None:
    good = fieldwright("validate", HUBSPOT / "mapping.fwmap.json", QBT / "mapping.fwmap.json")
    assert good.exit_code == 0
    assert "ok (13 field mappings, 7 tests)" in good.output
    doc = json.loads((QBT / "mapping.fwmap.json").read_text())
    doc["fields"][2]["transforms"][1]["args"] = ["no_such_table"]
    doc["fieldwright"] = 99
    newer = write_json(tmp_path / "newer.json", doc)
    del doc["fieldwright"]
    doc["fieldwright"] = 1
    bad = write_json(tmp_path / "bad.json", doc)
    result = fieldwright("validate", newer, bad)
    assert result.exit_code == 1
    assert "newer Fieldwright (format 99)" in result.output
    assert (
        "/fields/2/transforms/1/args/0: lookup table 'no_such_table' does not exist"
        in result.output
    )


def test_preview_with_trace_shows_every_step() -> None:
    result = fieldwright(
        "preview",
        HUBSPOT / "mapping.fwmap.json",
        "-i",
        HUBSPOT / "contacts.json",
        "-n",
        "2",
        "--trace",
    )
    assert result.exit_code == 0
    assert result.output.count("item ") == 2
    assert '$.first_name ← $.properties.firstname = "ada"' in result.output
    assert '→ title() = "Ada"' in result.output
    assert 'lookup("lifecycle_stage", "Unknown") = "Customer"' in result.output


def test_test_command_writes_junit_and_fails_on_a_failing_test(tmp_path: Path) -> None:
    doc = json.loads((QBT / "mapping.fwmap.json").read_text())
    doc["tests"][0]["expected"]["hours"] = 7.0
    failing = write_json(tmp_path / "failing.fwmap.json", doc)
    junit = tmp_path / "junit.xml"
    result = fieldwright("test", HUBSPOT / "mapping.fwmap.json", failing, "--junit", junit)
    assert result.exit_code == 1
    assert "$.hours: expected 7.0, got 8.0" in result.output
    assert "coverage 100%" in result.output
    root = ET.parse(junit).getroot()
    assert root.get("tests") == "15" and root.get("failures") == "1"
    failure = root.find(".//testcase[@name='regular day']/failure")
    assert failure is not None and "expected 7.0, got 8.0" in (failure.text or "")
    ok = fieldwright("test", HUBSPOT / "mapping.fwmap.json")
    assert ok.exit_code == 0


def test_test_command_runs_a_stored_mappings_tests_by_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    doc = json.loads((QBT / "mapping.fwmap.json").read_text())
    doc["tests"][0]["expected"]["hours"] = 7.0
    imported = fieldwright("import", write_json(tmp_path / "qbt.fwmap.json", doc), "-d", url)
    assert imported.exit_code == 0, imported.output
    key = doc["key"]
    junit = tmp_path / "junit.xml"
    result = fieldwright("test", key, "-d", url, "--junit", junit)
    assert result.exit_code == 1, result.output
    assert f"{key} (stored, version 1)" in result.output
    assert "$.hours: expected 7.0, got 8.0" in result.output
    assert ET.parse(junit).getroot().get("failures") == "1"


def test_junit_goes_into_a_new_folder_and_an_unwritable_path_is_a_message(tmp_path: Path) -> None:
    nested = tmp_path / "reports" / "ci" / "junit.xml"
    assert fieldwright("test", HUBSPOT / "mapping.fwmap.json", "--junit", nested).exit_code == 0
    assert ET.parse(nested).getroot().get("tests") == "7"
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    result = fieldwright("test", HUBSPOT / "mapping.fwmap.json", "--junit", blocked / "junit.xml")
    assert result.exit_code == 2
    assert "cannot write the JUnit report" in result.output
    assert "Traceback" not in result.output


def test_functions_and_schema() -> None:
    listing = fieldwright("functions", "--json")
    functions = json.loads(listing.output)
    assert len(functions) >= 60
    assert {f["category"] for f in functions} >= {
        "string",
        "number",
        "date/time",
        "logic",
        "lookup",
        "list",
        "masking/hashing",
    }
    human = fieldwright("functions", "--category", "lookup")
    assert "lookup(value, table: lookup" in human.output
    schema = json.loads(fieldwright("schema").output)
    assert schema["title"] == "Fieldwright mapping document"
    assert {"fieldwright", "key", "fields", "tests"} <= set(schema["properties"])


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help(flag: str) -> None:
    assert fieldwright(flag).exit_code == 0


def test_progress_bar_on_a_long_run(tmp_path: Path) -> None:
    records = json.loads((HUBSPOT / "contacts.json").read_text())
    source = tmp_path / "many.ndjson"
    source.write_text("".join(json.dumps(records[n % len(records)]) + "\n" for n in range(3000)))
    result = fieldwright(
        "run",
        HUBSPOT / "mapping.fwmap.json",
        "-i",
        source,
        "-o",
        tmp_path / "o.ndjson",
        "--progress",
    )
    assert result.exit_code == 0, result.output
    assert "read 3,000, written 2,625, failed 0, filtered 375" in result.output
