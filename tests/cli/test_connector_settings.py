"""`fieldwright run` and `preview` read and write with the document's connector settings;
flags override them, and messages that say "set X" say where."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from fieldwright.cli.main import cli


def fieldwright(*args: str | Path) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def document(
    tmp_path: Path, source: dict[str, Any] | None = None, target: dict[str, Any] | None = None
) -> Path:
    doc: dict[str, Any] = {
        "fieldwright": 1,
        "key": "people",
        "name": "People",
        "source": {"fields": [{"name": "name"}, {"name": "city"}]},
        "target": {"fields": [{"name": "who"}, {"name": "where"}]},
        "fields": [
            {"target": "$.who", "sources": ["$.name"]},
            {"target": "$.where", "sources": ["$.city"]},
        ],
    }
    if source is not None:
        doc["source"]["connector"] = source
    if target is not None:
        doc["target"]["connector"] = target
    path = tmp_path / "people.fwmap.json"
    path.write_text(json.dumps(doc))
    return path


SEMICOLON_LATIN1 = {"kind": "csv", "settings": {"delimiter": ";", "encoding": "latin-1"}}


def latin1_csv(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_bytes("name;city\nJosé;Málaga\nZoë;Gießen\n".encode("latin-1"))
    return path


def test_the_documents_source_settings_read_the_input_without_flags(tmp_path: Path) -> None:
    mapping = document(tmp_path, source=SEMICOLON_LATIN1)
    output = tmp_path / "out.ndjson"
    result = fieldwright("run", mapping, "-i", latin1_csv(tmp_path), "-o", output)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert rows == [{"who": "José", "where": "Málaga"}, {"who": "Zoë", "where": "Gießen"}]


def test_preview_reads_with_the_documents_source_settings(tmp_path: Path) -> None:
    mapping = document(tmp_path, source=SEMICOLON_LATIN1)
    result = fieldwright("preview", mapping, "-i", latin1_csv(tmp_path))
    assert result.exit_code == 0, result.output
    assert '"who": "José", "where": "Málaga"' in result.output


def test_flags_override_the_documents_settings(tmp_path: Path) -> None:
    mapping = document(tmp_path, source={"kind": "csv", "settings": {"delimiter": ","}})
    source = latin1_csv(tmp_path)
    output = tmp_path / "out.ndjson"
    args = ["-i", source, "-o", output, "--delimiter", ";", "--encoding", "latin-1"]
    result = fieldwright("run", mapping, *args)
    assert result.exit_code == 0, result.output
    assert json.loads(output.read_text().splitlines()[1]) == {"who": "Zoë", "where": "Gießen"}
    preview = fieldwright(
        "preview", mapping, "-i", source, "--delimiter", ";", "--encoding", "latin-1", "-n", "1"
    )
    assert preview.exit_code == 0 and '"who": "Jos' in preview.output


def test_a_wrong_setting_says_to_set_it_and_where(tmp_path: Path) -> None:
    mapping = document(tmp_path)
    output = tmp_path / "out.ndjson"
    result = fieldwright("run", mapping, "-i", latin1_csv(tmp_path), "-o", output)
    assert result.exit_code == 3  # every line is undecodable as UTF-8: each a dead letter
    letters = (tmp_path / "out.ndjson.dead-letters.ndjson").read_text()
    assert "set encoding='cp1252'" in letters
    assert "source.connector.settings.encoding" in letters and "--encoding" in letters


def test_records_path_from_the_document_and_the_flag(tmp_path: Path) -> None:
    source = tmp_path / "people.json"
    source.write_text(json.dumps({"data": {"items": [{"name": "Ada", "city": "London"}]}}))
    output = tmp_path / "out.ndjson"
    plain = document(tmp_path)
    result = fieldwright("run", plain, "-i", source, "-o", output)
    assert result.exit_code == 2
    assert "set records_path" in result.output
    assert "source.connector.settings.records_path" in result.output
    assert "--records-path" in result.output
    result = fieldwright("run", plain, "-i", source, "-o", output, "--records-path", "data.items")
    assert result.exit_code == 0, result.output
    with_setting = document(
        tmp_path, source={"kind": "json", "settings": {"records_path": "data.items"}}
    )
    result = fieldwright("run", with_setting, "-i", source, "-o", output)
    assert result.exit_code == 0, result.output
    assert json.loads(output.read_text()) == {"who": "Ada", "where": "London"}


def test_the_documents_target_settings_write_the_output(tmp_path: Path) -> None:
    target = {"kind": "csv", "settings": {"delimiter": "|", "path": "elsewhere.csv"}}
    mapping = document(tmp_path, source=SEMICOLON_LATIN1, target=target)
    output = tmp_path / "out.csv"
    result = fieldwright("run", mapping, "-i", latin1_csv(tmp_path), "-o", output)
    assert result.exit_code == 0, result.output
    assert output.read_text(encoding="utf-8").splitlines()[:2] == ["who|where", "José|Málaga"]


def test_a_documents_settings_of_another_format_are_not_used(tmp_path: Path) -> None:
    """A document written for an xlsx source, run on a CSV file: its sheet does not apply."""
    mapping = document(tmp_path, source={"kind": "xlsx", "settings": {"sheet": "People"}})
    source = tmp_path / "people.csv"
    source.write_text("name,city\nAda,London\n")
    result = fieldwright("run", mapping, "-i", source, "-o", tmp_path / "out.ndjson")
    assert result.exit_code == 0, result.output


def test_a_flag_for_another_format_is_a_usage_error(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("name,city\nAda,London\n")
    result = fieldwright(
        "run", document(tmp_path), "-i", source, "-o", tmp_path / "o.ndjson", "--sheet", "x"
    )
    assert result.exit_code == 2
    assert "--sheet" in result.output and "csv" in result.output


def test_a_misspelt_document_setting_names_where_it_is(tmp_path: Path) -> None:
    mapping = document(tmp_path, source={"kind": "csv", "settings": {"delimter": ";"}})
    result = fieldwright("run", mapping, "-i", latin1_csv(tmp_path), "-o", tmp_path / "o.ndjson")
    assert result.exit_code == 2
    assert "source.connector.settings.delimter" in result.output
    assert "delimiter" in result.output  # the valid settings are listed


@pytest.mark.parametrize(
    ("flag", "value", "reason"),
    [
        ("--max-depth", "2", "nested deeper than 2 levels"),
        ("--max-record-size", "20", "more than max_record_size"),
    ],
)
def test_json_source_limits_as_flags(tmp_path: Path, flag: str, value: str, reason: str) -> None:
    source = tmp_path / "people.json"
    source.write_text(
        json.dumps([{"name": "Ada", "city": "London"}, {"name": {"a": {"b": [1]}}, "city": "x"}])
    )
    output = tmp_path / "out.ndjson"
    result = fieldwright("run", document(tmp_path), "-i", source, "-o", output, flag, value)
    assert result.exit_code == 3, result.output
    letters = (tmp_path / "out.ndjson.dead-letters.ndjson").read_text()
    assert reason in letters


def test_duplicate_keys_and_field_size_flags(tmp_path: Path) -> None:
    source = tmp_path / "people.ndjson"
    source.write_text('{"name": "Ada", "name": "Bob", "city": "x"}\n')
    output = tmp_path / "out.ndjson"
    mapping = document(tmp_path)
    result = fieldwright("run", mapping, "-i", source, "-o", output, "--check-duplicate-keys")
    assert (
        result.exit_code == 3
        and "duplicate key" in (tmp_path / "out.ndjson.dead-letters.ndjson").read_text()
    )
    csv_source = tmp_path / "people.csv"
    csv_source.write_text("name,city\n" + "A" * 50 + ",x\n")
    result = fieldwright("run", mapping, "-i", csv_source, "-o", output, "--max-field-size", "10")
    assert result.exit_code == 3
    assert "max_field_size" in (tmp_path / "out.ndjson.dead-letters.ndjson").read_text()


def test_the_flags_are_in_the_help() -> None:
    for command in ("run", "preview"):
        text = fieldwright(command, "--help").output
        for flag in (
            "--encoding",
            "--delimiter",
            "--records-path",
            "--sheet",
            "--max-depth",
            "--max-record-size",
            "--max-field-size",
            "--check-duplicate-keys",
        ):
            assert flag in text, (command, flag)


def test_every_flag_a_message_names_is_an_option_of_run_and_preview() -> None:
    from fieldwright.cli.reference import preview
    from fieldwright.cli.run import run
    from fieldwright.connectors import SOURCE_FLAGS

    for command in (run, preview):
        options = {
            name for param in command.params for name in (*param.opts, *param.secondary_opts)
        }
        assert set(SOURCE_FLAGS.values()) <= options, command.name
