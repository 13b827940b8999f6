"""The local service layer: the one façade the desktop app and the command line call.

Qt-free. Progress and state changes are delivered through callbacks that the
GUI adapts to signals.
"""

from fieldwright.service.errors import DataError, InvalidDocument, ServiceError
from fieldwright.service.files import FileRunResult, dead_letter_path, output_columns, run_file
from fieldwright.service.library import document_json_schema, function_library
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

__all__ = [
    "DataError",
    "FileRunResult",
    "InvalidDocument",
    "PreviewRow",
    "ServiceError",
    "compile_mapping",
    "dead_letter_path",
    "document_json_schema",
    "function_library",
    "open_mapping",
    "output_columns",
    "preview_file",
    "preview_records",
    "read_sample",
    "run_file",
    "test_mapping",
    "validate_mapping",
]
