"""File runs: stream an input file through a mapping into an output file.

The same run machinery as a stored run (`_worker.RunHandle`: one progress type,
`RunProgress`; one result type, `RunResult`), logged beside its output instead of
in the store (`_file_log.FileRunLog`). The output appears atomically with its
`.meta.json` manifest; records that fail are kept in `<output>.dead-letters.ndjson`
beside it, each with its position, field, reason and input.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, Literal

from fieldwright.connectors import (
    SOURCE_FLAGS,
    ConnectorError,
    UnsupportedFormat,
    format_of,
    open_sink,
    open_source,
    setting_names,
)
from fieldwright.connectors.csv_frames import CsvFrames
from fieldwright.connectors.frames import NdjsonFrames, NdjsonFrameSink
from fieldwright.domain import ErrorStrategy, MappingDocument
from fieldwright.domain.document import ConnectorRef
from fieldwright.domain.records import RecordSink, RecordSource
from fieldwright.domain.runs import RunTrigger
from fieldwright.engine import CompiledMapping
from fieldwright.engine.paths import WILDCARD
from fieldwright.service._connectors import file_kind_format
from fieldwright.service._file_log import FileRunLog
from fieldwright.service._results import RunProgress, RunResult
from fieldwright.service._worker import RunHandle, RunPlan
from fieldwright.service.endpoints import refuse_protected
from fieldwright.service.engines import EngineChoice, choose_engine, execute_columnar
from fieldwright.service.errors import DataError
from fieldwright.service.mappings import compile_mapping

__all__ = ["dead_letter_path", "file_settings", "output_columns", "run_file"]


def _family(kind: str) -> str | None:
    """A file kind's format family: csv and tsv are one (they take the same settings)."""
    name = file_kind_format(kind)
    return "csv" if name == "tsv" else name


def dead_letter_path(output: Path) -> Path:
    """Where the dead letters of a run writing `output` go."""
    return output.with_name(f"{output.name}.dead-letters.ndjson")


def output_columns(compiled: CompiledMapping) -> list[str]:
    """Flat column names for tabular outputs: the target paths as dotted names.

    An array target (`$.lines[*].hours`) becomes one column (`lines`) holding
    the array as JSON, since a table cell cannot hold rows. Columns follow the
    target schema's order (`CompiledMapping.written`).
    """
    columns: list[str] = []
    for field in compiled.written:
        names: list[str] = []
        for segment in field.target.segments:
            if segment == WILDCARD or isinstance(segment, int):
                break
            names.append(segment)
        column = ".".join(names)
        if column not in columns:
            columns.append(column)
    return columns


def file_settings(
    connector: ConnectorRef | None,
    path: Path,
    format: str | None,
    role: Literal["source", "sink"],
    overrides: Mapping[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The format and settings to open the file at `path` with, as a `role` of a mapping.

    The document's `connector` settings (but its ``path``) apply when it names a
    file kind of the same family as the file's format (csv and tsv are one);
    `overrides` (the command line's flags) replace them. The format is `format`,
    else the extension's, else the connector's kind. A setting the format does
    not take raises ConnectorError naming where it was given.
    """
    kind = _family(connector.kind) if connector is not None else None
    try:
        name = format_of(path, format)
    except UnsupportedFormat:
        if format is not None or kind is None:
            raise
        name = format_of(path, kind)
    valid = setting_names(name, role)
    side = "source" if role == "source" else "target"
    settings: dict[str, Any] = {}
    if connector is not None and kind == _family(name):
        for key, value in connector.settings.items():
            if key == "path":
                continue
            if key not in valid:
                raise ConnectorError(
                    f"the document's {side}.connector.settings.{key} is not a setting of a "
                    f"{name} {role}; valid settings: {', '.join(sorted(valid))}",
                    target=str(path),
                )
            settings[key] = value
    for key, value in (overrides or {}).items():
        if key not in valid:
            given = SOURCE_FLAGS.get(key, key) if role == "source" else key
            takers = [f for f in ("csv", "json", "ndjson", "xlsx") if key in setting_names(f, role)]
            raise ConnectorError(
                f"{given} does not apply to a {name} {'input' if role == 'source' else 'output'}"
                f" (it applies to: {', '.join(takers) or 'none'})",
                target=str(path),
            )
        settings[key] = value
    return name, settings


def run_file(
    mapping: MappingDocument | CompiledMapping,
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    input_format: str | None = None,
    output_format: str | None = None,
    strategy: ErrorStrategy | None = None,
    input_settings: Mapping[str, Any] | None = None,
    on_progress: Callable[[RunProgress], None] | None = None,
    engine: str = "rows",
) -> RunResult:
    """Map every record of `input_path` into `output_path`; how the run ended.

    `mapping` is a document, or the mapping compiled from it (not compiled again).
    The input is read with the document's source connector settings and the
    output written with its target's (`file_settings`); `input_settings`
    override the source's. An input or output that cannot be opened raises
    DataError before anything runs; `strategy` replaces the document's error
    strategy. An output inside the installed package or the bundled examples raises
    EndpointRefused. Progress comes from the run's threads; an interrupt (Ctrl-C)
    cancels the run, leaving the output as it was.

    `engine` is "rows", "polars" (the columnar engine; InvalidRequest when the mapping
    or input cannot run on it) or "auto" (service/engines.py); the result names the
    engine that ran.
    """
    compiled = mapping if isinstance(mapping, CompiledMapping) else compile_mapping(mapping)
    document = compiled.document
    output = Path(output_path)
    refuse_protected(output)
    try:
        name, settings = file_settings(
            document.source.connector, Path(input_path), input_format, "source", input_settings
        )
        choice = EngineChoice("rows", "asked for")
        if engine != "rows" and Path(input_path).is_file():  # else opening it says why not
            choice = choose_engine(compiled, engine, Path(input_path), name)
        source: RecordSource
        if choice.engine == "polars" and name in ("csv", "tsv"):
            if name == "tsv":
                settings.setdefault("delimiter", "\t")
            source = CsvFrames(Path(input_path), **settings)
        elif choice.engine == "polars" and name != "parquet":  # a Parquet source has chunks
            source = NdjsonFrames(Path(input_path), **settings)
        else:
            source = open_source(Path(input_path), name, **settings)
    except ConnectorError as exc:
        raise DataError(str(exc)) from exc
    try:
        name, settings = file_settings(document.target.connector, output, output_format, "sink")
        sink: RecordSink
        if choice.engine == "polars" and name == "ndjson":  # takes Polars' NDJSON lines
            sink = NdjsonFrameSink(output, **settings)
        else:
            sink = open_sink(output, name, columns=output_columns(compiled), **settings)
    except ConnectorError as exc:
        source.close()
        raise DataError(str(exc)) from exc
    plan = RunPlan(
        document=compiled.document,
        compiled=compiled,
        mapping_version=None,
        open_source=lambda: source,
        open_sink=lambda _key: sink,
        trigger=RunTrigger.MANUAL,
        retries=False,  # the source and sink are opened once, above
        strategy=strategy,
    )
    if choice.plan is not None:
        plan.execute = partial(execute_columnar, choice.plan)
        plan.chunked = True
    handle = RunHandle(FileRunLog(dead_letter_path(output)), plan, on_progress=on_progress)
    try:
        result = handle.begin().wait()
    except KeyboardInterrupt:
        handle.cancel()
        handle.wait()
        raise
    assert result is not None  # wait() without a timeout returns once the run ended
    return result
