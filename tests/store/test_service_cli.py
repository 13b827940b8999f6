"""The service functions and the `db`, `export`, `import` commands (CLI → service → store)."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from fieldwright.cli.db import db, export_command, import_command
from fieldwright.domain import FORMAT_VERSION, FieldMapping, MappingDocument, dumps, load, save
from fieldwright.service import database
from fieldwright.store import head_revision

KEY = "mapping_QBT_WFN_ACME_20250724"


@click.group()
def cli() -> None:
    """Stands in for fieldwright.cli.main:cli, where the lead registers these commands."""


cli.add_command(db)
cli.add_command(export_command)
cli.add_command(import_command)


def _doc(name: str = "Timesheets") -> MappingDocument:
    return MappingDocument(
        fieldwright=FORMAT_VERSION,
        key=KEY,
        name=name,
        fields=[FieldMapping(target="$.employee.id", sources=["$.user_id"])],
    )


def test_service_import_export_round_trip(db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    save(_doc(), source)
    assert database.import_mapping(source, url=db_url).version == 1
    assert database.import_mapping(source, url=db_url).version == 2
    written = database.export_mapping(KEY, tmp_path, url=db_url)
    assert written == tmp_path / f"{KEY}.json"
    assert dumps(load(written)) == dumps(_doc().model_copy(update={"version": 2}))
    first = database.export_mapping(KEY, tmp_path / "v1.json", version=1, url=db_url)
    assert load(first).version == 1
    info = database.database_info(db_url)
    assert info["state"] == "up to date" and info["mappings"] == 1 and info["runs"] == 0
    assert database.current_revision(db_url) == head_revision()


def test_default_location_comes_from_the_environment_then_the_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = database.database_info()
    assert info["origin"] == "default" and info["backend"] == "sqlite"
    assert info["path"].endswith("fieldwright/fieldwright.db") and not info["exists"]
    assert info["state"] == "missing"
    monkeypatch.setenv("FIELDWRIGHT_DATABASE_URL", f"sqlite:///{tmp_path / 'team.db'}")
    assert database.upgrade_database() == head_revision()
    assert database.database_info()["origin"] == "environment"
    assert database.database_info(f"sqlite:///{tmp_path / 'x.db'}")["origin"] == "argument"
    assert (tmp_path / "team.db").exists()


def test_cli_db_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    runner = CliRunner()
    result = runner.invoke(cli, ["db", "current", "-d", url])
    assert result.exit_code == 0 and result.output.strip() == "none"
    result = runner.invoke(cli, ["db", "upgrade", "-d", url])
    assert result.exit_code == 0 and head_revision() in result.output
    result = runner.invoke(cli, ["db", "info", "--json", "-d", url])
    assert result.exit_code == 0 and json.loads(result.output)["state"] == "up to date"
    result = runner.invoke(cli, ["db", "info", "-d", url])
    assert result.exit_code == 0 and "up to date" in result.output


def test_cli_import_export(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    runner = CliRunner()
    source = tmp_path / "in.json"
    save(_doc(), source)
    result = runner.invoke(cli, ["import", str(source), "-d", url])
    assert result.exit_code == 0, result.output
    assert f"imported {KEY} as version 1" in result.output
    out = tmp_path / "out.json"
    result = runner.invoke(cli, ["export", KEY, str(out), "-d", url])
    assert result.exit_code == 0 and load(out).name == "Timesheets"


def test_cli_errors_are_clear_with_a_non_zero_exit(tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'f.db'}"
    result = runner.invoke(cli, ["export", "mapping_nope", str(tmp_path / "o.json"), "-d", url])
    assert result.exit_code == 1 and "no mapping 'mapping_nope'" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"fieldwright": 1, "key": "k"}')
    result = runner.invoke(cli, ["import", str(bad), "-d", url])
    assert result.exit_code == 1 and "/name: required key is missing" in result.output
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite" * 100)
    result = runner.invoke(cli, ["db", "upgrade", "-d", f"sqlite:///{junk}"])
    assert result.exit_code == 1 and "not a SQLite database" in result.output
    result = runner.invoke(cli, ["db", "info", "-d", "postgresql+psycopg://u:pw@127.0.0.1:1/fw"])
    assert result.exit_code == 1 and "cannot reach" in result.output and "pw@" not in result.output
    result = runner.invoke(cli, ["db", "info", "-d", "mysql://x/y"])  # nothing could run: 2
    assert result.exit_code == 2 and "unsupported database" in result.output
