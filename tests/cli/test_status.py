"""`fieldwright status` and `fieldwright sla`: the dashboard for a terminal or a supervisor."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from fieldwright.cli.main import cli
from fieldwright.store import Store
from fieldwright.store.sample_activity import generate_activity


def fieldwright(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_an_empty_store_is_healthy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    result = fieldwright("status", "-d", url)
    assert result.exit_code == 0, result.output
    assert "last 24h" in result.output and ": OK" in result.output
    assert "Runs 0, success -" in result.output


def test_a_failing_integration_exits_1_in_text_and_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store.open(url, user="gen") as store:
        generate_activity(store, runs=400, dead_letters=2000)
    text = fieldwright("status", "--window", "30d", "-d", url)
    assert text.exit_code == 1, text.output
    lines = text.output.splitlines()
    assert lines[0].endswith(": FAILING")
    assert "Runs 400 (" in text.output and "Integrations" in text.output
    assert "GLOBEX: SFDC → ERP" in text.output
    assert "Error patterns" in text.output and "<value>" in text.output
    assert "schedule_HS_CRM_ACME_nightly: missed" in text.output
    as_json = fieldwright("status", "--window", "30d", "--json", "-d", url)
    assert as_json.exit_code == 1
    summary = json.loads(as_json.output)
    assert summary["window"] == "30d" and summary["health"] == "failing"
    assert sum(summary["totals"]["runs"].values()) == 400
    assert len(summary["days"]) == 31
    only = fieldwright(
        "status", "--window", "30d", "--mapping", "mapping_IRDY_SIS_LINCOLN_20250724", "--json",
        "-d", url,
    )  # fmt: skip
    assert [i["mapping_key"] for i in json.loads(only.output)["integrations"]] == [
        "mapping_IRDY_SIS_LINCOLN_20250724"
    ]


def test_sla_sets_and_checks_a_schedules_service_levels(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store.open(url, user="gen") as store:
        generate_activity(store, runs=50, dead_letters=10)
    key = "schedule_IRDY_SIS_LINCOLN_nightly"
    done = fieldwright("sla", key, "--expected", "600", "--finish-by", "06:30", "-d", url)
    assert done.exit_code == 0, done.output
    assert '"expected_seconds": 600' in done.output and '"latest_finish": "06:30"' in done.output
    bad = fieldwright("sla", key, "--finish-by", "6pm", "-d", url)
    assert bad.exit_code == 2 and "is not HH:MM" in bad.output
    missing = fieldwright("sla", "schedule_nope", "-d", url)
    assert missing.exit_code == 2 and "no schedule 'schedule_nope'" in missing.output
    wrong = fieldwright("status", "--window", "1y", "-d", url)
    assert wrong.exit_code == 2 and "'1y' is not one of" in wrong.output
