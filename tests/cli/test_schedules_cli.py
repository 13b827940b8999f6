"""`fieldwright schedules …`: an engineer manages the store's schedules without the app."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fieldwright.cli.main import cli
from fieldwright.service import Service

MAPPING = "mapping_PPL_CRM_ACME_20261202"


def fieldwright(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A store holding one mapping whose connectors are absolute file paths."""
    source = tmp_path / "people.ndjson"
    source.write_text('{"id": 1, "name": "ada"}\n{"id": 2, "name": "bob"}\n{"name": "x"}\n')
    document = {
        "fieldwright": 1,
        "key": MAPPING,
        "name": "People to CRM",
        "source": {"connector": {"kind": "ndjson", "settings": {"path": str(source)}}},
        "target": {
            "connector": {"kind": "ndjson", "settings": {"path": str(tmp_path / "out.ndjson")}}
        },
        "fields": [
            {"target": "$.id", "sources": "$.id", "required": True},
            {"target": "$.name", "sources": "$.name", "transforms": [{"fn": "upper"}]},
        ],
    }
    path = tmp_path / "people.fwmap.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert fieldwright("import", path, "-d", url).exit_code == 0
    return url


def test_add_list_pause_resume_and_delete(store: str) -> None:
    added = fieldwright(
        "schedules", "add", "weekdays", "--mapping", MAPPING,
        "--cron", "0 6 * * 1-5", "--timezone", "Europe/Paris", "-d", store,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "added weekdays: at 06:00 on Monday through Friday" in added.output
    assert "+01:00" in added.output or "+02:00" in added.output  # next fire, Paris time
    fieldwright("schedules", "add", "often", "--mapping", MAPPING, "--interval", "7200",
                "--missed", "skip", "-d", store)  # fmt: skip
    fieldwright("schedules", "add", "twice", "--mapping", MAPPING, "--at", "06:00",
                "--at", "18:30", "--paused", "-d", store)  # fmt: skip

    listed = json.loads(fieldwright("schedules", "list", "--json", "-d", store).output)
    by_key = {row["key"]: row for row in listed}
    assert by_key["often"]["when"] == "every 2 hours"
    assert by_key["twice"] == {**by_key["twice"], "state": "paused", "next": "-"}
    assert by_key["twice"]["when"] == "every day at 06:00, 18:30"
    table = fieldwright("schedules", "list", "-d", store).output.splitlines()
    assert table[0].split() == ["KEY", "MAPPING", "WHEN", "TIMEZONE", "STATE", "NEXT", "LAST"]

    assert fieldwright("schedules", "pause", "often", "-d", store).output == "paused often\n"
    assert fieldwright("schedules", "resume", "twice", "-d", store).output == "resumed twice\n"
    assert fieldwright("schedules", "delete", "weekdays", "-d", store).exit_code == 0
    with Service.open(store) as service:
        states = {s.key: s.active for s in service.list_schedules()}
        paris = service.get_schedule("often")
    assert states == {"often": False, "twice": True}
    assert paris.missed_run_policy.value == "skip"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cron", "61 * * * *"], "cron field minute: 61 is outside 0-59"),
        (["--interval", "5", "--cron", "* * * * *"], "exactly one of --interval, --cron or --at"),
        ([], "exactly one of --interval, --cron or --at"),
        (["--at", "25:00"], "'25:00' is not a time of day"),
        (["--interval", "60", "--timezone", "Mars/Base"], "unknown time zone 'Mars/Base'"),
    ],
)
def test_a_schedule_that_cannot_be_made_exits_2_with_the_reason(
    store: str, args: list[str], message: str
) -> None:
    done = fieldwright("schedules", "add", "bad", "--mapping", MAPPING, *args, "-d", store)
    assert done.exit_code == 2 and message in done.output
    assert "Traceback" not in done.output


def test_unknown_keys_are_named(store: str) -> None:
    done = fieldwright("schedules", "add", "x", "--mapping", "mapping_NOPE", "--interval",
                       "60", "-d", store)  # fmt: skip
    assert done.exit_code == 1 and "no mapping 'mapping_NOPE'" in done.output
    for verb in ("pause", "resume", "delete", "run"):
        done = fieldwright("schedules", verb, "nope", "-d", store)
        assert done.exit_code == 1 and "no schedule 'nope'" in done.output, verb
    fieldwright("schedules", "add", "x", "--mapping", MAPPING, "--interval", "60", "-d", store)
    again = fieldwright("schedules", "add", "x", "--mapping", MAPPING, "--interval", "9",
                        "-d", store)  # fmt: skip
    assert again.exit_code == 1 and "already exists" in again.output


def test_run_runs_the_schedules_mapping_now_and_records_the_execution(
    store: str, tmp_path: Path
) -> None:
    fieldwright("schedules", "add", "hourly", "--mapping", MAPPING, "--interval", "3600",
                "-d", store)  # fmt: skip
    done = fieldwright("schedules", "run", "hourly", "-d", store)
    assert done.exit_code == 3, done.output  # one record has no id: it failed
    assert "completed: read 3, written 2, failed 1, filtered 0" in done.output
    out = (tmp_path / "out.ndjson").read_text().splitlines()
    assert [json.loads(line) for line in out] == [
        {"id": 1, "name": "ADA"},
        {"id": 2, "name": "BOB"},
    ]
    now = datetime.now(UTC)
    with Service.open(store) as service:
        (execution,) = service.schedule_executions(now - timedelta(hours=1), now)
    assert execution.schedule_key == "hourly" and execution.run_key
    assert (execution.records_processed, execution.error_count) == (3, 1)
