"""Pipeline documents: open, check, and run a file through one (issue 19).

A pipeline file run goes through the same machinery as a mapping's
(`_worker.RunHandle`, logged by `_file_log.FileRunLog`): the output appears
atomically with its manifest, failed records (each naming its step) go to
`<output>.dead-letters.ndjson`. Mapping files a map step names, and the files
enrich steps read, are found relative to the pipeline's folder.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldwright.connectors import ConnectorError, open_sink, open_source
from fieldwright.domain import DocumentError, ErrorStrategy, MappingDocument, Problem, load
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.pipeline_canonical import (
    dumps_pipeline,
    load_pipeline,
    save_pipeline,
)
from fieldwright.domain.records import RecordSink, SourceItem
from fieldwright.domain.runs import RunTrigger
from fieldwright.engine.pipeline import (
    CompiledPipeline,
    PipelinePreview,
    PipelineResolver,
    StepCounts,
    StepSample,
    compile_pipeline,
    execute_pipeline,
    preview_pipeline,
    run_pipeline_tests,
    validate_pipeline,
)
from fieldwright.engine.pipeline.lineage import LineageHop, PipelineTrace, StepTrace, trace_pipeline
from fieldwright.engine.testing import Coverage, SuiteResult, TestResult
from fieldwright.service._file_log import FileRunLog
from fieldwright.service._pipeline_file import is_pipeline_file
from fieldwright.service._pipeline_targets import RunTargets
from fieldwright.service._results import RunProgress, RunResult
from fieldwright.service._worker import RunHandle, RunPlan
from fieldwright.service.enrich_sources import (
    ConnectionLookup,
    default_store_connections,
    enrich_resolver,
)
from fieldwright.service.errors import DataError, InvalidDocument
from fieldwright.service.files import dead_letter_path, file_settings

__all__ = [
    "CompiledPipeline",
    "LineageHop",
    "PipelinePreview",
    "PipelineRunResult",
    "PipelineTrace",
    "StepCounts",
    "StepSample",
    "StepTrace",
    "check_pipeline",
    "compile_pipeline_document",
    "compile_pipeline_file",
    "dumps_pipeline",
    "is_pipeline_file",
    "open_pipeline",
    "preview_pipeline_file",
    "run_pipeline_file",
    "save_pipeline",
    "trace_pipeline_file",
]

PathLike = str | os.PathLike[str]


def open_pipeline(path: PathLike) -> PipelineDocument:
    """Load a pipeline file; InvalidDocument names the file and every problem."""
    try:
        return load_pipeline(path)
    except DocumentError as exc:
        raise InvalidDocument(str(exc), exc.problems) from exc


def file_resolver(
    base: Path | None,
    connections: ConnectionLookup | None = None,
    *,
    probe: bool = False,
) -> PipelineResolver:
    """Map steps' mapping files and enrich steps' sources, relative to `base`; saved
    connections an enrich source names from `connections` (None: none can be named)."""
    folder = base or Path.cwd()

    def mapping(path: str) -> MappingDocument:
        return load(folder / path)

    return enrich_resolver(folder, connections, mapping, probe=probe)


def check_pipeline(
    document: PipelineDocument,
    *,
    base: PathLike | None = None,
    probe: bool = False,
    connections: ConnectionLookup | None = None,
) -> list[Problem]:
    """Every problem of a pipeline (paths, predicates, its mappings, its enrich sources),
    each with its pointer; mapping files are found relative to `base` (the pipeline's
    folder). With `probe`, enrich steps' SQL sources are opened to check their table or
    query and key columns (`fieldwright validate`); without, nothing is connected to.
    Saved connections named by enrich sources are looked up in `connections` (with
    `probe` and none given, the default store's); without either, they are not checked."""
    if probe and connections is None:
        connections = default_store_connections()
    return validate_pipeline(
        document,
        file_resolver(Path(base) if base is not None else None, connections, probe=probe),
    )


def compile_pipeline_file(path: PathLike) -> CompiledPipeline:
    """Open and compile a pipeline file; InvalidDocument names the file and every problem."""
    document = open_pipeline(path)
    try:
        return compile_pipeline(
            document,
            file_resolver(Path(path).parent, default_store_connections()),
            source=str(path),
        )
    except DocumentError as exc:
        raise InvalidDocument(str(exc), exc.problems) from exc


def compile_pipeline_document(
    document: PipelineDocument, *, base: PathLike | None = None
) -> CompiledPipeline:
    """Compile a pipeline held in memory (the designer's); mapping files and enrich sources
    are found relative to `base`. InvalidDocument names every problem with its pointer."""
    try:
        folder = Path(base) if base is not None else None
        return compile_pipeline(document, file_resolver(folder, default_store_connections()))
    except DocumentError as exc:
        raise InvalidDocument(str(exc), exc.problems) from exc


@dataclass(frozen=True, slots=True)
class PipelineRunResult:
    """How a pipeline run ended, and what each of its steps did."""

    result: RunResult
    steps: tuple[StepCounts, ...]


def _columns(document: PipelineDocument) -> list[str]:
    return [field.name for field in document.target.fields]


def run_pipeline_file(
    pipeline: CompiledPipeline,
    input_path: PathLike,
    output_path: PathLike,
    *,
    input_format: str | None = None,
    output_format: str | None = None,
    strategy: ErrorStrategy | None = None,
    input_settings: Mapping[str, Any] | None = None,
    on_progress: Callable[[RunProgress], None] | None = None,
) -> PipelineRunResult:
    """Run every record of `input_path` through the pipeline into `output_path`.

    As `run_file` does for a mapping: the source and target connector settings
    of the document apply, `input_settings` override the source's, an input or
    output that cannot be opened raises DataError, and the output appears
    atomically. A CSV or Excel output takes its columns from the target's fields.
    Route branches' targets (files beside the output, SQL tables through their staging
    tables, HTTP endpoints held back until then) publish with it only when the whole run
    succeeded (_pipeline_targets.py).
    """
    document = pipeline.document
    output = Path(output_path)
    try:
        name, settings = file_settings(
            document.source.connector, Path(input_path), input_format, "source", input_settings
        )
        source = open_source(Path(input_path), name, **settings)
    except ConnectorError as exc:
        raise DataError(str(exc)) from exc
    try:
        name, settings = file_settings(document.target.connector, output, output_format, "sink")
        sink = open_sink(output, name, columns=_columns(document), **settings)
    except ConnectorError as exc:
        source.close()
        hint = "" if document.target.fields else " (declare the pipeline's target fields)"
        raise DataError(f"{exc}{hint}") from exc
    steps: list[tuple[StepCounts, ...]] = [()]
    run_key: list[str | None] = [None]
    targets = RunTargets(
        output, default_store_connections(), lambda: run_key[0], steps=pipeline.all_steps()
    )

    def keep(counts: tuple[StepCounts, ...]) -> None:
        steps[0] = counts

    def execute(items: Iterable[SourceItem], into: Any, **options: Any) -> Any:
        return targets.run(
            lambda **given: execute_pipeline(
                pipeline,
                items,
                targets.output(into),
                on_steps=keep,
                open_branch_sink=targets.open_branch,
                join_branch=targets.join,
                **given,
            ),
            **options,
        )

    def open_output(key: str) -> RecordSink:
        run_key[0] = key
        return sink

    plan = RunPlan(
        document=document,
        compiled=None,
        mapping_version=None,
        open_source=lambda: source,
        open_sink=open_output,
        trigger=RunTrigger.MANUAL,
        retries=False,
        strategy=strategy,
        execute=execute,
    )
    handle = RunHandle(FileRunLog(dead_letter_path(output)), plan, on_progress=on_progress)
    try:
        result = handle.begin().wait()
    except KeyboardInterrupt:
        handle.cancel()
        handle.wait()
        raise
    assert result is not None  # wait() without a timeout returns once the run ended
    return PipelineRunResult(result, steps[0])


def preview_pipeline_file(
    pipeline: CompiledPipeline,
    path: PathLike,
    *,
    limit: int = 20,
    format: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> PipelinePreview:
    """The first `limit` records of a sample file through every step, step by step.

    The file is read with the pipeline's source connector settings (`settings`
    override them); a sort, an aggregate or a dedupe works on those records only.
    """
    items = _sample_items(pipeline, path, limit, format, settings)
    return preview_pipeline(pipeline, items, limit=limit)


def _sample_items(
    pipeline: CompiledPipeline,
    path: PathLike,
    limit: int,
    format: str | None,
    settings: Mapping[str, Any] | None,
) -> list[SourceItem]:
    try:
        name, options = file_settings(
            pipeline.document.source.connector, Path(path), format, "source", settings
        )
        source = open_source(Path(path), name, **options)
    except ConnectorError as exc:
        raise DataError(str(exc)) from exc
    try:
        return list(itertools.islice(iter(source), limit))
    except ConnectorError as exc:
        raise DataError(str(exc)) from exc
    finally:
        source.close()


def trace_pipeline_file(
    pipeline: CompiledPipeline,
    path: PathLike,
    *,
    limit: int = 200,
    format: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> PipelineTrace:
    """The first `limit` records of a sample file through each step, every record each
    step gave with the records it came from (`PipelineTrace.lineage`): the designer's
    per-step preview. Read as `preview_pipeline_file` reads."""
    return trace_pipeline(pipeline, _sample_items(pipeline, path, limit, format, settings))


def run_pipeline_suite(pipeline: CompiledPipeline) -> SuiteResult:
    """Run a pipeline's tests in memory (branch targets are kept, not written), as a
    suite like a mapping's (JUnit takes it): each test's differences in its message,
    coverage over the steps (checked: reached by a test)."""
    suite = run_pipeline_tests(pipeline)
    untested = tuple(suite.untested_steps)
    reached = tuple(s.name for s in pipeline.all_steps() if s.name not in untested)
    results = [
        TestResult(r.name, "pipeline", r.passed, message="\n".join(r.differences))
        for r in suite.results
    ]
    return SuiteResult(results, Coverage(reached, untested))
