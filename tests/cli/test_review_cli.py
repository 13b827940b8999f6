"""`fieldwright review …`: the approval workflow headless, as a reviewer or a CI job uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fieldwright.cli.main import cli

MAPPING = "mapping_PPL_CRM_ACME_20261202"


def fieldwright(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _document(expected_name: str) -> dict[str, object]:
    return {
        "fieldwright": 1,
        "key": MAPPING,
        "name": "People to CRM",
        "fields": [
            {"target": "$.id", "sources": "$.id", "required": True},
            {"target": "$.name", "sources": "$.name", "transforms": [{"fn": "upper"}]},
        ],
        "tests": [
            {
                "name": "upper-cases names",
                "input": {"id": 1, "name": "ada"},
                "expected": {"id": 1, "name": expected_name},
            }
        ],
    }


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    path = tmp_path / "people.fwmap.json"
    path.write_text(json.dumps(_document("ADA")), encoding="utf-8")
    assert fieldwright("import", path, "-d", url).exit_code == 0
    return url


def test_a_version_is_reviewed_signed_approved_and_activated(store: str) -> None:
    assert fieldwright("review", "list", "-d", store).output == "nothing waits for review\n"
    submitted = fieldwright("review", "submit", MAPPING, "-m", "first", "--as", "ann", "-d", store)
    assert submitted.output == f"{MAPPING} version 1: in review\n"
    queue = fieldwright("review", "list", "-d", store).output
    assert f"{MAPPING}  v1  submitted by ann" in queue
    assert "waiting for: technical_review, data_owner, security_review, testing_signoff" in queue

    for role, who in (
        ("technical_review", "tom"),
        ("data_owner", "dana"),
        ("security_review", "sam"),
    ):
        done = fieldwright("review", "sign", MAPPING, "--role", role, "--as", who, "-d", store)
        assert done.exit_code == 0 and f"{role} signed by {who}" in done.output
    assert fieldwright("review", "list", "--mine", "--as", "tom", "-d", store).output == (
        "nothing waits for review\n"
    )
    early = fieldwright("review", "approve", MAPPING, "-d", store)
    assert early.exit_code == 2 and "waiting for testing_signoff" in early.output
    tested = fieldwright(
        "review", "sign", MAPPING, "--role", "testing_signoff", "-m", "green", "--as", "tia",
        "-d", store,
    )  # fmt: skip
    assert "testing_signoff signed by tia (tests 1 passed, coverage 100%)" in tested.output
    assert fieldwright("review", "approve", MAPPING, "-d", store).output.endswith("approved\n")
    assert fieldwright("review", "activate", MAPPING, "-d", store).output.endswith("active\n")

    shown = fieldwright("review", "show", MAPPING, "-d", store).output
    assert "version 1: active" in shown and "✓ testing_signoff by tia" in shown
    assert "ann  submit v1 — first" in shown and "tom  sign_off technical_review v1" in shown
    data = json.loads(fieldwright("review", "show", MAPPING, "--json", "-d", store).output)
    assert data["require_approval"] is False
    assert data["versions"][0]["state"] == "active"
    assert [e["action"] for e in data["audit"]][:2] == ["activate", "approve"]

    assert fieldwright("review", "retire", MAPPING, "-d", store).output.endswith("retired\n")


def test_a_failing_suite_refuses_the_testing_sign_off(store: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.fwmap.json"
    path.write_text(json.dumps(_document("ada")), encoding="utf-8")
    assert fieldwright("import", path, "-d", store).exit_code == 0  # version 2, failing test
    fieldwright("review", "submit", MAPPING, "-d", store)
    refused = fieldwright("review", "sign", MAPPING, "--role", "testing_signoff", "-d", store)
    assert refused.exit_code == 2
    assert "1 of 1 tests fail (upper-cases names)" in refused.output
    rejected = fieldwright("review", "reject", MAPPING, "-m", "fix the test", "-d", store)
    assert rejected.output == f"{MAPPING} version 2: draft\n"


def test_wrong_steps_and_unknown_mappings_say_why(store: str) -> None:
    early = fieldwright("review", "activate", MAPPING, "-d", store)
    assert early.exit_code == 2 and f"no version of '{MAPPING}' is approved" in early.output
    unknown = fieldwright("review", "show", "mapping_NOPE", "-d", store)
    assert unknown.exit_code == 1 and "no mapping 'mapping_NOPE'" in unknown.output
    bad_role = fieldwright("review", "sign", MAPPING, "--role", "boss", "-d", store)
    assert bad_role.exit_code == 2 and "'boss' is not one of" in bad_role.output
    no_reason = fieldwright("review", "reject", MAPPING, "-d", store)
    assert no_reason.exit_code == 2 and "say why the version is rejected" in no_reason.output


def test_require_turns_enforcement_on_and_off(store: str) -> None:
    assert fieldwright("review", "require", "-d", store).output == "approval required: off\n"
    assert fieldwright("review", "require", "--on", "-d", store).output == "approval required: on\n"
    assert (
        "schedules run only the active version"
        in fieldwright("review", "show", MAPPING, "-d", store).output
    )
    assert fieldwright("review", "require", "--off", "-d", store).output.endswith("off\n")
