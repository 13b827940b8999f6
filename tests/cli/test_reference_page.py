"""docs/reference.md is what `fieldwright functions --markdown` writes (issue 15 item 3)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from fieldwright.cli.main import cli
from fieldwright.service import reference_markdown

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference.md"


def test_docs_reference_is_not_stale() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/reference.md is stale: run `fieldwright functions --markdown -o docs/reference.md`"
    )


def test_markdown_to_stdout_and_to_a_file(tmp_path: Path) -> None:
    runner = CliRunner()
    printed = runner.invoke(cli, ["functions", "--markdown"], catch_exceptions=False)
    assert printed.exit_code == 0 and printed.output == reference_markdown()
    out = tmp_path / "reference.md"
    written = runner.invoke(cli, ["functions", "--markdown", "-o", str(out)])
    assert written.exit_code == 0, written.output
    assert out.read_text(encoding="utf-8") == reference_markdown()
    refused = runner.invoke(cli, ["functions", "-o", str(out)])
    assert refused.exit_code == 2 and "--output goes with --markdown" in refused.output
    unwritable = runner.invoke(cli, ["functions", "--markdown", "-o", str(tmp_path / "no" / "x")])
    assert unwritable.exit_code == 1 and "cannot write" in unwritable.output


def test_functions_state_their_null_behaviour() -> None:
    runner = CliRunner()
    listing = runner.invoke(cli, ["functions", "--category", "lookup"], catch_exceptions=False)
    assert "null: default applies" in listing.output
    data = json.loads(runner.invoke(cli, ["functions", "--json"]).output)
    nulls = {entry["name"]: entry["null_behaviour"] for entry in data}
    assert nulls["lookup"] == "default applies" and nulls["upper"] == "passes null through"
