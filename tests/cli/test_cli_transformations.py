"""`fieldwright transformations` on a store of the test's own (issue 19, item 5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from fieldwright.cli.main import cli


def _file(path: Path, **changes: Any) -> Path:
    data: dict[str, Any] = {
        "fieldwright_transformation": 1,
        "key": "transform_clean_phone",
        "name": "clean_phone",
        "description": "Digits of a phone number",
        "steps": [{"fn": "trim"}, {"fn": "regex_replace", "args": ["\\D", ""]}],
        "tests": [
            {"name": "spaces", "input": " 555 12 ", "expected": "55512"},
            {"name": "letters", "input": "x1y2", "expected": "12"},
        ],
        **changes,
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_import_list_show_test_and_export(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    runner = CliRunner()
    source = _file(tmp_path / "phone.json")
    imported = runner.invoke(cli, ["transformations", "import", "-d", url, str(source)])
    assert imported.exit_code == 0, imported.output
    assert "imported @clean_phone as transform_clean_phone v1" in imported.output
    listing = runner.invoke(cli, ["transformations", "list", "-d", url, "--search", "phone"])
    assert listing.exit_code == 0, listing.output
    assert "@clean_phone v1" in listing.output and "2 steps, 2 tests" in listing.output
    tested = runner.invoke(cli, ["transformations", "test", "-d", url])
    assert tested.exit_code == 0, tested.output
    assert "2 passed, 0 failed" in tested.output and "1 of 1 transformations" in tested.output
    # A second version with a test that fails: test exits 1 and says what it got.
    _file(source, tests=[{"name": "wrong", "input": "a1", "expected": "a1"}])
    assert runner.invoke(cli, ["transformations", "import", "-d", url, str(source)]).exit_code == 0
    failing = runner.invoke(cli, ["transformations", "test", "-d", url, "transform_clean_phone"])
    assert failing.exit_code == 1, failing.output
    assert '✗ wrong: "1"' in failing.output and "expected 'a1', got '1'" in failing.output
    shown = runner.invoke(
        cli, ["transformations", "show", "-d", url, "@clean_phone", "--history", "--diff", "1"]
    )
    assert shown.exit_code == 0, shown.output
    assert '1. regex_replace("\\\\D", "")' in shown.output
    assert "v2 " in shown.output and "v1 " in shown.output
    assert "test 'wrong' added" in shown.output and "test 'spaces' removed" in shown.output
    out = tmp_path / "out"
    out.mkdir()
    exported = runner.invoke(
        cli, ["transformations", "export", "-d", url, "transform_clean_phone", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    written = json.loads((out / "transform_clean_phone.json").read_text(encoding="utf-8"))
    assert written["version"] == 2 and written["tests"][0]["name"] == "wrong"


def test_bad_files_and_unknown_keys_are_clear_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    runner = CliRunner()
    bad = _file(tmp_path / "bad.json", steps=[{"fn": "trim", "args": "x"}])
    result = runner.invoke(cli, ["transformations", "import", "-d", url, str(bad)])
    assert result.exit_code == 2 and "/steps/0/args" in result.output
    assert "Traceback" not in result.output
    missing = runner.invoke(cli, ["transformations", "show", "-d", url, "transform_nope"])
    assert missing.exit_code == 2 and "no transformation 'transform_nope'" in missing.output
