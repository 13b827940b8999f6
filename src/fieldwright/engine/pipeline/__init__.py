"""Pipelines: named steps over streams of records (issue 19).

Steps are generators chained over the source's items (`run.py`), handing records
on a chunk at a time (`StepRuntime.run_chunks`), or one at a time (`run`: fail_fast
runs, reprocesses, previews and lineage); each counts what it received, emitted,
failed, filtered, merged and expanded (`flow.StepCounts`). Sort and aggregate keep
memory bounded by spilling to temporary files (`spill.py`, `aggregate.py`).
"""

from fieldwright.engine.pipeline.compile import (
    CompiledPipeline,
    PipelineResolver,
    compile_pipeline,
    validate_pipeline,
)
from fieldwright.engine.pipeline.flow import StepCounts
from fieldwright.engine.pipeline.preview import PipelinePreview, StepSample, preview_pipeline
from fieldwright.engine.pipeline.route import step_paths
from fieldwright.engine.pipeline.run import Entry, execute_pipeline
from fieldwright.engine.pipeline.testing import (
    PipelineSuite,
    PipelineTestResult,
    run_pipeline_tests,
)

__all__ = [
    "CompiledPipeline",
    "Entry",
    "PipelinePreview",
    "PipelineResolver",
    "PipelineSuite",
    "PipelineTestResult",
    "StepCounts",
    "StepSample",
    "compile_pipeline",
    "execute_pipeline",
    "preview_pipeline",
    "run_pipeline_tests",
    "step_paths",
    "validate_pipeline",
]
