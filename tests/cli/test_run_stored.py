"""`fieldwright run KEY`: a stored mapping runs by its business key from any folder."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fieldwright.cli import run_stored as run_stored_module
from fieldwright.cli.main import cli
from tests.conftest import EXAMPLES

KEY = "mapping_HUBSPOT_CRM_DEMO_20250724"


@pytest.fixture
def stored(tmp_path: Path) -> tuple[str, Path]:
    """The HubSpot example imported into a fresh store: (database URL, its folder)."""
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLES / "hubspot_to_crm", folder)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    imported = CliRunner().invoke(cli, ["import", str(folder / "mapping.fwmap.json"), "-d", url])
    assert imported.exit_code == 0, imported.output
    return url, folder


def test_run_key_uses_the_stored_connectors_from_another_folder(
    stored: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, folder = stored
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = CliRunner().invoke(cli, ["run", KEY, "-d", url, "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "completed: read 8, written 7, failed 0, filtered 1" in result.output
    assert f"output: {folder / 'crm_contacts.csv'}" in result.output
    assert (folder / "crm_contacts.csv").read_text().startswith("crm_id,")
    assert list(elsewhere.iterdir()) == []


def test_run_key_with_an_output_file_for_this_run(
    stored: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, folder = stored
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", KEY, "-d", url, "-o", "copy.csv", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "copy.csv").read_text().startswith("crm_id,")
    assert not (folder / "crm_contacts.csv").exists()


def test_an_unknown_key_lists_the_close_ones(stored: tuple[str, Path]) -> None:
    url, _folder = stored
    result = CliRunner().invoke(cli, ["run", "mapping_HUBSPOT_CRM_DEMO_2025072", "-d", url])
    assert result.exit_code == 2
    assert "no stored mapping or pipeline has the key mapping_HUBSPOT_CRM_DEMO_2025072" in (
        " ".join(result.output.split())
    )
    assert f"did you mean {KEY}?" in result.output


def test_a_missing_mapping_file_and_a_file_without_input_are_explained(
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(tmp_path / "nope.fwmap.json")])
    assert result.exit_code == 2 and "no such mapping file" in result.output
    mapping = tmp_path / "m.fwmap.json"
    shutil.copy(EXAMPLES / "hubspot_to_crm" / "mapping.fwmap.json", mapping)
    result = runner.invoke(cli, ["run", str(mapping), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "needs --input FILE and --output FILE" in result.output


def test_run_key_runs_with_the_collector_tuned_as_a_file_run_and_restores_it(
    stored: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stored mapping's run spent a fifth of its processor time (rows) in young
    collections: it runs with the file run's threshold, the loaded modules frozen."""
    url, _folder = stored
    before = gc.get_threshold()
    seen: list[tuple[int, ...]] = []
    real = run_stored_module.run_stored

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_threshold())
        assert gc.get_freeze_count() > 0
        return real(*args, **kwargs)

    monkeypatch.setattr(run_stored_module, "run_stored", spy)
    result = CliRunner().invoke(cli, ["run", KEY, "-d", url, "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "completed: read 8, written 7, failed 0, filtered 1" in result.output
    assert seen and seen[0][0] > before[0]
    assert gc.get_threshold() == before
