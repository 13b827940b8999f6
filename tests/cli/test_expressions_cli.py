"""`fieldwright functions --expressions` documents the expression language with examples."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from fieldwright.cli.main import cli
from fieldwright.service import (
    check_expression,
    expression_functions,
    expression_operators,
)


def test_functions_expressions_lists_operators_and_functions() -> None:
    result = CliRunner().invoke(cli, ["functions", "--expressions"], catch_exceptions=False)
    assert result.exit_code == 0
    text = result.output
    for name in ("$sum(array)", "$decimal(x)", "$round(x, places)", "? :", "??", "&"):
        assert name in text
    assert "e.g. $decimal(price) * qty → 59.97" in text
    count = f"{len(expression_operators())} operators, {len(expression_functions())} functions"
    assert count in text


def test_functions_expressions_as_json() -> None:
    result = CliRunner().invoke(
        cli, ["functions", "--expressions", "--json"], catch_exceptions=False
    )
    data = json.loads(result.output)
    names = {f["name"] for f in data["functions"]}
    assert {"$sum", "$count", "$min", "$max", "$average", "$decimal", "$round"} <= names
    assert all(f["examples"] for f in data["functions"])
    assert {o["operator"] for o in data["operators"]} >= {"+ - * / %", "and or", "? :"}


def test_check_expression_through_the_service() -> None:
    assert check_expression("qty * price") is None
    problem = check_expression("qty *\n (price")
    assert problem is not None
    assert (problem.line, problem.column) == (2, 8)
    assert "expected )" in problem.message.lower()


def test_preview_trace_and_run_with_an_expression_field(tmp_path: Path) -> None:
    mapping = tmp_path / "lines.fwmap.json"
    mapping.write_text(
        json.dumps(
            {
                "fieldwright": 1,
                "key": "mapping_ORD_LINES_X_20260101",
                "name": "lines",
                "fields": [
                    {"target": "$.line_total", "expression": "$decimal(price) * qty"},
                    {"target": "$.unit", "expression": "total / qty", "on_error": "null"},
                ],
            }
        ),
        encoding="utf-8",
    )
    source = tmp_path / "in.ndjson"
    source.write_text(
        '{"qty": 3, "price": 19.99, "total": 6}\n{"qty": 0, "price": 5, "total": 1}\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    preview = runner.invoke(
        cli, ["preview", str(mapping), "-i", str(source), "--trace"], catch_exceptions=False
    )
    assert "$.line_total ← expression $decimal(price) * qty = 59.97" in preview.output
    assert "expression failed at line 1, column 7: division by zero" in preview.output
    output = tmp_path / "out.ndjson"
    run = runner.invoke(
        cli, ["run", str(mapping), "-i", str(source), "-o", str(output)], catch_exceptions=False
    )
    assert run.exit_code == 0
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert lines == [{"line_total": 59.97, "unit": 2}, {"line_total": 0, "unit": None}]
