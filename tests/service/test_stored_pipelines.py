"""Stored pipelines through the service (issue 19, items 1-2): import with paths made
absolute, a run by key logged in the store with each step's counts in its details,
dead letters naming the step, export, history and diff."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fieldwright.domain.pipeline_canonical import load_pipeline
from fieldwright.domain.runs import RunStatus
from fieldwright.service import NotFound, SaveConflict
from fieldwright.service.facade import Service
from fieldwright.service.stored_pipelines import export_pipeline, import_pipeline
from tests.service.helpers import MAPPING_KEY, simple_document

KEY = "pipeline_EMP_PAY_ACME_20261203"


def write_pipeline(folder: Path, **changes: Any) -> Path:
    """Employees, named through the stored mapping, checked, enriched with a team, and
    counted per team, into out.ndjson beside it."""
    (folder / "in.ndjson").write_text(
        "\n".join(
            json.dumps(record)
            for record in [
                {"id": 1, "name": "ada"},
                {"id": 2, "name": "grace"},
                {"id": 3},  # no name: fails in the mapping (step `named`)
                {"id": 4, "name": "linus"},
                {"id": 9, "name": "nobody"},  # no team: fails at `team`
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    (folder / "teams.csv").write_text("id,team\n1,core\n2,core\n4,kernel\n", encoding="utf-8")
    data: dict[str, Any] = {
        "fieldwright_pipeline": 1,
        "key": KEY,
        "name": "Teams",
        "source": {"connector": {"kind": "ndjson", "settings": {"path": "in.ndjson"}}},
        "target": {"connector": {"kind": "ndjson", "settings": {"path": "out.ndjson"}}},
        "steps": [
            {"name": "named", "type": "map", "mapping": MAPPING_KEY},
            {
                "name": "team",
                "type": "enrich",
                "on": {"$.id": "$.id"},
                "source": {"kind": "csv", "settings": {"path": "teams.csv"}},
                "fields": {"team": "$.team"},
                "no_match": "dead_letter",
            },
            {
                "name": "per team",
                "type": "aggregate",
                "group_by": ["$.team"],
                "aggregates": [{"name": "people", "fn": "count"}],
            },
            {"name": "order", "type": "sort", "keys": [{"field": "$.team"}]},
        ],
        **changes,
    }
    path = folder / "teams.fwpipe.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def stored(service: Service, db_url: str, tmp_path: Path) -> Path:
    service.save_mapping(simple_document(), None)
    folder = tmp_path / "pipe"
    folder.mkdir()
    info = import_pipeline(write_pipeline(folder), db_url)
    assert (info.key, info.version, info.step_count) == (KEY, 1, 4)
    return folder


def test_a_stored_pipeline_runs_by_key_from_any_folder(
    service: Service, stored: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the stored paths are absolute: the folder does not matter
    document = service.pipelines.open(KEY)
    assert document.source.connector is not None
    assert document.source.connector.settings["path"] == str(stored / "in.ndjson")
    result = service.start_run(KEY).wait()
    assert result is not None and result.status is RunStatus.COMPLETED, result.message
    assert (result.counts.read, result.counts.written, result.counts.failed) == (5, 2, 2)
    lines = (stored / "out.ndjson").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"team": "core", "people": 2},
        {"team": "kernel", "people": 1},
    ]
    detail = service.run_detail(result.key)
    assert detail.record.mapping_key == KEY and detail.record.mapping_version == 1
    steps = {step["name"]: step for step in detail.details["steps"]}
    assert list(steps) == ["named", "team", "per team", "order"]
    assert (steps["named"]["received"], steps["named"]["failed"]) == (5, 1)
    assert (steps["team"]["received"], steps["team"]["failed"]) == (4, 1)
    assert (steps["per team"]["received"], steps["per team"]["merged"]) == (3, 1)
    assert steps["order"]["emitted"] == 2
    letters = service.dead_letters(result.key).items
    assert sorted(letter.step or "" for letter in letters) == ["named", "team"]


def test_export_history_diff_and_stale_saves(
    service: Service, stored: Path, db_url: str, tmp_path: Path
) -> None:
    exported = export_pipeline(KEY, tmp_path, url=db_url)
    assert exported == tmp_path / f"{KEY}.json"
    document = load_pipeline(exported)
    assert document.version == 1
    renamed = document.model_copy(update={"name": "Teams, renamed", "steps": document.steps[:3]})
    assert service.pipelines.save(renamed, 1, comment="no sort").version == 2
    with pytest.raises(SaveConflict):
        service.pipelines.save(renamed, 1)
    assert [v.comment for v in service.pipelines.history(KEY)] == [
        "no sort",
        "imported from teams.fwpipe.json",
    ]
    diff = service.pipelines.diff(KEY, 1)
    assert diff.removed == ["order"] and diff.other_changes == ["name"]
    assert [summary.key for summary in service.pipelines.list_pipelines("team")] == [KEY]
    assert service.pipelines.delete(KEY) == 2
    with pytest.raises(NotFound):
        service.start_run(KEY)
