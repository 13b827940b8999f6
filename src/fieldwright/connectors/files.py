"""Open a file source or sink by its format, taken from the extension or named."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from fieldwright.connectors.csv_files import CsvSink, CsvSource
from fieldwright.connectors.errors import ConnectorError, UnsupportedFormat
from fieldwright.connectors.json_files import (
    JsonArraySink,
    JsonArraySource,
    NdjsonSink,
    NdjsonSource,
)
from fieldwright.domain.records import RecordSink, RecordSource

__all__ = ["FORMATS", "format_of", "open_sink", "open_source", "setting_names"]

#: Every file format, with the extensions that imply it.
FORMATS: dict[str, tuple[str, ...]] = {
    "csv": (".csv",),
    "tsv": (".tsv", ".tab"),
    "ndjson": (".ndjson", ".jsonl"),
    "json": (".json",),
    "xlsx": (".xlsx", ".xlsm"),
    "parquet": (".parquet",),
}
_ALIASES = {"jsonl": "ndjson", "excel": "xlsx"}


def _excel() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The xlsx source and sink, imported on first use: openpyxl takes a tenth of a
    second to import, which the desktop app's start-up should not pay for CSV files."""
    from fieldwright.connectors.excel import XlsxSink, XlsxSource

    return XlsxSource, XlsxSink


def _parquet() -> Callable[..., Any]:
    """The Parquet source, imported on first use (it imports Polars when opened)."""
    from fieldwright.connectors.parquet_files import ParquetSource

    return ParquetSource


def _parquet_sink(path: Path, *args: Any) -> RecordSink:
    """Parquet is an input format only."""
    raise UnsupportedFormat(
        "Fieldwright reads Parquet files but does not write them; write .ndjson, .csv, "
        ".json or .xlsx",
        target=str(path),
    )


_NEEDS_COLUMNS = frozenset({"csv", "tsv", "xlsx"})


def _supported() -> str:
    return ", ".join(f"{name} ({' '.join(exts)})" for name, exts in FORMATS.items())


def format_of(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The format of a file: `format` if given (checked), else from the extension."""
    if format is not None:
        name = _ALIASES.get(format.lower(), format.lower())
        if name not in FORMATS:
            raise UnsupportedFormat(
                f"unknown format {format!r}; supported formats: {_supported()}", target=str(path)
            )
        return name
    suffix = Path(path).suffix.lower()
    for name, extensions in FORMATS.items():
        if suffix in extensions:
            return name
    what = f"extension {suffix!r}" if suffix else "no extension"
    raise UnsupportedFormat(
        f"cannot tell the file format from {what}; supported formats: {_supported()}; "
        "name the format explicitly",
        target=str(path),
    )


def _factory(name: str, role: str) -> Callable[..., Any]:
    if name == "parquet":
        return _parquet() if role == "source" else _parquet_sink
    if name == "xlsx":
        return _excel()[0 if role == "source" else 1]
    if name in ("csv", "tsv"):
        return CsvSource if role == "source" else CsvSink
    if name == "ndjson":
        return NdjsonSource if role == "source" else NdjsonSink
    return JsonArraySource if role == "source" else JsonArraySink


def _keyword_names(factory: Callable[..., Any]) -> set[str]:
    return {
        name
        for name, parameter in inspect.signature(factory).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }


def setting_names(format: str, role: Literal["source", "sink"]) -> frozenset[str]:
    """The settings a file source or sink of `format` (a name of `FORMATS`) takes."""
    return frozenset(_keyword_names(_factory(format, role)))


def _construct(
    factory: Callable[..., Any], path: Path, kind: str, *args: Any, **settings: Any
) -> Any:
    """Call `factory`, turning a misspelt setting into an error that lists the valid ones."""
    parameters = _keyword_names(factory)
    unknown = sorted(set(settings) - parameters)
    if unknown:
        valid = sorted(parameters)
        raise ConnectorError(
            f"unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
            f"for a {kind}; valid settings: {', '.join(valid) or '(none)'}",
            target=str(path),
        )
    return factory(path, *args, **settings)


def open_source(
    path: str | os.PathLike[str], format: str | None = None, **settings: Any
) -> RecordSource:
    """A record source for a file: CSV/TSV, NDJSON, a JSON array, an Excel workbook or Parquet.

    `settings` go to the source's constructor (e.g. ``delimiter``,
    ``encoding``, ``records_path``, ``sheet``); a misspelt one is an error.
    """
    target = Path(path)
    name = format_of(target, format)
    if name == "tsv":
        settings.setdefault("delimiter", "\t")
    factories: dict[str, Callable[..., Any]] = {
        "csv": CsvSource,
        "tsv": CsvSource,
        "ndjson": NdjsonSource,
        "json": JsonArraySource,
    }
    factory = factories.get(name) or _factory(name, "source")
    source: RecordSource = _construct(factory, target, f"{name} source", **settings)
    return source


def open_sink(
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    columns: list[str] | None = None,
    **settings: Any,
) -> RecordSink:
    """An atomic record sink for a file; CSV, TSV and Excel need `columns`.

    JSON formats write records as they are and ignore `columns`.
    """
    target = Path(path)
    name = format_of(target, format)
    if name == "parquet":
        return _parquet_sink(target)
    if name in _NEEDS_COLUMNS:
        if not columns:
            raise ConnectorError(
                f"a {name} sink needs the list of columns to write", target=str(target)
            )
        if name == "tsv":
            settings.setdefault("delimiter", "\t")
        factory: Callable[..., Any] = _excel()[1] if name == "xlsx" else CsvSink
        sink: RecordSink = _construct(factory, target, f"{name} sink", columns, **settings)
        return sink
    json_factory = NdjsonSink if name == "ndjson" else JsonArraySink
    json_sink: RecordSink = _construct(json_factory, target, f"{name} sink", **settings)
    return json_sink
