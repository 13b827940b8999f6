"""File runs: stream an input file through a mapping into an output file.

The same run machinery as a stored run (`_worker.RunHandle`: one progress type,
`RunProgress`; one result type, `RunResult`), logged beside its output instead of
in the store (`_file_log.FileRunLog`). The output appears atomically with its
`.meta.json` manifest; records that fail are kept in `<output>.dead-letters.ndjson`
beside it, each with its position, field, reason and input.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from fieldwright.connectors import ConnectorError, open_sink, open_source
from fieldwright.domain import ErrorStrategy, MappingDocument
from fieldwright.domain.runs import RunTrigger
from fieldwright.engine import CompiledMapping
from fieldwright.engine.paths import WILDCARD
from fieldwright.service._file_log import FileRunLog
from fieldwright.service._results import RunProgress, RunResult
from fieldwright.service._worker import RunHandle, RunPlan
from fieldwright.service.errors import DataError
from fieldwright.service.mappings import compile_mapping

__all__ = ["dead_letter_path", "output_columns", "run_file"]


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


def run_file(
    mapping: MappingDocument | CompiledMapping,
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    input_format: str | None = None,
    output_format: str | None = None,
    strategy: ErrorStrategy | None = None,
    on_progress: Callable[[RunProgress], None] | None = None,
) -> RunResult:
    """Map every record of `input_path` into `output_path`; how the run ended.

    `mapping` is a document, or the mapping compiled from it (not compiled again).
    An input or output that cannot be opened raises DataError before anything runs;
    `strategy` replaces the document's error strategy. Progress comes from the run's
    threads; an interrupt (Ctrl-C) cancels the run, leaving the output as it was.
    """
    compiled = mapping if isinstance(mapping, CompiledMapping) else compile_mapping(mapping)
    output = Path(output_path)
    try:
        source = open_source(Path(input_path), input_format)
    except ConnectorError as exc:
        raise DataError(str(exc)) from exc
    try:
        sink = open_sink(output, output_format, columns=output_columns(compiled))
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
    handle = RunHandle(FileRunLog(dead_letter_path(output)), plan, on_progress=on_progress)
    try:
        result = handle.begin().wait()
    except KeyboardInterrupt:
        handle.cancel()
        handle.wait()
        raise
    assert result is not None  # wait() without a timeout returns once the run ended
    return result
