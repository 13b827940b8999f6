"""The store's public API is what __all__ says, and nothing private leaks into it."""

from __future__ import annotations

import fieldwright.store as store


def test_public_api_is_pinned() -> None:
    assert set(store.__all__) == {
        "ENV_VAR",
        "Conflict",
        "ConnectionRepository",
        "CorruptDatabase",
        "DatabaseLocation",
        "DatabaseStatus",
        "InvalidRecord",
        "LifecycleRepository",
        "MappingRepository",
        "MappingTestRepository",
        "MonitoringRepository",
        "NotFound",
        "PipelineRepository",
        "RunRepository",
        "ScheduleRepository",
        "SchemaOutOfDate",
        "ScheduleSla",
        "SchemaTooNew",
        "Store",
        "StoreBusy",
        "StoreSettings",
        "StoreError",
        "StoreUnavailable",
        "TemplateRepository",
        "TransformationRepository",
        "VersionConflict",
        "current",
        "default_url",
        "describe",
        "diff_documents",
        "head_revision",
        "status",
        "upgrade",
    }
    for name in set(store.__all__) - {"ENV_VAR"}:
        assert getattr(store, name).__module__.startswith("fieldwright.store")


def test_every_error_is_a_store_error() -> None:
    for name in (
        "Conflict",
        "VersionConflict",
        "NotFound",
        "InvalidRecord",
        "StoreUnavailable",
        "StoreBusy",
        "CorruptDatabase",
        "SchemaTooNew",
        "SchemaOutOfDate",
    ):
        assert issubclass(getattr(store, name), store.StoreError)
