"""The service's public names are pinned: what app, cli and authoring may use, and nothing else.

Like httpx's tests/test_exported_members.py: a name added to or removed from
`fieldwright.service.__all__` fails here until this list says so.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

import fieldwright.service as service
import fieldwright.service.errors as errors
import fieldwright.service.facade as facade

REPO = Path(__file__).resolve().parents[2]

#: Every public name of `fieldwright.service`, in `__all__`'s order.
PUBLIC = [
    "ENGINES",
    "FieldEngine",
    "engine_report",
    "Approvals",
    "ArgHint",
    "AuthKind",
    "HubHealth",
    "HubItem",
    "HubSchedule",
    "Integration",
    "IntegrationFilter",
    "IntegrationKind",
    "IntegrationOverview",
    "filter_integrations",
    "integration_kinds",
    "ErrorPattern",
    "Health",
    "HealthCheck",
    "IntegrationHealth",
    "MonitoringSummary",
    "MonitoringTotals",
    "ScheduleHealth",
    "ScheduleSla",
    "Window",
    "BackgroundScheduler",
    "Certification",
    "CompiledMapping",
    "ConnectionCheck",
    "ConnectorProblem",
    "Connectors",
    "Coverage",
    "CredentialProblem",
    "DURATION_UNITS",
    "DataError",
    "Difference",
    "EndpointRefused",
    "FieldTrace",
    "FilterCounts",
    "InvalidDocument",
    "InvalidRequest",
    "InvalidSchedule",
    "KeyringStatus",
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
    "ScheduleRunner",
    "Service",
    "ServiceError",
    "ServiceEvents",
    "StandardConnectors",
    "StateChange",
    "StoreProblem",
    "SuiteResult",
    "TemplateSummary",
    "TestResult",
    "anchor_paths",
    "check_target",
    "check_filter",
    "call_function",
    "compile_leniently",
    "compile_mapping",
    "configure_logging",
    "current_revision",
    "database_info",
    "date_format_example",
    "dead_letter_path",
    "describe_cron",
    "describe_schedule",
    "document_json_schema",
    "endpoint_setting_names",
    "export_mapping",
    "expression_problem",
    "file_connector",
    "field_help",
    "file_kind_format",
    "function_library",
    "ExpressionFunction",
    "ExpressionOperator",
    "ExpressionProblem",
    "check_expression",
    "expression_functions",
    "expression_operators",
    "get_secret",
    "import_mapping",
    "import_pipeline",
    "is_stored_pipeline",
    "export_pipeline",
    "StoredPipelines",
    "CaseResult",
    "ChainTestCase",
    "ChainTestRun",
    "StoredTransformations",
    "TransformationDiff",
    "TransformationDocument",
    "TransformationSummary",
    "TransformationType",
    "TransformationVersionInfo",
    "chain_library",
    "new_transformation",
    "open_transformation",
    "parse_transformation",
    "run_chain_tests",
    "transformation_key",
    "infer_schema_from_connector",
    "infer_schema_from_file",
    "junit_xml",
    "keyring_status",
    "open_mapping",
    "output_columns",
    "parse_role",
    "pattern_problem",
    "plan_schedule",
    "preview_endpoint",
    "preview_file",
    "preview_records",
    "read_sample",
    "read_table_file",
    "reference_markdown",
    "run_document_tests",
    "run_file",
    "run_distributed",
    "distributed_pipeline_problem",
    "parse_size",
    "part_paths",
    "parts_manifest_path",
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
    # pipelines (issue 19)
    "CompiledPipeline",
    "PipelineRunResult",
    "StepCounts",
    "check_pipeline",
    "compile_pipeline_file",
    "is_pipeline_file",
    "open_pipeline",
    "run_pipeline_file",
    "PipelinePreview",
    "StepSample",
    "preview_pipeline_file",
    "run_pipeline_suite",
    "LineageHop",
    "PipelineTrace",
    "StepTrace",
    "compile_pipeline_document",
    "trace_pipeline_file",
    # templates that carry pipelines (issue 19 item 6)
    "TemplateUse",
    "is_template_file",
    "test_template_file",
]

#: Types of the layers below that the app and the CLI name (results, traces, plans): the
#: service re-exports them so that nothing above it imports the engine, the scheduler or
#: the connectors. Never an exception: those are wrapped in `ServiceError`s.
RE_EXPORTED = {
    "ChainTestCase": "fieldwright.domain.transformation",
    "TransformationDiff": "fieldwright.domain.transformation",
    "TransformationDocument": "fieldwright.domain.transformation",
    "TransformationSummary": "fieldwright.domain.transformation",
    "TransformationType": "fieldwright.domain.transformation",
    "TransformationVersionInfo": "fieldwright.domain.transformation",
    "ArgHint": "fieldwright.engine",
    "CompiledMapping": "fieldwright.engine",
    "Coverage": "fieldwright.engine",
    "Difference": "fieldwright.engine",
    "ExpressionFunction": "fieldwright.engine",
    "ExpressionOperator": "fieldwright.engine",
    "ExpressionProblem": "fieldwright.engine",
    "FieldTrace": "fieldwright.engine",
    "KeyringStatus": "fieldwright.connectors",
    "Plan": "fieldwright.scheduler",
    "RecordTrace": "fieldwright.engine",
    "StateChange": "fieldwright.scheduler",
    "SuiteResult": "fieldwright.engine",
    "TestResult": "fieldwright.engine",
    "CompiledPipeline": "fieldwright.engine",
    "StepCounts": "fieldwright.engine",
    "PipelinePreview": "fieldwright.engine",
    "StepSample": "fieldwright.engine",
    "LineageHop": "fieldwright.engine",
    "PipelineTrace": "fieldwright.engine",
    "StepTrace": "fieldwright.engine",
}


def _public_modules() -> list[ModuleType]:
    """The service's public modules (not `_private` ones), imported."""
    return [
        importlib.import_module(f"fieldwright.service.{info.name}")
        for info in pkgutil.iter_modules(service.__path__)
        if not info.name.startswith("_")
    ]


