"""The local service layer: the one door the desktop app, the command line and authoring use.

Qt-free. Progress and state changes are delivered through callbacks that the
GUI adapts to signals. Every error it raises is a `ServiceError` (see
`fieldwright.service.errors`), with a message naming what failed and what the
user can do; lower-level errors are wrapped at this boundary.

One API shape:

- **Stateless functions** for work on a document (or a file) that needs no store:
  `open_mapping`, `validate_mapping`, `compile_mapping`, `preview_records`,
  `preview_file`, `read_sample`, `test_mapping`, `run_document_tests`, `run_file`,
  `junit_xml`, the function library, cron descriptions and schedule plans, keyring
  secrets. They take a `MappingDocument`, or where a caller has compiled it already,
  its `CompiledMapping` (not compiled again).
- **`Service` methods** only for what needs the open store: stored mappings and their
  versions, runs logged in the store and their dead letters, schedules, connections
  and templates.

Types of the layers below that callers name (`SuiteResult`, `RecordTrace`, `Plan`,
`KeyringStatus` …) are re-exported here, so nothing above the service imports the
engine, the store, the connectors or the scheduler (an import-linter contract).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fieldwright._lazy import lazy_exports

if TYPE_CHECKING:
    from fieldwright.service._connectors import file_connector, file_kind_format
    from fieldwright.service._results import RunProgress, RunResult
    from fieldwright.service.background import (
        BackgroundScheduler,
        StateChange,
        start_background_scheduler,
    )
    from fieldwright.service.connections import ConnectionCheck
    from fieldwright.service.database import (
        current_revision,
        database_info,
        export_mapping,
        import_mapping,
        upgrade_database,
    )
    from fieldwright.service.errors import (
        ConnectorProblem,
        CredentialProblem,
        DataError,
        InvalidDocument,
        InvalidRequest,
        InvalidSchedule,
        NotFound,
        RunFailed,
        SaveConflict,
        ServiceError,
        StoreProblem,
    )
    from fieldwright.service.events import (
        RunEnded,
        RunProgressed,
        RunStarted,
        ScheduleFired,
        ServiceEvents,
    )
    from fieldwright.service.facade import Connectors, Service, StandardConnectors
    from fieldwright.service.files import dead_letter_path, output_columns, run_file
    from fieldwright.service.library import document_json_schema, function_library
    from fieldwright.service.logs import configure_logging
    from fieldwright.service.lookup_tables import (
        FilterCounts,
        check_filter,
        read_table_file,
        sample_filter,
    )
    from fieldwright.service.mappings import (
        CompiledMapping,
        FieldTrace,
        PreviewRow,
        RecordTrace,
        compile_leniently,
        compile_mapping,
        open_mapping,
        preview_file,
        preview_records,
        read_sample,
        test_mapping,
        validate_mapping,
    )
    from fieldwright.service.monitoring_models import (
        ErrorPattern,
        Health,
        HealthCheck,
        IntegrationHealth,
        MonitoringSummary,
        MonitoringTotals,
        ScheduleHealth,
        ScheduleSla,
        Window,
    )
    from fieldwright.service.plans import (
        DURATION_UNITS,
        Plan,
        describe_cron,
        describe_schedule,
        plan_schedule,
        validate_schedule,
    )
    from fieldwright.service.runs import RunDetail, RunFilter, RunHandle
    from fieldwright.service.scheduling import ScheduleRunner
    from fieldwright.service.schemas import (
        infer_schema_from_connector,
        infer_schema_from_file,
        schema_from_database_table,
        schema_from_json_schema_file,
    )
    from fieldwright.service.secrets import KeyringStatus, get_secret, keyring_status, set_secret
    from fieldwright.service.serve import serve_schedules
    from fieldwright.service.suites import (
        Coverage,
        Difference,
        SuiteResult,
        TestResult,
        junit_xml,
        run_document_tests,
        write_junit,
    )
    from fieldwright.service.templates import Certification, TemplateSummary

#: Where each public name lives; imported on first use (PEP 562), so a
#: command that only maps a file never loads the store, the scheduler or httpx.
_LOCATIONS = {
    "ErrorPattern": "fieldwright.service.monitoring_models",
    "Health": "fieldwright.service.monitoring_models",
    "HealthCheck": "fieldwright.service.monitoring_models",
    "IntegrationHealth": "fieldwright.service.monitoring_models",
    "MonitoringSummary": "fieldwright.service.monitoring_models",
    "MonitoringTotals": "fieldwright.service.monitoring_models",
    "ScheduleHealth": "fieldwright.service.monitoring_models",
    "ScheduleSla": "fieldwright.service.monitoring_models",
    "Window": "fieldwright.service.monitoring_models",
    "BackgroundScheduler": "fieldwright.service.background",
    "StateChange": "fieldwright.service.background",
    "start_background_scheduler": "fieldwright.service.background",
    "ConnectionCheck": "fieldwright.service.connections",
    "RunEnded": "fieldwright.service.events",
    "RunProgressed": "fieldwright.service.events",
    "RunStarted": "fieldwright.service.events",
    "ScheduleFired": "fieldwright.service.events",
    "ServiceEvents": "fieldwright.service.events",
    "Certification": "fieldwright.service.templates",
    "TemplateSummary": "fieldwright.service.templates",
    "database_info": "fieldwright.service.database",
    "upgrade_database": "fieldwright.service.database",
    "current_revision": "fieldwright.service.database",
    "export_mapping": "fieldwright.service.database",
    "import_mapping": "fieldwright.service.database",
    "infer_schema_from_connector": "fieldwright.service.schemas",
    "infer_schema_from_file": "fieldwright.service.schemas",
    "schema_from_database_table": "fieldwright.service.schemas",
    "schema_from_json_schema_file": "fieldwright.service.schemas",
    "serve_schedules": "fieldwright.service.serve",
    "check_filter": "fieldwright.service.lookup_tables",
    "read_table_file": "fieldwright.service.lookup_tables",
    "FilterCounts": "fieldwright.service.lookup_tables",
    "sample_filter": "fieldwright.service.lookup_tables",
    "CompiledMapping": "fieldwright.service.mappings",
    "ConnectorProblem": "fieldwright.service.errors",
    "Connectors": "fieldwright.service.facade",
    "Coverage": "fieldwright.service.suites",
    "CredentialProblem": "fieldwright.service.errors",
    "DataError": "fieldwright.service.errors",
    "Difference": "fieldwright.service.suites",
    "FieldTrace": "fieldwright.service.mappings",
    "InvalidDocument": "fieldwright.service.errors",
    "InvalidRequest": "fieldwright.service.errors",
    "InvalidSchedule": "fieldwright.service.errors",
    "KeyringStatus": "fieldwright.service.secrets",
    "NotFound": "fieldwright.service.errors",
    "Plan": "fieldwright.service.plans",
    "PreviewRow": "fieldwright.service.mappings",
    "RecordTrace": "fieldwright.service.mappings",
    "RunDetail": "fieldwright.service.runs",
    "RunFailed": "fieldwright.service.errors",
    "RunFilter": "fieldwright.service.runs",
    "RunHandle": "fieldwright.service.runs",
    "RunProgress": "fieldwright.service._results",
    "RunResult": "fieldwright.service._results",
    "SaveConflict": "fieldwright.service.errors",
    "ScheduleRunner": "fieldwright.service.scheduling",
    "Service": "fieldwright.service.facade",
    "ServiceError": "fieldwright.service.errors",
    "StandardConnectors": "fieldwright.service.facade",
    "StoreProblem": "fieldwright.service.errors",
    "SuiteResult": "fieldwright.service.suites",
    "TestResult": "fieldwright.service.suites",
    "compile_leniently": "fieldwright.service.mappings",
    "compile_mapping": "fieldwright.service.mappings",
    "configure_logging": "fieldwright.service.logs",
    "dead_letter_path": "fieldwright.service.files",
    "describe_cron": "fieldwright.service.plans",
    "describe_schedule": "fieldwright.service.plans",
    "DURATION_UNITS": "fieldwright.service.plans",
    "document_json_schema": "fieldwright.service.library",
    "file_connector": "fieldwright.service._connectors",
    "file_kind_format": "fieldwright.service._connectors",
    "function_library": "fieldwright.service.library",
    "get_secret": "fieldwright.service.secrets",
    "junit_xml": "fieldwright.service.suites",
    "keyring_status": "fieldwright.service.secrets",
    "open_mapping": "fieldwright.service.mappings",
    "output_columns": "fieldwright.service.files",
    "plan_schedule": "fieldwright.service.plans",
    "preview_file": "fieldwright.service.mappings",
    "preview_records": "fieldwright.service.mappings",
    "read_sample": "fieldwright.service.mappings",
    "run_document_tests": "fieldwright.service.suites",
    "run_file": "fieldwright.service.files",
    "set_secret": "fieldwright.service.secrets",
    "test_mapping": "fieldwright.service.mappings",
    "validate_mapping": "fieldwright.service.mappings",
    "write_junit": "fieldwright.service.suites",
    "validate_schedule": "fieldwright.service.plans",
}

__all__ = [
    "DURATION_UNITS",
    "BackgroundScheduler",
    "Certification",
    "CompiledMapping",
    "ConnectionCheck",
    "ConnectorProblem",
    "Connectors",
    "Coverage",
    "CredentialProblem",
    "DataError",
    "Difference",
    "ErrorPattern",
    "FieldTrace",
    "FilterCounts",
    "Health",
    "HealthCheck",
    "IntegrationHealth",
    "InvalidDocument",
    "InvalidRequest",
    "InvalidSchedule",
    "KeyringStatus",
    "MonitoringSummary",
    "MonitoringTotals",
    "NotFound",
    "Plan",
    "PreviewRow",
    "RecordTrace",
    "RunDetail",
    "RunEnded",
    "RunFailed",
    "RunFilter",
    "RunHandle",
    "RunProgress",
    "RunProgressed",
    "RunResult",
    "RunStarted",
    "SaveConflict",
    "ScheduleFired",
    "ScheduleHealth",
    "ScheduleRunner",
    "ScheduleSla",
    "Service",
    "ServiceError",
    "ServiceEvents",
    "StandardConnectors",
    "StateChange",
    "StoreProblem",
    "SuiteResult",
    "TemplateSummary",
    "TestResult",
    "Window",
    "check_filter",
    "compile_leniently",
    "compile_mapping",
    "configure_logging",
    "current_revision",
    "database_info",
    "dead_letter_path",
    "describe_cron",
    "describe_schedule",
    "document_json_schema",
    "export_mapping",
    "file_connector",
    "file_kind_format",
    "function_library",
    "get_secret",
    "import_mapping",
    "infer_schema_from_connector",
    "infer_schema_from_file",
    "junit_xml",
    "keyring_status",
    "open_mapping",
    "output_columns",
    "plan_schedule",
    "preview_file",
    "preview_records",
    "read_sample",
    "read_table_file",
    "run_document_tests",
    "run_file",
    "sample_filter",
    "schema_from_database_table",
    "schema_from_json_schema_file",
    "serve_schedules",
    "set_secret",
    "start_background_scheduler",
    "test_mapping",
    "upgrade_database",
    "validate_mapping",
    "validate_schedule",
    "write_junit",
]


__getattr__, __dir__ = lazy_exports("fieldwright.service", globals(), _LOCATIONS, __all__)
