"""Mapping documents: open, validate, compile, preview and test.

`CompiledMapping`, `RecordTrace` and `FieldTrace` are the engine's types, re-exported
for the app and the CLI, which name them but never import the engine.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldwright.connectors import ConnectorError, open_source
from fieldwright.domain import DocumentError, MappingDocument, Problem, load
from fieldwright.domain.records import SourceItem
from fieldwright.engine import (
    CompiledMapping,
    FieldTrace,
    RecordTrace,
    SuiteResult,
    compile_document,
    compile_valid_fields,
    run_tests,
    trace_record,
)
from fieldwright.engine import validate as validate_document
from fieldwright.service.errors import DataError, InvalidDocument

__all__ = [
    "CompiledMapping",
    "FieldTrace",
    "PreviewRow",
    "RecordTrace",
    "compile_leniently",
    "compile_mapping",
    "open_mapping",
    "preview_file",
    "preview_records",
    "read_sample",
    "test_mapping",
    "validate_mapping",
]

PathLike = str | os.PathLike[str]


def open_mapping(path: PathLike) -> MappingDocument:
    """Load a document file; InvalidDocument names the file and every problem."""
    try:
        return load(path)
    except DocumentError as exc:
        raise InvalidDocument(str(exc), exc.problems) from exc


def validate_mapping(document: MappingDocument) -> list[Problem]:
    """Every problem of a loaded document (unknown functions, paths, arguments …)."""
    return validate_document(document)


def compile_mapping(document: MappingDocument, *, source: str | None = None) -> CompiledMapping:
    try:
        return compile_document(document, source=source)
    except DocumentError as exc:
        raise InvalidDocument(str(exc), exc.problems) from exc


def compile_leniently(document: MappingDocument) -> tuple[CompiledMapping | None, list[Problem]]:
    """The document compiled without its broken field mappings, and every problem (one
    compile serves both validation and the preview). The mapping is None when a problem
    lies outside the field mappings; with no problem it is `compile_mapping`'s."""
    return compile_valid_fields(document)


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One sample record and what the mapping made of it."""

    item: SourceItem
    trace: RecordTrace | None  #: None when the record could not be read


def read_sample(
    path: PathLike, *, limit: int, format: str | None = None, **settings: Any
) -> list[SourceItem]:
    """The first `limit` items of a sample file."""
    try:
        source = open_source(Path(path), format, **settings)
        try:
            return list(itertools.islice(iter(source), limit))
        finally:
            source.close()
    except ConnectorError as exc:
        raise DataError(str(exc)) from exc


def preview_records(compiled: CompiledMapping, items: Sequence[SourceItem]) -> list[PreviewRow]:
    """Trace each sample item through the mapping."""
    return [
        PreviewRow(item, trace_record(compiled, item.record) if item.record is not None else None)
        for item in items
    ]


def preview_file(
    mapping: MappingDocument | CompiledMapping,
    path: PathLike,
    *,
    limit: int = 10,
    format: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> list[PreviewRow]:
    """Trace the first `limit` items of a sample file; `mapping` as `run_file` takes it.

    The file is read with the document's source connector settings, `settings`
    overriding them, as `run_file` reads its input.
    """
    from fieldwright.service.files import file_settings  # files imports this module

    compiled = mapping if isinstance(mapping, CompiledMapping) else compile_mapping(mapping)
    source = compiled.document.source.connector
    try:
        name, merged = file_settings(source, Path(path), format, "source", settings)
    except ConnectorError as exc:
        raise DataError(str(exc)) from exc
    return preview_records(compiled, read_sample(path, limit=limit, format=name, **merged))


def test_mapping(document: MappingDocument, *, source: str | None = None) -> SuiteResult:
    """Run a document's tests."""
    return run_tests(compile_mapping(document, source=source))


test_mapping.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
