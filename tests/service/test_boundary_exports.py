"""What the service exports from the layers below keeps their errors behind the boundary,
and a file run uses the mapping it was handed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fieldwright.service.database as database
import fieldwright.service.files as files
from fieldwright.connectors import CredentialError
from fieldwright.domain import CredentialRef
from fieldwright.domain.store_models import ScheduleKind, ScheduleRecord
from fieldwright.scheduler import CronError
from fieldwright.service import (
    CompiledMapping,
    CredentialProblem,
    InvalidSchedule,
    NotFound,
    StoreProblem,
    compile_mapping,
    dead_letter_path,
    describe_cron,
    get_secret,
    plan_schedule,
    run_file,
    set_secret,
    validate_schedule,
)
from tests.conftest import MemoryKeyring
from tests.service.helpers import simple_document


def test_a_bad_cron_expression_is_an_invalid_schedule_caused_by_the_schedulers_error() -> None:
    assert describe_cron("0 6 * * 1-5") == describe_cron("0 6 * * mon-fri")
    with pytest.raises(InvalidSchedule, match="minute") as caught:
        describe_cron("61 * * * *")
    assert isinstance(caught.value.__cause__, CronError)


def test_a_schedule_that_cannot_fire_is_an_invalid_schedule() -> None:
    schedule = ScheduleRecord(
        key="schedule_X",
        name="x",
        mapping_key="mapping_X",
        kind=ScheduleKind.CRON,
        cron="0 6 * * *",
        timezone="Mars/Olympus_Mons",
    )
    with pytest.raises(InvalidSchedule, match="unknown time zone"):
        plan_schedule(schedule)
    with pytest.raises(InvalidSchedule, match="unknown time zone"):
        validate_schedule(schedule)
    assert plan_schedule(schedule.model_copy(update={"timezone": "UTC"})).fires_on_its_own


def test_secrets_round_trip_and_a_missing_one_is_a_credential_problem(
    memory_keyring: MemoryKeyring,
) -> None:
    ref = CredentialRef(service="fieldwright", username="database:postgresql://u@h/db")
    with pytest.raises(CredentialProblem) as caught:
        get_secret(ref)
    assert isinstance(caught.value.__cause__, CredentialError)
    set_secret(ref, "s3cret")
    assert get_secret(ref) == "s3cret"


def test_database_functions_raise_service_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    database.upgrade_database(url)
    with pytest.raises(NotFound, match="mapping_NOPE"):
        database.export_mapping("mapping_NOPE", tmp_path, url=url)
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreProblem):
        database.upgrade_database(f"sqlite:///{damaged}")


def test_a_file_run_uses_the_compiled_mapping_it_is_handed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.ndjson"
    source.write_text("".join(json.dumps(r) + "\n" for r in [{"id": 1, "name": "a"}, {"id": 2}]))
    output = tmp_path / "out.ndjson"
    compiled = compile_mapping(simple_document())
    assert isinstance(compiled, CompiledMapping)

    def compiled_again(*_args: object, **_kwargs: object) -> CompiledMapping:
        raise AssertionError("the run compiled the mapping again")

    monkeypatch.setattr(files, "compile_mapping", compiled_again)
    result = run_file(compiled, source, output)
    assert (result.counts.read, result.counts.written, result.counts.failed) == (2, 1, 1)
    assert result.key.startswith("proc_") and result.dead_letters == 1
    assert [json.loads(line) for line in output.read_text().splitlines()] == [
        {"id": 1, "name": "A"}
    ]
    letters = dead_letter_path(output).read_text().splitlines()
    assert len(letters) == 1 and json.loads(letters[0])["input"] == {"id": 2}
