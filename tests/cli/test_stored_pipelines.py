"""`fieldwright import`, `run KEY` and `export` with a pipeline (issue 19, items 1-2): the
stored pipeline runs from any folder, its summary shows each step, the store keeps its
dead letters with their step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fieldwright.domain.pipeline_canonical import load_pipeline
from fieldwright.service.facade import Service
from tests.cli.test_pipelines import HOURS, _input, _pipeline, fieldwright

KEY = "pipeline_TS_PAY_ACME_20261203"


def test_import_run_by_key_and_export_a_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    folder = tmp_path / "project"
    folder.mkdir()
    pipeline = _pipeline(folder)
    hours = _input(folder)
    imported = fieldwright("import", pipeline, "-d", url)
    assert imported.exit_code == 0, imported.output
    assert f"imported {KEY} as version 1" in imported.output

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the map step's file and the enrich file were made absolute
    result = fieldwright("run", KEY, "-d", url, "-i", hours, "-o", "pay.ndjson", "--no-progress")
    assert result.exit_code == 3, result.output  # completed, some records failed
    assert "read 7, written 3, failed 3" in result.output
    assert "per week (aggregate): in 4, out 3, merged 1" in result.output
    rows = [json.loads(line) for line in (elsewhere / "pay.ndjson").read_text().splitlines()]
    assert {"name": "Ada", "week": "W1", "hours": 7.6, "days": 2} in rows and len(rows) == 3
    with Service.open(url) as service:
        [run] = service.list_runs().items
        assert run.mapping_key == KEY
        letters = service.dead_letters(run.key).items
        assert sorted(letter.step or "" for letter in letters) == ["typed", "valid", "who"]

    exported = fieldwright("export", KEY, tmp_path / "back.json", "-d", url)
    assert exported.exit_code == 0, exported.output
    document = load_pipeline(tmp_path / "back.json")
    assert document.key == KEY and document.version == 1
    mapping = document.steps[0].model_dump()["mapping"]
    assert mapping == str(folder / "hours.fwmap.json")


def test_an_unknown_key_suggests_stored_pipelines(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert fieldwright("import", _pipeline(tmp_path), "-d", url).exit_code == 0
    result = fieldwright("run", KEY[:-1], "-d", url)
    assert result.exit_code == 2
    assert f"did you mean {KEY}?" in " ".join(result.output.split())


def _tested_pipeline(folder: Path, expected_days: int) -> Path:
    ok = {
        "name": "a week of hours",
        "input": HOURS[:3],
        "expected": [
            {"name": "Grace", "week": "W1", "hours": 8, "days": 1},
            {"name": "Ada", "week": "W1", "hours": 7.6, "days": expected_days},
        ],
    }
    return _pipeline(folder, tests=[ok])


def test_fieldwright_test_runs_a_stored_pipelines_suite_by_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    folder = tmp_path / "project"
    folder.mkdir()
    assert fieldwright("import", _tested_pipeline(folder, 2), "-d", url).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the stored pipeline's files are absolute
    junit = tmp_path / "junit.xml"
    result = fieldwright("test", KEY, "-d", url, "--junit", junit)
    assert result.exit_code == 0, result.output
    assert f"{KEY} (stored, version 1)" in result.output
    assert "✓ a week of hours" in result.output
    assert "1 passed, 0 failed; steps reached" in result.output
    assert f'testsuite name="{KEY}" tests="1" failures="0"' in junit.read_text("utf-8")

    # a new version whose test expects the wrong count: the latest version is tested
    assert fieldwright("import", _tested_pipeline(folder, 3), "-d", url).exit_code == 0
    result = fieldwright("test", KEY, "-d", url, "--junit", junit)
    assert result.exit_code == 1, result.output
    assert f"{KEY} (stored, version 2)" in result.output
    assert "✗ a week of hours" in result.output
    assert f'testsuite name="{KEY}" tests="1" failures="1"' in junit.read_text("utf-8")


def test_fieldwright_test_mixes_files_and_keys_and_names_an_unknown_key(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    pipeline = _tested_pipeline(tmp_path, 2)
    assert fieldwright("import", pipeline, "-d", url).exit_code == 0
    result = fieldwright("test", pipeline, KEY, "-d", url)
    assert result.exit_code == 0, result.output
    assert result.output.count("✓ a week of hours") == 2
    result = fieldwright("test", KEY[:-1], "-d", url)
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "no such file, and no stored mapping or pipeline has this key" in text
    assert f"did you mean {KEY}?" in text


def test_a_missing_pipeline_file_is_not_looked_up_in_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    result = fieldwright("test", tmp_path / "gone.fwpipe.json", "-d", url)
    assert result.exit_code == 2
    assert "gone.fwpipe.json" in result.output and "stored" not in result.output
    assert not (tmp_path / "store.db").exists()  # the store was not opened
