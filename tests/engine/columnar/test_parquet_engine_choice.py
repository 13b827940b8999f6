"""Parquet inputs through the service and the command line: `--engine auto` picks the columnar
engine whenever the mapping lowers, every engine writes the same files, a stored mapping's Parquet
connector runs columnar, and bad files end in one clear line, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest
from click.testing import CliRunner

from fieldwright.cli.main import cli
from fieldwright.connectors.parquet_files import ParquetSource
from fieldwright.domain import ConnectorRef, MappingDocument
from fieldwright.service import DataError, InvalidRequest, infer_schema_from_file, run_file
from fieldwright.service._connectors import StandardConnectors
from fieldwright.service.engines import columnar_source
from fieldwright.service.mappings import compile_mapping

SRC = Path(__file__).resolve().parents[3] / "src"
MAPPING: dict[str, Any] = {
    "fieldwright": 1,
    "key": "mapping_PARQUET_CHOICE",
    "name": "parquet choice",
    "fields": [
        {"target": "$.id", "sources": "$.id", "transforms": [{"fn": "to_string"}]},
        {"target": "$.name", "sources": "$.who.name", "transforms": [{"fn": "trim"}]},
        {"target": "$.price", "sources": "$.price", "required": True},
        {"target": "$.day", "sources": "$.day"},
    ],
}
#: An expression input keeps a mapping on the row engine.
ROWS_ONLY: dict[str, Any] = {
    **MAPPING,
    "fields": [{"target": "$.id", "expression": "id + 1"}],
}


def _files(folder: Path, mapping: dict[str, Any] = MAPPING) -> tuple[Path, Path]:
    path = folder / "mapping.fwmap.json"
    path.write_text(json.dumps(mapping))
    source = folder / "in.parquet"
    pl.DataFrame(
        {
            "id": pl.Series(range(30), dtype=pl.Int32),
            "who": [{"name": f" n{n} "} for n in range(30)],
            "price": [None if n % 10 == 3 else n / 4 for n in range(30)],
            "day": [dt.date(2024, 1, 1 + n % 28) for n in range(30)],
        }
    ).write_parquet(source, row_group_size=8)
    return path, source


def _letters(path: Path) -> list[dict[str, Any]]:
    found = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    return [
        {k: v for k, v in x.items() if k not in ("error_id", "occurred_at", "run_key")}
        for x in found
    ]


def test_every_engine_writes_the_same_files_and_auto_picks_polars(tmp_path: Path) -> None:
    _, source = _files(tmp_path)
    document = MappingDocument.model_validate(MAPPING)
    ran = {
        engine: run_file(document, source, tmp_path / f"{engine}.ndjson", engine=engine)
        for engine in ("rows", "polars", "auto")
    }
    assert {e: r.engine for e, r in ran.items()} == {
        "rows": "rows", "polars": "polars", "auto": "polars"
    }  # fmt: skip
    assert ran["rows"].counts.read == 30 and ran["rows"].counts.failed == 3
    letters = _letters(tmp_path / "rows.ndjson.dead-letters.ndjson")
    assert [x["position_text"] for x in letters] == ["row 4", "row 14", "row 24"]
    assert letters[0]["input"] == {"id": 3, "who": {"name": " n3 "}, "price": None,
                                   "day": "2024-01-04"}  # fmt: skip
    for engine in ("polars", "auto"):
        assert ran[engine].counts == ran["rows"].counts
        output = (tmp_path / f"{engine}.ndjson").read_bytes()
        assert output == (tmp_path / "rows.ndjson").read_bytes()
        assert _letters(tmp_path / f"{engine}.ndjson.dead-letters.ndjson") == letters


def test_a_mapping_that_does_not_lower_reads_parquet_on_rows(tmp_path: Path) -> None:
    _, source = _files(tmp_path, ROWS_ONLY)
    document = MappingDocument.model_validate(ROWS_ONLY)
    ran = run_file(document, source, tmp_path / "auto.ndjson", engine="auto")
    assert ran.engine == "rows" and ran.counts.written == 30
    assert (tmp_path / "auto.ndjson").read_bytes().splitlines()[2] == b'{"id":3}'
    with pytest.raises(InvalidRequest, match="cannot run on the columnar engine"):
        run_file(document, source, tmp_path / "polars.ndjson", engine="polars")


def test_a_parquet_connector_runs_columnar(tmp_path: Path) -> None:
    _, source = _files(tmp_path)
    compiled = compile_mapping(MappingDocument.model_validate(MAPPING))
    ref = ConnectorRef(kind="parquet", settings={"path": source.name, "batch_rows": 9})
    found = columnar_source(compiled, ref, tmp_path, StandardConnectors(), engine="auto")
    assert found is not None
    opened = found[0]()
    assert isinstance(opened, ParquetSource) and opened.batch_rows == 9
    assert [len(chunk) for chunk in opened.chunks()] == [9, 9, 9, 3]
    assert columnar_source(compiled, ref, tmp_path, StandardConnectors(), engine="rows") is None


def test_the_command_line_runs_a_parquet_file_headless(tmp_path: Path) -> None:
    mapping, source = _files(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = str(SRC)
    done = subprocess.run(
        [sys.executable, "-m", "fieldwright", "run", str(mapping), "-i", str(source),
         "-o", str(tmp_path / "out.ndjson")],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr  # completed, three records failed
    assert "read 30, written 27, failed 3" in done.stdout and "columnar engine" in done.stdout
    first = orjson.loads((tmp_path / "out.ndjson").read_bytes().splitlines()[0])
    assert first == {"id": "0", "name": "n0", "price": 0.0, "day": "2024-01-01"}


@pytest.mark.parametrize("engine", ["rows", "polars"])
def test_bad_files_end_in_one_line_naming_the_file(tmp_path: Path, engine: str) -> None:
    mapping, source = _files(tmp_path)
    whole = source.read_bytes()
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(whole[: len(whole) - 10])
    text = tmp_path / "text.parquet"
    text.write_text("id\n1\n")
    runner = CliRunner()
    for bad, reason in (
        (cut, "truncated or damaged Parquet file"),
        (text, "not a Parquet file (it does not start with PAR1)"),
    ):
        result = runner.invoke(
            cli, ["run", str(mapping), "-i", str(bad), "-o", str(tmp_path / "o.ndjson"),
                  "--engine", engine],
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        assert f"{bad}: {reason}" in result.output.replace("\n", "")
        assert "Traceback" not in result.output and not (tmp_path / "o.ndjson").exists()
    with pytest.raises(DataError, match="reads Parquet files but does not write them"):
        run_file(MappingDocument.model_validate(MAPPING), source, tmp_path / "out.parquet")


def test_a_schema_is_inferred_from_a_parquet_sample(tmp_path: Path) -> None:
    _, source = _files(tmp_path)
    fields = {field.name: field for field in infer_schema_from_file(source)}
    assert list(fields) == ["id", "who", "price", "day"]
    assert (fields["id"].type, fields["price"].type, fields["day"].type) == (
        "integer", "number", "date"
    )  # fmt: skip
    assert [f.name for f in fields["who"].fields or []] == ["name"]


@pytest.mark.parametrize("engine", ["rows", "polars"])
def test_a_stored_mapping_loads_a_parquet_file_into_a_table(
    engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "target.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE t (id TEXT, name TEXT, price REAL, day TEXT)")
    document = dict(MAPPING)
    document["source"] = {"connector": {"kind": "parquet", "settings": {}}}
    document["target"] = {
        "connector": {"kind": "sql", "settings": {"url": f"sqlite:///{database}", "table": "t"}}
    }
    path, source = _files(tmp_path, document)
    monkeypatch.setenv("FIELDWRIGHT_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    chunked: list[int] = []
    chunks = ParquetSource.chunks

    def counted(self: ParquetSource) -> Any:
        for chunk in chunks(self):
            chunked.append(len(chunk))
            yield chunk

    monkeypatch.setattr(ParquetSource, "chunks", counted)
    runner = CliRunner()
    imported = runner.invoke(cli, ["import", str(path)])
    assert imported.exit_code == 0, imported.output
    ran = runner.invoke(
        cli, ["run", MAPPING["key"], "--input", str(source), "--engine", engine, "--no-progress"]
    )
    assert ran.exit_code == 3, ran.output  # three records without a price
    assert "read 30, written 27, failed 3" in ran.output
    assert bool(chunked) == (engine == "polars")  # the columnar loop read the file's chunks
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT * FROM t ORDER BY CAST(id AS INTEGER)").fetchall()
    assert len(rows) == 27
    assert rows[:2] == [("0", "n0", 0.0, "2024-01-01"), ("1", "n1", 0.25, "2024-01-02")]
