"""Endpoints: relative paths resolve against the document's folder, the store keeps them
absolute, and no run writes into the installed package or the bundled examples."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import fieldwright
from fieldwright.domain import ConnectorRef, MappingDocument
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import ScheduleKind, ScheduleRecord
from fieldwright.resources import examples_dir
from fieldwright.service import (
    DataError,
    EndpointRefused,
    anchor_paths,
    check_target,
    endpoint_setting_names,
    import_mapping,
    open_mapping,
    preview_endpoint,
    run_file,
)
from fieldwright.service.facade import Service

Example = Callable[[str], tuple[MappingDocument, Path]]
WAIT = 60  # seconds: a ceiling for a hung run, never a pause


def _path(document: MappingDocument, side: str) -> object:
    connector = getattr(document, side).connector
    assert connector is not None
    return connector.settings["path"]


def test_relative_paths_resolve_against_the_documents_folder(example: Example) -> None:
    document, folder = example("hubspot_to_crm")
    anchored = anchor_paths(document, folder)
    assert _path(anchored, "source") == str(folder / "contacts.json")
    assert _path(anchored, "target") == str(folder / "crm_contacts.csv")
    assert _path(document, "source") == "contacts.json"  # the original is left alone


def test_absolute_paths_and_connections_are_kept(tmp_path: Path) -> None:
    document = MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": "mapping_A_B",
            "name": "a",
            "source": {
                "connector": {"kind": "sql", "settings": {"table": "t"}, "connection": "db"}
            },
            "target": {"connector": {"kind": "csv", "settings": {"path": str(tmp_path / "o.csv")}}},
        }
    )
    assert anchor_paths(document, Path("/elsewhere")) is document


def test_saving_into_the_store_makes_paths_absolute_and_runs_from_any_folder(
    db_url: str, example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document, folder = example("hubspot_to_crm")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with Service.open(db_url, user="alice") as service:
        service.save_mapping(document, None, base_dir=folder)
        stored = service.open_mapping(document.key)
        assert _path(stored, "source") == str(folder / "contacts.json")
        result = service.start_run(document.key).wait(WAIT)
        assert result is not None and result.status is RunStatus.COMPLETED, result
    assert (folder / "crm_contacts.csv").read_text().startswith("crm_id,")
    assert not (elsewhere / "crm_contacts.csv").exists()


def test_importing_a_file_into_the_store_makes_paths_absolute(
    db_url: str, example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document, folder = example("qbt_to_wfn")
    monkeypatch.chdir(tmp_path)
    import_mapping(folder / "mapping.fwmap.json", db_url)
    with Service.open(db_url, user="alice") as service:
        stored = service.open_mapping(document.key)
    assert _path(stored, "source") == str(folder / "timesheets.csv")
    assert _path(stored, "target") == str(folder / "wfn_paydata.csv")


def test_a_run_into_the_bundled_examples_is_refused(db_url: str) -> None:
    example = examples_dir() / "hubspot_to_crm" / "mapping.fwmap.json"
    document = open_mapping(example)
    before = sorted(os.listdir(example.parent))
    with Service.open(db_url, user="alice") as service:
        with pytest.raises(EndpointRefused) as refused:
            service.start_run(document, base_dir=example.parent)
        assert service.list_runs().items == []  # nothing was started or logged
    assert refused.value.path == str((example.parent / "crm_contacts.csv").resolve())
    assert "bundled examples" in str(refused.value)
    assert sorted(os.listdir(example.parent)) == before


def test_a_file_run_into_the_package_is_refused(example: Example) -> None:
    document, folder = example("hubspot_to_crm")
    output = Path(fieldwright.__file__).resolve().parent / "out.csv"
    with pytest.raises(EndpointRefused, match="installed Fieldwright"):
        run_file(document, folder / "contacts.json", output)
    assert not output.exists()


def test_check_target_says_whether_a_file_can_be_written(tmp_path: Path) -> None:
    ok = check_target(ConnectorRef(kind="csv", settings={"path": "out.csv"}), tmp_path)
    assert ok == f"Can write {tmp_path / 'out.csv'} (a new file)."
    with pytest.raises(DataError, match="does not exist"):
        check_target(ConnectorRef(kind="csv", settings={"path": "no/such/out.csv"}), tmp_path)
    with pytest.raises(EndpointRefused):
        check_target(
            ConnectorRef(kind="csv", settings={"path": "x.csv"}), examples_dir() / "qbt_to_wfn"
        )
    named = check_target(ConnectorRef(kind="sql", settings={}, connection="crm"))
    assert "connection crm" in named


def test_preview_endpoint_reads_the_first_records(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("id;name\n1;Ann\n2;Bob\n3;Cy\n", encoding="cp1252")
    ref = ConnectorRef(
        kind="csv", settings={"path": "people.csv", "delimiter": ";", "encoding": "cp1252"}
    )
    assert preview_endpoint(ref, tmp_path, limit=2) == [
        {"id": "1", "name": "Ann"},
        {"id": "2", "name": "Bob"},
    ]
    with pytest.raises(DataError, match=r"missing\.csv"):
        preview_endpoint(ConnectorRef(kind="csv", settings={"path": "missing.csv"}), tmp_path)


def test_the_settings_each_file_kind_takes() -> None:
    assert {"encoding", "delimiter"} <= set(endpoint_setting_names("csv", "source"))
    assert "records_path" in endpoint_setting_names("json", "source")
    assert "sheet" in endpoint_setting_names("xlsx", "source")
    assert endpoint_setting_names("sql", "source") == []


def test_a_schedules_run_now_of_a_stored_example_works_from_any_folder(
    db_url: str, example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document, folder = example("qbt_to_wfn")
    monkeypatch.chdir(tmp_path)
    with Service.open(db_url, user="alice") as service:
        service.save_mapping(document, None, base_dir=folder)
        schedule = service.create_schedule(
            ScheduleRecord.model_validate(
                {
                    "key": "schedule_QBT_WFN_ACME_hourly",
                    "name": "hourly",
                    "mapping_key": document.key,
                    "kind": ScheduleKind.INTERVAL,
                    "interval_seconds": 3600,
                }
            )
        )
        result = service.run_schedule_now(schedule.key).wait(WAIT)
    assert result is not None and result.status is RunStatus.COMPLETED, result
    assert (folder / "wfn_paydata.csv").exists()
