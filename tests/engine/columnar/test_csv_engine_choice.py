"""CSV inputs choose the columnar engine: `run_file`, `--engine auto` by size, and a stored
mapping's run into a SQL table (`fieldwright run KEY --input people.csv --engine …`)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from fieldwright.cli.main import cli
from fieldwright.service import engines as engines_module
from fieldwright.service import run_file
from tests.engine.columnar.test_csv_parity import HEADER, PLAIN, _document


def _letters(path: Path) -> list[object]:
    found = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    return [
        {k: v for k, v in x.items() if k not in ("error_id", "occurred_at", "run_key")}
        for x in found
    ]


def test_a_csv_file_runs_on_polars_as_on_rows(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(PLAIN + b'x9,"two\nlines",1,z\n' + PLAIN[len(HEADER) :])
    document = _document()
    rows = run_file(document, source, tmp_path / "rows.ndjson", engine="rows")
    cols = run_file(document, source, tmp_path / "cols.ndjson", engine="polars")
    assert (rows.engine, cols.engine) == ("rows", "polars")
    assert cols.counts == rows.counts and rows.counts.failed == 1
    assert (tmp_path / "cols.ndjson").read_bytes() == (tmp_path / "rows.ndjson").read_bytes()
    letters = _letters(tmp_path / "cols.ndjson.dead-letters.ndjson")
    assert letters == _letters(tmp_path / "rows.ndjson.dead-letters.ndjson")
    assert letters[0]["position_text"] == "line 201"  # type: ignore[index]


def test_auto_picks_polars_for_a_large_csv_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(PLAIN)
    assert run_file(_document(), source, tmp_path / "a.ndjson", engine="auto").engine == "rows"
    monkeypatch.setattr(engines_module, "AUTO_RECORDS", 100)
    assert run_file(_document(), source, tmp_path / "b.ndjson", engine="auto").engine == "polars"
    tsv = tmp_path / "in.tsv"
    tsv.write_bytes(PLAIN.replace(b",", b"\t"))
    ran = run_file(_document(), tsv, tmp_path / "c.ndjson", engine="auto")
    assert ran.engine == "polars" and ran.counts.written > 0


@pytest.mark.parametrize("engine", ["rows", "polars", "auto"])
def test_a_stored_mapping_loads_a_csv_file_into_a_table(
    engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "target.db"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, amount REAL, note TEXT,"
            " missing TEXT)"
        )
    document = _document().model_dump(mode="json", exclude_none=True)
    document["target"] = {
        "connector": {
            "kind": "sql",
            "settings": {"url": f"sqlite:///{database}", "table": "people"},
        }
    }
    document["source"] = {"connector": {"kind": "csv", "settings": {}}}
    path = tmp_path / "doc.fwmap.json"
    path.write_text(json.dumps(document))
    source = tmp_path / "in.csv"
    source.write_bytes(PLAIN + b"5,duplicate key,1,x\n")  # id 5 is there already
    monkeypatch.setenv("FIELDWRIGHT_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.setattr(engines_module, "AUTO_RECORDS", 100)
    runner = CliRunner()
    imported = runner.invoke(cli, ["import", str(path)])
    assert imported.exit_code == 0, imported.output
    ran = runner.invoke(
        cli,
        ["run", document["key"], "--input", str(source), "--engine", engine, "--no-progress"],
    )
    with sqlite3.connect(database) as connection:
        count = connection.execute("SELECT count(*) FROM people").fetchone()[0]
    # Both engines fail the refused row alone (one dead letter), the others are written.
    assert ran.exit_code == 3, ran.output
    assert "written 199, failed 1" in ran.output
    assert "dead letters: 1 in the store" in ran.output
    assert count == 199
