"""Choosing the engine of a file run, `fieldwright run --engine`, `validate --engine polars`."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from fieldwright.cli.main import cli
from fieldwright.domain import MappingDocument
from fieldwright.service import InvalidRequest, engine_report, run_file
from fieldwright.service import engines as engines_module
from tests.engine.columnar.test_corpus import CONTACTS

REPO = Path(__file__).resolve().parents[3]
ORDERS = REPO / "resources" / "examples" / "orders_to_lines" / "mapping.fwmap.json"


def _contacts(folder: Path) -> tuple[Path, Path]:
    mapping = folder / "contacts.fwmap.json"
    mapping.write_text(json.dumps(CONTACTS))
    source = folder / "in.ndjson"
    records = [
        {"id": n, "p": {"first": f" n{n} ", "revenue": "7.25" if n % 3 else "N/A"}}
        for n in range(50)
    ]
    records[7]["id"] = {"not": "a scalar"}  # to_string writes it as JSON: redone, same output
    lines = [orjson.dumps(r) for r in records]
    lines.insert(20, b"{broken")  # a dead letter
    source.write_bytes(b"\n".join(lines) + b"\n")
    return mapping, source


def test_a_polars_run_writes_what_a_rows_run_writes(tmp_path: Path) -> None:
    _mapping, source = _contacts(tmp_path)
    document = MappingDocument.model_validate(CONTACTS)
    rows = run_file(document, source, tmp_path / "rows.ndjson", engine="rows")
    cols = run_file(document, source, tmp_path / "cols.ndjson", engine="polars")
    assert (rows.engine, cols.engine) == ("rows", "polars")
    assert cols.counts == rows.counts and rows.counts.failed == 1
    assert (tmp_path / "cols.ndjson").read_bytes() == (tmp_path / "rows.ndjson").read_bytes()

    def letters(name: str) -> list[object]:
        text = (tmp_path / f"{name}.ndjson.dead-letters.ndjson").read_bytes().splitlines()
        found = [orjson.loads(line) for line in text]
        return [
            {k: v for k, v in x.items() if k not in ("error_id", "occurred_at", "run_key")}
            for x in found
        ]

    assert letters("cols") == letters("rows")
    manifests = [
        orjson.loads((tmp_path / f"{n}.ndjson.meta.json").read_bytes()) for n in ("rows", "cols")
    ]
    for manifest in manifests:
        manifest.pop("created_at"), manifest.pop("filename"), manifest["run"].pop("key")
        manifest.pop("companions")
    assert manifests[0] == manifests[1]


def test_polars_refuses_a_mapping_that_does_not_lower_and_names_why(tmp_path: Path) -> None:
    document = MappingDocument.model_validate(json.loads(ORDERS.read_text()))
    source = tmp_path / "in.ndjson"
    source.write_bytes(b'{"id": 1}\n')
    with pytest.raises(InvalidRequest, match=r"\$\.lines\[\*\]\.order_id: its target"):
        run_file(document, source, tmp_path / "out.ndjson", engine="polars")


def test_auto_runs_small_inputs_on_rows_and_large_ones_on_polars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _mapping, source = _contacts(tmp_path)
    document = MappingDocument.model_validate(CONTACTS)
    assert run_file(document, source, tmp_path / "a.ndjson", engine="auto").engine == "rows"
    monkeypatch.setattr(engines_module, "AUTO_RECORDS", 10)
    assert run_file(document, source, tmp_path / "b.ndjson", engine="auto").engine == "polars"
    csv = tmp_path / "in.csv"
    csv.write_text("id\n1\n")
    assert run_file(document, csv, tmp_path / "c.ndjson", engine="auto").engine == "rows"


def test_cli_run_and_validate_take_the_engine(tmp_path: Path) -> None:
    mapping, source = _contacts(tmp_path)
    runner = CliRunner()
    ran = runner.invoke(
        cli,
        [
            "run",
            str(mapping),
            "-i",
            str(source),
            "-o",
            str(tmp_path / "o.ndjson"),
            "--engine",
            "polars",
            "--no-progress",
        ],
    )
    assert ran.exit_code == 3, ran.output  # one record failed
    assert "on the columnar engine" in ran.output
    checked = runner.invoke(cli, ["validate", "--engine", "polars", str(mapping), str(ORDERS)])
    assert "$.revenue: vectorised" in checked.output
    assert "$.lines[*].order_id: row engine" in checked.output
    assert "the whole mapping lowers" in checked.output


def test_the_report_lists_every_field() -> None:
    report = engine_report(MappingDocument.model_validate(CONTACTS))
    assert [r.target for r in report][:2] == ["$.source_id", "$.first_name"]
    assert {r.status for r in report} == {"vectorised"}


def test_the_row_path_never_imports_polars(tmp_path: Path) -> None:
    """A rows run, and the CLI's start-up, leave Polars unloaded (it costs 0.3 s to import)."""
    import subprocess
    import sys

    mapping, source = _contacts(tmp_path)
    code = (
        "import sys\n"
        "from fieldwright.cli import run as _cli\n"
        "from fieldwright.service import open_mapping, run_file\n"
        f"document = open_mapping({str(mapping)!r})\n"
        f"run_file(document, {str(source)!r}, {str(tmp_path / 'o.ndjson')!r}, engine='auto')\n"
        "assert 'polars' not in sys.modules, 'polars was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
