"""File runs: stream an input file through a mapping into an output file.

The output appears atomically with its `.meta.json` manifest; records that
fail are kept in `<output>.dead-letters.ndjson` beside it, each with its
position, field, reason and input.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldwright.connectors import ConnectorError, NdjsonSink, open_sink, open_source
from fieldwright.domain import ErrorStrategy, MappingDocument
from fieldwright.domain.runs import DeadLetter
from fieldwright.engine import CompiledMapping, Progress, RunOutcome, execute
from fieldwright.engine.paths import WILDCARD
from fieldwright.service.errors import DataError
from fieldwright.service.mappings import compile_mapping

__all__ = ["FileRunResult", "dead_letter_path", "output_columns", "run_file"]


def dead_letter_path(output: Path) -> Path:
    """Where the dead letters of a run writing `output` go."""
    return output.with_name(f"{output.name}.dead-letters.ndjson")


def output_columns(compiled: CompiledMapping) -> list[str]:
    """Flat column names for tabular outputs: the target paths as dotted names.

    An array target (`$.lines[*].hours`) becomes one column (`lines`) holding
    the array as JSON, since a table cell cannot hold rows.
    """
    columns: list[str] = []
    for field in compiled.fields:
        names: list[str] = []
        for segment in field.target.segments:
            if segment == WILDCARD or isinstance(segment, int):
                break
            names.append(segment)
        column = ".".join(names)
        if column not in columns:
            columns.append(column)
    return columns


@dataclass(slots=True)
class FileRunResult:
    outcome: RunOutcome
    output: Path
    dead_letters: Path | None


class _DeadLetterFile:
    """Collects dead letters into an NDJSON file, created only when one arrives."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sink: NdjsonSink | None = None

    def add(self, letter: DeadLetter) -> None:
        if self._sink is None:
            self._sink = NdjsonSink(self.path)
        self._sink.write_batch([letter.model_dump(mode="json")])

    def finish(self) -> Path | None:
        if self._sink is None:
            self.path.unlink(missing_ok=True)  # a stale file from an earlier run would mislead
            self.path.with_name(self.path.name + ".meta.json").unlink(missing_ok=True)
            return None
        self._sink.commit()
        return self.path


def run_file(
    document: MappingDocument,
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    input_format: str | None = None,
    output_format: str | None = None,
    input_settings: dict[str, Any] | None = None,
    strategy: ErrorStrategy | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> FileRunResult:
    """Map every record of `input_path` into `output_path`."""
    compiled = compile_mapping(document)
    output = Path(output_path)
    try:
        source = open_source(Path(input_path), input_format, **(input_settings or {}))
    except ConnectorError as exc:
        raise DataError(str(exc)) from exc
    try:
        sink = open_sink(output, output_format, columns=output_columns(compiled))
    except ConnectorError as exc:
        source.close()
        raise DataError(str(exc)) from exc
    dead = _DeadLetterFile(dead_letter_path(output))
    try:
        outcome = execute(
            compiled,
            source,
            sink,
            strategy=strategy,
            on_dead_letter=dead.add,
            on_progress=on_progress,
            should_cancel=should_cancel,
        )
    finally:
        source.close()
    dead_path = dead.finish()
    if isinstance(outcome.error, ConnectorError):
        outcome.message = str(outcome.error)
    return FileRunResult(outcome, output, dead_path)
