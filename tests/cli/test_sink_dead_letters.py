"""A record the output cannot hold is that record's dead letter; the run goes on (exit 3)
and conserves records; under fail_fast it stops the run (exit 1)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from fieldwright.cli.main import cli


def fieldwright(*args: str | Path) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def setup(tmp_path: Path) -> tuple[Path, Path]:
    doc = {
        "fieldwright": 1,
        "key": "copy",
        "name": "Copy",
        "source": {"fields": [{"name": "id"}, {"name": "payload"}]},
        "target": {"fields": [{"name": "id"}, {"name": "payload"}]},
        "fields": [
            {"target": "$.id", "sources": ["$.id"]},
            {"target": "$.payload", "sources": ["$.payload"]},
        ],
    }
    mapping = tmp_path / "copy.fwmap.json"
    mapping.write_text(json.dumps(doc))
    nested: object = 1
    for _ in range(300):  # valid for the source (max_depth 512), too deep for the JSON writer
        nested = [nested]
    records = [{"id": n, "payload": "ok"} for n in range(1, 151)]
    records[99] = {"id": 100, "payload": nested}
    source = tmp_path / "in.json"
    source.write_text(json.dumps(records))
    return mapping, source


def test_one_unwritable_record_is_a_dead_letter_and_the_run_goes_on(tmp_path: Path) -> None:
    mapping, source = setup(tmp_path)
    output = tmp_path / "out.ndjson"
    result = fieldwright("run", mapping, "-i", source, "-o", output)
    assert result.exit_code == 3, result.output
    assert "read 150, written 149, failed 1, filtered 0" in result.output
    ids = [json.loads(line)["id"] for line in output.read_text().splitlines()]
    assert len(ids) == 149 and 100 not in ids
    [letter] = [
        json.loads(line)
        for line in (tmp_path / "out.ndjson.dead-letters.ndjson").read_text().splitlines()
    ]
    assert letter["position"] == {"index": 99}
    assert letter["field"].startswith("$.payload[0][0]") and letter["field"].endswith("…")
    assert "nests deeper than the JSON writer allows" in letter["reason"]
    assert letter["input"] is None  # the position finds it; the reason says what to change


def test_under_fail_fast_an_unwritable_record_stops_the_run(tmp_path: Path) -> None:
    mapping, source = setup(tmp_path)
    output = tmp_path / "out.ndjson"
    result = fieldwright(
        "run", mapping, "-i", source, "-o", output, "--error-strategy", "fail_fast"
    )
    assert result.exit_code == 1, result.output
    assert "item 99" in result.output and "nests deeper" in result.output
    assert not output.exists()
