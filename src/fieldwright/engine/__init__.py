"""The engine: compile a mapping document and map, trace, test and run records.

Depends on the domain only; never on Qt, the store or the connectors.
"""

from fieldwright.engine.compiler import (
    CompiledField,
    CompiledMapping,
    compile_document,
    compile_valid_fields,
)
from fieldwright.engine.finite import finite_outputs
from fieldwright.engine.paths import PathError, SourcePath, TargetPath, parse_source, parse_target
from fieldwright.engine.results import FieldError, RecordResult, RecordStatus
from fieldwright.engine.run import Progress, RunOutcome, execute
from fieldwright.engine.testing import (
    Coverage,
    Difference,
    SuiteResult,
    TestResult,
    compare,
    coverage,
    run_tests,
)
from fieldwright.engine.trace import FieldTrace, RecordTrace, StepTrace, trace_record
from fieldwright.engine.validation import validate

compile = compile_document

__all__ = [
    "CompiledField",
    "CompiledMapping",
    "Coverage",
    "Difference",
    "FieldError",
    "FieldTrace",
    "PathError",
    "Progress",
    "RecordResult",
    "RecordStatus",
    "RecordTrace",
    "RunOutcome",
    "SourcePath",
    "StepTrace",
    "SuiteResult",
    "TargetPath",
    "TestResult",
    "compare",
    "compile",
    "compile_document",
    "compile_valid_fields",
    "coverage",
    "execute",
    "finite_outputs",
    "parse_source",
    "parse_target",
    "run_tests",
    "trace_record",
    "validate",
]
