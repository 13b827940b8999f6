"""The store: mappings with immutable versions, templates, schedules, runs, dead letters.

SQLite in the user data directory by default, PostgreSQL by URL
(FIELDWRIGHT_DATABASE_URL). Open it with ``Store.open(url)``; each repository
takes the open store::

    with Store.open() as store:
        mappings = MappingRepository(store)
        info = mappings.save_mapping(document, base_version=3)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fieldwright._lazy import lazy_exports

if TYPE_CHECKING:
    from fieldwright.store.admin import DatabaseStatus, current, status, upgrade
    from fieldwright.store.connections import ConnectionRepository
    from fieldwright.store.diff import diff_documents
    from fieldwright.store.errors import (
        Conflict,
        CorruptDatabase,
        InvalidRecord,
        NotFound,
        SchemaOutOfDate,
        SchemaTooNew,
        StoreBusy,
        StoreError,
        StoreUnavailable,
        VersionConflict,
    )
    from fieldwright.store.lifecycle import LifecycleRepository
    from fieldwright.store.mapping_tests import MappingTestRepository
    from fieldwright.store.mappings import MappingRepository
    from fieldwright.store.migrate import head_revision
    from fieldwright.store.monitoring import MonitoringRepository, ScheduleSla
    from fieldwright.store.pipelines import PipelineRepository
    from fieldwright.store.runs import RunRepository
    from fieldwright.store.schedules import ScheduleRepository
    from fieldwright.store.settings import ENV_VAR, DatabaseLocation, default_url, describe
    from fieldwright.store.store import Store
    from fieldwright.store.store_settings import StoreSettings
    from fieldwright.store.templates import TemplateRepository
    from fieldwright.store.transformations import TransformationRepository

# Imported on first use: the errors alone must not load SQLAlchemy and Alembic
# (every `fieldwright` command reaches them through the service's error boundary).
_LOCATIONS = {
    "ENV_VAR": "fieldwright.store.settings",
    "Conflict": "fieldwright.store.errors",
    "ConnectionRepository": "fieldwright.store.connections",
    "CorruptDatabase": "fieldwright.store.errors",
    "DatabaseLocation": "fieldwright.store.settings",
    "DatabaseStatus": "fieldwright.store.admin",
    "InvalidRecord": "fieldwright.store.errors",
    "LifecycleRepository": "fieldwright.store.lifecycle",
    "MappingRepository": "fieldwright.store.mappings",
    "MappingTestRepository": "fieldwright.store.mapping_tests",
    "MonitoringRepository": "fieldwright.store.monitoring",
    "NotFound": "fieldwright.store.errors",
    "PipelineRepository": "fieldwright.store.pipelines",
    "RunRepository": "fieldwright.store.runs",
    "ScheduleRepository": "fieldwright.store.schedules",
    "ScheduleSla": "fieldwright.store.monitoring",
    "SchemaOutOfDate": "fieldwright.store.errors",
    "SchemaTooNew": "fieldwright.store.errors",
    "Store": "fieldwright.store.store",
    "StoreBusy": "fieldwright.store.errors",
    "StoreError": "fieldwright.store.errors",
    "StoreSettings": "fieldwright.store.store_settings",
    "StoreUnavailable": "fieldwright.store.errors",
    "TemplateRepository": "fieldwright.store.templates",
    "TransformationRepository": "fieldwright.store.transformations",
    "VersionConflict": "fieldwright.store.errors",
    "current": "fieldwright.store.admin",
    "default_url": "fieldwright.store.settings",
    "describe": "fieldwright.store.settings",
    "diff_documents": "fieldwright.store.diff",
    "head_revision": "fieldwright.store.migrate",
    "status": "fieldwright.store.admin",
    "upgrade": "fieldwright.store.admin",
}

__all__ = [
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
    "ScheduleSla",
    "SchemaOutOfDate",
    "SchemaTooNew",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreSettings",
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
]

__getattr__, __dir__ = lazy_exports("fieldwright.store", globals(), _LOCATIONS, __all__)
