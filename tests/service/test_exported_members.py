"""The façade's public API is what its modules' __all__ say; nothing private leaks into it.

`fieldwright.service.__all__` is assembled by the lead from these; this pins the parts.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

import fieldwright.service.errors as errors
import fieldwright.service.facade as facade
import fieldwright.service.runs as runs
import fieldwright.service.scheduling as scheduling

serve = importlib.import_module("fieldwright.service.serve")


def test_facade_api_is_pinned() -> None:
    assert set(facade.__all__) == {"Connectors", "StandardConnectors", "Service"}
    assert set(runs.__all__) == {
        "DeadLetterSource",
        "RunDetail",
        "RunFilter",
        "RunHandle",
        "RunProgress",
        "RunResult",
        "Runs",
    }
    assert set(errors.__all__) == {
        "ConnectorProblem",
        "DataError",
        "InvalidDocument",
        "InvalidRequest",
        "NotFound",
        "RunFailed",
        "SaveConflict",
        "ServiceError",
        "StoreProblem",
    }
    assert scheduling.__all__ == ["ScheduleRunner"]
    assert serve.__all__ == ["serve"]
    for module in (facade, runs, errors, scheduling, serve):
        for name in module.__all__:
            assert getattr(module, name).__module__.startswith("fieldwright.service")


def test_service_methods_are_the_ones_the_gui_and_cli_need() -> None:
    public = {
        name
        for name, member in inspect.getmembers(facade.Service)
        if not name.startswith("_") and (callable(member) or isinstance(member, property))
    }
    assert public == {
        "close",
        "connections",
        "create_schedule",
        "dead_letters",
        "delete_schedule",
        "diff",
        "export_dead_letters",
        "fire_times",
        "history",
        "list_mappings",
        "list_runs",
        "list_schedules",
        "location",
        "open",
        "open_mapping",
        "preview",
        "reprocess",
        "restore",
        "run_detail",
        "run_schedule_now",
        "run_tests",
        "runs",
        "save_mapping",
        "schedule_executions",
        "set_schedule_active",
        "start_run",
        "templates",
        "update_schedule",
        "user",
        "validate",
    }


def test_every_service_error_is_a_service_error() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.ServiceError)


def test_package_exports_exactly_its_all() -> None:
    """Every name of `fieldwright.service.__all__` resolves (lazily), and only those do."""
    import fieldwright.service as service

    for name in service.__all__:
        value = getattr(service, name)
        assert value.__module__.startswith("fieldwright.service"), name
    assert all(not name.startswith("_") for name in service.__all__)
    assert {"Service", "RunHandle", "ServiceError", "run_file"} <= set(service.__all__)
    with pytest.raises(AttributeError, match="no attribute 'Store'"):
        _ = service.Store  # the store's own classes stay behind the façade
