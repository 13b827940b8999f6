"""`fieldwright functions --expressions` documents the expression language with examples."""

from __future__ import annotations

import json

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
