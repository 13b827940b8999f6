"""open_source / open_sink: the format from the extension, or named; clear errors otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

import fieldwright.connectors as connectors
from fieldwright.connectors import (
    ConnectorError,
    CsvSink,
    CsvSource,
    JsonArraySink,
    JsonArraySource,
    NdjsonSink,
    NdjsonSource,
    UnsupportedFormat,
    XlsxSink,
    XlsxSource,
    open_sink,
    open_source,
)


def make_sources(directory: Path) -> None:
    (directory / "a.csv").write_text("id,name\n1,Ada\n")
    (directory / "a.tsv").write_text("id\tname\n1\tAda, Countess\n")
    (directory / "a.ndjson").write_text('{"id": "1"}\n')
    (directory / "a.jsonl").write_text('{"id": "1"}\n')
    (directory / "a.json").write_text('[{"id": "1"}]')
    sink = XlsxSink(directory / "a.xlsx", ["id", "name"])
    sink.write_batch([{"id": "1", "name": "Ada"}])
    sink.commit()


@pytest.mark.parametrize(
    ("filename", "kind"),
    [
        ("a.csv", CsvSource),
        ("a.tsv", CsvSource),
        ("a.ndjson", NdjsonSource),
        ("a.jsonl", NdjsonSource),
        ("a.json", JsonArraySource),
        ("a.xlsx", XlsxSource),
    ],
)
def test_open_source_by_extension(tmp_path: Path, filename: str, kind: type) -> None:
    make_sources(tmp_path)
    source = open_source(tmp_path / filename)
    try:
        assert isinstance(source, kind)
        first = next(iter(source)).record
        assert first is not None and str(first["id"]) == "1"
    finally:
        source.close()


def test_tsv_uses_tabs_even_when_commas_abound(tmp_path: Path) -> None:
    make_sources(tmp_path)
    source = open_source(tmp_path / "a.tsv")
    assert [item.record for item in source] == [{"id": "1", "name": "Ada, Countess"}]


def test_explicit_format_beats_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text('{"id": 1}\n{"id": 2}\n')
    source = open_source(path, "jsonl")
    assert isinstance(source, NdjsonSource)
    assert len(list(source)) == 2


def test_settings_reach_the_source(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text('{"results": [{"id": 1}]}')
    source = open_source(path, records_path="results")
    assert [item.record for item in source] == [{"id": 1}]


def test_unknown_extension_names_the_file_and_the_formats(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        open_source(tmp_path / "report.xls")
    message = str(caught.value)
    assert "report.xls" in message and "'.xls'" in message
    for name in ("csv", "tsv", "ndjson", "json", "xlsx", "parquet"):
        assert name in message
    with pytest.raises(UnsupportedFormat, match="unknown format 'avro'"):
        open_sink(tmp_path / "out.csv", "avro", columns=["a"])


def test_misspelt_setting_lists_the_valid_ones(tmp_path: Path) -> None:
    make_sources(tmp_path)
    with pytest.raises(
        ConnectorError, match=r"unknown setting 'delimeter' for a csv source.*delimiter"
    ):
        open_source(tmp_path / "a.csv", delimeter=";")


@pytest.mark.parametrize(
    ("filename", "kind"),
    [
        ("o.csv", CsvSink),
        ("o.tsv", CsvSink),
        ("o.ndjson", NdjsonSink),
        ("o.jsonl", NdjsonSink),
        ("o.json", JsonArraySink),
        ("o.xlsx", XlsxSink),
    ],
)
def test_open_sink_by_extension(tmp_path: Path, filename: str, kind: type) -> None:
    sink = open_sink(tmp_path / filename, columns=["id", "name"])
    assert isinstance(sink, kind)
    sink.write_batch([{"id": 1, "name": "Ada"}])
    sink.commit()
    source = open_source(tmp_path / filename)
    try:
        first = next(iter(source)).record
        assert first is not None and str(first["name"]) == "Ada"
    finally:
        source.close()


def test_tsv_sink_writes_tabs(tmp_path: Path) -> None:
    sink = open_sink(tmp_path / "o.tsv", columns=["a", "b"])
    sink.write_batch([{"a": "x, y", "b": 2}])
    sink.commit()
    assert (tmp_path / "o.tsv").read_bytes() == b"a\tb\r\nx, y\t2\r\n"


def test_tabular_sinks_need_columns(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError, match=r"o\.csv: a csv sink needs the list of columns"):
        open_sink(tmp_path / "o.csv")
    assert list(tmp_path.iterdir()) == []


def test_public_names_are_pinned() -> None:
    exported = {name for name in dir(connectors) if not name.startswith("_")}
    modules = {
        "atomic",
        "credentials",
        "csv_files",
        "errors",
        "excel",
        "files",
        "http",
        "inference",
        "json_files",
        "json_schema",
        "registry",
        "sql",
    }
    assert set(connectors.__all__) == exported - modules
    for name in connectors.__all__:
        assert getattr(connectors, name) is not None
