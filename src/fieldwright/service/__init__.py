"""The local service layer: the one façade the desktop app and the command line call.

Qt-free. Progress and state changes are delivered through callbacks that the
GUI adapts to signals. Every error it raises is a `ServiceError` (see
`fieldwright.service.errors`), with a message naming what failed and what the
user can do; lower-level errors are wrapped at this boundary.
"""

from fieldwright.service.errors import (
    ConnectorProblem,
    DataError,
    InvalidDocument,
    InvalidRequest,
    NotFound,
    RunFailed,
    SaveConflict,
    ServiceError,
    StoreProblem,
)
from fieldwright.service.facade import Connectors, Service, StandardConnectors
from fieldwright.service.files import FileRunResult, dead_letter_path, output_columns, run_file
from fieldwright.service.library import document_json_schema, function_library
from fieldwright.service.logs import configure_logging
from fieldwright.service.mappings import (
    PreviewRow,
    compile_mapping,
    open_mapping,
    preview_file,
    preview_records,
    read_sample,
    test_mapping,
    validate_mapping,
)
from fieldwright.service.runs import RunDetail, RunFilter, RunHandle, RunProgress, RunResult
from fieldwright.service.scheduling import ScheduleRunner
from fieldwright.service.serve import serve

__all__ = [
    "ConnectorProblem",
    "Connectors",
    "DataError",
    "FileRunResult",
    "InvalidDocument",
    "InvalidRequest",
    "NotFound",
    "PreviewRow",
    "RunDetail",
    "RunFailed",
    "RunFilter",
    "RunHandle",
    "RunProgress",
    "RunResult",
    "SaveConflict",
    "ScheduleRunner",
    "Service",
    "ServiceError",
    "StandardConnectors",
    "StoreProblem",
    "compile_mapping",
    "configure_logging",
    "dead_letter_path",
    "document_json_schema",
    "function_library",
    "open_mapping",
    "output_columns",
    "preview_file",
    "preview_records",
    "read_sample",
    "run_file",
    "serve",
    "test_mapping",
    "validate_mapping",
]