def test_the_public_names_are_pinned() -> None:
    assert sorted(service.__all__) == sorted(PUBLIC)
    assert sorted(dir(service)) == sorted({*PUBLIC, *(n for n in dir(service) if n[0] == "_")})


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_imports_from_where_it_is_said_to_live(name: str) -> None:
    value = getattr(service, name)
    namespace: dict[str, object] = {}
    exec(f"from fieldwright.service import {name}", namespace)  # the way callers import it
    assert namespace[name] is value
    home = RE_EXPORTED.get(name, "fieldwright.service")
    if name.isupper():  # a constant (a tuple has no module of its own)
        return
    assert value.__module__.startswith(home), (name, value.__module__)


def test_the_one_package_contract_forbids_every_module_of_the_service() -> None:
    """pyproject's import-linter contract names each service module: a new one is added."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = pyproject["tool"]["importlinter"]["contracts"]
    (one_package,) = [c for c in contracts if "as one package" in c["name"]]
    modules = {f"fieldwright.service.{m.name}" for m in pkgutil.iter_modules(service.__path__)}
    assert set(one_package["forbidden_modules"]) == modules
    assert set(one_package["source_modules"]) == {
        "fieldwright.app",
        "fieldwright.cli",
        "fieldwright.authoring",
    }


def test_the_store_stays_behind_the_facade() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Store'"):
        _ = service.Store  # type: ignore[attr-defined]


def test_every_exception_a_public_module_exports_is_a_service_error() -> None:
    """Lower-level exception classes are wrapped at the boundary, never re-exported."""
    exported = [
        (module.__name__, name, getattr(module, name))
        for module in _public_modules()
        for name in getattr(module, "__all__", ())
    ]
    assert len(exported) > len(PUBLIC)  # the public modules were all found
    for module_name, name, value in exported:
        if inspect.isclass(value) and issubclass(value, BaseException):
            assert issubclass(value, errors.ServiceError), f"{module_name}.{name}"


def test_service_errors_are_one_family() -> None:
    assert set(errors.__all__) == {
        "ConnectorProblem",
        "CredentialProblem",
        "DataError",
        "EndpointRefused",
        "InvalidDocument",
        "InvalidRequest",
        "InvalidSchedule",
        "NotFound",
        "RunFailed",
        "SaveConflict",
        "ServiceError",
        "StoreProblem",
    }
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.ServiceError)
        assert name in PUBLIC


def test_service_methods_are_the_ones_that_need_the_store() -> None:
    public = {
        name
        for name, member in inspect.getmembers(facade.Service)
        if not name.startswith("_") and (callable(member) or isinstance(member, property))
    }
    assert public == {
        "approvals",
        "close",
        "connections",
        "create_schedule",
        "dead_letters",
        "delete_schedule",
        "diff",
        "events",
        "export_dead_letters",
        "fire_times",
        "get_schedule",
        "history",
        "integration_kinds",
        "integrations",
        "list_mappings",
        "list_runs",
        "list_schedules",
        "location",
        "monitoring",
        "open",
        "open_mapping",
        "pattern_letters",
        "pipelines",
        "transformations",
        "reprocess",
        "reprocess_blocker",
        "restore",
        "run_detail",
        "run_schedule_now",
        "runs",
        "save_mapping",
        "schedule_executions",
        "schedule_sla",
        "set_schedule_active",
        "set_schedule_sla",
        "settle_stopped_runs",
        "start_run",
        "templates",
        "update_schedule",
        "user",
    }


def test_file_connector_reads_the_kind_off_the_extension(tmp_path: Path) -> None:
    from fieldwright.service import file_connector

    ref = file_connector(tmp_path / "people.CSV", encoding="latin-1")
    assert ref.kind == "csv"
    assert ref.settings == {"path": str(tmp_path / "people.CSV"), "encoding": "latin-1"}
    assert file_connector("out.jsonl").kind == "ndjson"
